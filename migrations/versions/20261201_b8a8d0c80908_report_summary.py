"""The report at scale: a per-(person, course) progress summary and indexes for its sorts.

Revision ID: b8a8d0c80908
Revises: b7a7d0c70907
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b8a8d0c80908"
down_revision = "b7a7d0c70907"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
