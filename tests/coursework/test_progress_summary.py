"""The per-(person, course) progress summary stays equal to a computation from scratch
whatever sequence of steps changes the tables it depends on, through services, ORM objects
and ORM statements alike; and, on PostgreSQL, when two steps of one learner commit at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, insert, select, update

from coursework.accounts.models import User
from coursework.extensions import db
from coursework.organisations import report
from coursework.progress import services as progress
from coursework.progress import summary
from coursework.progress.models import LessonProgress, ProgressSummary
from lessons import services as lessons
from lessons.models import Lesson
from quizzes import services as quizzes
from quizzes.grading import GradingMethod
from quizzes.models import Attempt, AttemptState, Quiz, QuizVersion
from tests.support.quizkit import right_answers, together
from tests.support.reportkit import (
    T0,
    TODAY,
    activity,
    assignment_shapes,
    course_shapes,
    extras,
    key,
    lay_down,
    people_shapes,
    reference_rows,
)

_FIELDS = tuple(column.name for column in ProgressSummary.__table__.columns)


def _nothing(row: tuple) -> bool:
    """A row that says nothing was done: the same as no row."""
    return not any(row[2:])


def stored() -> list[tuple]:
    rows = db.session.execute(select(*ProgressSummary.__table__.columns))
    return sorted(tuple(row) for row in rows if not _nothing(tuple(row)))


def from_scratch() -> list[tuple]:
    """Every pair with any lesson progress or attempt, computed afresh."""
    progress_pairs = select(LessonProgress.user_id, Lesson.course_id).join(
        Lesson, Lesson.id == LessonProgress.lesson_id
    )
    attempt_pairs = select(Attempt.user_id, Quiz.course_id).join(Quiz, Quiz.id == Attempt.quiz_id)
    rows = db.session.execute(summary.computed(progress_pairs.union(attempt_pairs)))
    return sorted(tuple(row) for row in rows if not _nothing(tuple(row)))


def summary_statements(work) -> list[str]:
    """The statements `work()` sent that write the summary or take its locks (not the
    organisation report's rows, which read it after: tests/coursework/test_report_rows.py)."""
    written: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "report_rows" in statement:
            return
        if "progress_summaries" in statement or "advisory" in statement:
            written.append(statement)

    db.session.commit()  # what came before, written before counting
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
        db.session.commit()  # as the request does: the summary is written as it commits
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return written


# ---- random steps after a random organisation ------------------------------------------------

steps = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(
                [
                    "complete",
                    "open",
                    "forget lesson",
                    "retire",
                    "restore",
                    "edit lesson",
                    "delete lesson",
                    "publish",
                    "require",
                    "method",
                    "pass mark",
                    "regrade",
                    "regrade in bulk",
                    "delete attempt",
                    "add attempt",
                    "move quiz",
                ]
            ),
            "person": st.integers(0, 5),
            "n": st.integers(0, 20),
            "percent": st.one_of(st.none(), st.integers(0, 100).map(float)),
        }
    ),
    min_size=1,
    max_size=12,
)


def _pick(items: list, n: int):
    return items[n % len(items)] if items else None


