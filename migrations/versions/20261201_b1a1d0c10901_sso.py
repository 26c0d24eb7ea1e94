"""Single sign-on: each organisation's OpenID Connect provider and the accounts linked to it.

Revision ID: b1a1d0c10901
Revises: a9f5b4c90809
Create Date: 2026-12-01 08:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "b1a1d0c10901"
down_revision = "a9f5b4c90809"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
