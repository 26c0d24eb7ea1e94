"""Question kinds (reserved).

Revision ID: c4c4d0d40a04
Revises: c3c3d0d30a03
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4c4d0d40a04"
down_revision = "c3c3d0d30a03"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
