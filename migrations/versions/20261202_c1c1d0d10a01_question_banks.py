"""Question banks (reserved).

Revision ID: c1c1d0d10a01
Revises: b9a9d0c90909
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c1c1d0d10a01"
down_revision = "b9a9d0c90909"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
