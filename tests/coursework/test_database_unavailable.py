"""A database that cannot be reached: every route answers 503 with Retry-After and one
log line per request, never a 500 with a traceback."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from coursework import create_app
from coursework.policy import policy_of

CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/coursework"


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request, tmp_path, monkeypatch) -> Flask:
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    url = CLOSED_PORT if request.param == "postgresql" else f"sqlite:///{tmp_path}/no/such/x.db"
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    app.testing = False  # answer as in production instead of re-raising
    from coursework.errors import handle_unexpected

    app.register_error_handler(Exception, handle_unexpected)
    return app


def _example_url(app: Flask, rule) -> str:
    values = {
        name: 1 if type(converter).__name__ == "DatabaseIdConverter" else "x"
        for name, converter in rule._converters.items()
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _routes(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, _example_url(app, rule), policy_of(app, rule.endpoint, method)


def _signed_in(client) -> None:
    from coursework.extensions import login_manager

    # Strong session protection drops a session not bound to this browser.
    with client.application.test_request_context(environ_base=client.environ_base):
        browser = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
        session["_fresh"] = True
        session["_id"] = browser


def test_every_route_answers_503_with_retry_after_and_one_log_line(unreachable_app, caplog):
    client = unreachable_app.test_client()
    _signed_in(client)  # so that every route, public or not, asks who is signed in
    walked = 0
    for method, url, _ in _routes(unreachable_app):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = client.open(url, method=method, json={} if "/api/" in url else None)
        records = [r for r in caplog.records if r.levelno >= logging.WARNING]
        if response.status_code != 503:
            # Only what never needs the database may answer otherwise: static documents.
            assert response.status_code < 500, (method, url, response.status_code)
            assert not records, (method, url, [r.getMessage() for r in records])
            continue
        walked += 1
        # A rate limit may add its own wait; Flask-Limiter keeps the longer of the two but
        # writes it in whole seconds counted down from now, so 30 may read as 29.
        assert int(response.headers["Retry-After"]) >= 29, (method, url)
        assert len(records) == 1, (method, url, [r.getMessage() for r in records])
        assert records[0].exc_info is None and "Traceback" not in caplog.text
        assert "database unavailable" in records[0].getMessage()
        if url == "/healthz":
            assert response.json["database"] == "unreachable"
        elif url.startswith("/api/"):
            assert response.json["code"] == 503
        else:
            assert response.mimetype == "text/html"
            assert "service is unavailable" in response.get_data(as_text=True)
    assert walked > 80


@pytest.mark.parametrize("url", ["/", "/login", "/courses/x", "/certificates/x"])
def test_public_pages_answer_503_signed_out(unreachable_app, caplog, url):
    with caplog.at_level(logging.INFO):
        response = unreachable_app.test_client().get(url)
    if url == "/login":  # a form: it needs no database until it is sent
        assert response.status_code == 200
        response = unreachable_app.test_client().post(
            "/login", data={"email": "a@example.com", "password": "correct horse battery"}
        )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 29  # whole seconds, see above
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_health_check_is_503_in_one_line(unreachable_app, caplog):
    with caplog.at_level(logging.INFO):
        response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["Retry-After"] == "30"
    assert [r.exc_info for r in caplog.records if r.levelno >= logging.WARNING] == [None]


def test_a_broken_query_is_still_a_500_not_a_503(app, client):
    """Only an unreachable database is a 503: a statement the database refuses is a bug."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from coursework.errors import database_unavailable
    from coursework.extensions import db

    with pytest.raises((OperationalError, ProgrammingError)) as caught:
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()
    if isinstance(caught.value, OperationalError):
        assert not database_unavailable(caught.value)
