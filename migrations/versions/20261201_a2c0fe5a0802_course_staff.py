"""Course staff: owners and co-instructors.

Revision ID: a2c0fe5a0802
Revises: a1ccbe5a0801
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2c0fe5a0802'
down_revision = 'a1ccbe5a0801'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
