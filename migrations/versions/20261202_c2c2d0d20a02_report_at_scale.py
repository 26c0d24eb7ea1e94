"""The organisation report at scale (reserved).

Revision ID: c2c2d0d20a02
Revises: c1c1d0d10a01
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c2c2d0d20a02"
down_revision = "c1c1d0d10a01"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
