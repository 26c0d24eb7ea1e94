"""One organisation's managers, and its API tokens, never reach another organisation.

The walk covers every route of the URL map under `/organisations/<slug>` and
`/api/v1/organisations/<slug>`, whoever built it, so a page added later is checked too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.lti import services as lti
from coursework.lti.models import Context as LtiContext
from coursework.mail import OutboxMessage
from coursework.organisations import services, tokens
from coursework.organisations.models import (
    ApiToken,
    Assignment,
    Invitation,
    Membership,
    Organisation,
    Role,
)
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.clients import RequestContextClient
from tests.support.orgkit import bearer, join

PARAMETER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
DUE = date(2027, 3, 31)
FIRE_DRILL = """---
title: Fire Drill
---
# Fire Drill

## Alarms

Know the sound.

## Exits

Know the way out.
"""


@dataclass
class Side:
    org: Organisation
    manager: User
    members: list[User]
    ids: dict[str, int]
    write_token: str
    read_token: str
    markers: list[str] = field(default_factory=list)


def build_side(make_user, course, letter: str, surname: str, domain: str) -> Side:
    manager = make_user(name=f"{letter}lice {surname}", email=f"manager@{domain}")
    org = services.create_organisation(f"{surname} Works", manager)
    members = [
        make_user(name=f"{letter}aron {surname}son", email=f"first@{domain}"),
        make_user(name=f"{letter}bby {surname}dottir", email=f"second@{domain}"),
    ]
    for person in members:
        join(org, manager, person)
    everyone = services.assign(org, course.id, manager, due_on=DUE)
    chosen = services.assign(
        org, lessons.get_course("fire-drill").id, manager, user_ids=[members[0].id]
    )
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(members[0], lesson)
    progress.open_lesson(members[1], lessons.current_lessons(course.id)[0])
    pending = services.invite(
        org, manager, f"pending@{domain}", f"Pending {surname}wood"
    ).invitation
    write = tokens.create_token(org, manager, f"{surname} feed", can_write=True)
    read = tokens.create_token(org, manager, f"{surname} reader")
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == members[0].id
        )
    )
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.invitation_id == pending.id)
    )
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == members[0].id))
    platform = lti.register_platform(
        org,
        lti.PlatformFields(
            f"{surname} Moodle",
            f"https://lms.{domain}",
            f"{surname}-client",
            f"https://lms.{domain}/auth",
            f"https://lms.{domain}/token",
            f"https://lms.{domain}/jwks",
            ("1",),
        ),
    )
    context = LtiContext(
        platform_id=platform.id,
        context_id="c1",
        title=f"{surname} LMS course",
        memberships_url=f"https://lms.{domain}/members",
    )
    db.session.add(context)
    db.session.commit()
    ids = {
        "user_id": members[0].id,
        "member_id": members[0].id,
        "person_id": members[0].id,
        "membership_id": membership.id,
        "invitation_id": pending.id,
        "assignment_id": chosen.id,
        "token_id": write.token.id,
        "message_id": message.id,
        "course_id": course.id,
        "platform_id": platform.id,
        "context_id": context.id,
    }
    markers = [
        f"{surname} Works",
        f"{surname}son",
        f"{surname}dottir",
        f"{surname}wood",
        f"@{domain}",
        code,
        write.token.prefix,
        read.token.prefix,
        f"{surname} Moodle",
        f"lms.{domain}",
    ]
    assert everyone.id != chosen.id
    return Side(org, manager, members, ids, write.secret, read.secret, markers)


@pytest.fixture
def new_client(app: Flask, login):
    def make(user: User | None = None) -> FlaskClient:
        app.test_client_class = RequestContextClient
        client = app.test_client()
        if user is not None:
            login(client, user)
        return client

    return make


@pytest.fixture
def sides(app, make_user, make_course, course, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)
    make_course(FIRE_DRILL, slug="fire-drill")
    a = build_side(make_user, course, "A", "Amberley", "alpha.example")
    b = build_side(make_user, course, "B", "Brackenbury", "beta.example")
    return a, b


def organisation_rules(app: Flask):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "<slug>" in rule.rule
        and (
            rule.rule.startswith("/organisations/")
            or rule.rule.startswith("/api/v1/organisations/")
        )
    ]
    assert len(rules) >= 20, "the walk found too few routes to prove anything"
    return rules


def fill(rule_text: str, slug: str, ids: dict[str, int], *, strict: bool = False) -> str:
    def value(match: re.Match) -> str:
        name, converter = match["name"], match["converter"]
        if name == "slug":
            return slug
        if converter == "int":
            if name not in ids:
                raise AssertionError(f"{rule_text}: no id of the other organisation for <{name}>")
            return str(ids[name])
        if strict:
            raise AssertionError(f"{rule_text}: no value for <{name}>")
        return "x"

    return PARAMETER.sub(value, rule_text)


def methods(rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


# Bodies that would be accepted, so that a 404 is the address's doing, not the body's.
API_BODIES = {
    ("PATCH", "members"): {"role": "manager"},
    ("PATCH", "assignments"): {"due_on": "2027-06-30"},
    ("POST", "invitations"): {"email": "walker@example.com"},
    ("POST", "bulk"): {"people": "walker@example.com"},
    ("POST", "assignments"): {"course": "kitchen-safety"},
}
FORM = {"role": "manager", "due_on": "2027-06-30", "name": "Walker", "access": "write"}


def call(client: FlaskClient, method: str, url: str, headers=None):
    kwargs: dict = {"headers": headers or {}}
    if method in WRITES and method != "DELETE":
        if url.startswith("/api/"):
            words = [w for w in url.split("/") if w and not w.isdigit()]
            kwargs["json"] = API_BODIES.get((method, words[-1]), {})
        else:
            kwargs["data"] = FORM
    return client.open(url, method=method, **kwargs)


def org_owned(rule_text: str) -> bool:
    """Whether the rule has an id of something an organisation owns."""
    names = {m["name"] for m in PARAMETER.finditer(rule_text) if m["converter"] == "int"}
    return bool(names - {"course_id"})


class Bodies:
    """Every body another organisation's side received, to search for the first's data."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, label: str, response) -> None:
        self.seen.append((label, response.get_data(as_text=True)))

    def assert_free_of(self, markers: list[str]) -> None:
        for label, body in self.seen:
            for marker in markers:
                assert marker not in body, f"{label} shows {marker!r}"


