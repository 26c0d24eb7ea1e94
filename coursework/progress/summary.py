"""The per-(person, course) progress summary, kept exact in the transaction of each change.

What a learner has opened, completed, tried and passed on a course is a function of a few
tables: their lesson progress and submitted attempts, and the course's current lessons and
counted quizzes. Rather than hook every service that writes those tables (and miss the next
one), the session tells us: every flush and every ORM `insert`/`update`/`delete` statement
on them marks the (person, course) pairs it touches, or the whole course when a lesson or
quiz changes, and just before the transaction commits the marked rows are computed afresh
from the tables, in SQL, and written with one upsert. A row is therefore never a running
total that could drift: it is the same statement a full rebuild runs, over fewer people.

On PostgreSQL two transactions that change the same pair at once would each compute from
what they see and the later would write over the earlier; so before computing, a pair is
locked (a transaction-scoped advisory lock, shared with the course's, which a change of the
course takes exclusively), and the computing statement, run after the lock is granted,
sees everything committed before it (READ COMMITTED gives each statement a new snapshot).
The locks are taken at commit time, after the transaction's own writes, so a transaction
holding one waits for nothing but its commit and two cannot deadlock on them.

Raw SQL (`text()`) and writes through a bare connection are not seen: write these tables
through the session. `rebuild` recomputes every row (the migration's backfill).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Select,
    and_,
    bindparam,
    case,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from coursework.accounts.models import User
from coursework.db import Upsert, watch_writes
from coursework.progress.models import LessonProgress, ProgressSummary
from coursework.progress.signals import summary_settled
from lessons.models import Course, Lesson
from quizzes.grading import GradingMethod
from quizzes.models import Attempt, AttemptState, Quiz

log = logging.getLogger(__name__)

# Advisory-lock keys of courses (one bigint); pairs use the two-integer form, a separate
# key space, as (user_id, course_id).
COURSE_LOCKS = 0x5355_4D4D_0000_0000

# What each tracked table's rows are keyed by, and the columns whose change matters.
_PAIR_TABLES = {
    LessonProgress: ("lesson_id", ("completed_at", "completed_hash")),
    Attempt: ("quiz_id", ("state", "percent", "submitted_at")),
}
_COURSE_TABLES = {
    Lesson: ("retired_at", "content_hash"),
    Quiz: ("published", "required", "passing_score", "grading_method", "lesson_id"),
}
_KEY = "progress_summary"

# The kinds of marks that name (person, course) pairs one by one, each with its own select
# (`marked`); "courses" and "everyone" name whole courses.
PAIR_KINDS = ("pairs", "lessons", "quizzes")


@dataclass
class Marks:
    """What this transaction changed, to recompute at commit."""

    lessons: set[tuple[int, int]] = field(default_factory=set)  # (user_id, lesson_id)
    quizzes: set[tuple[int, int]] = field(default_factory=set)  # (user_id, quiz_id)
    courses: set[int] = field(default_factory=set)
    # (user_id, course_id) pairs marked by what follows the summary (`mark_pairs`): their
    # summaries are recomputed too, under the same locks, so one statement rewrites both.
    pairs: set[tuple[int, int]] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.lessons or self.quizzes or self.courses or self.pairs or self.everything)

    def pair(self, model: type, user_id: int | None, key: int | None) -> None:
        if user_id is not None and key is not None:
            (self.lessons if model is LessonProgress else self.quizzes).add((user_id, key))

    def bound(self) -> tuple[tuple[str, ...], dict[str, list]]:
        """The kinds of marks present, as `marked` takes them, and their values as the
        parameters those selects bind; everything is the kind "everyone"."""
        if self.everything:
            return ("everyone",), {}
        kinds: list[str] = []
        values: dict[str, list] = {}
        for kind in PAIR_KINDS:
            pairs = getattr(self, kind)
            if pairs:
                kinds.append(kind)
                values[kind] = sorted(pairs)
                values[f"{kind}_users"] = sorted({u for u, _ in pairs})
                values[f"{kind}_keys"] = sorted({k for _, k in pairs})
        if self.courses:
            kinds.append("courses")
            values["courses"] = sorted(self.courses)
        return tuple(kinds), values


def _marks(session: Session) -> Marks:
    return session.info.setdefault(_KEY, Marks())


# ---- the computation ------------------------------------------------------------------------


def current_lessons(course_ids) -> Select:
    """The courses' lessons that are not retired."""
    return select(Lesson.id, Lesson.course_id, Lesson.content_hash).where(
        Lesson.course_id.in_(course_ids), Lesson.retired_at.is_(None)
    )


