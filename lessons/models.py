from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
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
    # The language the content is written in (a BCP 47 tag from the course's metadata):
    # content is never translated, so its pages say which language it is in.
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
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


class StaffRole(StrEnum):
    OWNER = "owner"
    CO_INSTRUCTOR = "co_instructor"


class CourseStaff(db.Model):
    """The instructors who alone (with admins) may change a course, its quizzes, read their
    answer keys and statistics, and revoke its certificates.

    A course has at most one owner, who adds and removes co-instructors. A course with no
    staff (the shipped one, or one imported at the shell) is for admins only.
    """

    __tablename__ = "course_staff"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'co_instructor')", name="role_known"),
        Index(
            "uq_course_staff_one_owner",
            "course_id",
            unique=True,
            sqlite_where=text("role = 'owner'"),
            postgresql_where=text("role = 'owner'"),
        ),
    )

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_owner(self) -> bool:
        return self.role == StaffRole.OWNER.value


class CourseAsset(db.Model):
    """An image from a course's folder, stored with the course so that every process of the
    app serves the same bytes (no files on one machine's disk)."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # Its path in the course folder, as lessons refer to it: `diagrams/flow.png`.
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
