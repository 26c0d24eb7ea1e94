"""Spaced retrieval practice: each learner's deck of missed questions and their reviews,
and how sure a learner said they were of each quiz answer.

Revision ID: b9a9d0c90909
Revises: b8a8d0c80908
Create Date: 2026-12-01 08:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b9a9d0c90909"
down_revision = "b8a8d0c80908"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sure", sa.Boolean(), nullable=True))
    op.create_table(
        "practice_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("ease", sa.Float(), nullable=False),
        sa.Column("repetitions", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("remembered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("interval_days > 0", name=op.f("ck_practice_cards_interval_positive")),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_practice_cards_quiz_id_quizzes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_practice_cards_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["quiz_versions.id"], name=op.f("fk_practice_cards_version_id_quiz_versions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_cards")),
        sa.UniqueConstraint("user_id", "quiz_id", "question_key", name=op.f("uq_practice_cards_user_id_quiz_id_question_key")),
    )
    op.create_index("ix_practice_cards_user_due", "practice_cards", ["user_id", "due_on"])
    op.create_table(
        "practice_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["card_id"], ["practice_cards.id"], name=op.f("fk_practice_reviews_card_id_practice_cards"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_practice_reviews_quiz_id_quizzes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_practice_reviews_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_reviews")),
    )
    op.create_index("ix_practice_reviews_user_day", "practice_reviews", ["user_id", "reviewed_on"])
    op.create_index("ix_practice_reviews_question", "practice_reviews", ["quiz_id", "question_key"])


def downgrade():
    op.drop_index("ix_practice_reviews_question", table_name="practice_reviews")
    op.drop_index("ix_practice_reviews_user_day", table_name="practice_reviews")
    op.drop_table("practice_reviews")
    op.drop_index("ix_practice_cards_user_due", table_name="practice_cards")
    op.drop_table("practice_cards")
    with op.batch_alter_table("quiz_responses", schema=None) as batch_op:
        batch_op.drop_column("sure")
