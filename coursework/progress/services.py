"""Progress rules that touch the database: opening and completing lessons, dashboards."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from coursework.accounts.models import User
from coursework.db import insert_or_ignore, utcnow
from coursework.extensions import db
from coursework.progress import signals
from coursework.progress.models import Enrolment, LearningEvent, LessonProgress
from coursework.progress.rules import CourseSummary, LessonState, summarise
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes import services as quizzes
from quizzes.models import Quiz

log = logging.getLogger(__name__)


def record_event(
    actor_id: int, verb: str, object_type: str, object_id: int, context: dict | None = None
) -> None:
    db.session.add(
        LearningEvent(
            actor_id=actor_id,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            context=context or {},
        )
    )


def enrol(user: User, course: Course) -> bool:
    """Enrol the learner once; True when this call enrolled them."""
    enrolled = insert_or_ignore(
        db.session,
        Enrolment,
        user_id=user.id,
        course_id=course.id,
        enrolled_at=utcnow(),
        last_activity_at=utcnow(),
    )
    if enrolled:
        record_event(user.id, "started", "course", course.id)
    return enrolled


def lock_enrolment(user_id: int, course_id: int) -> None:
    """Hold the learner's enrolment row in the course until the transaction ends.

    Whoever checks the course's completion rule takes this lock first, so two requests
    finishing its last two steps at once (a lesson and the final quiz, two tabs) check one
    after the other, and the second sees the first's step. Under READ COMMITTED each
    statement after the lock reads what was committed before it. SQLite serialises writers
    anyway and ignores FOR UPDATE. Read the progress with `course_progress(..., fresh=True)`
    afterwards: rows loaded before the lock may predate the other request's commit.
    """
    db.session.execute(
        select(Enrolment.id)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        .with_for_update()
    )


def open_lesson(user: User, lesson: Lesson) -> None:
    """The learner opened a lesson: it is started (once) and becomes their place to resume."""
    now = utcnow()
    user_id, lesson_id, course_id = user.id, lesson.id, lesson.course_id
    resume = (
        update(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        .values(last_activity_at=now, last_lesson_id=lesson_id)
    )
    # A returning learner is enrolled already: the UPDATE says so, no INSERT needed.
    if db.session.execute(resume).rowcount == 0:
        enrol(user, lesson.course)
        db.session.execute(resume)
    if insert_or_ignore(
        db.session, LessonProgress, user_id=user_id, lesson_id=lesson_id, started_at=now
    ):
        record_event(user_id, "started", "lesson", lesson_id)
    db.session.flush()


# A learner re-reading the lesson they were last on moves their last activity no more often
# than this: reloading a page is not a write, and the report's "last activity" is a date.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


def visit_lesson(user: User, lesson: Lesson) -> CourseProgress:
    """The learner opened a lesson (`open_lesson`); returns their progress on its course as
    it stands after the visit.

    It reads before it writes, in one transaction, and writes only what the visit changes:
    a first visit starts the lesson (and enrols), moving to another lesson moves the place
    to resume, and staying on the same one moves the last activity at most once in
    ACTIVITY_RESOLUTION. Most lesson pages are then reads only."""
    progress = course_progress(user, lesson.course)
    enrolment, row = progress.enrolment, progress.rows.get(lesson.id)
    if (
        enrolment is not None
        and row is not None
        and enrolment.last_lesson_id == lesson.id
        and enrolment.last_activity_at >= utcnow() - ACTIVITY_RESOLUTION
    ):
        return progress
    open_lesson(user, lesson)
    if enrolment is None or row is None:  # enrolled or started just now: read them
        return course_progress(user, lesson.course)
    # Only the place to resume moved; the UPDATE set it on the loaded enrolment too.
    return _build(
        progress.course,
        progress.lessons,
        progress.quizzes,
        progress.rows,
        enrolment,
        progress.standings,
    )


def carry_completions(_sender=None, *, lesson_id: int, old_hash: str, new_hash: str) -> None:
    """A lesson's heading was renamed over unchanged text: whoever completed it still has."""
    db.session.execute(
        update(LessonProgress)
        .where(LessonProgress.lesson_id == lesson_id, LessonProgress.completed_hash == old_hash)
        .values(completed_hash=new_hash)
    )


