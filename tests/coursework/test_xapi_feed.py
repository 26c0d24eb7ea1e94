"""The statements feed as a log (issue 11, item 13): reading on from a cursor receives
exactly what the full export holds, whoever joins, is assigned, or is removed meanwhile."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursework.db import utcnow
from coursework.organisations import services
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.orgkit import bearer, join, token_for

API = "/api/v1/organisations"
ADL = "http://adlnet.gov/expapi/verbs/"
numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def settled(app, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)


def read_on(client, headers, slug: str, cursor: str, limit: int = 3) -> tuple[list, str]:
    """Every page from `cursor` on, as an incremental reader does; the cursor to keep."""
    got = []
    while True:
        page = client.get(f"{API}/{slug}/statements?cursor={cursor}&limit={limit}", headers=headers)
        assert page.status_code == 200, page.get_data(as_text=True)
        got += page.json["statements"]
        cursor = page.headers["X-Statements-Cursor"] or cursor
        if not page.json["more"]:
            return got, cursor


def full_export(client, boss, login, slug: str) -> list:
    login(client, boss)
    response = client.get(f"/organisations/{slug}/statements.json")
    client.post("/logout")
    assert response.status_code == 200
    return response.json


def test_people_who_join_later_reach_a_reader_who_already_read_on(
    client, make_user, course, make_course
):
    boss = make_user()
    org = services.create_organisation("Later", boss)
    headers = bearer(token_for(org, boss))
    services.assign(org, course.id, boss)
    first = lessons.current_lessons(course.id)[0]
    early = make_user(name="Early")
    join(org, boss, early)
    progress.open_lesson(early, first)
    seen, cursor = read_on(client, headers, org.slug, "")
    assert {s["actor"]["name"] for s in seen} == {"Early"}

    # Learnt before joining (a lower event id than anything already read).
    late = make_user(name="Late")
    progress.open_lesson(late, first)
    join(org, boss, late)
    more, cursor = read_on(client, headers, org.slug, cursor)
    assert {s["actor"]["name"] for s in more} == {"Late"} and len(more) == 2

    # A course assigned later brings its earlier events too.
    other = make_course(slug="later-course")
    progress.open_lesson(early, lessons.current_lessons(other.id)[0])
    services.assign(org, other.id, boss)
    more, cursor = read_on(client, headers, org.slug, cursor)
    assert {s["object"]["id"].rsplit("/", 1)[-1] for s in more} >= {"later-course"}


def test_voided_then_back_gets_new_statement_ids(client, make_user, course):
    boss = make_user()
    org = services.create_organisation("Again", boss)
    headers = bearer(token_for(org, boss))
    services.assign(org, course.id, boss)
    person = make_user(name="Returning")
    join(org, boss, person)
    progress.open_lesson(person, lessons.current_lessons(course.id)[0])
    first, cursor = read_on(client, headers, org.slug, "")
    services.remove_member(org, person.id, boss)
    voids, cursor = read_on(client, headers, org.slug, cursor)
    assert [v["object"]["id"] for v in voids] == [s["id"] for s in first]
    assert all(v["actor"]["account"]["name"] == f"organisations/{org.slug}" for v in voids)
    join(org, boss, person)
    back, _ = read_on(client, headers, org.slug, cursor)
    assert len(back) == len(first)
    # xAPI never reuses a voided statement's id.
    assert not {s["id"] for s in back} & {s["id"] for s in first}
    assert [s["object"]["id"] for s in back] == [s["object"]["id"] for s in first]


def test_since_takes_an_xapi_timestamp_and_cursor_is_checked(client, make_user, course):
    boss = make_user()
    org = services.create_organisation("Stamp", boss)
    headers = bearer(token_for(org, boss))
    services.assign(org, course.id, boss)
    person = make_user()
    join(org, boss, person)
    progress.open_lesson(person, lessons.current_lessons(course.id)[0])
    url = f"{API}/{org.slug}/statements"
    everything = client.get(url, headers=headers).json["statements"]
    assert everything
    past = (utcnow() - timedelta(hours=1)).isoformat()
    future = (utcnow() + timedelta(hours=1)).isoformat()
    assert (
        client.get(url, headers=headers, query_string={"since": past}).json["statements"]
        == everything
    )
    assert client.get(url, headers=headers, query_string={"since": future}).json == {
        "statements": [],
        "more": "",
    }
    for query, name in (
        ({"since": "2026-12-01T06:00:00"}, "since"),  # no time zone: ambiguous
        ({"since": "yesterday"}, "since"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "1" * 41}, "cursor"),
    ):
        response = client.get(url, headers=headers, query_string=query)
        assert response.status_code == 422, query
        assert list(response.json["errors"]["query"]) == [name], query


def test_activities_carry_a_description(client, make_user, course):
    boss = make_user()
    org = services.create_organisation("Described", boss)
    headers = bearer(token_for(org, boss))
    services.assign(org, course.id, boss)
    person = make_user()
    join(org, boss, person)
    progress.complete_lesson(person, lessons.current_lessons(course.id)[0])
    statements, _ = read_on(client, headers, org.slug, "")
    for statement in statements:
        activities = [statement["object"]]
        for group in statement["context"].get("contextActivities", {}).values():
            activities += group
        for activity in activities:
            assert activity["definition"]["description"]["en-US"].strip(), activity
        assert "version" not in statement


ACTIONS = st.lists(
    st.sampled_from(["learn", "learn", "join", "remove", "rejoin", "assign", "unassign", "read"]),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS, people=st.integers(min_value=1, max_value=3), limit=st.integers(1, 4))
def test_incremental_reading_equals_the_full_export(
    client, make_user, make_course, login, actions, people, limit
):
    n = next(numbers)
    boss = make_user()
    org = services.create_organisation(f"Prop {n}", boss)
    headers = bearer(token_for(org, boss))
    course = make_course(
        f"---\ntitle: Prop {n}\n---\n# Prop {n}\n\n## One\n\nA.\n\n## Two\n\nB.\n",
        slug=f"prop-{n}",
    )
    lessons_of = lessons.current_lessons(course.id)
    learners = [make_user() for _ in range(people)]
    joined: set[int] = set()
    assignment = None
    collected, cursor = [], ""
    for step, action in enumerate(actions):
        who = learners[step % people]
        if action == "learn":
            progress.open_lesson(who, lessons_of[step % len(lessons_of)])
        elif action in ("join", "rejoin") and who.id not in joined:
            join(org, boss, who)
            joined.add(who.id)
        elif action == "remove" and who.id in joined:
            services.remove_member(org, who.id, boss)
            joined.discard(who.id)
        elif action == "assign" and assignment is None:
            assignment = services.assign(org, course.id, boss)
        elif action == "unassign" and assignment is not None:
            services.unassign(org, assignment.id)
            assignment = None
        elif action == "read":
            got, cursor = read_on(client, headers, org.slug, cursor, limit)
            collected += got
    got, cursor = read_on(client, headers, org.slug, cursor, limit)
    collected += got
    export = full_export(client, boss, login, org.slug)
    assert collected == export
    ids = [s["id"] for s in export]
    assert len(ids) == len(set(ids))
    # Every voiding statement voids a statement that came before it, once.
    live: set[str] = set()
    for statement in export:
        if statement["verb"]["id"] == ADL + "voided":
            target = statement["object"]["id"]
            assert target in live
            live.discard(target)
        else:
            live.add(statement["id"])


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_readers_at_once_log_each_event_once(app, make_user, course):
    """Different readers (the API page, the download, a timestamp query) released together
    on PostgreSQL: the log gets each event once and a voiding once."""
    from tests.support.quizkit import together

    boss = make_user()
    org = services.create_organisation("Crowd", boss)
    secret = token_for(org, boss)
    services.assign(org, course.id, boss)
    people = [make_user() for _ in range(4)]
    for person in people:
        join(org, boss, person)
        for lesson in lessons.current_lessons(course.id):
            progress.open_lesson(person, lesson)
    slug = org.slug

    def reader(query: str):
        def read():
            response = app.test_client().get(
                f"{API}/{slug}/statements?{query}", headers=bearer(secret)
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            return len(response.json["statements"])

        return read

    queries = ["limit=500", "limit=1", "since=2000-01-01T00:00:00Z", "cursor=&limit=7"] * 3
    results = together(app, [reader(q) for q in queries])
    assert not [r for r in results if isinstance(r, Exception)], results
    export = read_on(app.test_client(), bearer(secret), slug, "", 500)[0]
    assert len(export) == len({s["id"] for s in export}) == 4 * (1 + 3)

    services.remove_member(org, people[0].id, boss)
    results = together(app, [reader(q) for q in queries])
    assert not [r for r in results if isinstance(r, Exception)], results
    export = read_on(app.test_client(), bearer(secret), slug, "", 500)[0]
    voids = [s for s in export if s["verb"]["id"] == ADL + "voided"]
    assert len(voids) == 4 and len({v["object"]["id"] for v in voids}) == 4
