"""Course documents: stored images and lesson matching.

Revision ID: a7d3f2a70807
Revises: a6c2e1f60806
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3f2a70807'
down_revision = 'a6c2e1f60806'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
