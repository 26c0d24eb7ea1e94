"""The organisation report's rows (`ReportRow`): one per current member and assigned course,
with every value the report filters and sorts by, kept exact in the transaction of each
change, so that a page is an index range scan of one organisation's rows.

A row's values come from three kinds of source, each kept by the statement that fits it:

- whether the row exists, and its due date: memberships and assignments. A change marks
  the (organisation, person) or (organisation, course) it touches, and at commit those
  rows are deleted and computed afresh from the tables;
- where the person stands on the course: the progress summary (which `progress.summary`
  recomputes and then announces with `summary_settled`), the course's step counts, the
  enrolment and the certificate. Those are the same in every organisation, so a change
  rewrites the pair's values in every row that has them;
- the name, email and course title the report sorts by: copied again when they change.

Like the summary, changes are learnt from the session (every flush and every ORM
`insert`/`update`/`delete` statement on the watched tables); raw SQL is not seen.

On PostgreSQL the writers that could overlap take advisory locks before they compute,
and each statement after a lock sees what was committed before it (READ COMMITTED):
recomputing an organisation's rows takes the organisation's lock, and the course's
exclusively (or each of the person's pairs) so that a learner's step, which holds its
course shared and its pair exclusively, is never computed beside it from an older view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache

from sqlalchemy import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnElement,
    Select,
    Update,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.db import folded, watch_writes
from coursework.organisations.models import Assignment, AssignmentMember, Membership, ReportRow
from coursework.progress import summary
from coursework.progress.models import Enrolment, ProgressSummary
from coursework.progress.signals import summary_settled
from lessons.models import Course

log = logging.getLogger(__name__)

_KEY = "report_rows"
# Advisory-lock keys of organisations (one bigint, beside the summary's course keys).
ORGANISATION_LOCKS = 0x5245_504F_0000_0000
# Past this many marked pairs or people, a bulk load recomputes whole courses or
# organisations instead: one set-based statement, not a list longer than parameters allow.
MANY = 500

# The values that depend only on the person and the course.
DATA = (
    "completed",
    "started",
    "percent",
    "lessons_done",
    "lessons_total",
    "best_score",
    "latest_score",
    "attempts",
    "last_activity",
    "completed_at",
)


@dataclass
class Marks:
    """What this transaction changed, to bring the rows in step with at commit."""

    activity: set[tuple[int, int]] = field(default_factory=set)  # (user, course) enrolments
    names: set[int] = field(default_factory=set)  # users renamed or readdressed
    titles: set[int] = field(default_factory=set)  # courses retitled
    members: set[tuple[int, int]] = field(default_factory=set)  # (organisation, user)
    chosen: set[tuple[int, int]] = field(default_factory=set)  # (assignment, user)
    assigned: set[tuple[int, int]] = field(default_factory=set)  # (organisation, course)
    organisations: set[int] = field(default_factory=set)  # everyone in them
    everything: bool = False

    def __bool__(self) -> bool:
        return any(
            (
                self.activity,
                self.names,
                self.titles,
                self.members,
                self.chosen,
                self.assigned,
                self.organisations,
                self.everything,
            )
        )


def _marks(session: Session) -> Marks:
    return session.info.setdefault(_KEY, Marks())


# ---- the computation ------------------------------------------------------------------------


def _zero(value: ColumnElement) -> ColumnElement:
    return func.coalesce(value, 0)


def data(targets, *, leading: Iterable[ColumnElement] = (), joins=()) -> Select:
    """The person-and-course values of each (user_id, course_id) of `targets` (a CTE or
    subquery), from the summary, the course's step counts (current lessons, required
    quizzes that count), the enrolment and the certificate: the rules
    `progress.rules.summarise` applies to one learner. `leading` columns come first, read
    through `joins` ((table, on) pairs), in the same pass: a CTE's row count is a guess, so
    the statement never joins one to itself."""
    t = targets
    courses = select(t.c.course_id)
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
    lt, rt, s = lesson_totals.c, required_totals.c, ProgressSummary
    total = _zero(lt.n) + _zero(rt.n)
    finished = _zero(s.lessons_done) + _zero(s.quizzes_passed)
    completed = or_(Certificate.id.is_not(None), and_(total > 0, finished == total))
    started = or_(
        _zero(s.lessons_opened) > 0, _zero(s.quizzes_tried) > 0, Enrolment.id.is_not(None)
    )
    # Rounded down, so 100% is shown only when every step is done.
    percent = case((completed, 100), (total > 0, (finished * 100) // total), else_=0)
    query = select(
        *leading,
        t.c.user_id,
        t.c.course_id,
        case((completed, True), else_=False).label("completed"),
        case((started, True), else_=False).label("started"),
        percent.label("percent"),
        _zero(s.lessons_done).label("lessons_done"),
        _zero(lt.n).label("lessons_total"),
        s.best_score.label("best_score"),
        s.latest_score.label("latest_score"),
        _zero(s.attempts).label("attempts"),
        Enrolment.last_activity_at.label("last_activity"),
        Certificate.issued_at.label("completed_at"),
    ).select_from(t)
    for table, on in joins:
        query = query.join(table, on)
    return (
        query.outerjoin(lesson_totals, lt.course_id == t.c.course_id)
        .outerjoin(required_totals, rt.course_id == t.c.course_id)
        .outerjoin(s, and_(s.user_id == t.c.user_id, s.course_id == t.c.course_id))
        .outerjoin(
            Enrolment, and_(Enrolment.user_id == t.c.user_id, Enrolment.course_id == t.c.course_id)
        )
        .outerjoin(
            Certificate,
            and_(Certificate.user_id == t.c.user_id, Certificate.course_id == t.c.course_id),
        )
    )


def assigned_pairs(
    members_where: Iterable[ColumnElement] = (), assignments_where: Iterable[ColumnElement] = ()
):
    """(organisation, person, course, due date) for current members and the courses
    assigned to them, to everyone or to them as chosen assignees; the earliest due date of
    the assignments that give it (MIN skips NULL: a dated one wins over an undated one)."""
    members = (
        select(Membership.organisation_id, Membership.user_id)
        .where(Membership.removed_at.is_(None), *members_where)
        .cte("members")
    )
    m = members.c
    everyone = (
        select(m.organisation_id, m.user_id, Assignment.course_id, Assignment.due_on)
        .join(
            Assignment,
            and_(Assignment.organisation_id == m.organisation_id, Assignment.everyone.is_(True)),
        )
        .where(*assignments_where)
    )
    chosen = (
        select(m.organisation_id, m.user_id, Assignment.course_id, Assignment.due_on)
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(
            members,
            and_(
                m.organisation_id == Assignment.organisation_id,
                m.user_id == AssignmentMember.user_id,
            ),
        )
        .where(Assignment.everyone.is_(False), *assignments_where)
    )
    given = union_all(everyone, chosen).subquery("given")
    g = given.c
    return (
        select(g.organisation_id, g.user_id, g.course_id, func.min(g.due_on).label("due_on"))
        .group_by(g.organisation_id, g.user_id, g.course_id)
        .cte("pairs")
    )


# In the order `computed` selects them.
_COLUMNS = (
    "organisation_id",
    "due_on",
    "name_key",
    "email_key",
    "title_key",
    "user_id",
    "course_id",
    *DATA,
)


def computed(pairs) -> Select:
    """Every column of the rows of `pairs` (from `assigned_pairs`), named as in the table."""
    p = pairs.c
    return data(
        pairs,
        leading=(
            p.organisation_id,
            p.due_on,
            folded(User.display_name).label("name_key"),
            folded(User.email).label("email_key"),
            folded(Course.title).label("title_key"),
        ),
        joins=((User, User.id == p.user_id), (Course, Course.id == p.course_id)),
    )


# ---- writing --------------------------------------------------------------------------------


def _replace(connection: Connection, scope: ColumnElement | None, members_where, assigned_where):
    """Delete the rows in `scope` and insert them computed afresh (None: every row)."""
    table = ReportRow.__table__
    gone = delete(table)
    if scope is not None:
        gone = gone.where(scope)
    connection.execute(gone)
    pairs = assigned_pairs(members_where, assigned_where)
    connection.execute(insert(table).from_select(_COLUMNS, computed(pairs)))


def _refreshing(targets: Select) -> Update:
    """Rewrite the person-and-course values of the rows of the (user_id, course_id) pairs
    `targets` selects, in every organisation that has them."""
    t = targets.subquery("targets")
    r = ReportRow.__table__.c
    having = (
        select(t.c.user_id, t.c.course_id)
        .where(exists().where(r.user_id == t.c.user_id, r.course_id == t.c.course_id))
        .distinct()
        .cte("having_rows")
    )
    values = data(having).subquery("pair_values")
    return (
        update(ReportRow.__table__)
        .where(r.user_id == values.c.user_id, r.course_id == values.c.course_id)
        .values({name: values.c[name] for name in DATA})
    )


# Built once per kind of marks, their values bound, as the summary's statements are
# (`summary.marked`): building and keying these statements cost more than running them.
@cache
def _refreshing_pairs(kinds: tuple[str, ...]) -> Update:
    found = summary.marked(kinds)
    return _refreshing(union_all(*found) if len(found) > 1 else found[0])


@cache
def _refreshing_rows(kind: str) -> Update:
    """The rows of the courses of the list parameter "courses", or of "everyone"."""
    found = select(ReportRow.user_id, ReportRow.course_id).distinct()
    if kind == "courses":
        found = found.where(ReportRow.course_id.in_(bindparam("courses", expanding=True)))
    return _refreshing(found)


def _refresh(connection: Connection, marks: summary.Marks) -> None:
    """The rows of the pairs the summary recomputed (`marks`) follow it: the marked pairs'
    in one statement, the marked courses' (or every row) in another."""
    kinds, values = marks.bound()
    pairs = tuple(kind for kind in kinds if kind in summary.PAIR_KINDS)
    if pairs:
        connection.execute(_refreshing_pairs(pairs), values)
    for kind in ("courses", "everyone"):
        if kind in kinds:
            connection.execute(_refreshing_rows(kind), values)


