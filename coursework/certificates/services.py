"""Certificate rules: issuing exactly once, finding, revoking and verifying.

Issuance runs inside the transaction that completes a course's last step (a lesson marked
complete, a quiz passed), through the signals those layers send.
"""

from __future__ import annotations

import base64
import calendar
import dataclasses
import hashlib
import json
import logging
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from coursework.accounts.models import User
from coursework.certificates import credentials, signals
from coursework.certificates.models import Certificate, CertificatePdf
from coursework.config import public_url
from coursework.db import insert_or_ignore, upsert, utcnow
from coursework.errors import NotFound, RuleViolation
from coursework.extensions import db
from coursework.formatting import format_percent
from coursework.i18n import _, current_language, ngettext
from coursework.progress import services as progress
from lessons import services as lessons

log = logging.getLogger(__name__)

EXPIRES_SOON = timedelta(days=30)
ISSUER_NAME = "Coursework"


def keys_url() -> str:
    """Where each issuer key is served as one JWK, at ``<keys_url>/<thumbprint>``: the
    ``kid`` of credentials and of the key set."""
    return public_url("/issuer/keys")


def published_keys() -> dict:
    """The issuer's JSON Web Key Set, as served and as verification reads it."""
    return credentials.jwks([signing_key()], keys_url())


def signing_key() -> credentials.SigningKey:
    """The issuer's key: from COURSEWORK_SIGNING_KEY (a PEM), else the instance folder."""
    cache = current_app.extensions.setdefault("coursework_signing_key", {})
    if "key" not in cache:
        cache["key"] = credentials.load_or_create_key(
            Path(current_app.instance_path), os.environ.get("COURSEWORK_SIGNING_KEY")
        )
    return cache["key"]


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def completion_rule(course_progress: progress.CourseProgress) -> str:
    """The rule in words, for the course page: one whole sentence per case, its plural
    chosen by the number of lessons, so each language words it its own way (and nobody
    reads "pass each of the 1 lesson quizzes")."""
    lessons = len(course_progress.lessons)
    lesson_quizzes = any(quiz.required and not quiz.is_final for quiz in course_progress.quizzes)
    final = course_progress.final_quiz
    if final is not None and final.required:
        score = format_percent(final.passing_score)
        if lesson_quizzes:
            return ngettext(
                "To earn the certificate, complete its only lesson, pass its quiz and pass "
                "the final quiz with at least %(score)s.",
                "To earn the certificate, complete all %(num)s lessons, pass every lesson "
                "quiz and pass the final quiz with at least %(score)s.",
                lessons,
                score=score,
            )
        return ngettext(
            "To earn the certificate, complete its only lesson and pass the final quiz with "
            "at least %(score)s.",
            "To earn the certificate, complete all %(num)s lessons and pass the final quiz "
            "with at least %(score)s.",
            lessons,
            score=score,
        )
    if lesson_quizzes:
        return ngettext(
            "To earn the certificate, complete its only lesson and pass its quiz.",
            "To earn the certificate, complete all %(num)s lessons and pass every lesson quiz.",
            lessons,
        )
    return ngettext(
        "To earn the certificate, complete its only lesson.",
        "To earn the certificate, complete all %(num)s lessons.",
        lessons,
    )


def final_score(course_progress: progress.CourseProgress) -> float | None:
    """The final quiz's grade; without one, the mean grade of the required quizzes."""
    final = course_progress.final_quiz
    if final is not None:
        standing = course_progress.standings.get(final.id)
        return standing.grade if standing else None
    grades = [
        course_progress.standings[quiz.id].grade
        for quiz in course_progress.quizzes
        if quiz.required and quiz.id in course_progress.standings
    ]
    grades = [grade for grade in grades if grade is not None]
    return round(sum(grades) / len(grades), 2) if grades else None


