"""A demo organisation for development: "Northwind Projects", its manager and thirty staff
at every status on the default course, so the dashboard, its chart and the CSV show
real-looking data as soon as `make run` starts.

Progress is made through the real services (lessons completed, quiz attempts answered
right or wrong, submitted and graded; certificates follow by themselves), so the demo
shows what the product would. Everything is decided by each person's place in the list:
two runs on two machines give the same statuses. Loading is idempotent: once the
organisation exists, nothing is touched.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from coursework import timezones
from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.accounts.passwords import hash_password
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import services
from coursework.organisations.models import Membership, Organisation, Role
from coursework.progress import services as progress
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes import services as quizzes
from quizzes.models import Attempt, Quiz

log = logging.getLogger(__name__)

DEMO_ORGANISATION = "Northwind Projects"
DEMO_SLUG = "northwind-projects"
DEMO_COURSE = "tpm-vs-pm"
# (email, name, password): development only, like the other demo accounts.
DEMO_MANAGER = ("manager@example.com", "Morgan Reyes", "steer-the-northwind-crew-7")
STAFF_DOMAIN = "northwind.example"

# (name, email local part, plan). Plans: "done" completes the course; "part:<n>" completes
# n lessons and passes their quizzes (a failed first try on every other one); "open"
# opens the first lesson only; "none" has not started. Names marked late are also on the
# team-leads assignment, whose due date has passed: unless done, they are overdue.
STAFF = (
    ("Zoë Ångström", "zoe.angstrom", "done"),
    ("José Núñez", "jose.nunez", "done"),
    ("Siobhán Ní Bhriain", "siobhan.nibhriain", "done"),
    ("Nguyễn Thị Hoa", "hoa.nguyen", "done"),
    ("Grace Okafor", "grace.okafor", "done"),
    ("Hiroshi Tanaka", "hiroshi.tanaka", "done"),
    ("Ingrid Solberg", "ingrid.solberg", "done"),
    ("Rafael Gómez", "rafael.gomez", "done"),
    ("François Dubois", "francois.dubois", "part:6"),
    ("Łukasz Wiśniewski", "lukasz.wisniewski", "part:5"),
    ("Ayşe Yılmaz", "ayse.yilmaz", "part:4"),  # noqa: RUF001 (Turkish dotless i)
    ("Chiara Esposito", "chiara.esposito", "part:3"),
    ("Émilie Laurent", "emilie.laurent", "part:2"),
    ("Fatima Zahra Benali", "fatima.benali", "part:2"),
    ("Kateřina Nováková", "katerina.novakova", "part:1"),
    ("Liam O'Connor", "liam.oconnor", "part:1"),
    ("Mei Lin Chen", "meilin.chen", "open"),
    ("ليلى حداد", "layla.haddad", "part:3"),
    ("Noah Fischer", "noah.fischer", "none"),
    ("Olivia Brown", "olivia.brown", "none"),
    ("Priya Raghunathan", "priya.raghunathan", "none"),
    ("Sara Cohen", "sara.cohen", "none"),
    ("Uma Patel", "uma.patel", "none"),
    ("Valentina Rossi", "valentina.rossi", "none"),
    ("Wiremu Ngata", "wiremu.ngata", "none"),
    # The team leads: their own, earlier deadline.
    ("Søren Lindqvist", "soren.lindqvist", "late:done"),
    ("Björn Hallström", "bjorn.hallstrom", "late:part:4"),
    ("Dariusz Kowalczyk", "dariusz.kowalczyk", "late:part:1"),
    ("Jamal Haddad", "jamal.haddad", "late:open"),
    ("Tomás Ó Briain", "tomas.obriain", "late:none"),
)
PENDING_INVITATIONS = (
    ("amara.diallo@" + STAFF_DOMAIN, "Amara Diallo"),
    ("lucas.martin@" + STAFF_DOMAIN, "Lucas Martin"),
)
EVERYONE_DUE_IN = timedelta(days=30)
TEAM_LEADS_DUE_AGO = timedelta(days=10)


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    organisation: str
    slug: str
    created: bool
    staff: int


def load_demo(today: date | None = None) -> DemoResult | None:
    """Create the demo organisation once; None when the default course is not loaded."""
    email, name, password = DEMO_MANAGER
    manager, _created = accounts.ensure_user(email, name, password)
    existing = db.session.scalar(select(Organisation).where(Organisation.slug == DEMO_SLUG))
    if existing is not None:
        staff = len(services.members(existing))
        return DemoResult(email, password, existing.name, existing.slug, False, staff)
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None:
        log.warning("demo organisation skipped: the course %r is not loaded", DEMO_COURSE)
        return None
    today = today or timezones.today()
    organisation = services.create_organisation(DEMO_ORGANISATION, manager)
    if organisation.slug != DEMO_SLUG:  # a real organisation already took the name
        raise RuntimeError(f"the demo organisation got the address {organisation.slug!r}")

    people = _staff(organisation)
    services.assign(organisation, course.id, manager, due_on=today + EVERYONE_DUE_IN)
    leads = [user.id for user, (_, _, plan) in zip(people, STAFF, strict=True) if "late:" in plan]
    services.assign(
        organisation, course.id, manager, due_on=today - TEAM_LEADS_DUE_AGO, user_ids=leads
    )

    course_lessons = lessons.current_lessons(course.id)
    course_quizzes = quizzes.course_quizzes([course.id])
    by_lesson = {quiz.lesson_id: quiz for quiz in course_quizzes if quiz.lesson_id}
    final = next((quiz for quiz in course_quizzes if quiz.is_final), None)
    now = utcnow()
    for number, (user, (_, _, plan)) in enumerate(zip(people, STAFF, strict=True)):
        plan = plan.removeprefix("late:")
        # Each person's last activity lies some days back, the same on every run.
        when = now - timedelta(days=1 + (number * 7) % 19, hours=number % 9)
        if plan == "done":
            _learn(user, course_lessons, by_lesson, len(course_lessons), when, number)
            if final is not None:
                _pass(user, final, when + timedelta(hours=2), slip=number % 2 == 1)
        elif plan.startswith("part:"):
            count = int(plan.split(":")[1])
            _learn(user, course_lessons, by_lesson, count, when, number)
        elif plan == "open":
            progress.open_lesson(user, course_lessons[0])

    for address, invitee in PENDING_INVITATIONS:
        services.invite(organisation, manager, address, invitee)
    log.info("demo organisation %s loaded with %s staff", organisation.slug, len(people))
    return DemoResult(email, password, organisation.name, organisation.slug, True, len(people))


def _staff(organisation: Organisation) -> list[User]:
    """The staff accounts (found or created) and their memberships, in STAFF order.

    They never sign in, so they share one hash of a random password: one argon2 hash
    instead of thirty keeps the demo quick."""
    emails = [f"{local}@{STAFF_DOMAIN}" for _, local, _ in STAFF]
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    shared_hash = hash_password(secrets.token_urlsafe(24))
    joined = utcnow() - timedelta(days=45)
    people = []
    for number, ((name, _, _), email) in enumerate(zip(STAFF, emails, strict=True)):
        user = found.get(email)
        if user is None:
            user = User(
                email=email,
                display_name=name,
                password_hash=shared_hash,
                created_at=joined + timedelta(hours=number),
                # Made by the operator's setup, like the other demo accounts: confirmed.
                email_verified_at=joined + timedelta(hours=number),
            )
            db.session.add(user)
        people.append(user)
    db.session.flush()
    for number, user in enumerate(people):
        db.session.add(
            Membership(
                organisation_id=organisation.id,
                user_id=user.id,
                role=Role.MEMBER.value,
                joined_at=joined + timedelta(days=number % 5, hours=number),
            )
        )
    db.session.flush()
    return people


def _learn(
    user: User,
    course_lessons: list[Lesson],
    by_lesson: dict[int, Quiz],
    count: int,
    when: datetime,
    number: int,
) -> None:
    """Complete the first `count` lessons and pass their quizzes; every other person
    fails one of them first, as people do."""
    for index, lesson in enumerate(course_lessons[:count]):
        progress.complete_lesson(user, lesson)
        quiz = by_lesson.get(lesson.id)
        if quiz is None:
            continue
        moment = when - timedelta(hours=2 * (count - index))
        if (number + index) % 4 == 1:
            _take(user, quiz, moment - timedelta(minutes=30), right=False)
        _pass(user, quiz, moment, slip=(number + index) % 3 == 2)


def _pass(user: User, quiz: Quiz, moment: datetime, *, slip: bool = False) -> Attempt:
    """Pass the quiz; with `slip`, one question answered wrong (a retake follows if that
    one mistake costs the pass)."""
    attempt = _take(user, quiz, moment, right=True, slip=slip)
    if not attempt.passed:
        attempt = _take(user, quiz, moment + timedelta(minutes=20), right=True)
    return attempt


def _take(user: User, quiz: Quiz, moment: datetime, *, right: bool, slip: bool = False) -> Attempt:
    attempt = quizzes.start_attempt(user, quiz, now=moment)
    values = _right_answers(attempt) if right else _wrong_answers(attempt)
    if right and slip:
        wrong = _wrong_answers(attempt)
        first = next(iter(wrong), None)
        if first is not None:
            values[first] = wrong[first]
    quizzes.save_answers(attempt, values, now=moment + timedelta(minutes=4))
    return quizzes.submit_attempt(attempt, now=moment + timedelta(minutes=5))


def _right_answers(attempt: Attempt) -> dict[int, object]:
    """Typed answers, by question key, that answer every question right."""
    return {q.key: q.kind.right_answer(q) for q in quizzes.shown_questions(attempt)}


def _wrong_answers(attempt: Attempt) -> dict[int, object]:
    """Typed answers that answer every question wrong (where the kind has a sure one)."""
    answers = {q.key: q.kind.wrong_answer(q) for q in quizzes.shown_questions(attempt)}
    return {key: answer for key, answer in answers.items() if answer is not None}
