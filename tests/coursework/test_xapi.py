"""Learning events as xAPI 1.0.3 statements: their shape, their ids, and the paged feed."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from coursework.organisations import services, xapi
from coursework.organisations.models import Role
from coursework.progress import services as progress
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.orgkit import bearer, join, token_for
from tests.support.quizkit import right_answers, wrong_answers

URL = "https://learn.example.org"
API = "/api/v1/organisations"
ADL = "http://adlnet.gov/expapi/verbs/"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def settled(app, monkeypatch):
    """Serve events at once (the feed normally waits a few seconds for them to settle)."""
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)


def event(verb: str, object_type: str = "quiz", context=None, **overrides) -> xapi.Event:
    values = {
        "id": 42,
        "actor_id": 7,
        "actor_name": "Ana Lopez",
        "verb": verb,
        "object_type": object_type,
        "occurred_at": datetime(2026, 11, 26, 9, 30, 5, 123456, tzinfo=UTC),
        "context": context or {},
        "activity": xapi.quiz_activity(URL, 3, "Knives check"),
    }
    return xapi.Event(**{**values, **overrides})


# ---- pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "object_type", "adl"),
    [
        ("started", "course", "registered"),
        ("started", "lesson", "experienced"),
        ("completed", "lesson", "completed"),
        ("attempted", "quiz", "attempted"),
        ("passed", "quiz", "passed"),
        ("failed", "quiz", "failed"),
        ("certified", "course", "completed"),
    ],
)
def test_each_event_has_an_adl_verb(verb, object_type, adl):
    assert xapi.verb(verb, object_type, URL) == {"id": ADL + adl, "display": {"en-US": adl}}


def test_an_unknown_verb_gets_our_own_iri():
    assert xapi.verb("bookmarked", "lesson", URL + "/") == {
        "id": f"{URL}/xapi/verbs/bookmarked",
        "display": {"en-US": "bookmarked"},
    }


def test_a_statement_has_every_required_part():
    built = xapi.statement(event("passed", context={"attempt": 2, "percent": 85.0}), URL)
    assert set(built) == {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
    }  # no "version": xAPI 1.0.3 asks producers to leave it to the LRS
    assert UUID.match(built["id"])
    assert built["actor"] == {
        "objectType": "Agent",
        "name": "Ana Lopez",
        "account": {"homePage": URL, "name": "7"},
    }
    assert built["verb"]["id"] == ADL + "passed"
    assert built["object"] == {
        "objectType": "Activity",
        "id": f"{URL}/quizzes/3",
        "definition": {
            "name": {"en-US": "Knives check"},
            "description": {"en-US": "The quiz “Knives check”."},
            "type": "http://adlnet.gov/expapi/activities/assessment",
        },
    }
    assert built["result"] == {
        "completion": True,
        "success": True,
        "score": {"scaled": 0.85, "raw": 85.0, "min": 0, "max": 100},
    }
    assert built["context"]["extensions"] == {f"{URL}/xapi/extensions/attempt": 2}
    assert built["timestamp"] == "2026-11-26T09:30:05.123Z"
    assert "version" not in built


@pytest.mark.parametrize(
    ("percent", "scaled"),
    [(0, 0.0), (100, 1.0), (66.666, 0.6667), (140, 1.0), (-3, 0.0)],
)
def test_scaled_scores_stay_between_0_and_1(percent, scaled):
    score = xapi.result("attempted", {"percent": percent}, URL)["score"]
    assert score["scaled"] == scaled and 0 <= score["scaled"] <= 1
    assert score["min"] <= score["raw"] <= score["max"]


def test_results_by_kind_of_event():
    assert xapi.result("attempted", {"percent": 40}, URL)["completion"] is True
    assert "success" not in xapi.result("attempted", {"percent": 40}, URL)
    assert xapi.result("failed", {"percent": 40}, URL)["success"] is False
    assert "score" not in xapi.result("failed", {"percent": None}, URL)
    assert "score" not in xapi.result("failed", {"percent": True}, URL)
    assert xapi.result("certified", {"certificate": "ABC"}, URL) == {
        "completion": True,
        "success": True,
        "extensions": {f"{URL}/xapi/extensions/certificate": f"{URL}/certificates/ABC"},
    }
    assert xapi.result("started", {}, URL) is None
    assert "result" not in xapi.statement(event("started", "lesson"), URL)


def test_statement_ids_are_stable_and_differ_between_sites():
    first = xapi.statement_id(URL, 42)
    assert first == xapi.statement_id(URL + "/", 42) == xapi.statement(event("passed"), URL)["id"]
    assert uuid.UUID(first).version == 5
    assert first != xapi.statement_id(URL, 43)
    assert first != xapi.statement_id("https://other.example", 42)


def test_timestamps_are_utc_with_a_z():
    naive = datetime(2026, 1, 2, 3, 4, 5)
    assert xapi.timestamp(naive) == "2026-01-02T03:04:05.000Z"


def test_cursors_are_checked():
    assert xapi.decode_cursor(xapi.encode_cursor(1234)) == 1234
    assert xapi.decode_cursor("") == 0
    for bad in ("-1", "abc", "1.5", "١٢", "9" * 30):
        with pytest.raises(ValueError):
            xapi.decode_cursor(bad)


# ---- from the database -----------------------------------------------------------------------


@pytest.fixture
def learning(app, make_user, course, make_quiz, settled, monkeypatch):
    """An organisation whose member enrolled, read, failed then passed a quiz, and earned
    the certificate."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", URL)
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    ana = make_user(name="Ana Lopez", email="ana@acme.example")
    join(org, boss, ana)
    services.assign(org, course.id, boss)
    quiz = make_quiz()  # on the first lesson
    current = lessons.current_lessons(course.id)
    progress.open_lesson(ana, current[0])
    attempt = quizzes.start_attempt(ana, quiz)
    quizzes.save_answers(attempt, wrong_answers(attempt))
    quizzes.submit_attempt(attempt)
    attempt = quizzes.start_attempt(ana, quiz)
    quizzes.save_answers(attempt, right_answers(attempt))
    quizzes.submit_attempt(attempt)
    for lesson in current:
        progress.complete_lesson(ana, lesson)
    return {"org": org, "boss": boss, "ana": ana, "quiz": quiz, "course": course}