def issue_if_complete(
    user_id: int, course_id: int, now: datetime | None = None
) -> Certificate | None:
    """Issue the learner's certificate if the course's completion rule holds and none
    exists yet. Does not commit: it joins the caller's transaction. Exactly once, even
    under concurrent requests: the (learner, course) pair is unique in the database, and
    the check runs under the learner's enrolment lock, so of two final steps finishing
    together the second sees the first."""
    progress.lock_enrolment(user_id, course_id)
    existing = find_for(user_id, course_id)
    if existing is not None:
        return existing
    user = db.session.get(User, user_id)
    course = lessons.get_course_by_id(course_id)
    state = progress.course_progress(user, course, fresh=True)
    if not state.summary.is_complete:
        return None
    now = now or utcnow()
    code = new_code()
    expires = (
        add_months(now, course.certificate_valid_months)
        if course.certificate_valid_months
        else None
    )
    score = final_score(state)
    subject_id = f"urn:uuid:{uuid.uuid4()}"
    facts = credentials.CredentialFacts(
        credential_id=public_url(f"/certificates/{code}"),
        issuer_id=public_url("/issuer"),
        issuer_name=ISSUER_NAME,
        subject_id=subject_id,
        learner_name=user.display_name,
        achievement_id=public_url(f"/courses/{course.slug}"),
        achievement_name=course.title,
        achievement_description=course.summary or course.title,
        criteria_narrative=completion_rule(state),
        valid_from=now,
        valid_until=expires,
        status_url=public_url(f"/certificates/{code}/status"),
        score=score,
    )
    inserted = insert_or_ignore(
        db.session,
        Certificate,
        code=code,
        user_id=user_id,
        course_id=course_id,
        learner_name=user.display_name,
        course_title=course.title,
        issued_at=now,
        expires_at=expires,
        score=score,
        subject_id=subject_id,
        credential=credentials.sign_credential(facts, signing_key(), keys_url=keys_url()),
        revoked_reason="",
    )
    certificate = find_for(user_id, course_id)
    if inserted:
        progress.record_event(user_id, "certified", "course", course_id, {"certificate": code})
        log.info("certificate issued to user %s for course %s", user_id, course_id)
        signals.certificate_issued.send(certificate=certificate)
    return certificate


def issue_missing(user_id: int, course_id: int) -> Certificate | None:
    """Repair: issue the certificate of a learner who meets the completion rule but has
    none (their last step finished before issuing was safe under concurrent requests, or a
    step failed after it was recorded)."""
    certificate = issue_if_complete(user_id, course_id)
    db.session.flush()
    return certificate


def new_code() -> str:
    """160 random bits, url-safe; never starting with "-" or "_", so a code pasted into a
    spreadsheet or a command line is not taken for a formula or an option."""
    while True:
        code = secrets.token_urlsafe(20)
        if code[0].isalnum():
            return code


def on_lesson_completed(sender, user_id: int, course_id: int, **_) -> None:
    issue_if_complete(user_id, course_id)


def on_attempt_submitted(sender, attempt, **_) -> None:
    if attempt.passed:
        issue_if_complete(attempt.user_id, attempt.quiz.course_id, now=attempt.submitted_at)


def find_for(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id
        )
    )


def get_by_code(code: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code[:64]))
    if certificate is None:
        raise NotFound(_("No certificate has this code."))
    return certificate


def for_learner(user_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc())
        )
    )


def expires_soon(certificate: Certificate, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        certificate.status(now) == "valid"
        and certificate.expires_at is not None
        and certificate.expires_at - now <= EXPIRES_SOON
    )


def can_revoke(certificate: Certificate, user: User) -> bool:
    """Admins, and the staff of the certificate's course."""
    return lessons.can_change(certificate.course_id, user)


def revoke(
    certificate: Certificate, by: User, reason: str, now: datetime | None = None
) -> Certificate:
    """Withdraw a certificate: anyone who checks it from now on sees it revoked. Only its
    course's staff (or an admin) may."""
    lessons.require_staff(certificate.course_id, by)
    reason = reason.strip()
    if not reason:
        raise RuleViolation(
            _("Give a reason for revoking."), {"reason": [_("Give a reason for revoking.")]}
        )
    if certificate.revoked_at is None:
        certificate.revoked_at = now or utcnow()
        certificate.revoked_reason = reason[:1000]
        certificate.revoked_by_id = by.id
        db.session.flush()
        log.info("certificate %s revoked by user %s", certificate.id, by.id)
    return certificate


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may learn about a certificate: no email, no ids, nothing else."""

    status: str
    learner_name: str
    course_title: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    issuer: str
    score: float | None


def public_status(certificate: Certificate, now: datetime | None = None) -> PublicStatus:
    return PublicStatus(
        status=certificate.status(now or utcnow()),
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        revoked_at=certificate.revoked_at,
        issuer=ISSUER_NAME,
        score=certificate.score,
    )


def verify_credential(token: str, now: datetime | None = None) -> credentials.Verification:
    """Check a credential: signature, claims, our issuer key, expiry and revocation."""

    def is_revoked(credential: dict) -> bool:
        code = str(credential.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code[:64]))
        return certificate is None or certificate.revoked_at is not None

    return credentials.verify_credential(
        token.strip(),
        published_keys(),
        now=now or utcnow(),
        is_revoked=is_revoked,
    )


# ---- the PDF, drawn once ----------------------------------------------------------------

# The drawing code's own fingerprint: a release that changes how certificates look
# redraws each one on its next download.
_DRAWING = hashlib.sha256(Path(__file__).with_name("pdf.py").read_bytes()).hexdigest()


def _pdf():
    """The drawing module, imported on first use: fpdf2 with its font and image libraries
    is a third of a worker's memory, and with PDFs stored most workers never draw one."""
    from coursework.certificates import pdf

    return pdf