def _on_summary(session: Session, connection, marks: summary.Marks) -> None:
    """The summary rewrote the pairs `marks` name (under its locks): their rows follow, in
    one statement with the enrolments whose last activity moved in this transaction."""
    own = session.info.get(_KEY)
    pairs = marks.pairs or marks.lessons or marks.quizzes
    # Many moved activities (an UPDATE of a whole course's enrolments) stay for their own
    # statements, in batches, rather than swell this one past the parameters it may take.
    if own is not None and pairs and not marks.everything and len(own.activity) <= MANY:
        marks = replace(marks, pairs=marks.pairs | own.activity)
        own.activity.clear()
    _refresh(connection, marks)


def _lock(connection: Connection, marks: Marks) -> None:
    """PostgreSQL: organisations (their rows recomputed: exclusive; a member renamed:
    shared), then courses exclusively, then pairs, in one order everywhere."""
    if connection.dialect.name != "postgresql":
        return  # SQLite runs one writing transaction at a time
    exclusive = {o for o, _ in marks.members} | {o for o, _ in marks.assigned}
    exclusive |= marks.organisations
    shared = set()
    if marks.names:
        shared = (
            set(
                connection.scalars(
                    select(Membership.organisation_id)
                    .where(Membership.user_id.in_(sorted(marks.names)))
                    .distinct()
                )
            )
            - exclusive
        )
    if exclusive or shared:
        connection.execute(
            text(
                "SELECT CASE WHEN o.shared THEN pg_advisory_xact_lock_shared(CAST(:base AS bigint)"
                " + o.id) ELSE pg_advisory_xact_lock(CAST(:base AS bigint) + o.id) END"
                " FROM unnest(CAST(:ids AS integer[]), CAST(:shared AS boolean[]))"
                " AS o(id, shared) ORDER BY o.id"
            ),
            {
                "base": ORGANISATION_LOCKS,
                "ids": sorted(exclusive | shared),
                "shared": [o in shared for o in sorted(exclusive | shared)],
            },
        )
    courses = {c for _, c in marks.assigned} | marks.titles
    if marks.organisations:
        courses |= set(
            connection.scalars(
                select(Assignment.course_id)
                .where(Assignment.organisation_id.in_(sorted(marks.organisations)))
                .distinct()
            )
        )
    summary.lock_courses(connection, courses)
    pairs = []
    if marks.members:
        # Each person's pairs in the organisations they joined or left.
        pairs.append(
            select(Membership.user_id, Assignment.course_id)
            .join(Assignment, Assignment.organisation_id == Membership.organisation_id)
            .where(
                tuple_(Membership.organisation_id, Membership.user_id).in_(sorted(marks.members))
            )
        )
    if pairs:
        summary.lock_pairs(connection, union_all(*pairs) if len(pairs) > 1 else pairs[0])


