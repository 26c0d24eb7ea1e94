"""Essay questions graded by the course's staff.

Revision ID: b6a6d0c60906
Revises: b5a5d0c50905
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b6a6d0c60906"
down_revision = "b5a5d0c50905"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