def pdf_document(certificate: Certificate, verify_url: str):
    """What the certificate's PDF prints (a `pdf.CertificateDocument`)."""
    return _pdf().CertificateDocument(
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_on=certificate.issued_at.date(),
        score=certificate.score,
        issuer_name=ISSUER_NAME,
        code=certificate.code,
        verify_url=verify_url,
        expires_on=certificate.expires_at.date() if certificate.expires_at else None,
        revoked=certificate.revoked_at is not None,
        language=current_language(),
    )


def pdf_etag(document) -> str:
    """Names the PDF this document draws to: equal documents, equal bytes."""
    facts = repr(sorted(dataclasses.asdict(document).items()))
    return hashlib.sha256(f"{_DRAWING}\n{facts}".encode()).hexdigest()


def pdf_bytes(certificate: Certificate, document) -> bytes:
    """The stored PDF when it is still this document's; else drawn now and stored (two
    servers drawing the same one at once both store the same bytes)."""
    etag = pdf_etag(document)
    stored = db.session.scalar(
        select(CertificatePdf.content).where(
            CertificatePdf.certificate_id == certificate.id, CertificatePdf.etag == etag
        )
    )
    if stored is not None:
        return stored
    content = _pdf().render_pdf(document)
    row = {"certificate_id": certificate.id, "etag": etag, "content": content}
    upsert(db.session, CertificatePdf, ("certificate_id",), [{**row, "rendered_at": utcnow()}])
    db.session.flush()
    log.info("certificate %s PDF drawn", certificate.id)
    return content


# ---- a learner who deletes their account ---------------------------------------------------

NAME_WITHHELD = "Name withheld at the holder's request"


def withhold_names(user_id: int) -> int:
    """Keep the person's certificates verifiable as issued, without their name: the name
    printed on each is replaced, its stored PDF is dropped (it is drawn again on demand),
    and its credential is signed again with the same facts and no name. Does not commit;
    returns how many certificates changed."""
    certificates = for_learner(user_id)
    for certificate in certificates:
        certificate.learner_name = NAME_WITHHELD
        if certificate.credential:
            certificate.credential = _signed_without_name(certificate)
        pdf = db.session.get(CertificatePdf, certificate.id)
        if pdf is not None:
            db.session.delete(pdf)
    return len(certificates)


def _signed_without_name(certificate: Certificate) -> str:
    payload = _credential_payload(certificate.credential)
    achievement = payload["credentialSubject"]["achievement"]
    facts = credentials.CredentialFacts(
        credential_id=payload["id"],
        issuer_id=payload["issuer"]["id"],
        issuer_name=payload["issuer"]["name"],
        subject_id=certificate.subject_id,
        learner_name=NAME_WITHHELD,
        achievement_id=achievement["id"],
        achievement_name=achievement["name"],
        achievement_description=achievement["description"],
        criteria_narrative=achievement["criteria"]["narrative"],
        valid_from=certificate.issued_at,
        valid_until=certificate.expires_at,
        status_url=payload["credentialStatus"]["id"],
        score=certificate.score,
    )
    return credentials.sign_credential(facts, signing_key(), keys_url=keys_url())


def _credential_payload(token: str) -> dict:
    """The claims of one of our own stored credentials (already trusted: we signed it)."""
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
