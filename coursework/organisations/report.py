"""Where every person stands on every course assigned to them: one service, used by the
dashboard, the CSV, the API and the person page.

A fixed number of queries whatever the number of people: members, assignments, lessons,
quizzes, lesson progress, attempts, enrolments and certificates, each read once for the
whole organisation; the rest is plain Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.organisations.models import Assignment, Membership, Organisation
from coursework.progress.models import Enrolment, LessonProgress
from coursework.progress.rules import LessonState, summarise
from lessons.models import Course, Lesson
from quizzes.models import Attempt, AttemptState, Quiz
from quizzes.services import QuizStanding


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "in_progress": "In progress",
            "completed": "Completed",
            "overdue": "Overdue",
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
    all_rows: list[Row]  # every row, unfiltered, for headline numbers and charts
    people: int
    courses: list[Course] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(1, self.per_page)))

    per_page: int = 50

    def count(self, status: Status, course_id: int | None = None) -> int:
        return sum(
            1 for r in self.all_rows if r.status is status and course_id in (None, r.course_id)
        )

    @property
    def completion_rate(self) -> int:
        done = self.count(Status.COMPLETED)
        return done * 100 // len(self.all_rows) if self.all_rows else 0


def build_rows(
    organisation: Organisation, today: date, user_ids: Iterable[int] | None = None
) -> list[Row]:
    """Every (person, assigned course) row of the organisation, or of some of its people."""
    member_rows = (
        db.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == organisation.id, Membership.removed_at.is_(None))
        )
        .tuples()
        .all()
    )
    people = {user.id: user for _, user in member_rows}
    if user_ids is not None:
        wanted = set(user_ids)
        people = {uid: user for uid, user in people.items() if uid in wanted}
    assignment_list = list(
        db.session.scalars(select(Assignment).where(Assignment.organisation_id == organisation.id))
    )  # assignees come with them (selectin: one more query)
    if not people or not assignment_list:
        return []

    # Who has which course, with the earliest due date of the assignments that give it.
    due: dict[tuple[int, int], date | None] = {}
    for assignment in assignment_list:
        targets = (
            people
            if assignment.everyone
            else {a.user_id for a in assignment.assignees if a.user_id in people}
        )
        for user_id in targets:
            key = (user_id, assignment.course_id)
            if key not in due or (
                assignment.due_on is not None and (due[key] is None or assignment.due_on < due[key])
            ):
                due[key] = assignment.due_on
    course_ids = sorted({course_id for _, course_id in due})
    user_list = sorted({user_id for user_id, _ in due})

    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
    lessons_by_course: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in db.session.scalars(
        select(Lesson)
        .where(Lesson.course_id.in_(course_ids), Lesson.retired_at.is_(None))
        .order_by(Lesson.course_id, Lesson.position)
    ):
        lessons_by_course[lesson.course_id].append(lesson)
    quizzes_by_course: dict[int, list[Quiz]] = defaultdict(list)
    for quiz in db.session.scalars(
        select(Quiz)
        .where(Quiz.course_id.in_(course_ids), Quiz.published.is_(True))
        .order_by(Quiz.id)
    ):
        quizzes_by_course[quiz.course_id].append(quiz)
    lesson_ids = [lesson.id for lessons in lessons_by_course.values() for lesson in lessons]
    quiz_ids = [quiz.id for quizzes in quizzes_by_course.values() for quiz in quizzes]

    progress: dict[int, dict[int, LessonProgress]] = defaultdict(dict)
    if lesson_ids:
        for row in db.session.scalars(
            select(LessonProgress).where(
                LessonProgress.user_id.in_(user_list), LessonProgress.lesson_id.in_(lesson_ids)
            )
        ):
            progress[row.user_id][row.lesson_id] = row
    attempts: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    if quiz_ids:
        for attempt in db.session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id.in_(user_list),
                Attempt.quiz_id.in_(quiz_ids),
                Attempt.state == AttemptState.SUBMITTED.value,
            )
            .order_by(Attempt.submitted_at, Attempt.id)
        ):
            attempts[(attempt.user_id, attempt.quiz_id)].append(attempt)
    enrolments = {
        (e.user_id, e.course_id): e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.user_id.in_(user_list), Enrolment.course_id.in_(course_ids)
            )
        )
    }
    certificates = {
        (c.user_id, c.course_id): c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.user_id.in_(user_list), Certificate.course_id.in_(course_ids)
            )
        )
    }

    rows = []
    for (user_id, course_id), due_on in due.items():
        user, course = people[user_id], courses[course_id]
        course_lessons = lessons_by_course[course_id]
        course_quizzes = _in_course_order(course_lessons, quizzes_by_course[course_id])
        standings = {
            quiz.id: QuizStanding(quiz, tuple(attempts[(user_id, quiz.id)]), None)
            for quiz in course_quizzes
        }
        steps = [
            (quiz.id, bool(standings[quiz.id].attempts), standings[quiz.id].passed)
            for quiz in course_quizzes
            if quiz.required
        ]
        enrolment = enrolments.get((user_id, course_id))
        summary = summarise(
            course_lessons,
            progress[user_id],
            enrolment.last_lesson_id if enrolment else None,
            steps,
        )
        certificate = certificates.get((user_id, course_id))
        course_attempts = [a for quiz in course_quizzes for a in attempts[(user_id, quiz.id)]]
        completed = certificate is not None or summary.is_complete
        if completed:
            status = Status.COMPLETED
        elif due_on is not None and today > due_on:
            status = Status.OVERDUE
        elif summary.started or enrolment is not None:
            status = Status.IN_PROGRESS
        else:
            status = Status.NOT_STARTED
        latest = max(course_attempts, key=lambda a: (a.submitted_at, a.id), default=None)
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
                lessons_total=len(course_lessons),
                best_score=max((a.percent or 0.0 for a in course_attempts), default=None),
                latest_score=latest.percent if latest else None,
                attempts=len(course_attempts),
                last_activity=enrolment.last_activity_at if enrolment else None,
                completed_at=certificate.issued_at if certificate else None,
                certificate_code=certificate.code if certificate else None,
                certificate_expires_at=certificate.expires_at if certificate else None,
            )
        )
    return rows


def _in_course_order(course_lessons: list[Lesson], course_quizzes: list[Quiz]) -> list[Quiz]:
    by_lesson = {quiz.lesson_id: quiz for quiz in course_quizzes}
    ordered = [by_lesson[lesson.id] for lesson in course_lessons if lesson.id in by_lesson]
    return ordered + [quiz for quiz in course_quizzes if quiz.is_final]


def select_rows(rows: list[Row], filters: Filters) -> list[Row]:
    """The rows matching the filters, in the order asked, not paged (the CSV takes all)."""
    if filters.course_id is not None:
        rows = [r for r in rows if r.course_id == filters.course_id]
    if filters.status is not None:
        rows = [r for r in rows if r.status is filters.status]
    needle = filters.search.strip().casefold()
    if needle:
        rows = [r for r in rows if needle in r.name.casefold() or needle in r.email.casefold()]
    sort = filters.sort if filters.sort in SORTABLE else "name"
    # Ties always read A to Z: order by name first, then stable-sort by the column.
    rows = sorted(rows, key=lambda r: (r.name.casefold(), r.course_title.casefold()))
    if sort == "status":
        order = list(Status)
        return sorted(rows, key=lambda r: order.index(r.status), reverse=filters.descending)
    present = [r for r in rows if getattr(r, sort) is not None]
    missing = [r for r in rows if getattr(r, sort) is None]  # last, whichever way

    def key(row: Row):
        value = getattr(row, sort)
        return value.casefold() if isinstance(value, str) else value

    return sorted(present, key=key, reverse=filters.descending) + missing


def report(organisation: Organisation, filters: Filters, today: date) -> Report:
    """The organisation's rows, filtered, sorted and paged as asked."""
    all_rows = build_rows(organisation, today)
    rows = select_rows(all_rows, filters)
    per_page = max(1, min(filters.per_page, 500))
    page = max(1, filters.page)
    start = (page - 1) * per_page
    course_ids = sorted({r.course_id for r in all_rows})
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
        rows=rows[start : start + per_page],
        total=len(rows),
        all_rows=all_rows,
        people=len({r.user_id for r in all_rows}),
        courses=courses,
        per_page=per_page,
    )


def person(organisation: Organisation, user_id: int, today: date) -> list[Row]:
    """One member's rows; someone outside the organisation is not found."""
    rows = build_rows(organisation, today, user_ids=[user_id])
    return rows
