"""The report at scale: a per-(person, course) progress summary and indexes for its sorts.

Revision ID: b8a8d0c80908
Revises: b6a6d0c60906
Create Date: 2026-12-01 08:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8a8d0c80908"
down_revision = "b6a6d0c60906"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "progress_summaries",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lessons_opened", sa.Integer(), nullable=False),
        sa.Column("lessons_done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("latest_score", sa.Float(), nullable=True),
        sa.Column("quizzes_tried", sa.Integer(), nullable=False),
        sa.Column("quizzes_passed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_progress_summaries_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_progress_summaries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "course_id", name=op.f("pk_progress_summaries")),
    )
    with op.batch_alter_table("progress_summaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_summaries_course_id"), ["course_id"], unique=False
        )
    # The backfill is the same statement the application runs for a changed course, over
    # every course: one INSERT ... SELECT, in the database.
    from coursework.progress.summary import rebuild

    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("progress_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_summaries_course_id"))
    op.drop_table("progress_summaries")
