"""Where every person stands on every course assigned to them: one service, used by the
dashboard, the CSV, the API and the person page.

The database does the work: every value per (person, course) is kept in the organisation's
report rows (`report_rows`, exact in each change's transaction), so a page is an index range
scan of one organisation's rows cut to the page, then the names and certificates of those
rows only; the headline numbers and charts are counts over the narrow table; the CSV streams
through a server-side cursor. Only the status is decided here, because overdue depends on
the day. The rules are the ones `progress.rules.summarise` and
`quizzes.grading.overall_percent` apply to one learner; the property test in
tests/coursework/test_org_report_sql.py holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum

from sqlalchemy import Select, and_, case, func, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.db import fold
from coursework.extensions import db
from coursework.i18n import _
from coursework.organisations import report_rows
from coursework.organisations.models import Organisation, ReportRow
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


def _status(today: date) -> ColumnElement:
    """The status of a row on `today` (overdue depends on the day, so is decided here)."""
    r = ReportRow
    return case(
        (r.completed, literal(Status.COMPLETED.value)),
        (r.due_on < today, literal(Status.OVERDUE.value)),
        (r.started, literal(Status.IN_PROGRESS.value)),
        else_=literal(Status.NOT_STARTED.value),
    )


def _has_status(status: Status, today: date) -> ColumnElement:
    """The same decision as a condition, so that an index on the columns can serve it."""
    r = ReportRow
    not_overdue = or_(r.due_on.is_(None), r.due_on >= today)
    return {
        Status.COMPLETED: r.completed.is_(True),
        Status.OVERDUE: and_(r.completed.is_(False), r.due_on < today),
        Status.IN_PROGRESS: and_(r.completed.is_(False), not_overdue, r.started.is_(True)),
        Status.NOT_STARTED: and_(r.completed.is_(False), not_overdue, r.started.is_(False)),
    }[status]


def _where(
    organisation_id: int, filters: Filters, today: date, user_ids: Iterable[int] | None = None
) -> list[ColumnElement]:
    r = ReportRow
    where = [r.organisation_id == organisation_id]
    if user_ids is not None:
        where.append(r.user_id.in_(list(user_ids)))
    if filters.course_id is not None:
        where.append(r.course_id == filters.course_id)
    if filters.status is not None:
        where.append(_has_status(filters.status, today))
    needle = fold(filters.search.strip())
    if needle:  # the keys are folded already
        where.append(
            or_(
                r.name_key.contains(needle, autoescape=True),
                r.email_key.contains(needle, autoescape=True),
            )
        )
    return where


_STATUS_ORDER = {status.value: n for n, status in enumerate(Status)}
_KEYS = {"name": "name_key", "email": "email_key", "course_title": "title_key"}


def _order(filters: Filters, today: date) -> list[ColumnElement]:
    """The order asked: missing values last whichever way, ties by name then course title
    (A to Z), then by ids so pages never overlap."""
    r = ReportRow
    sort = filters.sort if filters.sort in SORTABLE else "name"
    if sort == "status":
        key = case(*((_status(today) == value, n) for value, n in _STATUS_ORDER.items()))
    else:
        key = getattr(r, _KEYS.get(sort, sort))
    key = (key.desc() if filters.descending else key.asc()).nulls_last()
    return [key, r.name_key, r.title_key, r.user_id, r.course_id]


def _columns(today: date) -> list[ColumnElement]:
    """Every column of `Row`, from a report row, its person, course and certificate."""
    r = ReportRow
    return [
        r.user_id,
        User.display_name.label("name"),
        User.email,
        r.course_id,
        Course.slug.label("course_slug"),
        Course.title.label("course_title"),
        r.due_on,
        _status(today).label("status"),
        r.percent,
        r.lessons_done,
        r.lessons_total,
        r.best_score,
        r.latest_score,
        r.attempts,
        r.last_activity,
        r.completed_at,
        Certificate.code.label("certificate_code"),
        Certificate.expires_at.label("certificate_expires_at"),
    ]


def _described(query: Select) -> Select:
    """`query` (over report rows) joined to what `_columns` reads besides them."""
    r = ReportRow
    return (
        query.join(User, User.id == r.user_id)
        .join(Course, Course.id == r.course_id)
        .outerjoin(
            Certificate,
            and_(Certificate.user_id == r.user_id, Certificate.course_id == r.course_id),
        )
    )


def _selected(
    organisation_id: int,
    filters: Filters,
    today: date,
    *,
    user_ids: Iterable[int] | None = None,
    paged: bool = True,
) -> Select:
    """The rows matching the filters, in order. A page first finds its keys alone in the
    narrow table (an index range scan, cut to the page), then reads every column of those
    rows only; unpaged (the CSV, a person's rows) it is one sorted pass."""
    r = ReportRow
    order = _order(filters, today)
    where = _where(organisation_id, filters, today, user_ids)
    if not paged:
        return _described(select(*_columns(today)).select_from(r)).where(*where).order_by(*order)
    per_page = max(1, min(filters.per_page, 500))
    keys = (
        select(r.organisation_id, r.user_id, r.course_id)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((max(1, filters.page) - 1) * per_page)
        .subquery("page")
    )
    k = keys.c
    found = select(*_columns(today)).select_from(keys)
    found = found.join(
        r,
        and_(
            r.organisation_id == k.organisation_id,
            r.user_id == k.user_id,
            r.course_id == k.course_id,
        ),
    )
    return _described(found).order_by(*order)


def _count(organisation_id: int, filters: Filters, today: date) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ReportRow).where(*_where(organisation_id, filters, today))
    )


