"""Forwarding statements to an organisation's LRS, against a real one: Ralph with its
file-system backend (tests/coursework/lrs_server.py). Every statement of the export
arrives once; an LRS that is down gets everything once it is back; wrong credentials show
in the delivery log; the settings are a manager's of that organisation only, and the
credentials never appear in a page or a log line."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import lrs
from coursework.organisations import services as organisations
from coursework.organisations.models import LrsForwarding, Organisation
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support import lrs_server as lrs_fixtures
from tests.support.lrs_server import KEY, SECRET, Ralph
from tests.support.orgkit import organisation_with_learner
from tests.support.quizkit import together

# The LRS fixtures (a module's Ralph, emptied for each test).
ralph, lrs_server = lrs_fixtures.ralph, lrs_fixtures.lrs_server


@pytest.fixture
def acme(make_user, course):
    return organisation_with_learner(make_user, course)


def connect(org: Organisation, boss, server: Ralph, secret: str = SECRET) -> None:
    lrs.configure(org, boss, endpoint=server.endpoint, key=KEY, secret=secret, enabled=True)
    db.session.commit()


def learn(learner, course) -> None:
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
        db.session.commit()


def export(client, login, boss, org) -> list[dict]:
    login(client, boss)
    response = client.get(f"/organisations/{org.slug}/statements.json")
    assert response.status_code == 200
    return response.get_json()


def forwarding(org: Organisation) -> LrsForwarding:
    db.session.expire_all()
    return db.session.get_one(LrsForwarding, org.id)


def test_every_statement_of_the_export_arrives_once(app, client, login, acme, course, lrs_server):
    org, boss, lea = acme
    learn(lea, course)  # before the LRS is set up: the history goes too
    connect(org, boss, lrs_server)
    other = organisations.create_organisation("Other", boss)
    db.session.commit()
    assert lrs.forwarding_of(other) is None
    learn(lea, course)  # again: nothing new
    progress.record_event(lea.id, "attempted", "course", course.id, {"percent": 50})
    db.session.commit()  # the nudge after commit delivers it at once
    statements = export(client, login, boss, org)
    assert len(statements) >= 5
    stored = lrs_server.statements()
    assert Counter(s["id"] for s in stored) == Counter(s["id"] for s in statements)
    assert [s["id"] for s in stored] == [s["id"] for s in statements]  # in order
    assert stored[0]["actor"] == statements[0]["actor"]
    # Running again, by the minute or by hand, sends nothing twice.
    lrs.forward_due.call_local()
    assert lrs.deliver(org.id) == 0
    assert len(lrs_server.statements()) == len(statements)
    state = lrs.status(org)
    assert state.waiting == 0 and state.forwarding.delivered_count == len(statements)
    # A worker that died after sending, before recording: the batch goes again, and the
    # LRS (which answers 409 for ids it holds) keeps one copy.
    forwarding(org).delivered_through = 0
    db.session.commit()
    assert lrs.deliver(org.id) == len(statements)
    assert Counter(s["id"] for s in lrs_server.statements()) == Counter(s["id"] for s in statements)
    assert forwarding(org).last_error == ""


def test_the_lrs_down_for_a_while_gets_everything_once_it_is_back(
    app, client, login, acme, course, lrs_server, monkeypatch
):
    org, boss, lea = acme
    connect(org, boss, lrs_server)
    lrs_server.stop()
    learn(lea, course)
    down = forwarding(org)
    assert down.failures == 1 and "Could not reach the LRS" in down.last_error
    assert down.retry_at is not None and down.delivered_through == 0
    assert lrs.status(org).waiting > 0
    # Within the backoff nothing is tried; each later failure waits longer.
    assert lrs.deliver(org.id) == 0 and forwarding(org).failures == 1
    monkeypatch.setattr(lrs, "utcnow", lambda: utcnow() + timedelta(minutes=1))
    lrs.forward_due.call_local()
    again = forwarding(org)
    assert again.failures == 2
    assert again.retry_at - again.last_error_at == timedelta(minutes=1)
    assert [lrs.backoff(n).total_seconds() for n in (1, 2, 3, 9, 30)] == [30, 60, 120, 3600, 3600]
    # Back: the next run after the wait delivers all of it, once.
    lrs_server.start()
    monkeypatch.setattr(lrs, "utcnow", lambda: utcnow() + timedelta(minutes=5))
    lrs.forward_due.call_local()
    statements = export(client, login, boss, org)
    assert Counter(s["id"] for s in lrs_server.statements()) == Counter(s["id"] for s in statements)
    back = forwarding(org)
    assert back.failures == 0 and back.retry_at is None and back.last_success_at is not None
    assert "Could not reach" in back.last_error  # the log keeps the last error, with its time
    assert lrs.status(org).waiting == 0


def test_voiding_statements_are_forwarded_too(app, client, login, acme, course, lrs_server):
    org, boss, lea = acme
    connect(org, boss, lrs_server)
    learn(lea, course)
    first = lrs_server.statements()
    organisations.remove_member(org, lea.id, boss)
    db.session.commit()  # as the request does: the nudge forwards at once
    voided = [s for s in lrs_server.statements() if s["verb"]["id"].endswith("/voided")]
    assert sorted(s["object"]["id"] for s in voided) == sorted(s["id"] for s in first)
    statements = export(client, login, boss, org)
    assert [s["id"] for s in lrs_server.statements()] == [s["id"] for s in statements]


def test_unassigning_a_course_forwards_its_voiding_statements_at_once(acme, course, lrs_server):
    org, boss, lea = acme
    connect(org, boss, lrs_server)
    learn(lea, course)
    first = [s["id"] for s in lrs_server.statements()]
    (assignment,) = organisations.assignments(org)
    organisations.unassign(org, assignment.id)
    db.session.commit()  # as the request does: the nudge forwards at once
    voided = [s["object"]["id"] for s in lrs_server.statements()[len(first) :]]
    assert sorted(voided) == sorted(first)


def test_wrong_credentials_show_in_the_delivery_log(
    app, client, login, acme, course, lrs_server, monkeypatch
):
    org, boss, lea = acme
    connect(org, boss, lrs_server, secret="not the secret")
    learn(lea, course)
    assert lrs_server.statements() == []
    assert "refused the key and secret (HTTP 401)" in forwarding(org).last_error
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    page = client.get(f"/organisations/{org.slug}/lrs").get_data(as_text=True)
    assert "refused the key and secret (HTTP 401)" in page and "Failing" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/organisations/{org.slug}/lrs/check", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(f"/organisations/{org.slug}/lrs").get_data(as_text=True)
    assert "The test statement was not accepted" in page
    # Put right on the page: the test statement goes through and delivery resumes at once.
    response = client.post(
        f"/organisations/{org.slug}/lrs",
        data={
            "csrf_token": token,
            "endpoint": lrs_server.endpoint,
            "key": KEY,
            "secret": SECRET,
            "enabled": "y",
        },
    )
    assert response.status_code == 303
    client.post(f"/organisations/{org.slug}/lrs/check", data={"csrf_token": token})
    page = client.get(f"/organisations/{org.slug}/lrs").get_data(as_text=True)
    assert "The LRS accepted a test statement" in page
    stored = lrs_server.statements()
    assert sum(s["verb"]["id"].endswith("/checked-connection") for s in stored) == 1
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert len(stored) == 1 + len(export(client, login, boss, org))


def test_the_settings_page_saves_and_keeps_credentials_out_of_pages_and_logs(
    app, client, login, acme, course, lrs_server, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    org, boss, lea = acme
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    page = client.get(f"/organisations/{org.slug}/lrs").get_data(as_text=True)
    assert "No LRS is set up" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    url = f"/organisations/{org.slug}/lrs"
    assert client.post(url, data={"endpoint": lrs_server.endpoint}).status_code == 400  # no CSRF
    # Both credentials are needed the first time; what was typed is not sent back.
    response = client.post(
        url, data={"csrf_token": token, "endpoint": lrs_server.endpoint, "secret": SECRET}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter the key the LRS gave you." in body
    assert SECRET not in body
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "endpoint": lrs_server.endpoint + "/",
            "key": KEY,
            "secret": SECRET,
            "enabled": "y",
        },
    )
    assert response.status_code == 303
    saved = forwarding(org)
    assert saved.endpoint == lrs_server.endpoint and saved.enabled
    assert SECRET not in saved.credentials and KEY not in saved.credentials
    assert lrs.credentials_of(saved) == lrs.Credentials(KEY, SECRET)
    learn(lea, course)
    page = client.get(url)
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert lrs_server.endpoint in text and "Delivered" in text
    # Blank key and secret keep the saved ones; turning forwarding off is kept.
    response = client.post(url, data={"csrf_token": token, "endpoint": lrs_server.endpoint})
    assert response.status_code == 303
    assert lrs.credentials_of(forwarding(org)) == lrs.Credentials(KEY, SECRET)
    assert forwarding(org).enabled is False
    for path in (url, f"/organisations/{org.slug}/settings", "/account/preferences"):
        shown = client.get(path).get_data(as_text=True)
        assert SECRET not in shown and KEY not in shown
    assert SECRET not in caplog.text and KEY not in caplog.text
    # Deleted: the credentials are gone from the database.
    client.post(f"/organisations/{org.slug}/lrs/remove", data={"csrf_token": token})
    assert db.session.scalar(select(LrsForwarding)) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"endpoint": "ftp://lrs.example.com"}, "endpoint", "starting with https://"),
        ({"endpoint": "lrs.example.com/xapi"}, "endpoint", "starting with https://"),
        ({"endpoint": "https://user:pw@lrs.example.com"}, "endpoint", "Leave the key and secret"),
        ({"endpoint": "https://lrs.example.com/x?a=1"}, "endpoint", "without a query"),
        ({"endpoint": "https://lrs.example.com/" + "x" * 500}, "endpoint", "at most 500"),
        ({"key": "a:b"}, "key", "no colon"),
        ({"key": "k" * 201}, "key", "at most 200"),
        ({"secret": "s" * 501}, "secret", "at most 500"),
        ({"secret": "é"}, "secret", "as the LRS gave it"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(acme, fields, field, message):
    org, boss, _ = acme
    values = {"endpoint": "https://lrs.example.com/xAPI", "key": "k", "secret": "s", **fields}
    with pytest.raises(lrs.RuleViolation) as refused:
        lrs.configure(org, boss, enabled=True, **values)
    assert message in " ".join(refused.value.errors[field])
    db.session.rollback()
    assert lrs.forwarding_of(org) is None


def test_a_manager_of_another_organisation_cannot_see_or_change_the_settings(
    app, client, login, acme, make_user, lrs_server
):
    org, boss, lea = acme
    connect(org, boss, lrs_server)
    rival = make_user(email="rival@example.com")
    organisations.create_organisation("Rival", rival)
    db.session.commit()
    for who in (rival, lea):
        login(client, who)
        for path in ("lrs", "settings"):
            assert client.get(f"/organisations/{org.slug}/{path}").status_code == 404
        data = {"endpoint": "https://evil.example.com/xAPI", "key": "k", "secret": "s"}
        assert client.post(f"/organisations/{org.slug}/lrs", data=data).status_code == 404
        assert client.post(f"/organisations/{org.slug}/lrs/check").status_code == 404
        assert client.post(f"/organisations/{org.slug}/lrs/remove").status_code == 404
        response = client.post(
            f"/organisations/{org.slug}/settings", data={"time_zone": "Asia/Tokyo"}
        )
        assert response.status_code == 404
        client.post("/logout")
    kept = forwarding(org)
    assert kept.endpoint == lrs_server.endpoint
    assert lrs.credentials_of(kept) == lrs.Credentials(KEY, SECRET)
    assert db.session.get_one(Organisation, org.id).time_zone == "UTC"


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_two_workers_at_once_send_each_batch_once(app, acme, course, lrs_server):
    org, boss, lea = acme
    learn(lea, course)
    connect(org, boss, lrs_server)
    forwarding(org).delivered_through = 0
    db.session.commit()
    lrs_server.clear()
    org_id = org.id
    results = together(app, [lambda: lrs.deliver(org_id)] * 6)
    assert sorted(results)[:-1] == [0] * 5, results
    stored = Counter(s["id"] for s in lrs_server.statements())
    assert set(stored.values()) == {1}


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9/xAPI",
        "http://10.1.2.3/xAPI",
        "http://[::1]:9/xAPI",
        "http://localhost/x",
    ],
)
def test_private_network_addresses_are_refused_unless_allowed(
    app, acme, course, endpoint, monkeypatch
):
    org, boss, lea = acme
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", False)
    lrs.configure(org, boss, endpoint=endpoint, key=KEY, secret=SECRET, enabled=True)
    db.session.commit()
    problem = lrs.check_connection(org)
    assert problem is not None and "private network address" in problem
    progress.record_event(lea.id, "started", "course", course.id)
    db.session.commit()
    assert "private network address" in forwarding(org).last_error