def a_statement_ids(client: FlaskClient, a: Side) -> list[str]:
    response = client.get(
        f"/api/v1/organisations/{a.org.slug}/statements?limit=500", headers=bearer(a.read_token)
    )
    ids = [s["id"] for s in response.json["statements"]]
    assert len(ids) >= 5  # A's people did learn things: the check below means something
    return ids


def snapshot(side: Side) -> dict:
    db.session.expire_all()
    return {
        "members": sorted((m.user_id, m.role) for m, _ in services.members(side.org)),
        "invitations": sorted(
            (i.id, i.email, i.state(i.created_at)) for i in services.invitations(side.org)
        ),
        "revoked_invitations": sorted(
            i.id for i in services.invitations(side.org) if i.revoked_at is not None
        ),
        "assignments": sorted(
            (x.id, x.course_id, x.due_on, x.everyone) for x in services.assignments(side.org)
        ),
        "lms": sorted((p.id, p.name, len(p.deployments)) for p in lti.platforms_of(side.org)),
        "tokens": sorted(
            (t.id, t.revoked_at is None)
            for t in db.session.scalars(
                select(ApiToken).where(ApiToken.organisation_id == side.org.id)
            )
        ),
    }


def test_the_walk_covers_the_api_the_pages_and_the_tokens(app):
    texts = {rule.rule for rule in organisation_rules(app)}
    for expected in (
        "/organisations/<slug>/tokens",
        "/organisations/<slug>/statements.json",
        "/api/v1/organisations/<slug>/statements",
        "/api/v1/organisations/<slug>/report",
    ):
        assert expected in texts
    assert any(text.startswith("/organisations/<slug>/") and "token" not in text for text in texts)