def _resolve_chosen(connection: Connection, marks: Marks) -> None:
    """Chosen assignees added or removed: their (organisation, person), or, for a bulk
    load, the assignments' whole (organisation, course)."""
    if not marks.chosen:
        return
    ids = sorted({a for a, _ in marks.chosen})
    found = dict(
        connection.execute(
            select(Assignment.id, Assignment.organisation_id).where(Assignment.id.in_(ids))
        ).all()
    )
    if len(marks.chosen) > MANY:
        marks.assigned |= set(
            connection.execute(
                select(Assignment.organisation_id, Assignment.course_id).where(
                    Assignment.id.in_(ids)
                )
            ).all()
        )
    else:
        marks.members |= {(found[a], u) for a, u in marks.chosen if a in found}
    marks.chosen.clear()


def settle(session: Session) -> None:
    """Bring the rows in step with this transaction's changes now (the report calls this
    so that it reads its own transaction's changes too; commit calls it anyway)."""
    summary.settle(session)  # flushes, and rewrites the pairs the summary recomputed
    marks = session.info.pop(_KEY, None)
    if not marks:
        return
    connection = session.connection()
    if marks.everything:
        _replace(connection, None, (), ())
        return
    _resolve_chosen(connection, marks)
    if len(marks.members) > MANY:
        marks.organisations |= {o for o, _ in marks.members}
        marks.members.clear()
    marks.members = {(o, u) for o, u in marks.members if o not in marks.organisations}
    marks.assigned = {(o, c) for o, c in marks.assigned if o not in marks.organisations}
    _lock(connection, marks)
    rows = ReportRow.__table__.c
    if marks.organisations:
        orgs = sorted(marks.organisations)
        _replace(
            connection,
            rows.organisation_id.in_(orgs),
            [Membership.organisation_id.in_(orgs)],
            (),
        )
    if marks.members:
        members = sorted(marks.members)
        _replace(
            connection,
            tuple_(rows.organisation_id, rows.user_id).in_(members),
            [tuple_(Membership.organisation_id, Membership.user_id).in_(members)],
            (),
        )
    if marks.assigned:
        assigned = sorted(marks.assigned)
        _replace(
            connection,
            tuple_(rows.organisation_id, rows.course_id).in_(assigned),
            [Membership.organisation_id.in_(sorted({o for o, _ in assigned}))],
            [tuple_(Assignment.organisation_id, Assignment.course_id).in_(assigned)],
        )
    moving = sorted(marks.activity)
    for start in range(0, len(moving), MANY):
        connection.execute(_moving_activity(), {"pairs": moving[start : start + MANY]})
    if marks.names:
        connection.execute(
            update(ReportRow.__table__)
            .where(rows.user_id.in_(sorted(marks.names)))
            .values(
                name_key=select(folded(User.display_name))
                .where(User.id == rows.user_id)
                .scalar_subquery(),
                email_key=select(folded(User.email))
                .where(User.id == rows.user_id)
                .scalar_subquery(),
            )
        )
    if marks.titles:
        connection.execute(
            update(ReportRow.__table__)
            .where(rows.course_id.in_(sorted(marks.titles)))
            .values(
                title_key=select(folded(Course.title))
                .where(Course.id == rows.course_id)
                .scalar_subquery()
            )
        )


