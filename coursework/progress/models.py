from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from coursework.db import utcnow
from coursework.extensions import db


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # The lesson content the learner completed; an edited lesson asks to be read again.
    completed_hash: Mapped[str | None] = mapped_column(String(64))


class ProgressSummary(db.Model):
    """Where one learner stands on one course's steps, kept exact by
    `coursework.progress.summary` in the transaction of every change it depends on, so the
    organisation report reads one narrow row per (person, course) instead of every lesson
    and attempt. A row may be missing or all zeros: both mean "nothing done yet"."""

    __tablename__ = "progress_summaries"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Of the course's current lessons: opened, and completed on their current content.
    lessons_opened: Mapped[int] = mapped_column(default=0)
    lessons_done: Mapped[int] = mapped_column(default=0)
    # Submitted attempts at the course's quizzes that count (published, on a current
    # lesson or final), graded or awaiting grading; only graded ones have scores.
    attempts: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[float | None]
    latest_score: Mapped[float | None]
    # Required quizzes tried at least once, and passed by the quiz's grading method.
    quizzes_tried: Mapped[int] = mapped_column(default=0)
    quizzes_passed: Mapped[int] = mapped_column(default=0)


class LearningEvent(db.Model):
    """What a learner did, once, never edited: the raw material for reports and xAPI."""

    __tablename__ = "learning_events"
    __table_args__ = (Index("ix_learning_events_actor_time", "actor_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    context: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(LearningEvent, "before_update")
@event.listens_for(LearningEvent, "before_delete")
def _refuse_rewriting_history(mapper, connection, target: LearningEvent) -> None:
    raise RuntimeError("learning events are append-only")
