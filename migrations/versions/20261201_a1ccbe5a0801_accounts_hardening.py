"""Accounts hardening: verified emails, disabled accounts, password reset tokens, platform outbox.

Revision ID: a1ccbe5a0801
Revises: 31a5d31e1561
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1ccbe5a0801'
down_revision = '31a5d31e1561'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
