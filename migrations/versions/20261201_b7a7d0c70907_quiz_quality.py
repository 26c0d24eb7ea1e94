"""Quiz quality: learning objectives on questions.

Revision ID: b7a7d0c70907
Revises: b6a6d0c60906
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b7a7d0c70907"
down_revision = "b6a6d0c60906"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
