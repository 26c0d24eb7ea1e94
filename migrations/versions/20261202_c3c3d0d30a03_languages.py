"""Languages (reserved).

Revision ID: c3c3d0d30a03
Revises: c2c2d0d20a02
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3c3d0d30a03"
down_revision = "c2c2d0d20a02"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