def all_statements(client, headers, slug="acme") -> list[dict]:
    response = client.get(f"{API}/{slug}/statements?limit=500", headers=headers)
    assert response.status_code == 200 and response.json["more"] == ""
    return response.json["statements"]


def test_every_kind_of_statement_from_real_events(client, learning):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    response = client.get(f"{API}/acme/statements", headers=headers)
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    statements = response.json["statements"]
    kinds = [
        (s["verb"]["display"]["en-US"], s["object"]["id"].removeprefix(URL)) for s in statements
    ]
    quiz = f"/quizzes/{learning['quiz'].id}"
    course = "/courses/kitchen-safety"
    assert kinds == [
        ("registered", course),
        ("experienced", f"{course}/lessons/knives"),
        ("attempted", quiz),
        ("failed", quiz),
        ("attempted", quiz),
        ("passed", quiz),
        ("completed", f"{course}/lessons/knives"),
        ("experienced", f"{course}/lessons/heat"),
        ("completed", f"{course}/lessons/heat"),
        ("experienced", f"{course}/lessons/cleaning"),
        ("completed", f"{course}/lessons/cleaning"),
        ("completed", course),  # certified
    ]
    ana = learning["ana"]
    dump = json.dumps(statements)
    assert ana.email not in dump and "mbox" not in dump
    times = [s["timestamp"] for s in statements]
    assert times == sorted(times)
    for s in statements:
        assert UUID.match(s["id"]) and "version" not in s and TIMESTAMP.match(s["timestamp"])
        assert s["actor"] == {
            "objectType": "Agent",
            "name": "Ana Lopez",
            "account": {"homePage": URL, "name": str(ana.id)},
        }
        assert s["verb"]["id"] == ADL + s["verb"]["display"]["en-US"]
        assert s["object"]["objectType"] == "Activity"
        assert s["object"]["definition"]["type"].startswith("http://adlnet.gov/expapi/activities/")
        assert s["object"]["definition"]["name"]["en-US"]
        assert s["context"]["platform"] == "Coursework"
    failed, passed = statements[3], statements[5]
    assert failed["result"]["success"] is False and passed["result"]["success"] is True
    assert failed["result"]["score"]["scaled"] < passed["result"]["score"]["scaled"] == 1.0
    assert statements[2]["context"]["extensions"][f"{URL}/xapi/extensions/attempt"] == 1
    assert statements[4]["context"]["extensions"][f"{URL}/xapi/extensions/attempt"] == 2
    assert "success" not in statements[2]["result"]
    assert statements[2]["object"]["definition"]["type"].endswith("/assessment")
    assert [a["id"] for a in statements[2]["context"]["contextActivities"]["parent"]] == [
        f"{URL}{course}/lessons/knives"
    ]
    assert [a["id"] for a in statements[2]["context"]["contextActivities"]["grouping"]] == [
        f"{URL}{course}"
    ]
    assert [a["id"] for a in statements[1]["context"]["contextActivities"]["parent"]] == [
        f"{URL}{course}"
    ]
    certified = statements[-1]
    assert certified["result"]["completion"] is True and certified["result"]["success"] is True
    [certificate_url] = certified["result"]["extensions"].values()
    assert certificate_url.startswith(f"{URL}/certificates/")