def test_another_organisations_manager_gets_404_everywhere(app, sides, new_client):
    a, b = sides
    before = snapshot(a)
    statement_ids = a_statement_ids(new_client(), a)
    b_manager = new_client(b.manager)
    bodies = Bodies()
    for rule in organisation_rules(app):
        url = fill(rule.rule, a.org.slug, a.ids)
        for method in methods(rule):
            response = call(b_manager, method, url)
            bodies.add(f"{method} {url} (B's manager)", response)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    bodies.assert_free_of(a.markers + statement_ids)
    assert snapshot(a) == before


def test_another_organisations_tokens_get_404_or_403(app, sides, new_client):
    a, b = sides
    before = snapshot(a)
    statement_ids = a_statement_ids(new_client(), a)
    anonymous = new_client()
    bodies = Bodies()
    for rule in organisation_rules(app):
        url = fill(rule.rule, a.org.slug, a.ids)
        for method in methods(rule):
            writer = call(anonymous, method, url, bearer(b.write_token))
            reader = call(anonymous, method, url, bearer(b.read_token))
            bodies.add(f"{method} {url} (B's token)", writer)
            bodies.add(f"{method} {url} (B's read-only token)", reader)
            if url.startswith("/api/"):
                assert writer.status_code == 404, f"{method} {url}: {writer.status_code}"
                expected = 403 if method in WRITES else 404
                assert reader.status_code == expected, f"{method} {url}: {reader.status_code}"
            else:  # pages take no tokens: the holder is just someone not signed in
                for response in (writer, reader):
                    assert response.status_code == 302, f"{method} {url}"
                    assert "/login" in response.headers["Location"]
    bodies.assert_free_of(a.markers + statement_ids)
    assert snapshot(a) == before


def test_anonymous_requests_are_refused_everywhere(app, sides, new_client):
    a, _ = sides
    before = snapshot(a)
    anonymous = new_client()
    for rule in organisation_rules(app):
        url = fill(rule.rule, a.org.slug, a.ids)
        for method in methods(rule):
            response = call(anonymous, method, url)
            if url.startswith("/api/"):
                assert response.status_code == 401, f"{method} {url}"
            else:
                assert response.status_code == 302, f"{method} {url}"
                assert "/login" in response.headers["Location"]
    assert snapshot(a) == before


def test_a_manager_cannot_use_their_own_ids_at_another_address(app, sides, new_client):
    """A's manager, with A's ids, at B's address: 404, and B is untouched."""
    a, b = sides
    before = snapshot(b)
    a_manager = new_client(a.manager)
    for rule in organisation_rules(app):
        url = fill(rule.rule, b.org.slug, a.ids)
        for method in methods(rule):
            response = call(a_manager, method, url)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert snapshot(b) == before


def test_own_address_with_another_organisations_ids_is_404(app, sides, new_client):
    """B's manager (and B's token) at B's own address, with A's member, invitation,
    assignment and token ids: nothing of A is found or changed."""
    a, b = sides
    before = snapshot(a)
    statement_ids = a_statement_ids(new_client(), a)
    b_manager = new_client(b.manager)
    anonymous = new_client()
    bodies = Bodies()
    checked = 0
    for rule in organisation_rules(app):
        if not org_owned(rule.rule):
            continue
        url = fill(rule.rule, b.org.slug, a.ids)
        for method in methods(rule):
            response = call(b_manager, method, url)
            bodies.add(f"{method} {url} (B's manager)", response)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            checked += 1
            if url.startswith("/api/"):
                response = call(anonymous, method, url, bearer(b.write_token))
                bodies.add(f"{method} {url} (B's token)", response)
                assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert checked >= 10
    bodies.assert_free_of(a.markers + statement_ids)
    assert snapshot(a) == before