def apply(step: dict, organisation) -> None:
    """One change, through the service where there is one, else as a writer would."""
    people = list(
        db.session.scalars(
            select(User).where(User.email.like(f"p{organisation.slug[4:]}-%")).order_by(User.id)
        )
    )
    learner = _pick(people, step["person"])
    all_lessons = list(db.session.scalars(select(Lesson).order_by(Lesson.id)))
    all_quizzes = list(db.session.scalars(select(Quiz).order_by(Quiz.id)))
    attempts = list(db.session.scalars(select(Attempt).order_by(Attempt.id)))
    lesson, quiz, attempt = (
        _pick(all_lessons, step["n"]),
        _pick(all_quizzes, step["n"]),
        _pick(attempts, step["n"]),
    )
    kind, n = step["kind"], step["n"]
    if kind == "complete" and lesson and learner:
        progress.complete_lesson(learner, lesson)
    elif kind == "open" and lesson and learner:
        progress.open_lesson(learner, lesson)
    elif kind == "forget lesson" and lesson:
        db.session.execute(delete(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    elif kind == "retire" and lesson:
        lesson.retired_at = T0
    elif kind == "restore" and lesson:
        lesson.retired_at = None
    elif kind == "edit lesson" and lesson:
        lesson.content_hash = f"edited-{n}"
    elif kind == "delete lesson" and lesson:
        db.session.delete(lesson)
    elif kind == "publish" and quiz:
        quiz.published = not quiz.published
    elif kind == "require" and quiz:
        quiz.required = not quiz.required
    elif kind == "method" and quiz:
        quiz.grading_method = _pick(list(GradingMethod), n).value
    elif kind == "pass mark" and quiz:
        quiz.passing_score = n * 5
    elif kind == "regrade" and attempt:
        attempt.percent = step["percent"]
    elif kind == "regrade in bulk" and quiz:
        db.session.execute(
            update(Attempt).where(Attempt.quiz_id == quiz.id).values(percent=step["percent"])
        )
    elif kind == "delete attempt" and attempt:
        db.session.delete(attempt)
    elif kind == "add attempt" and quiz and learner:
        version = db.session.scalar(select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id))
        number = 1 + db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == learner.id
            )
        )
        db.session.execute(
            insert(Attempt).values(
                quiz_id=quiz.id,
                version_id=version,
                user_id=learner.id,
                number=number,
                state=AttemptState.SUBMITTED.value,
                started_at=T0,
                submitted_at=T0 + timedelta(minutes=n),
                percent=step["percent"],
            )
        )
    elif kind == "move quiz" and quiz and quiz.lesson_id:  # to another lesson of its course
        taken = set(db.session.scalars(select(Quiz.lesson_id).where(Quiz.lesson_id.is_not(None))))
        free = [x for x in all_lessons if x.course_id == quiz.course_id and x.id not in taken]
        if free:
            quiz.lesson_id = _pick(free, n).id
    db.session.commit()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(course_shapes, people_shapes, activity, assignment_shapes, extras, steps)
def test_the_summary_equals_a_computation_from_scratch_after_any_steps(
    app, courses, people, acts, assignments, others, changes
):
    organisation = lay_down(courses, people, acts, assignments, others)
    assert stored() == from_scratch()
    for step in changes:
        apply(step, organisation)
        assert stored() == from_scratch(), step
    expected = sorted(reference_rows(organisation, TODAY), key=key)
    assert sorted(report.build_rows(organisation, TODAY), key=key) == expected


def test_a_transaction_reads_its_own_steps_before_commit(app, make_user, course):
    learner = make_user()
    lesson = lessons.current_lessons(course.id)[0]
    db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id, started_at=T0))
    summary.settle(db.session)
    row = db.session.get(ProgressSummary, (learner.id, course.id))
    assert (row.lessons_opened, row.lessons_done) == (1, 0)
    db.session.rollback()
    assert db.session.get(ProgressSummary, (learner.id, course.id)) is None


def test_a_rolled_back_step_leaves_nothing_to_write(app, make_user, course):
    learner = make_user()
    lesson = lessons.current_lessons(course.id)[0]
    db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id, started_at=T0))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ProgressSummary)) == 0


def test_a_step_writes_one_upsert(app, make_user, course):
    """Completing a lesson adds one statement on SQLite (two on PostgreSQL: the lock)."""
    learner = make_user()
    lesson = lessons.current_lessons(course.id)[0]
    written = summary_statements(lambda: progress.complete_lesson(learner, lesson))
    assert len(written) == (2 if db.engine.dialect.name == "postgresql" else 1)
    row = db.session.get(ProgressSummary, (learner.id, course.id))
    assert (row.lessons_opened, row.lessons_done) == (1, 1)


# ---- PostgreSQL: two steps of one learner at once -------------------------------------------

