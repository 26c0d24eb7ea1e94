"""Brute force: limits per account as well as per address, counting failures only;
proxies believed only when configured; sign-in carries on when Redis is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from coursework import create_app
from coursework.extensions import limiter
from coursework.policy import access
from tests.support.clients import RequestContextClient
from tests.support.data import PASSWORD

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def limits(app) -> Iterator[dict]:
    """Small limits for one test, and empty counters before and after it."""
    limiter.reset()
    saved = {key: app.config[key] for key in ("RATELIMIT_AUTH", "RATELIMIT_ACCOUNT")}
    yield app.config
    app.config.update(saved)
    limiter.reset()


def attempt(client, email: str, password: str = "not the password", address: str = "192.0.2.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def test_failed_sign_ins_are_limited_per_account_from_any_address(client, make_user, limits):
    limits["RATELIMIT_ACCOUNT"] = "3 per minute"
    user = make_user(email="target@example.com")
    # Spread over many addresses, as a botnet would: the per-address limit never trips.
    codes = [attempt(client, "Target@Example.com", address=f"198.51.100.{n}") for n in range(4)]
    assert codes == [400, 400, 400, 429]
    # Now even the right password waits, from anywhere; another account is not affected.
    assert attempt(client, user.email, PASSWORD, address="203.0.113.7") == 429
    other = make_user(email="other@example.com")
    assert attempt(client, other.email, PASSWORD) == 302


def test_an_address_without_an_account_is_limited_just_the_same(client, limits):
    limits["RATELIMIT_ACCOUNT"] = "2 per minute"
    codes = [attempt(client, "nobody@example.com", address=f"198.51.100.{n}") for n in range(3)]
    assert codes == [400, 400, 429]


def test_only_failures_count_toward_the_account_limit(app, client, make_user, limits):
    limits["RATELIMIT_ACCOUNT"] = "2 per minute"
    user = make_user()
    app.test_client_class = RequestContextClient
    for _ in range(5):
        assert attempt(app.test_client(), user.email, PASSWORD) == 302
    assert attempt(client, user.email) == 400
    assert attempt(client, user.email, PASSWORD) == 302


def test_the_account_limit_has_a_daily_part_by_default(app):
    assert app.config["RATELIMIT_ACCOUNT"] == "1000 per minute"  # tests: out of the way
    from coursework.config import Base

    assert Base.RATELIMIT_ACCOUNT == "5 per minute;50 per day"


def test_reset_requests_are_limited_per_account(client, make_user, limits):
    limits["RATELIMIT_ACCOUNT"] = "2 per minute"
    user = make_user()
    codes = [
        client.post(
            "/forgot-password",
            data={"email": user.email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_forwarded_addresses_are_ignored_without_a_configured_proxy(client, limits):
    limits["RATELIMIT_AUTH"] = "2 per minute"
    codes = [
        client.post(
            "/login",
            data={"email": f"p{n}@example.com", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [400, 400, 429]  # one client, however many addresses it claims


def _app_showing_the_client_address(proxies: int, tmp_path, monkeypatch) -> Flask:
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    probe = create_app(
        {
            "ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/probe.db",
            "PROXY_COUNT": proxies,
        }
    )
    bp = Blueprint("probe", __name__)

    @bp.get("/probe")
    @access("public")
    def probe_view():
        return {"address": request.remote_addr, "scheme": request.scheme}

    probe.register_blueprint(bp)
    return probe


@pytest.mark.parametrize(
    ("proxies", "address", "scheme"),
    [(0, "127.0.0.1", "http"), (1, "198.51.100.2", "https"), (2, "198.51.100.1", "https")],
)
def test_proxy_headers_are_believed_for_the_configured_number_of_hops(
    proxies, address, scheme, tmp_path, monkeypatch
):
    probe = _app_showing_the_client_address(proxies, tmp_path, monkeypatch)
    assert isinstance(probe.wsgi_app, ProxyFix) == (proxies > 0)
    # The client forged the first entry; each proxy of ours appended what it saw.
    response = probe.test_client().get(
        "/probe",
        headers={
            "X-Forwarded-For": "198.51.100.1, 198.51.100.2",
            "X-Forwarded-Proto": "https, https",
        },
    )
    assert response.json == {"address": address, "scheme": scheme}


# ---- Redis down ---------------------------------------------------------------------------------


@pytest.fixture
def redis_down_app(app, tmp_path, monkeypatch) -> Iterator[Flask]:
    """The app, on the test database, with rate-limit storage in a Redis that is not there."""
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    down = create_app(
        {
            "ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": DEAD_REDIS,
            "RATELIMIT_STORAGE_URI": DEAD_REDIS,
            "RATELIMIT_ACCOUNT": "2 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    down.test_client_class = RequestContextClient
    yield down
    with down.app_context():
        from coursework.extensions import db

        db.engine.dispose()
    # The limiter is one object for every app: give it back memory storage, as the session's
    # app was made with.
    create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    limiter.reset()


@pytest.mark.real_commits(reason="a second app on the test database, with connections of its own")
def test_sign_in_works_with_in_memory_limits_while_redis_is_down(redis_down_app, make_user):
    user = make_user()
    client = redis_down_app.test_client()
    assert attempt(client, user.email, PASSWORD, address="127.0.0.1") == 302
    assert client.get("/my-learning").status_code == 200
    # Limits still hold, counted in this process meanwhile.
    other = redis_down_app.test_client()
    assert [attempt(other, "someone@example.com") for _ in range(3)] == [400, 400, 429]


@pytest.mark.real_commits(reason="a second app on the test database, with connections of its own")
def test_healthz_reports_redis(redis_down_app, app):
    response = redis_down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_healthz_reports_a_working_redis(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    from coursework.app import redis_answers

    if not redis_answers(app.config["REDIS_URL"]):
        pytest.skip("no Redis on 127.0.0.1:6379")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}