def complete_lesson(user: User, lesson: Lesson) -> bool:
    """Mark the lesson's current content completed; True only the first time."""
    enrol(user, lesson.course)
    now = utcnow()
    if insert_or_ignore(
        db.session, LessonProgress, user_id=user.id, lesson_id=lesson.id, started_at=now
    ):
        record_event(user.id, "started", "lesson", lesson.id)
    # One conditional UPDATE: of two simultaneous clicks, only one changes the row.
    result = db.session.execute(
        update(LessonProgress)
        .where(
            LessonProgress.user_id == user.id,
            LessonProgress.lesson_id == lesson.id,
            or_(
                LessonProgress.completed_hash.is_(None),
                LessonProgress.completed_hash != lesson.content_hash,
            ),
        )
        .values(completed_at=now, completed_hash=lesson.content_hash)
    )
    completed = result.rowcount == 1
    if completed:
        record_event(user.id, "completed", "lesson", lesson.id)
        signals.lesson_completed.send(user_id=user.id, course_id=lesson.course_id)
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.course_id == lesson.course_id)
            .values(last_activity_at=now, last_lesson_id=lesson.id)
        )
        log.info("user %s completed lesson %s", user.id, lesson.id)
    db.session.flush()
    return completed


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    lessons: list[Lesson]
    summary: CourseSummary
    enrolment: Enrolment | None
    quizzes: list[Quiz] = field(default_factory=list)  # published, in course order
    standings: dict[int, quizzes.QuizStanding] = field(default_factory=dict)
    rows: dict[int, LessonProgress] = field(default_factory=dict)

    def completed_before_change(self, lesson: Lesson) -> datetime | None:
        """When the learner completed an earlier version of this lesson, if that is why it
        is in progress again (its text changed since); None otherwise."""
        row = self.rows.get(lesson.id)
        if row is None or row.completed_at is None or row.completed_hash == lesson.content_hash:
            return None
        return row.completed_at

    @property
    def next_lesson(self) -> Lesson | None:
        return next((ls for ls in self.lessons if ls.id == self.summary.next_lesson_id), None)

    @property
    def next_quiz(self) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == self.summary.next_quiz_id), None)

    @property
    def awaiting_grading(self) -> list[Quiz]:
        """Quizzes with an attempt of this learner that the course's staff have still to
        grade (essays)."""
        return [
            q for q in self.quizzes if self.standings.get(q.id) and self.standings[q.id].awaiting
        ]

    @property
    def final_quiz(self) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.is_final), None)

    def quiz_for(self, lesson: Lesson) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.lesson_id == lesson.id), None)

    def state_of(self, lesson: Lesson) -> LessonState:
        return self.summary.states[lesson.id]

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        index = self.lessons.index(lesson)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def _ordered_quizzes(course_lessons: list[Lesson], course_quizzes: list[Quiz]) -> list[Quiz]:
    """Lesson quizzes in lesson order (current lessons only), then the final quiz."""
    by_lesson = {quiz.lesson_id: quiz for quiz in course_quizzes}
    ordered = [by_lesson[lesson.id] for lesson in course_lessons if lesson.id in by_lesson]
    return ordered + [quiz for quiz in course_quizzes if quiz.is_final]


def _build(
    course: Course,
    course_lessons: list[Lesson],
    course_quizzes: list[Quiz],
    rows: dict[int, LessonProgress],
    enrolment: Enrolment | None,
    standings: dict[int, quizzes.QuizStanding],
) -> CourseProgress:
    ordered = _ordered_quizzes(course_lessons, course_quizzes)
    steps = [
        (
            quiz.id,
            # Submitted counts as attempted, graded or still awaiting grading (essays).
            bool(
                standings.get(quiz.id)
                and (standings[quiz.id].attempts or standings[quiz.id].awaiting)
            ),
            bool(standings.get(quiz.id) and standings[quiz.id].passed),
        )
        for quiz in ordered
        if quiz.required
    ]
    summary = summarise(
        course_lessons, rows, enrolment.last_lesson_id if enrolment else None, steps
    )
    return CourseProgress(course, course_lessons, summary, enrolment, ordered, standings, rows)


