from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from coursework.db import utcnow
from coursework.extensions import db


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    # Certificates of this course expire this many months after issue; None: never.
    certificate_valid_months: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    source_markdown: Mapped[str] = mapped_column(Text)
    # Rendered and sanitised once, at import; pages show it as it is.
    body_html: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[int]
    # Identifies the content a learner completed; an edit changes it.
    content_hash: Mapped[str] = mapped_column(String(64))
    # A lesson removed from the course document is retired, keeping learners' history.
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons", lazy="joined")

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    def __repr__(self) -> str:
        return f"<Lesson {self.course_id}/{self.slug}>"