ROUNDS = 10


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _complete(learner_id: int, lesson_id: int):
    def work() -> bool:
        return progress.complete_lesson(_user(learner_id), db.session.get(Lesson, lesson_id))

    return work


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_two_lessons_completed_at_once_both_count(app, make_user, course):
    current = lessons.current_lessons(course.id)
    learner_ids = [make_user().id for _ in range(ROUNDS)]

    for learner_id in learner_ids:
        results = together(
            app, [_complete(learner_id, current[0].id), _complete(learner_id, current[1].id)]
        )
        assert results == [True, True], results
    db.session.expire_all()
    for learner_id in learner_ids:
        row = db.session.get(ProgressSummary, (learner_id, course.id))
        assert (row.lessons_opened, row.lessons_done) == (2, 2)
    assert stored() == from_scratch()


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_two_writers_committing_at_once_both_count(app, make_user, course):
    """Steps that share no other row (no enrolment to queue on): both flush, then both
    commit together; the summary lock makes the second compute after the first commits."""
    current = lessons.current_lessons(course.id)
    learner_ids = [make_user().id for _ in range(ROUNDS)]
    for learner_id in learner_ids:
        ready = threading.Barrier(2)

        def write(lesson: Lesson, learner_id: int = learner_id, ready=ready):
            def work() -> bool:
                db.session.add(
                    LessonProgress(
                        user_id=learner_id,
                        lesson_id=lesson.id,
                        started_at=T0,
                        completed_at=T0,
                        completed_hash=lesson.content_hash,
                    )
                )
                db.session.flush()
                ready.wait(timeout=30)
                db.session.commit()
                return True

            return work

        assert together(app, [write(current[0]), write(current[1])]) == [True, True]
    db.session.expire_all()
    for learner_id in learner_ids:
        row = db.session.get(ProgressSummary, (learner_id, course.id))
        assert (row.lessons_opened, row.lessons_done) == (2, 2)


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_a_lesson_and_a_quiz_at_once_both_count(app, make_user, course, make_quiz):
    quiz_id = make_quiz(lesson_slug=None, title="Final quiz").id
    lesson_id = lessons.current_lessons(course.id)[0].id
    learners = []
    for _ in range(ROUNDS):
        learner = make_user()
        attempt = quizzes.start_attempt(learner, quizzes.get_quiz(quiz_id))
        quizzes.save_answers(attempt, right_answers(attempt))
        learners.append((learner.id, attempt.id))

    def submit(learner_id: int, attempt_id: int):
        def work() -> bool:
            return quizzes.submit_attempt(quizzes.get_attempt(attempt_id, _user(learner_id))).passed

        return work

    for learner_id, attempt_id in learners:
        results = together(app, [_complete(learner_id, lesson_id), submit(learner_id, attempt_id)])
        assert results == [True, True], results
    db.session.expire_all()
    for learner_id, _ in learners:
        row = db.session.get(ProgressSummary, (learner_id, course.id))
        assert (row.lessons_done, row.attempts, row.quizzes_passed) == (1, 1, 1)
    assert stored() == from_scratch()


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_a_lesson_retired_while_a_learner_completes_it_stays_exact(app, make_user, course):
    current = lessons.current_lessons(course.id)
    learner_ids = [make_user().id for _ in range(ROUNDS)]

    def toggle(lesson_id: int, retire: bool):
        def work() -> bool:
            db.session.get(Lesson, lesson_id).retired_at = T0 if retire else None
            db.session.commit()
            return True

        return work

    for n, learner_id in enumerate(learner_ids):
        target = current[1].id
        results = together(app, [_complete(learner_id, target), toggle(target, n % 2 == 0)])
        assert results == [True, True], results
        db.session.expire_all()
        assert stored() == from_scratch()


def test_a_bulk_load_recomputes_whole_courses(app, make_user, course):
    """More pairs than a statement should list: the courses are recomputed instead."""
    current = lessons.current_lessons(course.id)
    learners = [
        User(email=f"bulk{n}@example.com", display_name="B", password_hash="x")
        for n in range(summary.MANY // len(current) + 2)
    ]
    db.session.add_all(learners)
    db.session.flush()
    rows = [
        {"user_id": learner.id, "lesson_id": lesson.id, "started_at": T0}
        for learner in learners
        for lesson in current
    ]
    assert len(rows) > summary.MANY
    db.session.execute(insert(LessonProgress), rows)
    db.session.commit()
    assert len(stored()) == len(learners)
    assert stored() == from_scratch()


def test_opening_a_lesson_again_recomputes_nothing(app, make_user, course):
    learner = make_user()
    lesson = lessons.current_lessons(course.id)[0]
    progress.open_lesson(learner, lesson)
    assert summary_statements(lambda: progress.open_lesson(learner, lesson)) == []
    assert stored() == from_scratch() != []
