"""Request ids, denial logs, and no secrets in log lines."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coursework import create_app
from coursework.access_log import RedactingLogger
from coursework.extensions import db
from coursework.logs import REDACTED, RequestIdFilter, redact
from coursework.organisations import services as organisations
from coursework.organisations import tokens

SECRET = "Zq3xY8vN2mK7pL4rT9wB1cD6fG5hJ0sA"


@pytest.fixture
def records(caplog):
    """Log records as our handlers see them: with the request id filter attached."""
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.filters.clear()


def test_every_response_has_a_fresh_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/no-such-page").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_sane_incoming_request_id_is_kept(client):
    for sent in ("abc-123", "req_01HX.7:edge-2", "x" * 128):
        response = client.get("/", headers={"X-Request-ID": sent})
        assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent", ["", "x" * 129, "has space", "new\\nline", 'quote"d', "<script>", "ünïcode", "a/b"]
)
def test_an_odd_incoming_request_id_is_replaced(client, sent):
    response = client.get("/", headers={"X-Request-ID": sent})
    returned = response.headers["X-Request-ID"]
    assert returned != sent and len(returned) == 32


def test_a_denial_is_logged_with_the_request_id(client, make_user, login, records):
    login(client, make_user())
    response = client.get("/admin/people", headers={"X-Request-ID": "trace-403"})
    assert response.status_code == 403
    denials = [
        r for r in records.records if r.name == "coursework.logs" and "403" in r.getMessage()
    ]
    assert len(denials) == 1
    assert denials[0].levelno == logging.WARNING
    assert denials[0].request_id == "trace-403"
    assert "GET /admin/people" in denials[0].getMessage()


def test_api_denials_are_logged_too(client, make_user, login, records):
    login(client, make_user())
    response = client.get("/api/v1/quizzes")
    assert response.status_code == 403
    (denial,) = [r for r in records.records if "403 denied" in r.getMessage()]
    assert denial.request_id == response.headers["X-Request-ID"]


def test_records_outside_a_request_get_a_dash(records):
    logging.getLogger("coursework.test").warning("no request here")
    assert records.records[-1].request_id == "-"


def test_invitation_secrets_are_redacted_from_log_messages(records):
    logging.getLogger("coursework.test").info(
        "GET %s then %s", f"/invitations/{SECRET}", f"/login?next=%2Finvitations%2F{SECRET}"
    )
    message = records.records[-1].getMessage()
    assert SECRET not in message
    assert message.count(REDACTED) == 2


def test_tracebacks_are_redacted_too(records):
    try:
        raise ValueError(f"could not open /invitations/{SECRET}")
    except ValueError:
        logging.getLogger("coursework.test").exception("failed")
    record = records.records[-1]
    assert SECRET not in record.exc_text and REDACTED in record.exc_text
    assert SECRET not in records.text


def test_redaction_leaves_other_paths_alone():
    assert redact("/organisations/acme/invitations/12/revoke") == (
        "/organisations/acme/invitations/12/revoke"
    )
    assert redact(f"/invitations/{SECRET}?x=1") == f"/invitations/{REDACTED}?x=1"


def test_api_tokens_and_bearer_credentials_are_redacted(make_user, records):
    boss = make_user()
    org = organisations.create_organisation("Acme", boss)
    secret = tokens.create_token(org, boss, "feed").secret
    logging.getLogger("coursework.test").warning("header Authorization: Bearer %s", secret)
    logging.getLogger("coursework.test").warning("token %s", secret)
    logging.getLogger("coursework.test").warning("Authorization: bearer opaque.jwt.value")
    messages = [r.getMessage() for r in records.records[-3:]]
    assert not any(secret in m or secret[10:] in m for m in messages)
    assert messages[1] == f"token {secret[:10]}{REDACTED}"  # the public prefix stays
    assert messages[2] == f"Authorization: bearer {REDACTED}"


def test_gunicorns_access_log_never_shows_an_invitation_secret():
    logger = RedactingLogger(
        SimpleNamespace(
            errorlog="-",
            loglevel="info",
            accesslog=None,
            logconfig=None,
            logconfig_dict={},
            logconfig_json=None,
            syslog=False,
            disable_redirect_access_to_syslog=False,
            capture_output=False,
            access_log_format="%(r)s",
            user=0,
            group=0,
            syslog_addr=None,
            syslog_prefix=None,
            syslog_facility="user",
        )
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/login?next=/invitations/{SECRET}",
        "PATH_INFO": f"/invitations/{SECRET}",
        "QUERY_STRING": f"next=/invitations/{SECRET}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"http://localhost/invitations/{SECRET}",
    }
    response = SimpleNamespace(status="302 FOUND", headers=[("X-Request-ID", "r1")], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=1))
    assert SECRET not in repr(atoms)
    assert atoms["r"] == f"GET /login?next=/invitations/{REDACTED} HTTP/1.1"
    assert atoms["{x-request-id}o"] == "r1"


def test_a_real_invitation_link_is_redacted(make_user):
    boss = make_user()
    org = organisations.create_organisation("Acme", boss)
    link = organisations.invite(org, boss, "new@example.com").link
    token = link.rsplit("/", 1)[1]
    assert token not in redact(f"GET {link} HTTP/1.1")


def test_failed_statements_do_not_carry_their_parameters(app):
    assert db.engine.hide_parameters is True
    with pytest.raises(DBAPIError) as error:
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :secret"), {"secret": SECRET}
        )
    db.session.rollback()
    assert SECRET not in str(error.value)
    assert "hidden due to hide_parameters" in str(error.value)


def test_engine_options_from_the_caller_cannot_turn_parameter_logging_back_on(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    configured = create_app(
        {
            "ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": False, "pool_pre_ping": True},
        }
    )
    with configured.app_context():
        assert db.engine.hide_parameters is True
        db.engine.dispose()


def test_outside_tests_log_lines_carry_request_ids(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers = []  # as in a fresh process
    try:
        create_app({"ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        create_app({"ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        (handler,) = root.handlers  # a second app adds no second handler or filter
        (only,) = handler.filters
        assert isinstance(only, RequestIdFilter)
        assert "[%(request_id)s]" in handler.formatter._fmt
    finally:
        root.handlers, root.level = saved, level
