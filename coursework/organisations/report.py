"""Where every person stands on every course assigned to them: one service, used by the
dashboard, the CSV, the API and the person page.

The database does the work: status, percentages and scores per (person, course) come from
one statement over the organisation's people and their progress summaries, so a page
reads one page of rows, the headline numbers and charts are counts, and the CSV streams
through a server-side cursor. The rules are the ones `progress.rules.summarise` and
`quizzes.grading.overall_percent` apply to one learner; the property test in
tests/coursework/test_org_report_sql.py holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.db import fold, folded
from coursework.extensions import db
from coursework.i18n import _
from coursework.organisations.models import Assignment, AssignmentMember, Membership, Organisation
from coursework.progress import summary
from coursework.progress.models import Enrolment, ProgressSummary
from lessons.models import Course

# Rows the CSV fetches from the server-side cursor at a time.
BATCH = 1000


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "not_started": _("Not started"),
            "in_progress": _("In progress"),
            "completed": _("Completed"),
            "overdue": _("Overdue"),
        }[self.value]


@dataclass(frozen=True)
class Row:
    """One person and one assigned course."""

    user_id: int
    name: str
    email: str
    course_id: int
    course_slug: str
    course_title: str
    due_on: date | None
    status: Status
    percent: int  # of the course's steps (lessons and required quizzes)
    lessons_done: int
    lessons_total: int
    best_score: float | None
    latest_score: float | None
    attempts: int
    last_activity: datetime | None
    completed_at: datetime | None
    certificate_code: str | None
    certificate_expires_at: datetime | None


@dataclass(frozen=True)
class Filters:
    course_id: int | None = None
    status: Status | None = None
    search: str = ""
    sort: str = "name"  # any Row field name
    descending: bool = False
    page: int = 1
    per_page: int = 50


SORTABLE = (
    "name",
    "email",
    "course_title",
    "due_on",
    "status",
    "percent",
    "best_score",
    "latest_score",
    "attempts",
    "last_activity",
    "completed_at",
)


@dataclass(frozen=True)
class Report:
    rows: list[Row]  # this page
    total: int  # rows matching the filters
    assigned: int  # every (person, course) row, unfiltered
    people: int  # people with at least one assigned course
    counts: Mapping[tuple[int, Status], int] = field(default_factory=dict)  # unfiltered
    courses: list[Course] = field(default_factory=list)
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(1, self.per_page)))

    def count(self, status: Status, course_id: int | None = None) -> int:
        return sum(
            n
            for (course, s), n in self.counts.items()
            if s is status and course_id in (None, course)
        )

    @property
    def completion_rate(self) -> int:
        done = self.count(Status.COMPLETED)
        return done * 100 // self.assigned if self.assigned else 0


# ---- the statement -------------------------------------------------------------------------


def _zero(value: ColumnElement) -> ColumnElement:
    return func.coalesce(value, 0)


def _pairs(organisation_id: int, user_ids: Iterable[int] | None = None, search: str = ""):
    """Current members, and who has which course with the earliest due date of the
    assignments that give it (everyone's, or their own as a chosen assignee)."""
    members_q = select(Membership.user_id).where(
        Membership.organisation_id == organisation_id, Membership.removed_at.is_(None)
    )
    if user_ids is not None:
        members_q = members_q.where(Membership.user_id.in_(list(user_ids)))
    needle = fold(search.strip())
    if needle:  # first, so every aggregate reads only the people found
        members_q = members_q.join(User, User.id == Membership.user_id).where(
            or_(
                folded(User.display_name).contains(needle, autoescape=True),
                folded(User.email).contains(needle, autoescape=True),
            )
        )
    members = members_q.cte("members")
    everyone = (
        select(members.c.user_id, Assignment.course_id, Assignment.due_on)
        .join(Assignment, true())
        .where(Assignment.organisation_id == organisation_id, Assignment.everyone.is_(True))
    )
    chosen = (
        select(AssignmentMember.user_id, Assignment.course_id, Assignment.due_on)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(members, members.c.user_id == AssignmentMember.user_id)
        .where(Assignment.organisation_id == organisation_id, Assignment.everyone.is_(False))
    )
    given = union_all(everyone, chosen).subquery("given")
    # MIN skips NULL: a dated assignment of the course wins over an undated one.
    pairs = (
        select(given.c.user_id, given.c.course_id, func.min(given.c.due_on).label("due_on"))
        .group_by(given.c.user_id, given.c.course_id)
        .cte("pairs")
    )
    return members, pairs


def _people(organisation_id: int) -> int:
    """People with at least one assigned course."""
    _count, pairs = _pairs(organisation_id)
    return db.session.scalar(select(func.count(pairs.c.user_id.distinct())))


def completions(organisation: Organisation, since: date) -> dict[date, int]:
    """Certificates of assigned courses per day of issue (UTC), from `since` on."""
    _count, pairs = _pairs(organisation.id)
    day = func.date(Certificate.issued_at)
    found = db.session.execute(
        select(day, func.count())
        .select_from(pairs)
        .join(
            Certificate,
            and_(
                Certificate.user_id == pairs.c.user_id, Certificate.course_id == pairs.c.course_id
            ),
        )
        .where(Certificate.issued_at >= datetime.combine(since, time.min, tzinfo=UTC))
        .group_by(day)
    )
    return {_as_date(value): n for value, n in found}


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite: text


def _rows_statement(
    organisation_id: int, today: date, user_ids: Iterable[int] | None = None, search: str = ""
) -> Select:
    """One row per (current member, assigned course), with every column of `Row`.

    Who has which course and the earliest due date, joined to each pair's progress
    summary (kept exact in every step's transaction, `coursework.progress.summary`) and
    the courses' step counts (current lessons, required quizzes that count); then the
    status, which depends on today and the due date, so is decided here.
    """
    summary.settle(db.session)
    _count, pairs = _pairs(organisation_id, user_ids, search)
    courses = select(Assignment.course_id).where(Assignment.organisation_id == organisation_id)
    current = summary.current_lessons(courses).cte("current_lessons")
    lesson_totals = (
        select(current.c.course_id, func.count().label("n"))
        .group_by(current.c.course_id)
        .cte("lesson_totals")
    )
    steps = summary.quiz_steps(courses, current).cte("steps")
    required_totals = (
        select(steps.c.course_id, func.count().label("n"))
        .where(steps.c.required.is_(True))
        .group_by(steps.c.course_id)
        .cte("required_totals")
    )
    p, lt, rt, s = pairs.c, lesson_totals.c, required_totals.c, ProgressSummary
    total = _zero(lt.n) + _zero(rt.n)
    finished = _zero(s.lessons_done) + _zero(s.quizzes_passed)
    completed = or_(Certificate.id.is_not(None), and_(total > 0, finished == total))
    status = case(
        (completed, literal(Status.COMPLETED.value)),
        (p.due_on < today, literal(Status.OVERDUE.value)),
        (
            or_(_zero(s.lessons_opened) > 0, _zero(s.quizzes_tried) > 0, Enrolment.id.is_not(None)),
            literal(Status.IN_PROGRESS.value),
        ),
        else_=literal(Status.NOT_STARTED.value),
    )
    # Rounded down, so 100% is shown only when every step is done.
    percent = case((completed, 100), (total > 0, (finished * 100) // total), else_=0)
    return (
        select(
            p.user_id,
            User.display_name.label("name"),
            User.email,
            p.course_id,
            Course.slug.label("course_slug"),
            Course.title.label("course_title"),
            p.due_on,
            status.label("status"),
            percent.label("percent"),
            _zero(s.lessons_done).label("lessons_done"),
            _zero(lt.n).label("lessons_total"),
            s.best_score,
            s.latest_score,
            _zero(s.attempts).label("attempts"),
            Enrolment.last_activity_at.label("last_activity"),
            Certificate.issued_at.label("completed_at"),
            Certificate.code.label("certificate_code"),
            Certificate.expires_at.label("certificate_expires_at"),
        )
        .select_from(pairs)
        .join(User, User.id == p.user_id)
        .join(Course, Course.id == p.course_id)
        .outerjoin(lesson_totals, lt.course_id == p.course_id)
        .outerjoin(required_totals, rt.course_id == p.course_id)
        .outerjoin(s, and_(s.user_id == p.user_id, s.course_id == p.course_id))
        .outerjoin(
            Enrolment, and_(Enrolment.user_id == p.user_id, Enrolment.course_id == p.course_id)
        )
        .outerjoin(
            Certificate,
            and_(Certificate.user_id == p.user_id, Certificate.course_id == p.course_id),
        )
    )


_STATUS_ORDER = {status.value: n for n, status in enumerate(Status)}


def _filtered(rows, filters: Filters) -> Select:
    """The rows matching the filters, in the order asked: missing values last whichever
    way, ties by name then course title (A to Z), then by ids so pages never overlap.
    (The search is not here: `_rows_statement` finds the people first.)"""
    c = rows.c
    query = select(rows)
    if filters.course_id is not None:
        query = query.where(c.course_id == filters.course_id)
    if filters.status is not None:
        query = query.where(c.status == filters.status.value)
    sort = filters.sort if filters.sort in SORTABLE else "name"
    column = c[sort]
    if sort == "status":
        key = case(*((column == value, n) for value, n in _STATUS_ORDER.items()))
    elif sort in ("name", "email", "course_title"):
        key = folded(column)
    else:
        key = column
    return query.order_by(
        case((column.is_(None), 1), else_=0),
        key.desc() if filters.descending else key,
        folded(c.name),
        folded(c.course_title),
        c.user_id,
        c.course_id,
    )


_FIELDS = tuple(name for name in Row.__dataclass_fields__ if name != "status")


# PostgreSQL's default of 4 MB a sort sends the report's sorts and hashes to disk from a
# few thousand people up; this much is asked for only within the report's transaction.
WORK_MEM = "64MB"


def room_to_sort() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def _row(values) -> Row:
    found = values._mapping
    return Row(**{name: found[name] for name in _FIELDS}, status=Status(found["status"]))


# ---- the services ------------------------------------------------------------------------


def build_rows(
    organisation: Organisation, today: date, user_ids: Iterable[int] | None = None
) -> list[Row]:
    """Every (person, assigned course) row of the organisation, or of some of its people."""
    rows = _rows_statement(organisation.id, today, user_ids).subquery("rows")
    return [_row(values) for values in db.session.execute(_filtered(rows, Filters()))]


def stream_rows(organisation: Organisation, filters: Filters, today: date) -> Iterator[Row]:
    """The rows matching the filters, in order, not paged (the CSV takes all), fetched from
    a server-side cursor `BATCH` at a time, so memory stays flat however many there are."""
    room_to_sort()
    rows = _rows_statement(organisation.id, today, search=filters.search).subquery("rows")
    result = db.session.execute(
        _filtered(rows, filters).execution_options(stream_results=True, yield_per=BATCH)
    )
    for values in result:
        yield _row(values)


def select_rows(rows: list[Row], filters: Filters) -> list[Row]:
    """Rows already in memory, filtered and sorted as `report` does in the database."""
    if filters.course_id is not None:
        rows = [r for r in rows if r.course_id == filters.course_id]
    if filters.status is not None:
        rows = [r for r in rows if r.status is filters.status]
    needle = fold(filters.search.strip())
    if needle:
        rows = [r for r in rows if needle in fold(r.name) or needle in fold(r.email)]
    sort = filters.sort if filters.sort in SORTABLE else "name"
    rows = sorted(rows, key=lambda r: (fold(r.name), fold(r.course_title), r.user_id, r.course_id))
    if sort == "status":
        order = list(Status)
        return sorted(rows, key=lambda r: order.index(r.status), reverse=filters.descending)
    present = [r for r in rows if getattr(r, sort) is not None]
    missing = [r for r in rows if getattr(r, sort) is None]  # last, whichever way

    def key(row: Row):
        value = getattr(row, sort)
        return fold(value) if isinstance(value, str) else value

    return sorted(present, key=key, reverse=filters.descending) + missing


def _paged(organisation: Organisation, filters: Filters, today: date):
    per_page = max(1, min(filters.per_page, 500))
    rows = _rows_statement(organisation.id, today, search=filters.search).subquery("rows")
    matching = _filtered(rows, filters).subquery("matching")
    counted = select(matching, func.count().over().label("total")).limit(per_page)
    return counted.offset((max(1, filters.page) - 1) * per_page), matching


def page_statement(organisation: Organisation, filters: Filters, today: date) -> Select:
    """The report's main statement: one page of the rows matching the filters, in the
    order asked, each with how many match (`benchmarks/explain.py` shows its plan)."""
    return _paged(organisation, filters, today)[0]


def page(organisation: Organisation, filters: Filters, today: date) -> tuple[list[Row], int]:
    """One page of the rows matching the filters, in the order asked, and how many match:
    one statement (two when the page is past the end)."""
    room_to_sort()
    statement, matching = _paged(organisation, filters, today)
    found = db.session.execute(statement).all()
    if found:
        return [_row(values) for values in found], found[0].total
    return [], db.session.scalar(select(func.count()).select_from(matching))


def report(organisation: Organisation, filters: Filters, today: date) -> Report:
    """One page of the organisation's rows, filtered and sorted as asked, with the counts
    the headline numbers and charts need: four statements whatever the organisation's size."""
    rows, total = page(organisation, filters, today)
    everyone = _rows_statement(organisation.id, today).subquery("rows")
    tally = db.session.execute(
        select(everyone.c.course_id, everyone.c.status, func.count()).group_by(
            everyone.c.course_id, everyone.c.status
        )
    )
    counts = {(course_id, Status(status)): n for course_id, status, n in tally}
    course_ids = sorted({course_id for course_id, _ in counts})
    courses = (
        list(
            db.session.scalars(
                select(Course).where(Course.id.in_(course_ids)).order_by(Course.title)
            )
        )
        if course_ids
        else []
    )
    return Report(
        rows=rows,
        total=total,
        assigned=sum(counts.values()),
        people=_people(organisation.id),
        counts=counts,
        courses=courses,
        per_page=max(1, min(filters.per_page, 500)),
    )


def person(organisation: Organisation, user_id: int, today: date) -> list[Row]:
    """One member's rows; someone outside the organisation is not found."""
    return build_rows(organisation, today, user_ids=[user_id])
