"""LTI 1.3: registered platforms, deployments, launches and their links to resources.

Revision ID: b2a2d0c20902
Revises: b1a1d0c10901
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b2a2d0c20902"
down_revision = "b1a1d0c10901"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
