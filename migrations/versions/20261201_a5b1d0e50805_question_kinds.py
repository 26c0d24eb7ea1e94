"""Question kinds: ordering and essays graded by instructors.

Revision ID: a5b1d0e50805
Revises: a4bead5a0804
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5b1d0e50805'
down_revision = 'a4bead5a0804'
branch_labels = None
depends_on = None


def upgrade():
    # Ordering needs no schema change: a question's kind is a string (quiz_questions.kind),
    # its items are choices and its answers JSON. The essay kind, not built yet, will add
    # its grading here.
    pass


def downgrade():
    pass
