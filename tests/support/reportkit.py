"""A generated organisation (courses, people, activity, assignments) and its report computed
the plain way, to hold the SQL report to (hypothesis strategies and the reference rows)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st
from sqlalchemy import insert, select

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.organisations import report
from coursework.organisations.models import Assignment, AssignmentMember, Membership, Organisation
from coursework.organisations.report import Filters, Row, Status
from coursework.progress.models import Enrolment, LessonProgress
from coursework.progress.rules import LessonState, summarise
from lessons.models import Course, Lesson
from quizzes.grading import GradingMethod
from quizzes.models import Attempt, AttemptState, Quiz, QuizVersion
from quizzes.services import QuizStanding

TODAY = date(2026, 12, 1)


T0 = datetime(2026, 11, 1, tzinfo=UTC)


_serial = itertools.count()


def reference_rows(organisation: Organisation, today: date) -> list[Row]:
    """Every row, computed the plain way: load everything, apply the rules per learner."""
    members = db.session.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.removed_at.is_(None))
    ).scalars()
    people = {user.id: user for user in members}
    due: dict[tuple[int, int], list[date | None]] = defaultdict(list)
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.organisation_id == organisation.id)
    ):
        targets = people if assignment.everyone else [a.user_id for a in assignment.assignees]
        for user_id in targets:
            if user_id in people:
                due[(user_id, assignment.course_id)].append(assignment.due_on)
    rows = []
    for (user_id, course_id), dates in due.items():
        user, course = people[user_id], db.session.get(Course, course_id)
        lessons = list(
            db.session.scalars(
                select(Lesson)
                .where(Lesson.course_id == course_id, Lesson.retired_at.is_(None))
                .order_by(Lesson.position)
            )
        )
        current = {lesson.id for lesson in lessons}
        quizzes = [
            quiz
            for quiz in db.session.scalars(
                select(Quiz).where(Quiz.course_id == course_id, Quiz.published.is_(True))
            )
            if quiz.lesson_id is None or quiz.lesson_id in current
        ]
        attempts = {
            quiz.id: tuple(
                db.session.scalars(
                    select(Attempt)
                    .where(
                        Attempt.user_id == user_id,
                        Attempt.quiz_id == quiz.id,
                        Attempt.state == AttemptState.SUBMITTED.value,
                    )
                    .order_by(Attempt.submitted_at, Attempt.id)
                )
            )
            for quiz in quizzes
        }
        steps = [
            (quiz.id, bool(attempts[quiz.id]), QuizStanding(quiz, attempts[quiz.id], None).passed)
            for quiz in quizzes
            if quiz.required
        ]
        progress = {
            row.lesson_id: row
            for row in db.session.scalars(
                select(LessonProgress).where(LessonProgress.user_id == user_id)
            )
        }
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        )
        certificate = db.session.scalar(
            select(Certificate).where(
                Certificate.user_id == user_id, Certificate.course_id == course_id
            )
        )
        summary = summarise(lessons, progress, None, steps)
        everything = [a for quiz in quizzes for a in attempts[quiz.id]]
        latest = max(everything, key=lambda a: (a.submitted_at, a.id), default=None)
        dated = [d for d in dates if d is not None]
        due_on = min(dated) if dated else None
        completed = certificate is not None or summary.is_complete
        if completed:
            status = Status.COMPLETED
        elif due_on is not None and today > due_on:
            status = Status.OVERDUE
        elif summary.started or enrolment is not None:
            status = Status.IN_PROGRESS
        else:
            status = Status.NOT_STARTED
        rows.append(
            Row(
                user_id=user_id,
                name=user.display_name,
                email=user.email,
                course_id=course_id,
                course_slug=course.slug,
                course_title=course.title,
                due_on=due_on,
                status=status,
                percent=100 if completed else summary.percent,
                lessons_done=sum(s == LessonState.COMPLETED for s in summary.states.values()),
                lessons_total=len(lessons),
                best_score=max((a.percent or 0.0 for a in everything), default=None),
                latest_score=latest.percent if latest else None,
                attempts=len(everything),
                last_activity=enrolment.last_activity_at if enrolment else None,
                completed_at=certificate.issued_at if certificate else None,
                certificate_code=certificate.code if certificate else None,
                certificate_expires_at=certificate.expires_at if certificate else None,
            )
        )
    return rows


NAMES = st.sampled_from(
    ["ann", "Ann", "Åsa", "bob", "Bob Ray", "ß", "zoë", "Zed", "_x%", "-eve", "ΟΔΟΣ"]
)


# Multiples of a quarter add up exactly, so an average sits on the pass mark exactly too.
PERCENTS = st.one_of(
    st.none(), st.integers(0, 400).map(lambda n: n / 4), st.sampled_from([0.0, 100.0])
)


METHODS = st.sampled_from([m.value for m in GradingMethod])


DUE = st.one_of(st.none(), st.integers(-3, 3).map(lambda n: TODAY + timedelta(days=n)))


course_shapes = st.lists(
    st.fixed_dictionaries(
        {
            "lessons": st.lists(
                st.fixed_dictionaries(
                    {
                        "retired": st.sampled_from([False, False, True]),
                        "quiz": st.sampled_from([True, True, False]),
                    }
                ),
                min_size=1,
                max_size=4,
            ),
            "final": st.sampled_from([True, True, False]),
            "quiz": st.fixed_dictionaries(
                {
                    "published": st.sampled_from([True, True, True, False]),
                    "required": st.sampled_from([True, True, True, False]),
                    "method": METHODS,
                    "pass": st.integers(0, 100),
                }
            ),
        }
    ),
    min_size=1,
    max_size=3,
)


people_shapes = st.lists(
    st.fixed_dictionaries({"name": NAMES, "removed": st.sampled_from([False, False, False, True])}),
    min_size=1,
    max_size=6,
)


activity = st.lists(
    st.fixed_dictionaries(
        {
            # Mostly the first people and course, so attempts pile up on the same quiz.
            "person": st.integers(0, 5).map(lambda n: n % 3 if n < 5 else 4),
            "course": st.integers(0, 3).map(lambda n: min(n, 2) if n == 3 else 0),
            "step": st.integers(0, 2),
            "kind": st.sampled_from(
                ["opened", "done", "stale", "attempt", "attempt", "open attempt"]
            ),
            "percent": PERCENTS,
            "minutes": st.integers(0, 3),  # equal times: the id breaks the tie
        }
    ),
    max_size=30,
)


assignment_shapes = st.lists(
    st.fixed_dictionaries(
        {
            "course": st.integers(0, 3).map(lambda n: min(n, 2) if n == 3 else 0),
            "everyone": st.booleans(),
            "due": DUE,
            "chosen": st.sets(st.integers(0, 5)),
        }
    ),
    min_size=1,
    max_size=4,
)


extras = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 2), st.sampled_from(["enrolment", "certificate"])),
    max_size=6,
)


def lay_down(courses, people, acts, assignments, others) -> Organisation:
    n = next(_serial)
    organisation = Organisation(slug=f"org-{n}", name="Org")
    db.session.add(organisation)
    users = [
        User(email=f"p{n}-{i}@example.com", display_name=p["name"], password_hash="x")
        for i, p in enumerate(people)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(
        Membership(
            organisation_id=organisation.id,
            user_id=user.id,
            removed_at=T0 if p["removed"] else None,
        )
        for user, p in zip(users, people, strict=True)
    )
    made = []  # per course: (course, [lesson], [quiz or None per lesson], final quiz or None)
    for c, shape in enumerate(courses):
        course = Course(slug=f"c{n}-{c}", title=["Zeta", "alpha", "Beta"][c])
        db.session.add(course)
        db.session.flush()
        lessons, quizzes = [], []
        for i, lesson_shape in enumerate(shape["lessons"]):
            lesson = Lesson(
                course_id=course.id,
                slug=f"l{i}",
                position=i + 1,
                title=f"L{i}",
                source_markdown="",
                body_html="",
                minutes=1,
                content_hash=f"h{i}",
                retired_at=T0 if lesson_shape["retired"] else None,
            )
            db.session.add(lesson)
            db.session.flush()
            lessons.append(lesson)
            quizzes.append(
                _quiz(course, lesson.id, shape["quiz"]) if lesson_shape["quiz"] else None
            )
        final = _quiz(course, None, shape["quiz"]) if shape["final"] else None
        made.append((course, lessons, quizzes, final))
    for act in acts:
        if act["person"] >= len(users) or act["course"] >= len(made):
            continue
        user = users[act["person"]]
        course, lessons, quizzes, final = made[act["course"]]
        at = T0 + timedelta(minutes=act["minutes"])
        if act["kind"] in ("attempt", "open attempt"):
            targets = [q for q in quizzes if q] + [final] if final else [q for q in quizzes if q]
            if not targets:
                continue
            quiz, version = targets[act["step"] % len(targets)]
            submitted = act["kind"] == "attempt"
            number = 1 + db.session.scalar(
                select(db.func.count(Attempt.id)).where(
                    Attempt.quiz_id == quiz.id, Attempt.user_id == user.id
                )
            )
            db.session.execute(
                insert(Attempt).values(
                    quiz_id=quiz.id,
                    version_id=version.id,
                    user_id=user.id,
                    number=number,
                    state=(AttemptState.SUBMITTED if submitted else AttemptState.IN_PROGRESS).value,
                    started_at=at,
                    submitted_at=at if submitted else None,
                    percent=act["percent"] if submitted else None,
                )
            )
        elif lessons:
            lesson = lessons[act["step"] % len(lessons)]
            done = act["kind"] != "opened"
            db.session.execute(
                db.delete(LessonProgress).where(
                    LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
                )
            )
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    lesson_id=lesson.id,
                    started_at=at,
                    completed_at=at if done else None,
                    completed_hash=(lesson.content_hash if act["kind"] == "done" else "old")
                    if done
                    else None,
                )
            )
            db.session.flush()
    for a in assignments:
        if a["course"] >= len(made):
            continue
        course = made[a["course"]][0]
        everyone = a["everyone"] or not a["chosen"]
        exists = db.session.scalar(
            select(Assignment.id).where(
                Assignment.organisation_id == organisation.id,
                Assignment.course_id == course.id,
                Assignment.everyone.is_(True),
            )
        )
        if everyone and exists:
            continue
        assignment = Assignment(
            organisation_id=organisation.id, course_id=course.id, everyone=everyone, due_on=a["due"]
        )
        db.session.add(assignment)
        db.session.flush()
        if not everyone:
            db.session.add_all(
                AssignmentMember(assignment_id=assignment.id, user_id=users[i].id)
                for i in a["chosen"]
                if i < len(users)
            )
    for person, c, kind in set(others):
        if person >= len(users) or c >= len(made):
            continue
        user, course = users[person], made[c][0]
        if kind == "enrolment":
            db.session.add(
                Enrolment(user_id=user.id, course_id=course.id, enrolled_at=T0, last_activity_at=T0)
            )
        else:
            db.session.add(
                Certificate(
                    code=f"code-{n}-{person}-{c}",
                    user_id=user.id,
                    course_id=course.id,
                    learner_name=user.display_name,
                    course_title=course.title,
                    issued_at=T0 + timedelta(days=person),
                    expires_at=None,
                    subject_id="urn:uuid:x",
                    credential="x",
                )
            )
    db.session.commit()
    return organisation


def _quiz(course: Course, lesson_id: int | None, shape: dict) -> tuple[Quiz, QuizVersion]:
    quiz = Quiz(
        course_id=course.id,
        lesson_id=lesson_id,
        title="Q",
        passing_score=shape["pass"],
        grading_method=shape["method"],
        required=shape["required"],
        published=shape["published"],
    )
    db.session.add(quiz)
    db.session.flush()
    version = QuizVersion(quiz_id=quiz.id, number=1, content_hash="v", snapshot={})
    db.session.add(version)
    db.session.flush()
    return quiz, version


FILTERS = st.builds(
    Filters,
    course_id=st.none(),
    status=st.one_of(st.none(), st.sampled_from(list(Status))),
    search=st.sampled_from(["", "a", "B", "%", "_", "SS", "ß", "Å", "\u03c3", "@example"]),
    sort=st.sampled_from(report.SORTABLE),
    descending=st.booleans(),
    page=st.integers(1, 3),
    per_page=st.integers(1, 4),
)


def key(row: Row):
    return (row.user_id, row.course_id)
