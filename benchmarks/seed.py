"""Seeds a benchmark database: the default course and its quizzes, an organisation of N
people with realistic progress, and the few accounts the benchmark signs in as.

Rows go in as multi-row INSERTs of 5,000 (SQLAlchemy's "insertmanyvalues"), through the
models so every column's default applies: 100,000 people take well under a minute.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from coursework.accounts.models import User
from coursework.accounts.passwords import hash_password
from coursework.certificates import services as certificates
from coursework.certificates.models import Certificate
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations.models import (
    Assignment,
    AssignmentMember,
    Membership,
    Organisation,
    Role,
)
from coursework.progress import services as progress
from coursework.progress.models import Enrolment, LessonProgress
from lessons import services as lessons
from lessons.cli import DEFAULT_COURSE, import_path
from quizzes import services as quizzes
from quizzes.cli import DEFAULT_QUIZZES, load_course_quizzes
from quizzes.models import Attempt, AttemptState

PASSWORD = "bench-password-not-secret"
CHUNK = 5000
ORG_SLUG = "bench"


@dataclass(frozen=True)
class Seeded:
    manager_email: str
    learner_email: str
    submitter_emails: list[str]
    course_slug: str
    lesson_slug: str
    person_id: int  # someone part-way through, for the person page
    certificate_code: str
    attempt_id: int  # the learner's open attempt, for autosave
    answer_field: str  # one answer the autosave sends
    open_attempts: dict[str, list[int]]  # submitter email -> open attempt ids


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def seed(people: int, submitters: int = 40, rng: random.Random | None = None) -> Seeded:
    """Everything the benchmark needs, in the current app's database."""
    rng = rng or random.Random(9)
    import_path(DEFAULT_COURSE)
    load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
    course = lessons.get_course("tpm-vs-pm")
    current = lessons.current_lessons(course.id)
    course_quizzes = quizzes.course_quizzes([course.id])
    versions = {quiz.id: quizzes.current_version(quiz).id for quiz in course_quizzes}
    by_lesson = {quiz.lesson_id: quiz for quiz in course_quizzes}
    final = next(quiz for quiz in course_quizzes if quiz.lesson_id is None)
    db.session.commit()

    now = utcnow()
    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    organisation = Organisation(slug=ORG_SLUG, name="Benchmark Ltd")
    db.session.add(organisation)
    db.session.flush()

    first_names = ["Ana", "Bo", "Chen", "Dara", "Émile", "Femi", "Greta", "Hiro", "Ines", "Jon"]
    last_names = ["Ng", "Okafor", "Smith", "Ångström", "García", "Kowalski", "Haddad", "Lee"]
    _bulk(
        User,
        [
            {
                "email": f"person{n:06d}@bench.example",
                "display_name": f"{rng.choice(first_names)} {rng.choice(last_names)} {n}",
                "password_hash": password_hash,
                "created_at": now,
            }
            for n in range(people)
        ],
    )
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like("person%@bench.example")).order_by(User.id)
        )
    )
    special = {
        "manager": ("manager@bench.example", "Bench Manager"),
        "learner": ("learner@bench.example", "Bench Learner"),
    }
    special |= {
        f"s{n}": (f"submit{n:03d}@bench.example", f"Submitter {n}") for n in range(submitters)
    }
    _bulk(
        User,
        [
            {
                "email": email,
                "display_name": name,
                "password_hash": password_hash,
                "created_at": now,
            }
            for email, name in special.values()
        ],
    )
    users = {
        key: db.session.scalar(select(User).where(User.email == email))
        for key, (email, _) in special.items()
    }
    _bulk(
        Membership,
        [
            {
                "organisation_id": organisation.id,
                "user_id": uid,
                "role": Role.MEMBER.value,
                "joined_at": now,
            }
            for uid in ids
        ]
        + [
            {
                "organisation_id": organisation.id,
                "user_id": users["manager"].id,
                "role": Role.MANAGER.value,
                "joined_at": now,
            }
        ],
    )
    # Everyone has the course, due in a month; a tenth were also given it earlier, due
    # last week (so they are overdue unless done).
    db.session.add(
        Assignment(
            organisation_id=organisation.id,
            course_id=course.id,
            everyone=True,
            due_on=now.date() + timedelta(days=30),
        )
    )
    early = Assignment(
        organisation_id=organisation.id,
        course_id=course.id,
        everyone=False,
        due_on=now.date() - timedelta(days=7),
    )
    db.session.add(early)
    db.session.flush()
    _bulk(
        AssignmentMember,
        [{"assignment_id": early.id, "user_id": uid} for uid in ids if rng.random() < 0.1],
    )

    progress_rows, enrolments, attempts, certificate_rows = [], [], [], []
    for uid in ids:
        roll = rng.random()
        if roll < 0.3:
            continue  # not started
        done_all = roll >= 0.8
        reached = len(current) if done_all else rng.randint(1, len(current))
        when = now - timedelta(days=rng.randint(0, 80), minutes=rng.randint(0, 1440))
        for position, lesson in enumerate(current[:reached]):
            completed = done_all or position < reached - 1
            progress_rows.append(
                {
                    "user_id": uid,
                    "lesson_id": lesson.id,
                    "started_at": when,
                    "completed_at": when if completed else None,
                    "completed_hash": lesson.content_hash if completed else None,
                }
            )
            quiz = by_lesson.get(lesson.id)
            if quiz is not None and completed:
                tries = rng.choice([1, 1, 1, 2, 3])
                for number in range(1, tries + 1):
                    passed = (done_all and number == tries) or rng.random() < 0.5
                    percent = float(
                        rng.randint(quiz.passing_score, 100)
                        if passed
                        else rng.randint(0, quiz.passing_score - 1)
                    )
                    attempts.append(
                        _attempt(quiz.id, versions[quiz.id], uid, number, when, percent, passed)
                    )
        if done_all:
            attempts.append(_attempt(final.id, versions[final.id], uid, 1, when, 90.0, True))
            certificate_rows.append(
                {
                    "code": secrets.token_hex(16),
                    "user_id": uid,
                    "course_id": course.id,
                    "learner_name": "Bench person",
                    "course_title": course.title,
                    "issued_at": when,
                    "subject_id": f"urn:uuid:{secrets.token_hex(16)}",
                    "credential": "seeded",
                }
            )
        enrolments.append(
            {
                "user_id": uid,
                "course_id": course.id,
                "enrolled_at": when,
                "last_activity_at": when,
                "last_lesson_id": current[reached - 1].id,
            }
        )
    _bulk(LessonProgress, progress_rows)
    _bulk(Enrolment, enrolments)
    _bulk(Attempt, attempts)
    _bulk(Certificate, certificate_rows)
    db.session.commit()

    # The learner: every lesson done and every quiz passed, through the services, so the
    # certificate is a real signed one; then one open attempt for the autosave.
    learner = users["learner"]
    for lesson in current:
        progress.complete_lesson(learner, lesson)
    for quiz in course_quizzes:
        db.session.execute(
            insert(Attempt).values(
                **_attempt(quiz.id, versions[quiz.id], learner.id, 1, now, 100.0, True)
            )
        )
    certificate = certificates.issue_if_complete(learner.id, course.id)
    db.session.commit()
    autosave = quizzes.start_attempt(learner, by_lesson[current[0].id])
    question = quizzes.shown_questions(autosave)[0]
    open_attempts = {
        users[f"s{n}"].email: [
            quizzes.start_attempt(users[f"s{n}"], quiz).id for quiz in course_quizzes
        ]
        for n in range(submitters)
    }
    # Someone part-way through (an IN list of every id would pass PostgreSQL's limit).
    person = db.session.scalar(
        select(Enrolment.user_id)
        .where(Enrolment.user_id.between(ids[0], ids[-1]))
        .order_by(Enrolment.user_id)
        .limit(1)
    )
    return Seeded(
        manager_email=users["manager"].email,
        learner_email=learner.email,
        submitter_emails=[users[f"s{n}"].email for n in range(submitters)],
        course_slug=course.slug,
        lesson_slug=current[2].slug,
        person_id=person,
        certificate_code=certificate.code,
        attempt_id=autosave.id,
        answer_field=f"q{question.key}",
        open_attempts=open_attempts,
    )


def _attempt(quiz_id, version_id, user_id, number, when, percent, passed) -> dict:
    return {
        "quiz_id": quiz_id,
        "version_id": version_id,
        "user_id": user_id,
        "number": number,
        "state": AttemptState.SUBMITTED.value,
        "started_at": when,
        "submitted_at": when + timedelta(minutes=number),
        "max_points": 10.0,
        "points": percent / 10,
        "percent": percent,
        "passed": passed,
        "layout": {},
    }
