"""The dashboard, its CSV and the person page read an organisation in a fixed number of SQL
statements, however many people it has."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import event, insert, select

from coursework.accounts.models import User
from coursework.accounts.passwords import hash_password
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import services
from coursework.organisations.models import Membership, Role
from coursework.progress import services as progress
from coursework.progress.models import Enrolment, LessonProgress
from lessons import services as lessons
from quizzes import services as quizzes
from tests.conftest import PASSWORD
from tests.quizzes.kit import right_answers, wrong_answers

SECOND_COURSE = """---
title: Fire Drill
---
# Fire Drill

## Alarms

Know the sound.

## Exits

Know the way out.
"""


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for everyone


def add_people(organisation, count: int, *, start: int = 0, courses=()) -> list[int]:
    """`count` members inserted in bulk (no password hashing per person, no invitations),
    with lesson progress laid down in bulk so that, across them, every status appears:
    every third person has opened the first course, every third has completed the lessons
    of the second (if given), the rest have not started."""
    now = utcnow()
    emails = [f"learner{start + i:04d}@example.com" for i in range(count)]
    db.session.execute(
        insert(User),
        [
            {
                "email": email,
                "display_name": f"Learner {start + i:04d}",
                "password_hash": _password_hash(),
                "created_at": now,
            }
            for i, email in enumerate(emails)
        ],
    )
    ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)))
    db.session.execute(
        insert(Membership),
        [
            {
                "organisation_id": organisation.id,
                "user_id": uid,
                "role": Role.MEMBER.value,
                "joined_at": now,
            }
            for uid in ids
        ],
    )
    progress_rows, enrolments = [], []
    if courses:
        first = lessons.current_lessons(courses[0].id)
        second = lessons.current_lessons(courses[1].id) if len(courses) > 1 else []
        for n, uid in enumerate(ids):
            if n % 3 == 1:
                progress_rows.append({"user_id": uid, "lesson_id": first[0].id, "started_at": now})
                enrolments.append(
                    {
                        "user_id": uid,
                        "course_id": courses[0].id,
                        "enrolled_at": now,
                        "last_activity_at": now,
                        "last_lesson_id": first[0].id,
                    }
                )
            elif n % 3 == 2 and second:
                progress_rows += [
                    {
                        "user_id": uid,
                        "lesson_id": lesson.id,
                        "started_at": now,
                        "completed_at": now,
                        "completed_hash": lesson.content_hash,
                    }
                    for lesson in second
                ]
                enrolments.append(
                    {
                        "user_id": uid,
                        "course_id": courses[1].id,
                        "enrolled_at": now,
                        "last_activity_at": now,
                        "last_lesson_id": second[-1].id,
                    }
                )
    if progress_rows:
        db.session.execute(insert(LessonProgress), progress_rows)
    if enrolments:
        db.session.execute(insert(Enrolment), enrolments)
    db.session.commit()
    return ids


def join(org, boss, user) -> None:
    token = services.invite(org, boss, user.email).link.rsplit("/", 1)[1]
    services.accept_invitation(token, user)


def take_quiz(user, quiz, *, right: bool) -> None:
    attempt = quizzes.start_attempt(user, quiz)
    answers = right_answers(attempt) if right else wrong_answers(attempt)
    quizzes.save_answers(attempt, answers)
    quizzes.submit_attempt(attempt)


def count_statements(client, url: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    client.get(url).get_data()  # warm up: connections, caches
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # a streamed body runs its queries as it is read
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_pages_use_a_fixed_number_of_queries(
    client, make_user, login, course, make_course, make_quiz
):
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    drill = make_course(SECOND_COURSE, slug="fire-drill")
    quiz = make_quiz()
    today = utcnow().date()
    services.assign(org, course.id, boss, due_on=today + timedelta(days=30))
    services.assign(org, drill.id, boss, due_on=today - timedelta(days=1))  # overdue
    # A few people through the services: a certificate, quiz attempts, a failed try.
    done, tried = make_user(name="Done"), make_user(name="Tried")
    for person in (done, tried):
        join(org, boss, person)
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(done, lesson)
    take_quiz(done, quiz, right=True)
    progress.open_lesson(tried, lessons.current_lessons(course.id)[0])
    take_quiz(tried, quiz, right=False)
    add_people(org, 7, courses=(course, drill))
    login(client, boss)

    urls = {
        "dashboard": f"/organisations/{org.slug}/dashboard",
        "dashboard, filtered and sorted": (
            f"/organisations/{org.slug}/dashboard?status=in_progress&sort=percent&dir=desc&q=e"
        ),
        "dashboard, one course by best score": (
            f"/organisations/{org.slug}/dashboard?course={course.id}&sort=best_score&dir=desc"
        ),
        "dashboard, by status": f"/organisations/{org.slug}/dashboard?sort=status&dir=desc",
        "report API, by last activity": (
            f"/api/v1/organisations/{org.slug}/report?sort=last_activity&status=not_started"
        ),
        "CSV": f"/organisations/{org.slug}/report.csv",
        "person": f"/organisations/{org.slug}/people/{done.id}",
    }
    few = {name: count_statements(client, url) for name, url in urls.items()}
    assert db.session.scalar(select(db.func.count(Membership.id))) == 10

    add_people(org, 990, start=1000, courses=(course, drill))
    assert db.session.scalar(select(db.func.count(Membership.id))) == 1000
    many = {name: count_statements(client, url) for name, url in urls.items()}
    print("statements at 10 and 1,000 people:", few, many)
    assert many == few
    # Every status is on the page at 1,000 people, and the table is paged.
    body = client.get(urls["dashboard"]).get_data(as_text=True)
    for label in ("Not started", "In progress", "Completed", "Overdue"):
        assert f"{label}</strong>" in body
    assert "Page 1 of 40" in body
