"""CSRF: skipped only when an API token really authenticated the request.

A cookie session with `Authorization: Bearer <anything>` beside it is still a cookie
session (a page on another site can make a browser send both), so it still needs the token.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coursework.extensions import db
from coursework.organisations import services as organisations
from coursework.organisations import tokens
from coursework.policy import access, csrf_exempt, undeclared_routes
from coursework.progress.models import LessonProgress
from tests.support.clients import sign_in_by_form

COMPLETION = "/api/v1/me/courses/kitchen-safety/lessons/knives/completion"
JUNK = ("Bearer junk", "Bearer cw_" + "x" * 40, "bearer ", "Bearer")


def completions() -> int:
    return db.session.scalar(select(func.count()).select_from(LessonProgress)) or 0


@pytest.mark.parametrize("header", JUNK)
def test_a_junk_bearer_header_does_not_switch_csrf_off_for_a_session(
    client, make_user, course, csrf_on, header
):
    sign_in_by_form(client, make_user())
    response = client.put(COMPLETION, headers={"Authorization": header})
    assert response.status_code == 400
    assert "CSRF" in response.json["message"]
    assert completions() == 0


def test_a_junk_bearer_header_does_not_skip_csrf_on_instructor_writes(
    client, make_user, course, csrf_on
):
    sign_in_by_form(client, make_user(is_instructor=True))
    response = client.post(
        "/api/v1/quizzes",
        json={"title": "Forged", "course": "kitchen-safety"},
        headers={"Authorization": "Bearer junk"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.json["message"]


def test_the_session_write_with_its_csrf_header_still_works(client, make_user, course, csrf_on):
    token = sign_in_by_form(client, make_user())
    response = client.put(COMPLETION, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert completions() == 1


def test_a_valid_token_needs_no_csrf_even_beside_a_cookie(client, make_user, course, csrf_on):
    boss = make_user()
    org = organisations.create_organisation("Acme", boss)
    secret = tokens.create_token(org, boss, "feed", can_write=True).secret
    sign_in_by_form(client, boss)
    response = client.post(
        "/api/v1/organisations/acme/invitations",
        json={"email": "cy@example.com"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201


def test_a_junk_token_beside_a_managers_cookie_is_refused(client, make_user, csrf_on):
    boss = make_user()
    organisations.create_organisation("Acme", boss)
    sign_in_by_form(client, boss)
    response = client.post(
        "/api/v1/organisations/acme/invitations",
        json={"email": "cy@example.com"},
        headers={"Authorization": "Bearer junk"},
    )
    assert response.status_code == 401
    assert organisations.invitations(organisations.get_managed(boss, "acme")) == []


def test_public_credential_check_needs_no_csrf_token(client, csrf_on):
    response = client.post("/api/v1/certificates/verify", json={"credential": "not.a.jwt"})
    assert response.status_code == 200
    assert response.json["valid"] is False


def test_public_credential_check_needs_none_when_signed_in_either(client, make_user, csrf_on):
    sign_in_by_form(client, make_user())
    response = client.post("/api/v1/certificates/verify", json={"credential": "not.a.jwt"})
    assert response.status_code == 200


def test_the_verify_page_form_still_checks_its_token(client, csrf_on):
    assert client.post("/certificates/verify", data={"credential": "x"}).status_code == 400


def test_csrf_exemption_is_refused_on_anything_but_a_public_view(app):
    from flask import Blueprint

    from coursework import create_app

    probe = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    bp = Blueprint("probe", __name__)

    @bp.post("/probe/change")
    @access("learner")
    @csrf_exempt
    def change():
        return "changed"

    probe.register_blueprint(bp)
    assert any("CSRF-exempt" in route for route in undeclared_routes(probe))
    assert not any("CSRF-exempt" in route for route in undeclared_routes(app))
