"""Certificates: the completion rule, issuing once, the public pages, revocation, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coursework.certificates import services
from coursework.certificates.models import Certificate
from coursework.db import utcnow
from coursework.errors import PermissionDenied
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.clients import csrf_token_of
from tests.support.data import PASSWORD
from tests.support.progresskit import complete_every_lesson
from tests.support.quizkit import right_answers


def pass_quiz(user, quiz) -> None:
    attempt = quizzes.start_attempt(user, quiz)
    quizzes.save_answers(attempt, right_answers(attempt))
    quizzes.submit_attempt(attempt)


def count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def test_completing_every_lesson_issues_the_certificate_once(app, make_user, course):
    learner = make_user(name="Zoë Ångström")
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    assert certificate is not None and count() == 1
    assert certificate.learner_name == "Zoë Ångström"
    assert certificate.course_title == "Kitchen Safety"
    assert len(certificate.code) >= 26 and certificate.code.isascii()
    assert certificate.score is None and certificate.expires_at is None
    # Completing again (or being checked again) never issues a second one.
    complete_every_lesson(learner, course)
    assert services.issue_if_complete(learner.id, course.id).id == certificate.id
    assert count() == 1
    verbs = list(
        db.session.scalars(select(LearningEvent.verb).where(LearningEvent.verb == "certified"))
    )
    assert verbs == ["certified"]


def test_a_required_final_quiz_must_be_passed_first(app, make_user, course, make_quiz):
    final = make_quiz(lesson_slug=None, title="Final quiz", passing_score=70)
    learner = make_user()
    complete_every_lesson(learner, course)
    assert services.find_for(learner.id, course.id) is None
    attempt = quizzes.start_attempt(learner, final)
    quizzes.submit_attempt(attempt)  # nothing answered: fails
    assert services.find_for(learner.id, course.id) is None
    pass_quiz(learner, final)
    certificate = services.find_for(learner.id, course.id)
    assert certificate is not None and certificate.score == 100.0


def test_the_rule_is_stated_on_the_course_page(client, make_user, login, course, make_quiz):
    make_quiz(lesson_slug=None, title="Final quiz", passing_score=70)
    body = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "complete all 3 lessons and pass the final quiz with at least 70%" in body


def test_names_and_titles_are_kept_as_issued(app, make_user, course):
    learner = make_user(name="Original Name")
    complete_every_lesson(learner, course)
    learner.display_name = "Changed Later"
    db.session.commit()
    assert services.find_for(learner.id, course.id).learner_name == "Original Name"


def test_codes_are_unguessable_and_unrelated_to_ids(app, make_user, course):
    codes = set()
    for _ in range(5):
        learner = make_user()
        complete_every_lesson(learner, course)
        codes.add(services.find_for(learner.id, course.id).code)
    assert len(codes) == 5
    assert all(len(code) >= 26 and not code.isdigit() for code in codes)


def test_verification_page_shows_only_public_facts(client, make_user, course):
    learner = make_user(email="private@example.com", name="Dana Lévy")
    complete_every_lesson(learner, course)
    code = services.find_for(learner.id, course.id).code
    page = client.get(f"/certificates/{code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This certificate is valid" in body and "Dana Lévy" in body and "Kitchen Safety" in body
    assert "private@example.com" not in body
    assert "<svg" in body  # the QR code
    api = client.get(f"/api/v1/certificates/{code}").json
    assert api["status"] == "valid" and api["learner_name"] == "Dana Lévy"
    assert "email" not in api and "user_id" not in api


@pytest.mark.parametrize("code", ["nope", "A" * 27, "1", "%00", "../../etc/passwd", "x" * 300])
def test_unknown_codes_get_the_same_not_found_page(client, code):
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 404
    assert "We could not find this certificate" in response.get_data(as_text=True)


def test_revocation_by_staff_shows_at_once(client, make_user, login, course, instructor):
    learner = make_user()
    complete_every_lesson(learner, course)
    code = services.find_for(learner.id, course.id).code
    login(client, learner)
    assert client.post(f"/certificates/{code}/revoke", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login(client, instructor)  # the course's owner
    missing = client.post(f"/certificates/{code}/revoke", data={"reason": ""})
    assert missing.status_code == 302
    assert services.get_by_code(code).revoked_at is None
    client.post(f"/certificates/{code}/revoke", data={"reason": "Issued in error"})
    body = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in body and "Issued in error" in body
    assert client.get(f"/api/v1/certificates/{code}").json["status"] == "revoked"
    status = client.get(f"/certificates/{code}/status").json
    assert status["revokedCredentials"][0]["revoked"] is True


def test_expiry_and_expiring_soon(app, make_user, make_course):
    course = make_course(
        "---\ntitle: Short Lived\n---\n# Short Lived\n\n## Only\n\nOne lesson.\n", slug="short"
    )
    course.certificate_valid_months = 24
    db.session.commit()
    learner = make_user()
    now = utcnow()
    lesson = lessons.current_lessons(course.id)[0]
    progress.complete_lesson(learner, lesson)
    certificate = services.find_for(learner.id, course.id)
    assert certificate.expires_at.year == certificate.issued_at.year + 2
    assert certificate.status(now) == "valid"
    assert not services.expires_soon(certificate, now)
    assert services.expires_soon(certificate, certificate.expires_at - timedelta(days=10))
    assert certificate.status(certificate.expires_at + timedelta(seconds=1)) == "expired"


def test_add_months_keeps_to_the_calendar():
    from datetime import UTC, datetime

    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28
    assert services.add_months(datetime(2026, 11, 26, tzinfo=UTC), 24).year == 2028


def test_my_certificates_and_downloads(client, make_user, login, course):
    learner = make_user()
    complete_every_lesson(learner, course)
    code = services.find_for(learner.id, course.id).code
    login(client, learner)
    mine = client.get("/my-certificates").get_data(as_text=True)
    assert "Kitchen Safety" in mine and code in mine
    pdf = client.get(f"/certificates/{code}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf"
    jwt = client.get(f"/certificates/{code}/credential.jwt")
    assert jwt.status_code == 200 and jwt.data.count(b".") == 2
    assert client.get("/api/v1/me/certificates").json[0]["code"] == code


def test_certificate_is_announced_where_it_happened(client, make_user, login, course):
    login(client, make_user())
    for slug in ("knives", "heat"):
        client.post(f"/courses/{course.slug}/lessons/{slug}/complete")
    response = client.post(
        f"/courses/{course.slug}/lessons/cleaning/complete", follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "earned your certificate" in body
    assert re.search(r'href="/certificates/[\w-]+"', body)


def test_the_course_page_issues_a_certificate_that_should_exist(client, make_user, login, course):
    """Repair: a learner who meets the rule but has no certificate (their last step raced
    another before issuing was serialised) gets it on their next visit to the course."""
    from coursework.progress import signals

    learner = make_user()
    signals.lesson_completed.disconnect(services.on_lesson_completed)
    try:
        complete_every_lesson(learner, course)
    finally:
        signals.lesson_completed.connect(services.on_lesson_completed)
    assert count() == 0
    # Someone else, or nobody signed in, looking at the page issues nothing.
    assert client.get(f"/courses/{course.slug}").status_code == 200
    login(client, make_user())
    assert client.get(f"/courses/{course.slug}").status_code == 200
    assert count() == 0

    client.post("/logout")
    login(client, learner)
    body = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    certificate = services.find_for(learner.id, course.id)
    assert certificate is not None and count() == 1
    assert "earned your certificate" in body and f"/certificates/{certificate.code}" in body
    client.get(f"/courses/{course.slug}")
    assert count() == 1


def test_signed_credential_verifies_and_fails_after_revocation(client, make_user, course, app):
    learner = make_user()
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    result = client.post("/api/v1/certificates/verify", json={"credential": certificate.credential})
    assert result.status_code == 200 and result.json["valid"] is True, result.json
    page = client.post("/certificates/verify", data={"credential": certificate.credential})
    assert "genuine and current" in page.get_data(as_text=True)
    tampered = certificate.credential[:-4] + (
        "AAAA" if not certificate.credential.endswith("AAAA") else "BBBB"
    )
    assert (
        client.post("/api/v1/certificates/verify", json={"credential": tampered}).json["valid"]
        is False
    )
    services.revoke(certificate, make_user(is_admin=True), "Test")
    again = client.post(
        "/api/v1/certificates/verify", json={"credential": certificate.credential}
    ).json
    assert again["valid"] is False and any("revoked" in p for p in again["problems"])


def test_verify_rejects_bad_input_with_field_errors(client):
    response = client.post("/api/v1/certificates/verify", json={})
    assert response.status_code == 422
    assert "credential" in response.json["errors"]["json"]
    assert (
        client.post("/api/v1/certificates/verify", json={"credential": "garbage"}).json["valid"]
        is False
    )


def test_keys_and_issuer_profile_are_published(client):
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks["keys"] and jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]
    profile = client.get("/issuer").json
    assert "Profile" in profile["type"] and profile["id"].endswith("/issuer")


def test_cli_verify_and_revoke(app, make_user, course, tmp_path):
    learner = make_user()
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    token = tmp_path / "credential.jwt"
    token.write_text(certificate.credential)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["certificates", "verify", str(token)])
    assert ok.exit_code == 0 and "valid" in ok.output
    staff = make_user(is_admin=True)
    revoked = runner.invoke(
        args=[
            "certificates",
            "revoke",
            certificate.code,
            "--reason",
            "Mistake",
            "--by",
            staff.email,
        ]
    )
    assert revoked.exit_code == 0, revoked.output
    bad = runner.invoke(args=["certificates", "verify", str(token)])
    assert bad.exit_code != 0 and "revoked" in bad.output


def sign_in_with_csrf(client, user) -> None:
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_only_the_courses_staff_and_admins_may_revoke(
    client, make_user, course, instructor, csrf_on
):
    """Another course's instructor is refused by the page, the service and the CLI; a
    co-instructor may revoke; the revoke form shows only to those who may use it."""
    learner = make_user()
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    code = certificate.code
    outsider = make_user(is_instructor=True)
    sign_in_with_csrf(client, outsider)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert f"/certificates/{code}/revoke" not in page
    token = csrf_token_of(page)
    refused = client.post(
        f"/certificates/{code}/revoke", data={"reason": "Spite", "csrf_token": token}
    )
    assert refused.status_code == 403
    with pytest.raises(PermissionDenied):
        services.revoke(certificate, outsider, "Spite")
    cli = client.application.test_cli_runner().invoke(
        args=["certificates", "revoke", code, "--reason", "Spite", "--by", outsider.email]
    )
    assert cli.exit_code != 0 and "staff" in cli.output
    db.session.expire_all()
    assert services.get_by_code(code).revoked_at is None
    client.post("/logout", data={"csrf_token": token})

    co_instructor = make_user(is_instructor=True)
    lessons.add_staff(course, co_instructor.email, instructor)
    sign_in_with_csrf(client, co_instructor)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert f"/certificates/{code}/revoke" in page
    response = client.post(
        f"/certificates/{code}/revoke",
        data={"reason": "Issued in error", "csrf_token": csrf_token_of(page)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.get_by_code(code).revoked_by_id == co_instructor.id
