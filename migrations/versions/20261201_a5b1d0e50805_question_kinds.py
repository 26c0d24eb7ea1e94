"""Question kinds: ordering and essays graded by instructors.

Revision ID: a5b1d0e50805
Revises: a4bead5a0804
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5b1d0e50805'
down_revision = 'a4bead5a0804'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