@cache
def _moving_activity() -> Update:
    """The last activity of the rows of the (user_id, course_id) list parameter "pairs"."""
    rows = ReportRow.__table__.c
    return (
        update(ReportRow.__table__)
        .where(tuple_(rows.user_id, rows.course_id).in_(bindparam("pairs", expanding=True)))
        .values(
            last_activity=select(Enrolment.last_activity_at)
            .where(Enrolment.user_id == rows.user_id, Enrolment.course_id == rows.course_id)
            .scalar_subquery()
        )
    )


def rebuild(connection: Connection) -> None:
    """Every row afresh (the backfill of the migration that made the table)."""
    _replace(connection, None, (), ())


# ---- what the session tells us --------------------------------------------------------------


def _values(obj, name: str) -> list:
    """The attribute's value now and, when this flush changed it, before."""
    history = inspect(obj).attrs[name].history
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def _changed(obj, names: Iterable[str]) -> bool:
    return any(inspect(obj).attrs[name].history.has_changes() for name in names)


def _both(obj, first: str, second: str) -> set[tuple[int, int]]:
    return {(a, b) for a in _values(obj, first) for b in _values(obj, second)}


def _named(where: ColumnElement, table, names: tuple[str, ...]) -> tuple | None:
    """The values `where` gives the columns `names` of `table` when it is just `column =
    value` for each of them joined by AND (as the services name a row by its key), else
    None."""
    is_and = isinstance(where, BooleanClauseList) and where.operator is operators.and_
    terms = where.clauses if is_and else [where]
    given = {}
    for term in terms:
        if not (
            isinstance(term, BinaryExpression)
            and term.operator is operators.eq
            and getattr(term.left, "table", None) is table
            and isinstance(term.right, BindParameter)
            and term.right.effective_value is not None  # not a value given at execution
        ):
            return None
        given[term.left.key] = term.right.effective_value
    if len(terms) != len(names) or sorted(given) != sorted(names):
        return None
    return tuple(given[name] for name in names)