def quiz_steps(course_ids, current) -> Select:
    """The quizzes that are steps of the courses: published, on a current lesson or final."""
    return select(
        Quiz.id, Quiz.course_id, Quiz.required, Quiz.passing_score, Quiz.grading_method
    ).where(
        Quiz.course_id.in_(course_ids),
        Quiz.published.is_(True),
        or_(Quiz.lesson_id.is_(None), Quiz.lesson_id.in_(select(current.c.id))),
    )


def computed(targets: Select) -> Select:
    """The summary columns of each (user_id, course_id) row of `targets`, from scratch.

    Plain aggregates the database can hash or index: per pair, lessons opened and completed
    on their current content; per person and quiz, the grade by the quiz's grading method
    (one sort of the attempts numbers each among the learner's tries); then per pair."""
    t = targets.cte("targets")
    courses = select(t.c.course_id)
    current = current_lessons(courses).cte("current_lessons")
    done = and_(
        LessonProgress.completed_at.is_not(None),
        LessonProgress.completed_hash == current.c.content_hash,
    )
    lesson_stats = (
        select(
            LessonProgress.user_id,
            current.c.course_id,
            func.count().label("opened"),
            func.sum(case((done, 1), else_=0)).label("done"),
        )
        .join(current, current.c.id == LessonProgress.lesson_id)
        .join(t, and_(t.c.user_id == LessonProgress.user_id, t.c.course_id == current.c.course_id))
        .group_by(LessonProgress.user_id, current.c.course_id)
        .cte("lesson_stats")
    )
    steps = quiz_steps(courses, current).cte("steps")
    # An attempt awaiting grading (an essay a person has still to mark) counts as tried,
    # as on the learner's own pages, but has no score yet: NULL, which every aggregate of
    # a score skips. Graded ones are numbered apart from it, for "first" and "latest".
    graded = Attempt.state == AttemptState.SUBMITTED.value
    score = case((graded, func.coalesce(Attempt.percent, 0.0)))
    tries = (Attempt.user_id, Attempt.quiz_id, Attempt.state)
    ranked = (
        select(
            Attempt.id,
            Attempt.user_id,
            Attempt.quiz_id,
            steps.c.course_id,
            steps.c.required,
            steps.c.passing_score,
            steps.c.grading_method,
            Attempt.submitted_at,
            Attempt.percent,
            graded.label("graded"),
            score.label("score"),
            func.row_number()
            .over(partition_by=tries, order_by=(Attempt.submitted_at, Attempt.id))
            .label("nth"),
            func.count().over(partition_by=tries).label("tries"),
        )
        .join(steps, steps.c.id == Attempt.quiz_id)
        .join(t, and_(t.c.user_id == Attempt.user_id, t.c.course_id == steps.c.course_id))
        .where(
            Attempt.state.in_((AttemptState.SUBMITTED.value, AttemptState.AWAITING_GRADING.value))
        )
        .cte("ranked_attempts")
    )
    r = ranked.c
    first, last = and_(r.graded, r.nth == 1), and_(r.graded, r.nth == r.tries)
    grade = case(
        (r.grading_method == GradingMethod.HIGHEST.value, func.max(r.score)),
        (r.grading_method == GradingMethod.LATEST.value, func.max(case((last, r.score)))),
        (r.grading_method == GradingMethod.FIRST.value, func.max(case((first, r.score)))),
        else_=func.avg(r.score),
    )
    # The course's latest attempt is the latest of its quizzes' latest ones.
    newest_quiz = func.row_number().over(
        partition_by=(r.user_id, r.course_id),
        order_by=(
            func.max(case((r.graded, r.submitted_at))).desc().nulls_last(),
            func.max(case((last, r.id))).desc().nulls_last(),
        ),
    )
    quiz_stats = (
        select(
            r.user_id,
            r.course_id,
            r.required,
            func.count().label("attempts"),
            func.max(r.score).label("best"),
            func.max(case((last, r.percent))).label("latest"),
            newest_quiz.label("newest"),
            (grade >= r.passing_score).label("passed"),
        )
        .group_by(r.user_id, r.quiz_id, r.course_id, r.required, r.passing_score, r.grading_method)
        .subquery("quiz_stats")
    )
    q = quiz_stats.c
    course_quiz_stats = (
        select(
            q.user_id,
            q.course_id,
            func.sum(q.attempts).label("attempts"),
            func.max(q.best).label("best"),
            func.max(case((q.newest == 1, q.latest))).label("latest"),
            func.sum(case((and_(q.required, q.passed), 1), else_=0)).label("passed"),
            func.sum(case((q.required, 1), else_=0)).label("tried"),
        )
        .group_by(q.user_id, q.course_id)
        .cte("quiz_course_stats")
    )
    ls, qs = lesson_stats.c, course_quiz_stats.c
    return (
        select(
            t.c.user_id,
            t.c.course_id,
            func.coalesce(ls.opened, 0).label("lessons_opened"),
            func.coalesce(ls.done, 0).label("lessons_done"),
            func.coalesce(qs.attempts, 0).label("attempts"),
            qs.best.label("best_score"),
            qs.latest.label("latest_score"),
            func.coalesce(qs.tried, 0).label("quizzes_tried"),
            func.coalesce(qs.passed, 0).label("quizzes_passed"),
        )
        .select_from(t)
        .outerjoin(lesson_stats, and_(ls.user_id == t.c.user_id, ls.course_id == t.c.course_id))
        .outerjoin(
            course_quiz_stats, and_(qs.user_id == t.c.user_id, qs.course_id == t.c.course_id)
        )
        # SQLite reads "ON CONFLICT" after a join's ON as part of it without a WHERE.
        .where(true())
    )


