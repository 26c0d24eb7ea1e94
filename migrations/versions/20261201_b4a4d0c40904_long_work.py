"""Long work off the request: jobs with progress that a page can follow.

Revision ID: b4a4d0c40904
Revises: b3a3d0c30903
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b4a4d0c40904"
down_revision = "b3a3d0c30903"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
