"""A learner's practice deck: one card per question they missed, and each review of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from coursework.db import utcnow
from coursework.extensions import db
from quizzes.models import Quiz, QuizVersion
from quizzes.practice.schedule import FIRST_EASE


class PracticeCard(db.Model):
    """One question in one learner's deck, as the quiz version they missed it in asked it."""

    __tablename__ = "practice_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "question_key"),
        Index("ix_practice_cards_user_due", "user_id", "due_on"),
        CheckConstraint("interval_days > 0", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id", ondelete="CASCADE"))
    question_key: Mapped[int]
    due_on: Mapped[date]
    interval_days: Mapped[int] = mapped_column(default=1)
    ease: Mapped[float] = mapped_column(default=FIRST_EASE)
    repetitions: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    # Set once the question is remembered; the card then leaves the deck.
    remembered_at: Mapped[datetime | None]
    # The order the choices are shown in while the card waits for an answer, so the
    # options the learner names mean what they saw.
    layout: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded only when the question is shown: counting and choosing cards never reads a
    # snapshot (My learning asks how many are due on every visit).
    version: Mapped[QuizVersion] = relationship()
    quiz: Mapped[Quiz] = relationship(lazy="joined", innerjoin=True)


class PracticeReview(db.Model):
    """One answer given in practice, graded by the question's kind."""

    __tablename__ = "practice_reviews"
    __table_args__ = (
        Index("ix_practice_reviews_user_day", "user_id", "reviewed_on"),
        Index("ix_practice_reviews_question", "quiz_id", "question_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("practice_cards.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    question_key: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_on: Mapped[date]  # the learner's day, which the daily session counts
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    layout: Mapped[dict] = mapped_column(JSON, default=dict)
    fraction: Mapped[float]
    quality: Mapped[int]
    next_due_on: Mapped[date | None]  # None once remembered

    card: Mapped[PracticeCard] = relationship(lazy="joined", innerjoin=True)