def test_nothing_of_one_organisation_shows_in_the_others_own_pages(app, sides, new_client):
    """B's manager reads everything B has (pages, CSV, API, statements): B's people are
    there, A's never are."""
    a, b = sides
    statement_ids = a_statement_ids(new_client(), a)
    b_manager = new_client(b.manager)
    anonymous = new_client()
    bodies = Bodies()
    for rule in organisation_rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        url = fill(rule.rule, b.org.slug, b.ids)
        bodies.add(f"GET {url} (B's manager)", b_manager.get(url))
        if url.startswith("/api/"):
            bodies.add(f"GET {url} (B's token)", anonymous.get(url, headers=bearer(b.read_token)))
    for url in ("/organisations", "/api/v1/organisations", "/my-learning", "/"):
        bodies.add(f"GET {url}", b_manager.get(url))
    bodies.add("B's statements", b_manager.get(f"/organisations/{b.org.slug}/statements.json"))
    everything = "\n".join(body for _, body in bodies.seen)
    assert "Brackenburyson" in everything and "@beta.example" in everything  # B's own data
    feed = anonymous.get(
        f"/api/v1/organisations/{b.org.slug}/statements?limit=500", headers=bearer(b.read_token)
    ).json["statements"]
    assert feed and {s["actor"]["name"] for s in feed} <= {p.display_name for p in b.members}
    bodies.assert_free_of(a.markers + statement_ids)


def test_csv_and_statements_of_one_organisation_hold_only_its_people(app, sides, new_client):
    _, b = sides
    b_manager = new_client(b.manager)
    csv_rules = [r for r in organisation_rules(app) if r.rule.endswith(".csv")]
    for rule in csv_rules:
        response = b_manager.get(fill(rule.rule, b.org.slug, b.ids))
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "first@beta.example" in text and "@alpha.example" not in text
    download = b_manager.get(f"/organisations/{b.org.slug}/statements.json")
    names = {s["actor"]["name"] for s in json.loads(download.get_data(as_text=True))}
    assert names and names <= {p.display_name for p in b.members}


def test_a_removed_manager_loses_access_at_once(app, sides, new_client, make_user):
    _, b = sides
    deputy = make_user(name="Deputy Brackenbury", email="deputy@beta.example")
    join(b.org, b.manager, deputy, role=Role.MANAGER)
    secret = tokens.create_token(b.org, deputy, "Deputy's feed").secret
    deputy_client = new_client(deputy)
    gets = [
        fill(rule.rule, b.org.slug, b.ids)
        for rule in organisation_rules(app)
        if "GET" in (rule.methods or ())
    ]
    assert deputy_client.get(f"/api/v1/organisations/{b.org.slug}/members").status_code == 200
    assert (
        deputy_client.get(
            f"/api/v1/organisations/{b.org.slug}/members", headers=bearer(secret)
        ).status_code
        == 200
    )
    services.remove_member(b.org, deputy.id, b.manager)
    # The same signed-in session, the very next request: as if the organisation did not exist.
    for url in gets:
        response = deputy_client.get(url)
        assert response.status_code == 404, f"GET {url}: {response.status_code}"
    for rule in organisation_rules(app):
        url = fill(rule.rule, b.org.slug, b.ids)
        for method in set(methods(rule)) & set(WRITES):
            response = call(deputy_client, method, url)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert deputy_client.get("/api/v1/organisations").json == []
    response = deputy_client.get(
        f"/api/v1/organisations/{b.org.slug}/members", headers=bearer(secret)
    )
    assert response.status_code == 401
    # Stepping down to member ends a manager's access the same way.
    other = make_user(name="Other Deputy")
    join(b.org, b.manager, other, role=Role.MANAGER)
    other_client = new_client(other)
    assert other_client.get(f"/api/v1/organisations/{b.org.slug}/report").status_code == 200
    services.set_role(b.org, other.id, Role.MEMBER, b.manager)
    assert other_client.get(f"/api/v1/organisations/{b.org.slug}/report").status_code == 404
    assert other_client.get(f"/organisations/{b.org.slug}/tokens").status_code == 404


def test_invitation_and_assignment_ids_do_not_cross(sides):
    """The same ids, through the services: each organisation's lookups are scoped."""
    a, b = sides
    with pytest.raises(services.NotFound):
        services.revoke_invitation(b.org, a.ids["invitation_id"])
    with pytest.raises(services.NotFound):
        services.unassign(b.org, a.ids["assignment_id"])
    with pytest.raises(services.NotFound):
        tokens.revoke_token(b.org, a.ids["token_id"])
    assert db.session.get(Invitation, a.ids["invitation_id"]).revoked_at is None
    assert db.session.get(Assignment, a.ids["assignment_id"]) is not None