def _people(organisation_id: int) -> int:
    """People with at least one assigned course."""
    # DISTINCT in a subquery, so the primary key's order (organisation, person) serves it.
    people = (
        select(ReportRow.user_id)
        .where(ReportRow.organisation_id == organisation_id)
        .distinct()
        .subquery("people")
    )
    return db.session.scalar(select(func.count()).select_from(people))


def completions(organisation: Organisation, since: date) -> dict[date, int]:
    """Certificates of assigned courses per day of issue (UTC), from `since` on."""
    report_rows.settle(db.session)
    day = func.date(ReportRow.completed_at)
    found = db.session.execute(
        select(day, func.count())
        .where(
            ReportRow.organisation_id == organisation.id,
            ReportRow.completed_at >= datetime.combine(since, time.min, tzinfo=UTC),
        )
        .group_by(day)
    )
    return {_as_date(value): n for value, n in found}


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite: text


_FIELDS = tuple(name for name in Row.__dataclass_fields__ if name != "status")


# PostgreSQL's default of 4 MB a sort sends the CSV's sort to disk from a few thousand
# people up; this much is asked for only within the report's transaction.
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
    report_rows.settle(db.session)
    statement = _selected(organisation.id, Filters(), today, user_ids=user_ids, paged=False)
    return [_row(values) for values in db.session.execute(statement)]


def stream_rows(organisation: Organisation, filters: Filters, today: date) -> Iterator[Row]:
    """The rows matching the filters, in order, not paged (the CSV takes all), fetched from
    a server-side cursor `BATCH` at a time, so memory stays flat however many there are."""
    report_rows.settle(db.session)
    room_to_sort()
    statement = _selected(organisation.id, filters, today, paged=False)
    result = db.session.execute(statement.execution_options(stream_results=True, yield_per=BATCH))
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


def page_statement(organisation: Organisation, filters: Filters, today: date) -> Select:
    """The report's main statement: one page of the rows matching the filters, in the
    order asked (`benchmarks/explain.py` shows its plan)."""
    return _selected(organisation.id, filters, today)


def page(organisation: Organisation, filters: Filters, today: date) -> tuple[list[Row], int]:
    """One page of the rows matching the filters, in the order asked, and how many match:
    two statements over the narrow table."""
    report_rows.settle(db.session)
    found = db.session.execute(page_statement(organisation, filters, today)).all()
    return [_row(values) for values in found], _count(organisation.id, filters, today)


def report(organisation: Organisation, filters: Filters, today: date) -> Report:
    """One page of the organisation's rows, filtered and sorted as asked, with the counts
    the headline numbers and charts need: four statements whatever the organisation's size
    (five with a search, whose total the counts cannot tell)."""
    report_rows.settle(db.session)
    r = ReportRow
    states = (
        select(r.course_id, _status(today).label("status"))
        .where(r.organisation_id == organisation.id)
        .subquery("states")
    )
    tally = db.session.execute(
        select(states.c.course_id, states.c.status, func.count()).group_by(
            states.c.course_id, states.c.status
        )
    )
    counts = {(course_id, Status(value)): n for course_id, value, n in tally}
    rows = [_row(v) for v in db.session.execute(page_statement(organisation, filters, today))]
    if filters.search.strip():
        total = _count(organisation.id, filters, today)
    else:  # the counts say it already
        total = sum(
            n
            for (course_id, value), n in counts.items()
            if filters.course_id in (None, course_id) and filters.status in (None, value)
        )
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
