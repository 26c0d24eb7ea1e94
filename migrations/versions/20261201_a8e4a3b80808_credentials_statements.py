"""Credentials and statements: voided statements and cursors.

Revision ID: a8e4a3b80808
Revises: a7d3f2a70807
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e4a3b80808'
down_revision = 'a7d3f2a70807'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
