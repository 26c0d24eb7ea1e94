"""Everything held about one person, as one JSON document, and deleting their account.

This reads across every package (it is the highest tracking layer, beside the factory):
the export is an allow-list of fields per kind of record, so a secret (password hash,
token hashes, live links in mail) or another person's data never enters it by accident.

Deleting keeps the learning record (progress, attempts, learning events) under an
anonymous account, so organisations' totals and quiz statistics stay true, and removes
or rewrites everything that names the person: account, memberships, invitations, mail,
preferences. Certificates stay verifiable as issued, without the name.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from coursework import mail
from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.accounts.passwords import verify_password
from coursework.certificates import services as certificates
from coursework.config import public_url
from coursework.db import utcnow
from coursework.errors import Conflict, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.jobs import Job
from coursework.lti.models import GradeTarget, LinkedAccount
from coursework.organisations import services as organisations
from coursework.organisations import xapi
from coursework.progress.models import Enrolment, LessonProgress
from coursework.sso.models import ExternalIdentity
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes import services as quizzes
from quizzes.models import Attempt, ReviewShows
from quizzes.practice.models import PracticeCard, PracticeReview

log = logging.getLogger(__name__)

FORMAT = "coursework-personal-data/1"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export(user: User) -> dict[str, Any]:
    """Everything held about `user`, and nothing about anyone else."""
    return {
        "format": FORMAT,
        "exported_at": _when(utcnow()),
        "profile": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "is_instructor": user.is_instructor,
            "is_admin": user.is_admin,
            "created_at": _when(user.created_at),
            "last_login_at": _when(user.last_login_at),
            "email_verified_at": _when(user.email_verified_at),
            "time_zone": user.time_zone,
            "locale": user.locale,
        },
        "preferences": {"notifications_switched_off": sorted(mail.switched_off(user.id))},
        "memberships": [
            {
                "organisation": organisation.name,
                "organisation_slug": organisation.slug,
                "role": membership.role,
                "joined_at": _when(membership.joined_at),
            }
            for membership, organisation in organisations.memberships_of(user)
        ],
        "assigned_courses": [
            {
                "organisation": assigned.organisation.name,
                "course_id": assigned.course_id,
                "due_on": assigned.due_on.isoformat() if assigned.due_on else None,
            }
            for assigned in organisations.assigned_to(user)
        ],
        "teaching": [
            {"course": course.title, "course_slug": course.slug, "role": role}
            for course, role in lessons.taught_by(user)
        ],
        "enrolments": _enrolments(user),
        "lesson_progress": _lesson_progress(user),
        "attempts": _attempts(user),
        "certificates": [
            {
                "course": certificate.course_title,
                "name_as_issued": certificate.learner_name,
                "issued_at": _when(certificate.issued_at),
                "expires_at": _when(certificate.expires_at),
                "score": certificate.score,
                "status": certificate.status(utcnow()),
                "verify_url": public_url(f"/certificates/{certificate.code}"),
            }
            for certificate in certificates.for_learner(user.id)
        ],
        "statements": xapi.statements_about(user.id, public_url("")),
        "notifications": [
            {
                "subject": message.subject,
                "state": message.state,
                "created_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
            }
            # Subjects and dates only: bodies may hold live sign-in or reset links.
            for message in mail.messages_to(user.email)
        ],
        "sign_in_links": _sign_in_links(user),
        "practice": _practice(user),
        "jobs": [
            {"title": job.title, "state": job.state, "started_at": _when(job.created_at)}
            for job in db.session.scalars(select(Job).where(Job.user_id == user.id))
        ],
    }


def _sign_in_links(user: User) -> list[dict]:
    """The identity providers and LMSs that sign the person in, by their ids for them."""
    links = [
        {"through": "identity provider", "issuer": link.issuer, "subject": link.subject}
        for link in db.session.scalars(
            select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
        )
    ]
    links += [
        {"through": "LMS", "issuer": link.issuer, "subject": link.subject}
        for link in db.session.scalars(
            select(LinkedAccount).where(LinkedAccount.user_id == user.id)
        )
    ]
    return links


def _practice(user: User) -> list[dict]:
    """Each question in the practice deck, with the answers given to it in practice."""
    reviews: dict[int, list[dict]] = {}
    for review in db.session.scalars(
        select(PracticeReview)
        .where(PracticeReview.user_id == user.id)
        .order_by(PracticeReview.reviewed_at)
    ):
        reviews.setdefault(review.card_id, []).append(
            {
                "on": review.reviewed_on.isoformat(),
                "answer": review.answer,
                "fraction": review.fraction,
            }
        )
    return [
        {
            "quiz": card.quiz.title,
            "question_key": card.question_key,
            "due_on": card.due_on.isoformat(),
            "remembered_at": _when(card.remembered_at),
            "answers": reviews.get(card.id, []),
        }
        for card in db.session.scalars(
            select(PracticeCard).where(PracticeCard.user_id == user.id).order_by(PracticeCard.id)
        )
    ]


def _enrolments(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Enrolment, Course.slug, Course.title)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at)
    )
    return [
        {
            "course": title,
            "course_slug": slug,
            "enrolled_at": _when(enrolment.enrolled_at),
            "last_activity_at": _when(enrolment.last_activity_at),
        }
        for enrolment, slug, title in rows
    ]


def _lesson_progress(user: User) -> list[dict]:
    rows = db.session.execute(
        select(LessonProgress, Lesson.slug, Lesson.title, Course.slug)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.started_at)
    )
    return [
        {
            "course_slug": course_slug,
            "lesson": title,
            "lesson_slug": slug,
            "started_at": _when(progress.started_at),
            "completed_at": _when(progress.completed_at),
        }
        for progress, slug, title, course_slug in rows
    ]


def _attempts(user: User) -> list[dict]:
    attempts = list(
        db.session.scalars(
            select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)
        )
    )
    standing = quizzes.standings(user.id, list({a.quiz_id: a.quiz for a in attempts}.values()))
    return [_attempt(attempt, standing[attempt.quiz_id]) for attempt in attempts]


def _attempt(attempt: Attempt, standing) -> dict:
    # Which answers were right only once the quiz lets this learner see it (its review
    # settings), exactly as the result page would: never an answer key.
    marked = not attempt.is_open and quizzes.review_level(attempt, standing).includes(
        ReviewShows.CORRECTNESS
    )
    questions = {
        entry["key"]: entry["spec"].get("text")
        for entry in (attempt.version.snapshot or {}).get("questions", [])
    }
    return {
        "quiz": attempt.quiz.title,
        "quiz_id": attempt.quiz_id,
        "number": attempt.number,
        "state": attempt.state,
        "started_at": _when(attempt.started_at),
        "submitted_at": _when(attempt.submitted_at),
        "points": attempt.points,
        "max_points": attempt.max_points,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "answers": [
            {
                "question": questions.get(response.question_key),
                "answer": response.answer,
                "saved_at": _when(response.saved_at),
                **({"points": response.points, "outcome": response.outcome} if marked else {}),
            }
            for response in sorted(attempt.responses, key=lambda r: r.question_key)
        ],
    }


# ---- deleting an account ---------------------------------------------------------------


def blockers(user: User) -> list[str]:
    """What must be handed over before the account can go, as sentences."""
    problems = [
        _(
            "You are the only manager of %(name)s. Make someone else a manager first, on the "
            "organisation's people page.",
            name=organisation.name,
        )
        for organisation in organisations.sole_managed(user)
    ]
    problems += [
        _(
            "You own the course %(title)s. Make one of its co-instructors the owner first, on the "
            "course's staff page.",
            title=course.title,
        )
        for course in lessons.owned_courses(user)
    ]
    return problems


CONFIRM_PHRASE = "delete my account"


def signs_in_elsewhere(user: User) -> bool:
    """Whether the person signs in through an identity provider or an LMS, with no password
    of their own to confirm anything with."""
    linked = (
        select(ExternalIdentity.id)
        .where(ExternalIdentity.user_id == user.id)
        .union_all(select(LinkedAccount.id).where(LinkedAccount.user_id == user.id))
    )
    return db.session.scalar(select(func.count()).select_from(linked.subquery())) > 0


def delete_account(user: User, password: str, phrase: str = "") -> None:
    """Delete the person's account once they confirm it is them: their password, or, for
    someone who signs in through their organisation or LMS (and is signed in now), the
    phrase CONFIRM_PHRASE typed out.

    Refused (Conflict) while they are an organisation's only manager or own a course.
    """
    by_phrase = signs_in_elsewhere(user) and " ".join(phrase.lower().split()) == CONFIRM_PHRASE
    if not by_phrase and not verify_password(user.password_hash, password or ""):
        field = "phrase" if signs_in_elsewhere(user) else "password"
        message = (
            _("Type “%(CONFIRM_PHRASE)s” to confirm.", CONFIRM_PHRASE=CONFIRM_PHRASE)
            if field == "phrase"
            else _("Your password is not right.")
        )
        raise RuleViolation(message, {field: [message]})
    problems = blockers(user)
    if problems:
        raise Conflict(" ".join(problems))
    address = user.email
    left = organisations.leave_everything(user, accounts.anonymous_email(user))
    lessons.leave_staff(user)
    certified = certificates.withhold_names(user.id)
    mail.forget(user.id, address)
    # The provider's and the LMS's ids for the person identify them too, and a link left
    # behind would route their next sign-in into the closed account for good.
    for model in (ExternalIdentity, LinkedAccount, GradeTarget):
        db.session.execute(delete(model).where(model.user_id == user.id))
    accounts.anonymise(user)
    db.session.flush()
    for organisation in left:
        # Each feed now voids the person's statements (they are no longer a member).
        xapi.sync_log(organisation)
    log.info(
        "user %s deleted their account (%d organisations left, %d certificates kept)",
        user.id,
        len(left),
        certified,
    )
