"""Error pages: HTML for the site, JSON under /api/, nothing leaks, nothing is a 500."""

from __future__ import annotations

import pytest
from flask import Blueprint

from coursework import create_app
from coursework.policy import access


@pytest.fixture
def failing_app(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    app.testing = False  # let the 500 handlers answer instead of re-raising
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @access("public")
    def boom():
        raise ValueError("secret internals")

    @bp.route("/api/v1/boom")
    @access("public")
    def api_boom():
        raise ValueError("secret internals")

    app.register_blueprint(bp)
    from coursework.errors import handle_unexpected

    app.register_error_handler(Exception, handle_unexpected)
    return app


def test_a_crash_is_a_friendly_500_page_without_internals(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "something went wrong on our side" in body.lower()
    assert "secret internals" not in body


def test_a_crash_under_the_api_is_json(failing_app):
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["code"] == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_forbidden_page_is_html(client, make_user, login):
    login(client, make_user())
    response = client.get("/admin/people")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_wrong_method_on_a_page_is_html(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.mimetype == "text/html"


def test_an_oversized_upload_is_refused_politely(client, make_user, login, app):
    login(client, make_user(is_instructor=True))
    # A raw body (not a file the test client would spool to disk) over the size limit.
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/teach/courses", data=body, content_type="multipart/form-data; boundary=zzz"
    )
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)


def test_login_is_rate_limited(client, app):
    from coursework.extensions import limiter

    limiter.reset()
    app.config["RATELIMIT_AUTH"] = "3 per minute"
    try:
        codes = [
            client.post(
                "/login", data={"email": "x@example.com", "password": "wrong-wrong"}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        assert "Too many attempts" in client.post("/login", data={}).get_data(as_text=True)
        assert client.get("/login").status_code == 200  # only attempts are limited
    finally:
        app.config["RATELIMIT_AUTH"] = "1000 per minute"
        limiter.reset()


@pytest.mark.parametrize("path", ["/quizzes/99999999999999", "/attempts/99999999999999/result"])
def test_ids_too_large_for_the_database_are_simply_not_found(client, make_user, login, path):
    login(client, make_user())
    assert client.get(path).status_code == 404


def test_nul_characters_are_refused_at_the_door(client, course):
    assert client.get("/courses/%00").status_code == 404
    assert client.get("/certificates/%00").status_code == 404
    assert (
        client.post("/signup", data={"display_name": "A\x00", "email": "a@example.com"}).status_code
        == 400
    )
    response = client.post("/api/v1/certificates/verify", json={"credential": "a\x00b"})
    assert response.status_code == 400 and response.json["code"] == 400
