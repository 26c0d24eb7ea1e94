"""Security headers on every response, the request id, and no-store on private answers.

The walk covers every rule of the URL map, whoever added it: each GET as the role its
policy names (with real ids), and every method of every rule as an anonymous caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coursework import create_app
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.headers import CONTENT_SECURITY_POLICY
from coursework.jobs import Job
from coursework.lti import services as lti
from coursework.mail import OutboxMessage
from coursework.organisations import services as organisations
from coursework.organisations import tokens
from coursework.policy import policy_of
from coursework.progress import services as progress
from coursework.tasks import FailedJob
from lessons import services as lessons
from quizzes import services as quizzes
from quizzes.practice.models import PracticeCard, PracticeReview
from tests.support.clients import RequestContextClient
from tests.support.orgkit import join

PARAMETER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def check_security_headers(response, where: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", response.headers.get("X-Request-ID", ""))
    assert "Strict-Transport-Security" not in response.headers  # only in production


@dataclass
class World:
    values: dict[str, str]
    clients: dict[str, FlaskClient]


@pytest.fixture
def world(app: Flask, make_user, make_quiz, course, instructor, login) -> World:
    # `instructor` owns `course`, so every page of its quizzes answers them.
    learner = make_user(name="Lea Learner")
    admin = make_user(is_admin=True)
    manager = make_user()
    quiz = make_quiz()
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
    attempt = quizzes.submit_attempt(quizzes.start_attempt(learner, quiz))
    org = organisations.create_organisation("Acme", manager)
    join(org, manager, learner)
    assignment = organisations.assign(org, course.id, manager)
    invited = organisations.invite(org, manager, "new@example.com")
    token = tokens.create_token(org, manager, "feed")
    platform = lti.register_platform(
        org,
        lti.PlatformFields(
            "Moodle",
            "https://lms.example.com",
            "client",
            "https://lms.example.com/auth",
            "https://lms.example.com/token",
            "https://lms.example.com/jwks",
            ("1",),
        ),
    )
    code = db.session.scalar(select(Certificate.code))
    message = db.session.scalar(select(OutboxMessage.id))
    failed = FailedJob(name="coursework.mail.deliver", arguments=f"[{message}]", error="refused")
    db.session.add(failed)
    card = db.session.scalars(
        select(PracticeCard).where(PracticeCard.user_id == learner.id)
    ).first()
    practised = PracticeReview(
        card_id=card.id,
        user_id=learner.id,
        quiz_id=quiz.id,
        question_key=card.question_key,
        reviewed_on=card.due_on,
        fraction=0.0,
        quality=1,
        next_due_on=card.due_on,
    )
    db.session.add(practised)
    db.session.flush()
    # A finished job of the learner's at the same id, so its pages answer the walk for real.
    db.session.add(
        Job(
            id=failed.id,
            user_id=learner.id,
            kind="lessons.import_course",
            title="Importing garden.md as a course",
            state="done",
            done=3,
            total=3,
            message="Garden created.",
        )
    )
    db.session.commit()
    values = {
        "slug": "kitchen-safety",
        "lesson_slug": "knives",
        "quiz_id": str(quiz.id),
        "question_id": str(quiz.questions[0].id),
        "attempt_id": str(attempt.id),
        "response_id": str(attempt.responses[0].id),
        "draw_id": "1",
        "code": code or "none",
        "token": invited.link.rsplit("/", 1)[1],
        "user_id": str(learner.id),
        "assignment_id": str(assignment.id),
        "invitation_id": str(invited.invitation.id),
        "token_id": str(token.token.id),
        "domain_id": "1",
        "message_id": str(message),
        "job_id": str(failed.id),
        "card_id": str(card.id),
        "review_id": str(practised.id),
        "platform_id": str(platform.id),
        "context_id": "1",
        "launch_id": "lti1p3-launch-none",
        "filename": "css/site.css",
        "anything": "no/such/thing",
        "kid": "no-such-key",
        "name": "diagrams/none.png",
    }
    clients = {}
    for role, user in (
        ("public", None),
        ("learner", learner),
        ("instructor", instructor),
        ("admin", admin),
        ("manager", manager),
    ):
        app.test_client_class = RequestContextClient
        clients[role] = app.test_client()
        if user is not None:
            login(clients[role], user)
    return World(values, clients)


def url_for_rule(rule_text: str, values: dict[str, str], org_slug: str = "acme") -> str:
    def value(match: re.Match) -> str:
        name = match["name"]
        if name == "slug" and rule_text.startswith(("/organisations/", "/api/v1/organisations/")):
            return org_slug
        return values[name]

    return PARAMETER.sub(value, rule_text)


def test_every_route_answers_with_the_security_headers(app, world):
    walked = []
    for rule in app.url_map.iter_rules():
        url = url_for_rule(rule.rule, world.values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            # As the role the policy names, for pages that can be read.
            if method == "GET":
                policy = policy_of(app, rule.endpoint, method)
                client = world.clients[policy]
                response = client.get(url)
                assert response.status_code < 500, (url, response.status_code)
                assert response.status_code not in (401, 403), (url, policy)
                check_security_headers(response, url)
                if policy != "public":
                    assert response.headers["Cache-Control"] == "no-store", url
                response.close()
                walked.append((method, url, policy))
            # And anonymously, every method.
            anonymous = world.clients["public"].open(url, method=method)
            check_security_headers(anonymous, f"{method} {url}")
            anonymous.close()
            walked.append((method, url, "anonymous"))
    assert len({(m, u) for m, u, _ in walked}) >= 100, "the walk found too few routes"


def test_errors_carry_the_headers_too(client):
    for response in (
        client.get("/no-such-page"),
        client.get("/api/v1/no-such-thing"),
        client.delete("/login"),
        client.get("/api/v1/me/courses"),
    ):
        check_security_headers(response, response.status)


def test_signed_in_pages_and_my_api_are_never_stored(client, make_user, login, course):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert client.get("/api/v1/me/courses").headers["Cache-Control"] == "no-store"  # even 401
    login(client, make_user())
    for url in ("/", "/my-learning", "/courses/kitchen-safety", "/api/v1/me/courses"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    # The stylesheet stays cacheable whoever asks.
    with client.get("/static/css/site.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def test_token_answers_are_never_stored(client, make_user):
    manager = make_user()
    org = organisations.create_organisation("Acme", manager)
    secret = tokens.create_token(org, manager, "feed").secret
    response = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_only_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    production = create_app(
        {"ENV": "production", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with production.test_client().get("/static/css/site.css") as response:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        for name, value in EXPECTED.items():
            assert response.headers[name] == value


def test_templates_have_no_inline_script_style_or_handlers():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    templates = [
        path
        for package in ("coursework", "lessons", "quizzes")
        for path in (root / package).rglob("*.html")
    ]
    assert len(templates) > 30
    offenders = [str(p) for p in templates if inline.search(p.read_text())]
    assert offenders == []


def test_lesson_tables_align_by_class_not_style():
    from lessons.rendering import render_markdown

    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert "style=" not in html
    assert '<th class="align-left">' in html and '<td class="align-right">' in html
