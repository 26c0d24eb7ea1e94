"""Organisations in tests: people joining as they would, API tokens, a manager with one
learner assigned a course, many members laid down in bulk, and statements counted."""

from __future__ import annotations

from functools import cache

from sqlalchemy import event, insert, select

from coursework.accounts.models import User
from coursework.accounts.passwords import hash_password
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import services, tokens
from coursework.organisations import services as organisations
from coursework.organisations.models import Membership, Organisation, Role
from coursework.progress.models import Enrolment, LessonProgress
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.data import PASSWORD
from tests.support.quizkit import right_answers, wrong_answers


def organisation_with_learner(make_user, course, name: str = "Acme", due_on=None):
    """(organisation, its manager boss@example.com, learner lea@example.com), committed."""
    boss = make_user(email="boss@example.com", name="Bo Manager")
    lea = make_user(email="lea@example.com", name="Lea Learner")
    org = organisations.create_organisation(name, boss)
    invited = organisations.invite(org, boss, lea.email)
    organisations.accept_invitation(invited.link.rsplit("/", 1)[1], lea)
    organisations.assign(org, course.id, boss, due_on=due_on, user_ids=[lea.id])
    db.session.commit()
    return org, boss, lea


def join(org: Organisation, boss: User, user: User, role: Role = Role.MEMBER) -> None:
    """Invite and accept, as a person would."""
    token = services.invite(org, boss, user.email, role=role).link.rsplit("/", 1)[1]
    services.accept_invitation(token, user)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_for(org: Organisation, boss: User, *, can_write: bool = False) -> str:
    return tokens.create_token(org, boss, "Reporting", can_write=can_write).secret


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
