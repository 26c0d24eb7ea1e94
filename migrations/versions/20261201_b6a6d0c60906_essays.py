"""Essay questions graded by the course's staff.

An essay's rubric lives in the question's `details` (JSON) and its answer in the response's
`answer` (JSON), so neither needs a column. What is new: who graded a response, when, and
their feedback to the learner; and an index on the attempts awaiting grading, for the
grading queues. The attempt state `awaiting_grading` fits the existing String(16).

Revision ID: b6a6d0c60906
Revises: b5a5d0c50905
Create Date: 2026-12-01 08:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b6a6d0c60906"
down_revision = "b5a5d0c50905"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("grader_feedback", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_quiz_responses_graded_by_id_users"),
            "users",
            ["graded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempts_awaiting",
            ["quiz_id"],
            unique=False,
            sqlite_where=sa.text("state = 'awaiting_grading'"),
            postgresql_where=sa.text("state = 'awaiting_grading'"),
        )


def downgrade():
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_quiz_attempts_awaiting",
            sqlite_where=sa.text("state = 'awaiting_grading'"),
            postgresql_where=sa.text("state = 'awaiting_grading'"),
        )
    with op.batch_alter_table("quiz_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_quiz_responses_graded_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("grader_feedback")
        batch_op.drop_column("graded_at")
        batch_op.drop_column("graded_by_id")