def _progress_rows(
    user_id: int, lesson_ids: list[int], *, fresh: bool = False
) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    rows = db.session.scalars(
        select(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(lesson_ids))
        .execution_options(populate_existing=fresh)
    )
    return {row.lesson_id: row for row in rows}


def course_progress(user: User | None, course: Course, *, fresh: bool = False) -> CourseProgress:
    """The course's current lessons and quizzes with this learner's state on each (all
    not started for someone signed out). `fresh` re-reads the learner's rows already loaded
    in this transaction, as the completion check does after taking the enrolment lock."""
    current = lessons.current_lessons(course.id, with_text=False)
    course_quizzes = quizzes.course_quizzes([course.id])
    enrolment = None
    rows: dict[int, LessonProgress] = {}
    standings: dict[int, quizzes.QuizStanding] = {}
    if user is not None:
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        )
        rows = _progress_rows(user.id, [lesson.id for lesson in current], fresh=fresh)
        standings = quizzes.standings(user.id, course_quizzes, fresh=fresh)
    return _build(course, current, course_quizzes, rows, enrolment, standings)


def my_courses(user: User) -> list[CourseProgress]:
    """Every course the learner is enrolled in, most recently active first.

    A fixed number of queries whatever the number of courses: enrolments, lessons,
    progress rows, quizzes and attempts.
    """
    pairs = db.session.execute(
        select(Enrolment, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.last_activity_at.desc())
    ).all()
    course_ids = [course.id for _, course in pairs]
    all_lessons = lessons.current_lessons(course_ids, with_text=False)
    rows = _progress_rows(user.id, [lesson.id for lesson in all_lessons])
    all_quizzes = quizzes.course_quizzes(course_ids)
    standings = quizzes.standings(user.id, all_quizzes)
    return [
        _build(
            course,
            [lesson for lesson in all_lessons if lesson.course_id == course.id],
            [quiz for quiz in all_quizzes if quiz.course_id == course.id],
            rows,
            enrolment,
            standings,
        )
        for enrolment, course in pairs
    ]


def summaries_for(user: User | None, course_ids: list[int]) -> dict[int, CourseSummary]:
    """This learner's summary for each of the given courses they are enrolled in."""
    if user is None:
        return {}
    return {
        progress.course.id: progress.summary
        for progress in my_courses(user)
        if progress.course.id in course_ids
    }


def record_attempt(sender, attempt, **_) -> None:
    """Receiver of quizzes' `attempt_submitted`: the attempt becomes learning events, in
    the same transaction as the grading."""
    quiz = attempt.quiz
    context = {
        "attempt": attempt.number,
        "percent": attempt.percent,
        "quiz_version": attempt.version_id,
    }
    record_event(attempt.user_id, "attempted", "quiz", quiz.id, context)
    record_event(
        attempt.user_id, "passed" if attempt.passed else "failed", "quiz", quiz.id, context
    )
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == attempt.user_id, Enrolment.course_id == quiz.course_id)
        .values(last_activity_at=attempt.submitted_at or utcnow())
    )


def record_quiz_start(sender, attempt, **_) -> None:
    """Receiver of `attempt_started`: taking a quiz enrols the learner in its course."""
    if insert_or_ignore(
        db.session,
        Enrolment,
        user_id=attempt.user_id,
        course_id=attempt.quiz.course_id,
        enrolled_at=utcnow(),
        last_activity_at=utcnow(),
    ):
        record_event(attempt.user_id, "started", "course", attempt.quiz.course_id)
    db.session.flush()