_COLUMNS = (
    "user_id",
    "course_id",
    "lessons_opened",
    "lessons_done",
    "attempts",
    "best_score",
    "latest_score",
    "quizzes_tried",
    "quizzes_passed",
)


def _course_targets(course_ids: BindParameter | None) -> list[Select]:
    """Everyone with anything on the courses of the list parameter (all courses when None)."""
    progress = select(LessonProgress.user_id, Lesson.course_id).join(
        Lesson, Lesson.id == LessonProgress.lesson_id
    )
    attempts = select(Attempt.user_id, Quiz.course_id).join(Quiz, Quiz.id == Attempt.quiz_id)
    kept = select(ProgressSummary.user_id, ProgressSummary.course_id)
    if course_ids is not None:
        progress = progress.where(Lesson.course_id.in_(course_ids))
        attempts = attempts.where(Quiz.course_id.in_(course_ids))
        kept = kept.where(ProgressSummary.course_id.in_(course_ids))
    return [progress, attempts, kept]


def mark_pairs(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute these (user_id, course_id) pairs at commit as if their progress changed
    (the report's rows follow an enrolment or a certificate this way)."""
    _marks(session).pairs.update(pairs)


def _listed(name: str) -> BindParameter:
    return bindparam(name, expanding=True)


# The statements that read the marked pairs are large, and building one, deriving its cache
# key and compiling it took most of a commit's time. So each is built once per combination
# of the kinds of marks present (`functools.cache` on the function that builds it), from
# `marked`, which binds the marks' values as list parameters (`Marks.bound`): a statement
# used again keeps its cache key, and SQLAlchemy finds its compiled form at once. Lists of
# any length share the compiled form (expanding IN). Each statement has selects of its own:
# SQLAlchemy's ORM sets a select's compile options when it first compiles it, so a select
# shared between statements would key differently before and after that.
def marked(kinds: tuple[str, ...]) -> tuple[Select, ...]:
    """The selects of the (user_id, course_id) pairs these kinds of marks name: marked
    pairs, (person, lesson) and (person, quiz) marks, whole courses, or everyone."""
    found: list[Select] = []
    for kind, model, course_id in (
        ("pairs", Course, Course.id),
        ("lessons", Lesson, Lesson.course_id),
        ("quizzes", Quiz, Quiz.course_id),
    ):
        if kind in kinds:
            # The people and the keys listed apart from the pairs: what the database can
            # look up by index.
            on = and_(
                model.id.in_(_listed(f"{kind}_keys")),
                tuple_(User.id, model.id).in_(_listed(kind)),
            )
            found.append(
                select(User.id.label("user_id"), course_id.label("course_id"))
                .join(model, on)
                .where(User.id.in_(_listed(f"{kind}_users")))
            )
    if "courses" in kinds:
        found += _course_targets(_listed("courses"))
    if "everyone" in kinds:
        found += _course_targets(None)
    return tuple(found)


def _distinct(targets: Sequence[Select]):
    """The pairs once each (UNION of one select keeps its duplicates)."""
    return union(*targets) if len(targets) > 1 else targets[0].distinct()


def _course_lock(course_id):
    return literal(COURSE_LOCKS, BigInteger) + course_id


def lock_courses(connection: Connection, course_ids: Iterable[int]) -> None:
    """PostgreSQL: these courses exclusively, in order (nothing else changes their pairs)."""
    if connection.dialect.name != "postgresql" or not course_ids:
        return
    connection.execute(
        text(
            "SELECT pg_advisory_xact_lock(CAST(:base AS bigint) + c)"
            " FROM unnest(CAST(:courses AS integer[])) AS c ORDER BY c"
        ),
        {"base": COURSE_LOCKS, "courses": sorted(course_ids)},
    )


def _locking(pairs) -> Select:
    p = pairs.subquery("pairs")
    return select(
        func.pg_advisory_xact_lock_shared(_course_lock(p.c.course_id)),
        func.pg_advisory_xact_lock(p.c.user_id, p.c.course_id),
    ).order_by(p.c.course_id, p.c.user_id)


def lock_pairs(connection: Connection, pairs) -> None:
    """PostgreSQL: each (user_id, course_id) of the select `pairs`, with its course shared,
    in one order everywhere."""
    if connection.dialect.name == "postgresql":
        connection.execute(_locking(pairs))


@cache
def _pair_locks(kinds: tuple[str, ...]) -> Select:
    return _locking(_distinct(marked(kinds)))


@cache
def _upserting(kinds: tuple[str, ...]) -> Upsert:
    statement = Upsert(ProgressSummary, key=("user_id", "course_id"), updated=_COLUMNS[2:])
    return statement.from_select(_COLUMNS, computed(_distinct(marked(kinds))))


def _upsert(connection: Connection, marks: Marks) -> None:
    kinds, values = marks.bound()
    connection.execute(_upserting(kinds), values)


def _lock(connection: Connection, marks: Marks) -> None:
    """PostgreSQL: the changed courses exclusively, then each changed pair (and its course,
    shared), in one order everywhere."""
    if connection.dialect.name != "postgresql":
        return  # SQLite runs one writing transaction at a time
    lock_courses(connection, marks.courses)
    kinds, values = marks.bound()
    pairs = tuple(kind for kind in kinds if kind in PAIR_KINDS)
    if pairs:
        connection.execute(_pair_locks(pairs), values)


# Past this many marked (person, lesson or quiz) pairs, a bulk load recomputes their whole
# courses instead: one set-based statement, not a list of pairs longer than a statement's
# parameters allow.
MANY = 500


def _whole_courses(session: Session, marks: Marks) -> None:
    marks.courses.update(c for _, c in marks.pairs)
    marks.pairs.clear()
    lesson_ids = sorted({key for _, key in marks.lessons})
    quiz_ids = sorted({key for _, key in marks.quizzes})
    marks.courses.update(
        session.scalars(
            union(
                select(Lesson.course_id).where(Lesson.id.in_(lesson_ids)),
                select(Quiz.course_id).where(Quiz.id.in_(quiz_ids)),
            )
        )
    )
    marks.lessons.clear()
    marks.quizzes.clear()


def settle(session: Session) -> None:
    """Write the rows this transaction's changes call for, now (the report calls this so
    that it reads its own transaction's changes too; commit calls it anyway)."""
    session.flush()  # what is still pending marks too
    marks = session.info.pop(_KEY, None)
    if not marks:
        return
    connection = session.connection()
    if not marks.everything:
        if len(marks.lessons) + len(marks.quizzes) + len(marks.pairs) > MANY:
            _whole_courses(session, marks)
        _lock(connection, marks)
    _upsert(connection, marks)
    summary_settled.send(session, connection=connection, marks=marks)


def rebuild(connection: Connection) -> None:
    """Recompute every row (the backfill of the migration that made the table)."""
    _upsert(connection, Marks(everything=True))


# ---- what the session tells us --------------------------------------------------------------


def _values(obj, name: str) -> list:
    """The attribute's value now and, when this flush changed it, before."""
    history = inspect(obj).attrs[name].history
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def _changed(obj, names: Iterable[str]) -> bool:
    return any(inspect(obj).attrs[name].history.has_changes() for name in names)


def _unsubmitted(attempt) -> bool:
    states = _values(attempt, "state")
    return bool(states) and AttemptState.SUBMITTED.value not in states


def _after_flush(session: Session, flush_context) -> None:
    marks = _marks(session)
    for obj, edited in (
        *((o, False) for o in session.new),
        *((o, False) for o in session.deleted),
        *((o, True) for o in session.dirty),
    ):
        model = type(obj)
        if model in _PAIR_TABLES:
            key, watched = _PAIR_TABLES[model]
            if edited and not _changed(obj, (*watched, key, "user_id")):
                continue
            if not edited and model is Attempt and _unsubmitted(obj):
                continue  # an attempt counts once submitted: starting one changes nothing
            for user_id in _values(obj, "user_id"):
                for value in _values(obj, key):
                    marks.pair(model, user_id, value)
        elif model in _COURSE_TABLES:
            if edited and not _changed(obj, (*_COURSE_TABLES[model], "course_id")):
                continue
            marks.courses.update(_values(obj, "course_id"))


def _on_statement(state):
    """ORM `insert`/`update`/`delete` statements skip the flush: read what they touch.
    Returns the statement's result when it had to run it (to see whether it inserted),
    else None, and the session runs it."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model not in _PAIR_TABLES and model not in _COURSE_TABLES:
        return None
    session, statement = state.session, state.statement
    marks = _marks(session)
    if model in _PAIR_TABLES:
        key = _PAIR_TABLES[model][0]
        columns = ("user_id", key)
    else:
        columns = ("course_id",)
    if state.is_insert:
        rows = state.parameters
        one = not rows
        if one:
            rows = statement.compile(dialect=session.get_bind().dialect).params
        rows = [rows] if isinstance(rows, dict) else rows
        if not all(row.get(name) is not None for row in rows for name in columns):
            log.warning("progress summary: an insert into %s it cannot read", model)
            marks.everything = True
            return None
        result = None
        if one:
            # "Insert unless there" (opening a lesson again) usually inserts nothing, and
            # then there is nothing to recompute.
            result = state.invoke_statement()
            if statement._returning:
                result = result.freeze()
                inserted = bool(result.data)
                result = result()
            else:
                inserted = result.rowcount != 0
            if not inserted:
                return result
        for row in rows:
            if model in _PAIR_TABLES:
                marks.pair(model, row["user_id"], row[key])
            else:
                marks.courses.add(row["course_id"])
        return result
    if state.is_update:
        changed = {getattr(c, "key", c) for c in statement._values or ()}
        if changed & set(columns):
            marks.everything = True  # rows moved between people or courses: rare
            return None
    table = mapper.class_
    found = session.execute(
        select(*(getattr(table, name) for name in columns)).where(statement.whereclause)
        if statement.whereclause is not None
        else select(*(getattr(table, name) for name in columns))
    )
    for row in found:
        if model in _PAIR_TABLES:
            marks.pair(model, row[0], row[1])
        else:
            marks.courses.add(row[0])
    return None


def register(session_class) -> None:
    """Watch every session of `session_class` (the app's scoped session's class)."""
    watch_writes(
        session_class, _KEY, after_flush=_after_flush, on_statement=_on_statement, settle=settle
    )
