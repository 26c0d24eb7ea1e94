"""Full-text search across lessons and question banks.

Revision ID: b5a5d0c50905
Revises: b4a4d0c40904
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b5a5d0c50905"
down_revision = "b4a4d0c40904"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
