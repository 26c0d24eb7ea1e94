"""Question banks: a course's questions by category, and quizzes' "N random questions
from category C" rules.

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
    op.create_table(
        "bank_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_bank_questions_course_id_courses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_questions")),
    )
    op.create_index("ix_bank_questions_course_category", "bank_questions", ["course_id", "category"])
    op.create_table(
        "quiz_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_quiz_draws_count_positive")),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_draws_quiz_id_quizzes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_draws")),
        sa.UniqueConstraint("quiz_id", "category", name=op.f("uq_quiz_draws_quiz_id_category")),
    )
    op.create_index(op.f("ix_quiz_draws_quiz_id"), "quiz_draws", ["quiz_id"])


def downgrade():
    op.drop_index(op.f("ix_quiz_draws_quiz_id"), table_name="quiz_draws")
    op.drop_table("quiz_draws")
    op.drop_index("ix_bank_questions_course_category", table_name="bank_questions")
    op.drop_table("bank_questions")