def test_ids_are_the_same_on_every_read_and_in_the_download(client, login, learning):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    first = all_statements(client, headers)
    assert first == all_statements(client, headers)
    assert len({s["id"] for s in first}) == len(first)
    login(client, learning["boss"])
    download = client.get("/organisations/acme/statements.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == 'attachment; filename="acme-statements.json"'
    assert json.loads(download.get_data(as_text=True)) == first


def test_paging_with_the_cursor_has_no_gaps_or_repeats(client, learning, course):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    everything = all_statements(client, headers)
    seen, url, pages = [], f"{API}/acme/statements?limit=5", 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        seen += response.json["statements"]
        url, pages = response.json["more"], pages + 1
        assert url == "" or urlsplit(url).path == f"{API}/acme/statements"
    assert pages == 3 and [s["id"] for s in seen] == [s["id"] for s in everything]
    # Later, read on from where the last page ended: only what is new.
    cursor = response.headers["X-Statements-Cursor"]
    assert client.get(f"{API}/acme/statements?since={cursor}", headers=headers).json == {
        "statements": [],
        "more": "",
    }
    progress.open_lesson(learning["ana"], lessons.current_lessons(course.id)[0])  # no new event
    progress.enrol(learning["ana"], course)  # already enrolled: no new event
    later = client.get(f"{API}/acme/statements?since={cursor}", headers=headers)
    assert later.json["statements"] == [] and later.headers["X-Statements-Cursor"] == cursor


def test_new_events_appear_after_the_cursor(client, make_user, learning, course):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    first = client.get(f"{API}/acme/statements?limit=500", headers=headers)
    cursor = first.headers["X-Statements-Cursor"]
    bo = make_user(name="Bo Chen")
    join(learning["org"], learning["boss"], bo)
    progress.open_lesson(bo, lessons.current_lessons(course.id)[1])
    later = client.get(f"{API}/acme/statements?since={cursor}", headers=headers).json
    assert [(s["actor"]["name"], s["verb"]["display"]["en-US"]) for s in later["statements"]] == [
        ("Bo Chen", "registered"),
        ("Bo Chen", "experienced"),
    ]
    ids = {s["id"] for s in first.json["statements"]}
    assert not ids & {s["id"] for s in later["statements"]}


def test_more_carries_the_cursor_and_limit(client, learning):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    page = client.get(f"{API}/acme/statements?limit=2", headers=headers)
    query = parse_qs(urlsplit(page.json["more"]).query)
    # `cursor`, so that it is not mistaken for xAPI's timestamp `since`.
    assert query == {"cursor": [page.headers["X-Statements-Cursor"]], "limit": ["2"]}
    assert urlsplit(page.json["more"]).netloc == ""  # relative, as an LRS answers


def test_feed_parameters_are_checked(client, learning):
    headers = bearer(token_for(learning["org"], learning["boss"]))
    for query, name in (("since=abc", "since"), ("limit=0", "limit"), ("limit=501", "limit")):
        response = client.get(f"{API}/acme/statements?{query}", headers=headers)
        assert response.status_code == 422, query
        assert list(response.json["errors"]["query"]) == [name], query


def test_fresh_events_wait_to_settle(client, app, learning, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 60)
    headers = bearer(token_for(learning["org"], learning["boss"]))
    response = client.get(f"{API}/acme/statements", headers=headers)
    assert response.json == {"statements": [], "more": ""}
    assert response.headers["X-Statements-Cursor"] == ""
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)
    assert len(all_statements(client, headers)) == 12


