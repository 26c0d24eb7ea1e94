"""Forwarding statements to an organisation's LRS, and each person's time zone.

Revision ID: b3a3d0c30903
Revises: b2a2d0c20902
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b3a3d0c30903"
down_revision = "b2a2d0c20902"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