def _enrolments(session: Session, where: ColumnElement) -> set[tuple[int, int]]:
    """The (user_id, course_id) of the enrolments `where` selects: read from the clause when
    it names one enrolment, which costs no statement; from the table otherwise."""
    named = _named(where, Enrolment.__table__, ("user_id", "course_id"))
    if named is not None:
        return {named}
    found = session.execute(select(Enrolment.user_id, Enrolment.course_id).where(where))
    return {tuple(row) for row in found}


# Per watched model: the columns whose change matters, and what a change of its row marks.
_WATCHED: dict[type, tuple[str, ...]] = {
    Membership: ("organisation_id", "user_id", "removed_at"),
    AssignmentMember: ("assignment_id", "user_id"),
    Assignment: ("organisation_id", "course_id", "everyone", "due_on"),
    Enrolment: ("user_id", "course_id", "last_activity_at"),
    Certificate: ("user_id", "course_id", "issued_at"),
    User: ("display_name", "email"),
    Course: ("title",),
}


def _mark(session: Session, model: type, keys: Iterable[tuple]) -> None:
    marks = _marks(session)
    if model is Membership:
        marks.members.update(keys)
    elif model is AssignmentMember:
        marks.chosen.update(keys)
    elif model is Assignment:
        marks.assigned.update(keys)
    elif model in (Enrolment, Certificate):
        # The summary recomputes them under its pair locks and then announces them (one
        # statement rewrites their rows with the rest).
        summary.mark_pairs(session, keys)
    elif model is User:
        marks.names.update(k[0] for k in keys)
    elif model is Course:
        marks.titles.update(k[0] for k in keys)


_KEYS: dict[type, tuple[str, ...]] = {
    Membership: ("organisation_id", "user_id"),
    AssignmentMember: ("assignment_id", "user_id"),
    Assignment: ("organisation_id", "course_id"),
    Enrolment: ("user_id", "course_id"),
    Certificate: ("user_id", "course_id"),
    User: ("id",),
    Course: ("id",),
}


def _after_flush(session: Session, flush_context) -> None:
    for obj, edited in (
        *((o, False) for o in session.new),
        *((o, False) for o in session.deleted),
        *((o, True) for o in session.dirty),
    ):
        model = type(obj)
        if model not in _WATCHED:
            continue
        if model in (User, Course) and not edited:
            continue  # a new one has no rows yet; a deleted one's go with it
        if edited and not _changed(obj, _WATCHED[model]):
            continue
        names = _KEYS[model]
        if len(names) == 1:
            _mark(session, model, [(v,) for v in _values(obj, names[0])])
        else:
            _mark(session, model, _both(obj, *names))


def _on_statement(state):
    """ORM `insert`/`update`/`delete` statements skip the flush: read what they touch."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model not in _WATCHED:
        return None
    session, statement = state.session, state.statement
    marks = _marks(session)
    names = _KEYS[model]
    if state.is_insert:
        if model in (User, Course):
            return None
        one = not state.parameters
        rows = state.parameters or statement.compile(dialect=session.get_bind().dialect).params
        rows = [rows] if isinstance(rows, dict) else rows
        if not all(row.get(name) is not None for row in rows for name in names):
            log.warning("report rows: an insert into %s they cannot read", model)
            marks.everything = True
            return None
        result = None
        if one and statement._returning:
            # "Insert unless there" (a quiz started by someone enrolled already) usually
            # inserts nothing, and then nothing changed.
            result = state.invoke_statement().freeze()
            inserted = bool(result.data)
            result = result()
            if not inserted:
                return result
        _mark(session, model, [tuple(row[name] for name in names) for row in rows])
        return result
    if state.is_update:
        changed = {getattr(c, "key", c) for c in statement._values or ()}
        if not changed & set(_WATCHED[model]):
            return None
        if changed & set(names) - {"id"}:
            marks.everything = True  # rows moved between people, courses, organisations
            return None
        if model is Enrolment:
            # Only the last activity moved: at commit its rows read it (one UPDATE, or
            # with the summary's pairs when their rows are rewritten anyway). Its pairs,
            # not its where-clause, so that the statement doing it is built once.
            if statement.whereclause is None:
                marks.everything = True
            else:
                marks.activity |= _enrolments(session, statement.whereclause)
            return None
    columns = [getattr(model, name) for name in names]
    query = select(*columns)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    _mark(session, model, [tuple(row) for row in session.execute(query)])
    return None


def register(session_class) -> None:
    """Watch every session of `session_class` (after the summary, which it follows)."""
    summary.register(session_class)
    if watch_writes(
        session_class, _KEY, after_flush=_after_flush, on_statement=_on_statement, settle=settle
    ):
        summary_settled.connect(_on_summary)
