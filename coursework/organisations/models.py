from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coursework.db import utcnow
from coursework.extensions import db


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # IANA name; the default time zone of its members (their reminders' "today").
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")


class Membership(db.Model):
    """A person in an organisation. Removing them ends access but keeps the row (and
    their learning history) with `removed_at` set."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        CheckConstraint("role IN ('member', 'manager')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER.value and self.is_active


class Invitation(db.Model):
    """A single-use invitation; only a hash of its token is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_org_email", "organisation_id", "email"),
        CheckConstraint("role IN ('member', 'manager')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    def state(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "pending"


class Assignment(db.Model):
    """A course assigned to the whole organisation (no assignees listed, including people
    who join later) or to chosen members, with an optional due date."""

    __tablename__ = "assignments"
    __table_args__ = (
        # One organisation-wide assignment per course.
        Index(
            "uq_assignments_everyone_per_course",
            "organisation_id",
            "course_id",
            unique=True,
            sqlite_where=text("everyone"),
            postgresql_where=text("everyone"),
        ),
        # The report's course filter and its list of assigned courses.
        Index("ix_assignments_org_course", "organisation_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    everyone: Mapped[bool] = mapped_column(default=True)
    due_on: Mapped[date | None]
    # The manager's switch: off, nobody is reminded of this assignment's due date.
    reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assignees: Mapped[list[AssignmentMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AssignmentMember(db.Model):
    __tablename__ = "assignment_members"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ApiToken(db.Model):
    """A manager's token for pulling reports into their own systems: shown once, stored
    hashed, scoped to one organisation, read-only unless created otherwise."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StatementLogEntry(db.Model):
    """The organisation's xAPI statements feed, append-only: an event gets a row each time it
    enters the feed (a member's event on an assigned course, including earlier events of
    someone who joins or is assigned later) and a voiding row when it leaves it (removal,
    unassignment). Readers follow its id, so reading on from a cursor yields exactly what
    the full export holds."""

    __tablename__ = "statement_log"
    __table_args__ = (UniqueConstraint("organisation_id", "event_id", "appearance", "voided"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("learning_events.id", ondelete="CASCADE"))
    # 1 the first time the event enters the feed, 2 when it returns after being voided, …
    appearance: Mapped[int]
    voided: Mapped[bool] = mapped_column(default=False)
    logged_at: Mapped[datetime] = mapped_column(default=utcnow)


class LrsForwarding(db.Model):
    """Where an organisation's statement log is forwarded: its learning record store, the
    credentials (sealed, never shown back) and how far delivery has got.

    `delivered_through` is the statement log id up to which the LRS has everything; it only
    moves forward, by the worker holding the lease (`lease_id` until `lease_until`), after
    the LRS acknowledged the batch."""

    __tablename__ = "lrs_forwarding"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    endpoint: Mapped[str] = mapped_column(String(500))
    # JSON {"key": …, "secret": …} sealed with coursework.sealing ("lrs credentials").
    credentials: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    delivered_through: Mapped[int] = mapped_column(default=0)
    delivered_count: Mapped[int] = mapped_column(default=0)
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)  # in a row, for the backoff
    retry_at: Mapped[datetime | None]
    lease_id: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# Sorted as `coursework.db.folded` sorts: lower-cased, in code-point order ("C" on
# PostgreSQL; SQLite's own comparison is already by code point).
_FOLDED = String(400).with_variant(String(400, collation="C"), "postgresql")


class ReportRow(db.Model):
    """One current member and one course assigned to them, with every value the report
    filters and sorts by, kept exact by `coursework.organisations.report_rows` in the
    transaction of each change, so that a page of the report is an index range scan of one
    organisation's rows and its counts a scan of this narrow table.

    Status depends on the day as well (overdue), so it is not stored: `completed`,
    `started` and `due_on` decide it when read."""

    __tablename__ = "report_rows"
    __table_args__ = (
        # A page sorted by any column is a range of one of these, in order; ties are broken
        # by name, course, ids (an incremental sort within equal values). Name is the
        # default order, so its index carries the whole key.
        Index(
            "ix_report_rows_org_name",
            "organisation_id",
            "name_key",
            "title_key",
            "user_id",
            "course_id",
        ),
        Index("ix_report_rows_org_email", "organisation_id", "email_key"),
        Index("ix_report_rows_org_title", "organisation_id", "title_key"),
        Index("ix_report_rows_org_due", "organisation_id", "due_on"),
        Index("ix_report_rows_org_percent", "organisation_id", "percent"),
        Index("ix_report_rows_org_best", "organisation_id", "best_score"),
        Index("ix_report_rows_org_latest", "organisation_id", "latest_score"),
        Index("ix_report_rows_org_attempts", "organisation_id", "attempts"),
        Index("ix_report_rows_org_activity", "organisation_id", "last_activity"),
        Index("ix_report_rows_org_completed_at", "organisation_id", "completed_at"),
        # The course and status filters, the counts and charts: an index-only scan.
        Index(
            "ix_report_rows_org_state",
            "organisation_id",
            "course_id",
            "completed",
            "started",
            "due_on",
        ),
        # A learner's step updates their rows in every organisation.
        Index("ix_report_rows_user_course", "user_id", "course_id"),
    )

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    due_on: Mapped[date | None]  # the earliest of the assignments that give the course
    name_key: Mapped[str] = mapped_column(_FOLDED)  # folded display name
    email_key: Mapped[str] = mapped_column(_FOLDED)
    title_key: Mapped[str] = mapped_column(_FOLDED)  # folded course title
    completed: Mapped[bool]  # certified, or every step done
    started: Mapped[bool]  # enrolled, or a lesson opened or a required quiz tried
    percent: Mapped[int]
    lessons_done: Mapped[int]
    lessons_total: Mapped[int]
    best_score: Mapped[float | None]
    latest_score: Mapped[float | None]
    attempts: Mapped[int]
    last_activity: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]  # the certificate's issue