def test_only_current_members_on_their_assigned_courses(
    client, make_user, make_course, learning, course
):
    org, boss = learning["org"], learning["boss"]
    headers = bearer(token_for(org, boss))
    outsider = make_user(name="Outsider")
    progress.open_lesson(outsider, lessons.current_lessons(course.id)[0])
    other = make_course(slug="fire-drill")
    progress.open_lesson(learning["ana"], lessons.current_lessons(other.id)[0])
    names = {s["actor"]["name"] for s in all_statements(client, headers)}
    objects = {s["object"]["id"] for s in all_statements(client, headers)}
    assert names == {"Ana Lopez"}
    assert not any("fire-drill" in o for o in objects)
    # Assigned to chosen people: their events on it, not anyone else's.
    cy = make_user(name="Cy")
    join(org, boss, cy)
    progress.open_lesson(cy, lessons.current_lessons(other.id)[0])
    services.assign(org, other.id, boss, user_ids=[learning["ana"].id])
    fire = [s for s in all_statements(client, headers) if "fire-drill" in s["object"]["id"]]
    assert {s["actor"]["name"] for s in fire} == {"Ana Lopez"}
    # Removing a member voids their statements instead of shrinking history.
    before = all_statements(client, headers)
    services.remove_member(org, learning["ana"].id, boss)
    after = all_statements(client, headers)
    assert after[: len(before)] == before
    voids = after[len(before) :]
    assert {v["object"]["id"] for v in voids} == {s["id"] for s in before}
    assert all(v["verb"]["id"] == ADL + "voided" for v in voids)
    assert all(v["object"]["objectType"] == "StatementRef" for v in voids)


def test_an_empty_organisation_downloads_an_empty_array(client, login, make_user):
    boss = make_user()
    services.create_organisation("Quiet", boss)
    login(client, boss)
    response = client.get("/organisations/quiet/statements.json")
    assert response.status_code == 200 and json.loads(response.get_data(as_text=True)) == []


def test_a_manager_member_is_an_actor_too(client, make_user, learning, course):
    deputy = make_user(name="Deputy")
    join(learning["org"], learning["boss"], deputy, role=Role.MANAGER)
    progress.open_lesson(deputy, lessons.current_lessons(course.id)[0])
    headers = bearer(token_for(learning["org"], learning["boss"]))
    assert "Deputy" in {s["actor"]["name"] for s in all_statements(client, headers)}
