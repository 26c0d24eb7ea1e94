"""Background work: mail states, reminders sent, LRS forwarding.

Revision ID: a6c2e1f60806
Revises: a5b1d0e50805
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c2e1f60806'
down_revision = 'a5b1d0e50805'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
