"""The organisation API: every endpoint, with a signed-in manager and with API tokens."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from coursework.accounts.models import User
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import services, token_views, tokens
from coursework.organisations.models import ApiToken, Invitation, Organisation, Role
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.data import PASSWORD
from tests.support.orgkit import bearer, join, token_for

API = "/api/v1/organisations"


# ---- helpers shared with test_xapi.py and test_org_isolation.py -----------------------------


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@dataclass
class Acme:
    org: Organisation
    boss: User
    ana: User
    bo: User
    course: object


@pytest.fixture
def acme(app, make_user, course) -> Acme:
    boss = make_user(name="Boss Person", email="boss@acme.example")
    org = services.create_organisation("Acme", boss)
    ana = make_user(name="Ana Lopez", email="ana@acme.example")
    bo = make_user(name="Bo Chen", email="bo@acme.example")
    join(org, boss, ana)
    join(org, boss, bo)
    services.assign(org, course.id, boss)
    current = lessons.current_lessons(course.id)
    progress.open_lesson(ana, current[0])
    for lesson in current:
        progress.complete_lesson(bo, lesson)
    return Acme(org, boss, ana, bo, course)


@pytest.fixture
def boss_client(client, login, acme):
    login(client, acme.boss)
    return client


# ---- organisations ---------------------------------------------------------------------------


def test_my_organisations_with_a_session_and_with_a_token(client, login, make_user, acme):
    other = services.create_organisation("Zeta Group", acme.boss)
    login(client, acme.boss)
    assert [o["slug"] for o in client.get(API).json] == ["acme", other.slug]
    detail = client.get(f"{API}/acme").json
    assert detail["name"] == "Acme" and set(detail) == {"slug", "name", "created_at"}
    client.post("/logout")
    secret = token_for(acme.org, acme.boss)
    assert [o["slug"] for o in client.get(API, headers=bearer(secret)).json] == ["acme"]
    login(client, acme.ana)  # a member manages nothing
    assert client.get(API).json == []
    assert client.get(f"{API}/acme").status_code == 404


def test_anonymous_requests_are_401_in_smorests_shape(client, acme):
    for url in (API, f"{API}/acme", f"{API}/acme/members", f"{API}/acme/statements"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json["code"] == 401 and response.json["status"] == "Unauthorized"
    assert client.post(f"{API}/acme/invitations", json={"email": "x@example.com"}).status_code == (
        401
    )


# ---- members ---------------------------------------------------------------------------------


def test_members_are_listed_by_name_and_paged(boss_client, acme):
    listing = boss_client.get(f"{API}/acme/members")
    assert listing.status_code == 200
    assert [(m["name"], m["role"]) for m in listing.json] == [
        ("Ana Lopez", "member"),
        ("Bo Chen", "member"),
        ("Boss Person", "manager"),
    ]
    assert set(listing.json[0]) == {"user_id", "name", "email", "role", "joined_at"}
    assert json.loads(listing.headers["X-Pagination"])["total"] == 3
    page = boss_client.get(f"{API}/acme/members?page=2&page_size=2")
    assert [m["name"] for m in page.json] == ["Boss Person"]
    assert boss_client.get(f"{API}/acme/members?page_size=0").status_code == 422


def test_role_changes_and_removal(boss_client, acme):
    url = f"{API}/acme/members/{acme.ana.id}"
    promoted = boss_client.patch(url, json={"role": "manager"})
    assert promoted.status_code == 200 and promoted.json["role"] == "manager"
    assert services.get_managed(fresh(User, acme.ana.id), "acme")
    bad = boss_client.patch(url, json={"role": "owner"})
    assert bad.status_code == 422
    assert list(bad.json["errors"]["json"]) == ["role"]
    extra = boss_client.patch(url, json={"role": "member", "organisation": "other"})
    assert extra.status_code == 422 and "organisation" in extra.json["errors"]["json"]
    assert boss_client.patch(url, json={}).json["errors"]["json"]["role"]
    removed = boss_client.delete(url)
    assert removed.status_code == 204 and removed.data == b""
    assert [m["name"] for m in boss_client.get(f"{API}/acme/members").json] == [
        "Bo Chen",
        "Boss Person",
    ]
    assert boss_client.patch(url, json={"role": "member"}).status_code == 409
    assert boss_client.get(f"{API}/acme/people/{acme.ana.id}").status_code == 404


def test_a_manager_cannot_remove_or_demote_themselves(boss_client, acme):
    url = f"{API}/acme/members/{acme.boss.id}"
    response = boss_client.delete(url)
    assert response.status_code == 409 and "yourself" in response.json["message"]
    assert boss_client.patch(url, json={"role": "member"}).status_code == 409


def test_unknown_members_are_404(boss_client, acme, make_user):
    stranger = make_user()
    for method in ("patch", "delete"):
        response = getattr(boss_client, method)(
            f"{API}/acme/members/{stranger.id}", json={"role": "manager"}
        )
        assert response.status_code == 404, method
    assert boss_client.delete(f"{API}/acme/members/99999999999").status_code == 404


# ---- people ----------------------------------------------------------------------------------


def test_a_person_and_their_courses(boss_client, acme):
    response = boss_client.get(f"{API}/acme/people/{acme.bo.id}")
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["email"], body["role"]) == ("Bo Chen", "bo@acme.example", "member")
    [row] = body["courses"]
    assert row["course"] == "kitchen-safety" and row["course_title"] == "Kitchen Safety"
    assert row["status"] == "completed" and row["percent"] == 100
    assert row["lessons_done"] == row["lessons_total"] == 3
    assert row["certificate_code"]


def test_a_person_outside_the_organisation_is_404(boss_client, acme, make_user):
    assert boss_client.get(f"{API}/acme/people/{make_user().id}").status_code == 404


# ---- invitations -----------------------------------------------------------------------------


def test_inviting_one_person(boss_client, acme):
    response = boss_client.post(
        f"{API}/acme/invitations",
        json={"email": "New.Person@Example.com", "name": "New Person", "role": "manager"},
    )
    assert response.status_code == 201
    body = response.json
    assert body["email"] == "new.person@example.com" and body["role"] == "manager"
    assert body["state"] == "pending" and body["link"].startswith("http")
    invitation = fresh(Invitation, body["id"])
    assert invitation.invited_by_id == acme.boss.id
    listing = boss_client.get(f"{API}/acme/invitations").json
    assert listing[0]["id"] == body["id"] and "link" not in listing[0]
    assert {i["state"] for i in listing[1:]} == {"accepted"}


def test_invitation_problems_name_the_field(boss_client, acme):
    url = f"{API}/acme/invitations"
    bad = boss_client.post(url, json={"email": "not-an-address"})
    assert bad.status_code == 422 and "right format" in bad.json["errors"]["json"]["email"][0]
    missing = boss_client.post(url, json={"name": "Nobody"})
    assert missing.status_code == 422 and list(missing.json["errors"]["json"]) == ["email"]
    role = boss_client.post(url, json={"email": "x@example.com", "role": "king"})
    assert list(role.json["errors"]["json"]) == ["role"]
    unknown = boss_client.post(url, json={"email": "x@example.com", "organisation_id": 1})
    assert unknown.status_code == 422 and "organisation_id" in unknown.json["errors"]["json"]
    already = boss_client.post(url, json={"email": "ana@acme.example"})
    assert already.status_code == 409 and "already in" in already.json["message"]
    not_json = boss_client.post(url, data="email=x@example.com")
    assert not_json.status_code == 422


def test_bulk_invitations_report_each_row(boss_client, acme):
    text = "email,name\ncy@example.com,Cy\nnope,Bad\nana@acme.example\ncy@example.com\n"
    response = boss_client.post(f"{API}/acme/invitations/bulk", json={"people": text})
    assert response.status_code == 200
    body = response.json
    assert (body["invited"], body["failed"]) == (1, 3)
    assert [(r["row"], r["email"], r["ok"]) for r in body["results"]] == [
        (2, "cy@example.com", True),
        (3, "nope", False),
        (4, "ana@acme.example", False),
        (5, "cy@example.com", False),
    ]
    assert "already in" in body["results"][2]["message"]
    empty = boss_client.post(f"{API}/acme/invitations/bulk", json={"people": "  \n"})
    assert empty.status_code == 422 and list(empty.json["errors"]["json"]) == ["people"]
    lines = boss_client.post(f"{API}/acme/invitations/bulk", json={"people": "email\n,\n"})
    assert lines.status_code == 422 and lines.json["errors"]["json"]["people"]


def test_revoking_an_invitation(boss_client, acme):
    created = boss_client.post(f"{API}/acme/invitations", json={"email": "dee@example.com"}).json
    url = f"{API}/acme/invitations/{created['id']}"
    assert boss_client.delete(url).status_code == 204
    assert boss_client.delete(url).status_code == 204  # already revoked: nothing changes
    assert boss_client.get(f"{API}/acme/invitations").json[0]["state"] == "revoked"
    accepted = next(i for i in services.invitations(acme.org) if i.accepted_at is not None)
    response = boss_client.delete(f"{API}/acme/invitations/{accepted.id}")
    assert response.status_code == 409
    assert boss_client.delete(f"{API}/acme/invitations/99999").status_code == 404


# ---- assignments -----------------------------------------------------------------------------


def test_assignments_list_create_change_and_remove(boss_client, acme, make_course):
    listing = boss_client.get(f"{API}/acme/assignments").json
    assert [(a["course"], a["everyone"], a["due_on"]) for a in listing] == [
        ("kitchen-safety", True, None)
    ]
    make_course(slug="fire-drill")
    created = boss_client.post(
        f"{API}/acme/assignments",
        json={"course": "fire-drill", "due_on": "2027-01-31", "user_ids": [acme.ana.id]},
    )
    assert created.status_code == 201
    body = created.json
    assert body["everyone"] is False and body["user_ids"] == [acme.ana.id]
    assert body["due_on"] == "2027-01-31"
    url = f"{API}/acme/assignments/{body['id']}"
    changed = boss_client.patch(url, json={"due_on": "2027-02-28"})
    assert changed.status_code == 200 and changed.json["due_on"] == "2027-02-28"
    cleared = boss_client.patch(url, json={"due_on": None})
    assert cleared.json["due_on"] is None
    assert boss_client.delete(url).status_code == 204
    assert boss_client.delete(url).status_code == 404
    assert boss_client.patch(url, json={"due_on": None}).status_code == 404
    assert len(boss_client.get(f"{API}/acme/assignments").json) == 1


def test_assignment_problems_name_the_field(boss_client, acme, make_user):
    url = f"{API}/acme/assignments"
    unknown = boss_client.post(url, json={"course": "no-such-course"})
    assert unknown.status_code == 422 and list(unknown.json["errors"]["json"]) == ["course"]
    twice = boss_client.post(url, json={"course": "kitchen-safety"})
    assert twice.status_code == 409 and twice.json["errors"]["json"]["course"]
    outsider = boss_client.post(
        url, json={"course": "kitchen-safety", "user_ids": [make_user().id]}
    )
    assert outsider.status_code == 422
    assert list(outsider.json["errors"]["json"]) == ["user_ids"]
    empty = boss_client.post(url, json={"course": "kitchen-safety", "user_ids": []})
    assert empty.status_code == 422 and "user_ids" in empty.json["errors"]["json"]
    date = boss_client.post(url, json={"course": "kitchen-safety", "due_on": "31/01/2027"})
    assert list(date.json["errors"]["json"]) == ["due_on"]
    assignment = services.assignments(acme.org)[0]
    patch = boss_client.patch(f"{url}/{assignment.id}", json={"due_on": "soon"})
    assert patch.status_code == 422 and list(patch.json["errors"]["json"]) == ["due_on"]
    assert boss_client.patch(f"{url}/{assignment.id}", json={}).status_code == 422


# ---- the report ------------------------------------------------------------------------------


def test_report_rows_filters_sorting_and_paging(boss_client, acme):
    url = f"{API}/acme/report"
    rows = boss_client.get(url)
    assert rows.status_code == 200
    assert [(r["name"], r["status"]) for r in rows.json] == [
        ("Ana Lopez", "in_progress"),
        ("Bo Chen", "completed"),
        ("Boss Person", "not_started"),
    ]
    assert rows.json[0]["course"] == "kitchen-safety"
    meta = json.loads(rows.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["page"] == 1
    assert [r["name"] for r in boss_client.get(f"{url}?status=completed").json] == ["Bo Chen"]
    assert [r["name"] for r in boss_client.get(f"{url}?search=LOPEZ").json] == ["Ana Lopez"]
    assert [r["name"] for r in boss_client.get(f"{url}?search=bo%40acme").json] == ["Bo Chen"]
    by_status = boss_client.get(f"{url}?sort=status").json
    assert [r["name"] for r in by_status] == ["Boss Person", "Ana Lopez", "Bo Chen"]
    by_name = boss_client.get(f"{url}?sort=name&dir=desc").json
    assert [r["name"] for r in by_name] == ["Boss Person", "Bo Chen", "Ana Lopez"]
    assert boss_client.get(f"{url}?sort=percent&dir=desc").json[0]["name"] == "Bo Chen"
    assert len(boss_client.get(f"{url}?course=kitchen-safety").json) == 3
    second = boss_client.get(f"{url}?page=2&page_size=2")
    assert [r["name"] for r in second.json] == ["Boss Person"]
    assert json.loads(second.headers["X-Pagination"])["total_pages"] == 2


def test_report_filter_problems_name_the_parameter(boss_client, acme):
    url = f"{API}/acme/report"
    for query, name in (
        ("status=lost", "status"),
        ("sort=password_hash", "sort"),
        ("dir=sideways", "dir"),
        ("course=no-such-course", "course"),
    ):
        response = boss_client.get(f"{url}?{query}")
        assert response.status_code == 422, query
        assert list(response.json["errors"]["query"]) == [name], query
    assert boss_client.get(f"{url}?page_size=501").status_code == 422


def test_overdue_in_the_report(boss_client, acme):
    services.set_due_date(
        acme.org, services.assignments(acme.org)[0].id, utcnow().date() - timedelta(days=1)
    )
    rows = boss_client.get(f"{API}/acme/report?status=overdue").json
    assert [r["name"] for r in rows] == ["Ana Lopez", "Boss Person"]


# ---- tokens ----------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_may_not_write(client, acme):
    headers = bearer(token_for(acme.org, acme.boss))
    for path in ("members", "invitations", "assignments", "report", "statements"):
        assert client.get(f"{API}/acme/{path}", headers=headers).status_code == 200, path
    assert client.get(f"{API}/acme/people/{acme.ana.id}", headers=headers).status_code == 200
    writes = [
        ("post", "invitations", {"email": "x@example.com"}),
        ("post", "invitations/bulk", {"people": "x@example.com"}),
        ("post", "assignments", {"course": "kitchen-safety"}),
        ("patch", f"members/{acme.ana.id}", {"role": "manager"}),
        ("delete", f"members/{acme.ana.id}", None),
        ("delete", f"assignments/{services.assignments(acme.org)[0].id}", None),
    ]
    for method, path, body in writes:
        response = getattr(client, method)(f"{API}/acme/{path}", json=body, headers=headers)
        assert response.status_code == 403, path
        assert response.json["code"] == 403 and "read-only" in response.json["message"]
    assert len(services.members(acme.org)) == 3
    assert len(services.invitations(acme.org)) == 2


def test_a_read_write_token_acts_for_its_maker(client, acme, csrf_on):
    headers = bearer(token_for(acme.org, acme.boss, can_write=True))
    # No CSRF token needed: a bearer token is not sent by browsers on their own.
    created = client.post(
        f"{API}/acme/invitations", json={"email": "cy@example.com"}, headers=headers
    )
    assert created.status_code == 201
    assert fresh(Invitation, created.json["id"]).invited_by_id == acme.boss.id
    removed = client.delete(f"{API}/acme/members/{acme.bo.id}", headers=headers)
    assert removed.status_code == 204
    itself = client.delete(f"{API}/acme/members/{acme.boss.id}", headers=headers)
    assert itself.status_code == 409


def test_session_writes_still_need_the_csrf_token(client, login, acme, csrf_on):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": acme.boss.email, "password": PASSWORD, "csrf_token": token}
    )
    response = client.post(f"{API}/acme/invitations", json={"email": "cy@example.com"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cw_unknown-token-value",
        "Bearer not-even-ours",
        "Bearer " + "cw_" + "x" * 300,
        "bearer cw_unknown",
    ],
)
def test_unknown_tokens_are_401(client, acme, header):
    response = client.get(f"{API}/acme/members", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_a_revoked_token_is_401_at_once(client, acme):
    secret = token_for(acme.org, acme.boss)
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken))
    tokens.revoke_token(acme.org, token.id)
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 401
    assert client.get(API, headers=bearer(secret)).status_code == 401


def test_a_token_stops_working_when_its_maker_stops_managing(client, acme, make_user):
    """Issue 8, item 7: demotion revokes the manager's tokens, so promoting them again
    does not bring the old tokens back to life."""
    deputy = make_user()
    join(acme.org, acme.boss, deputy, role=Role.MANAGER)
    secret = token_for(acme.org, deputy)
    bosses = token_for(acme.org, acme.boss)
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 200
    services.set_role(acme.org, deputy.id, Role.MEMBER, acme.boss)
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 401
    services.set_role(acme.org, deputy.id, Role.MANAGER, acme.boss)
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 401
    states = {listing.token.created_by_id: listing.state for listing in tokens.tokens_of(acme.org)}
    assert states == {deputy.id: "revoked", acme.boss.id: "active"}
    assert client.get(f"{API}/acme/members", headers=bearer(bosses)).status_code == 200

    # Removed and invited back as a manager: a token made before removal stays dead too.
    second = token_for(acme.org, deputy)
    services.remove_member(acme.org, deputy.id, acme.boss)
    assert client.get(f"{API}/acme/members", headers=bearer(second)).status_code == 401
    join(acme.org, acme.boss, deputy, role=Role.MANAGER)
    assert client.get(f"{API}/acme/members", headers=bearer(second)).status_code == 401
    fresh_token = token_for(acme.org, deputy)
    assert client.get(f"{API}/acme/members", headers=bearer(fresh_token)).status_code == 200


def test_demoting_through_the_api_revokes_the_tokens_at_once(client, login, acme, make_user):
    deputy = make_user()
    join(acme.org, acme.boss, deputy, role=Role.MANAGER)
    secret = token_for(acme.org, deputy)
    login(client, acme.boss)
    demoted = client.patch(f"{API}/acme/members/{deputy.id}", json={"role": "member"})
    assert demoted.status_code == 200 and demoted.json["role"] == "member"
    assert fresh(ApiToken, db.session.scalar(select(ApiToken.id))).revoked_at is not None
    assert (
        client.patch(f"{API}/acme/members/{deputy.id}", json={"role": "manager"}).status_code == 200
    )
    client.post("/logout")
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(client, acme):
    secret = token_for(acme.org, acme.boss)
    token_id = db.session.scalar(select(ApiToken.id))
    assert fresh(ApiToken, token_id).last_used_at is None
    client.get(f"{API}/acme/members", headers=bearer(secret))
    first = fresh(ApiToken, token_id).last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    client.get(f"{API}/acme/report", headers=bearer(secret))
    assert fresh(ApiToken, token_id).last_used_at == first
    earlier = first - timedelta(minutes=2)
    db.session.execute(update(ApiToken).values(last_used_at=earlier))
    db.session.commit()
    client.get(f"{API}/acme/members", headers=bearer(secret))
    assert fresh(ApiToken, token_id).last_used_at > first


def test_a_token_is_stored_only_as_its_hash(app, acme):
    made = tokens.create_token(acme.org, acme.boss, "  HR   system ", can_write=True)
    assert made.secret.startswith("cw_") and len(made.secret) >= 40
    stored = fresh(ApiToken, made.token.id)
    assert stored.name == "HR system" and stored.can_write is True
    assert stored.prefix == made.secret[:10]
    assert stored.token_hash == services.hash_token(made.secret)
    assert made.secret not in (stored.token_hash, stored.prefix, stored.name)
    with pytest.raises(services.RuleViolation):
        tokens.create_token(acme.org, acme.boss, "   ")
    with pytest.raises(services.RuleViolation):
        tokens.create_token(acme.org, acme.boss, "x" * 121)


# ---- the tokens page -------------------------------------------------------------------------


def test_the_tokens_page_shows_a_new_token_once(boss_client, acme):
    url = "/organisations/acme/tokens"
    page = boss_client.get(url)
    assert page.status_code == 200 and "No tokens yet" in page.get_data(as_text=True)
    posted = boss_client.post(url, data={"name": "HR feed", "access": "write"})
    assert posted.status_code == 303 and posted.headers["Location"] == url
    created = boss_client.get(url)
    assert created.headers["Cache-Control"] == "no-store"
    body = created.get_data(as_text=True)
    secret = re.search(r'value="(cw_[^"]+)"', body).group(1)
    assert "will not be shown again" in body
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == services.hash_token(secret) and token.can_write
    assert token.created_by_id == acme.boss.id
    later = boss_client.get(url).get_data(as_text=True)
    assert secret not in later and token.prefix in later and "HR feed" in later
    assert "Read and write" in later and "Never" in later
    assert boss_client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 200
    assert boss_client.post(url, data={"name": "Reader"}).status_code == 303
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "Reader")).can_write is False


def test_reloading_the_new_token_page_makes_no_second_token(app, boss_client, acme, csrf_on):
    url = "/organisations/acme/tokens"
    page = boss_client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    posted = boss_client.post(url, data={"name": "HR feed", "access": "read", "csrf_token": csrf})
    assert posted.status_code == 303
    # The session cookie is readable by whoever holds it: the secret is not in it as text.
    cookie = boss_client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value
    payload = app.session_interface.get_signing_serializer(app).loads(cookie)
    shown = boss_client.get(url)
    secret = re.search(r'value="(cw_[^"]+)"', shown.get_data(as_text=True)).group(1)
    assert secret not in json.dumps(payload) and secret not in cookie
    for _ in range(2):  # reloading the page neither shows the secret again nor makes a token
        again = boss_client.get(url)
        assert again.status_code == 200 and secret not in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert tokens.find_live_token(secret).name == "HR feed"


def test_a_new_token_is_shown_only_on_its_own_organisations_page(app, boss_client, acme):
    url = "/organisations/acme/tokens"
    boss_client.post(url, data={"name": "HR feed", "access": "read"})
    with boss_client.session_transaction() as held:  # as it was: the page would show it
        sealed = dict(held[token_views.NEW_TOKEN_KEY])
    assert 'id="new-token"' in boss_client.get(url).get_data(as_text=True)
    with boss_client.session_transaction() as held:
        held[token_views.NEW_TOKEN_KEY] = {**sealed, "organisation": acme.org.id + 1}
    assert 'id="new-token"' not in boss_client.get(url).get_data(as_text=True)
    with boss_client.session_transaction() as held:
        held[token_views.NEW_TOKEN_KEY] = {**sealed, "sealed": "forged"}
    assert 'id="new-token"' not in boss_client.get(url).get_data(as_text=True)
    with boss_client.session_transaction() as held:
        assert token_views.NEW_TOKEN_KEY not in held


def test_the_tokens_page_reports_problems(boss_client, acme):
    url = "/organisations/acme/tokens"
    blank = boss_client.post(url, data={"name": "", "access": "read"})
    assert blank.status_code == 400
    body = blank.get_data(as_text=True)
    assert 'href="#name"' in body and "Enter a name for the token." in body
    odd = boss_client.post(url, data={"name": "x", "access": "admin"})
    assert odd.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoking_a_token_on_the_page(client, boss_client, acme):
    secret = token_for(acme.org, acme.boss)
    token_id = db.session.scalar(select(ApiToken.id))
    response = boss_client.post(f"/organisations/acme/tokens/{token_id}/revoke")
    assert response.status_code == 302
    page = boss_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is revoked and no longer works" in page and "Revoked" in page
    assert fresh(ApiToken, token_id).revoked_at is not None
    assert client.get(f"{API}/acme/members", headers=bearer(secret)).status_code == 401
    assert boss_client.post("/organisations/acme/tokens/99999/revoke").status_code == 404


def test_the_tokens_page_is_for_the_organisations_managers(client, login, acme):
    anonymous = client.get("/organisations/acme/tokens")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, acme.ana)
    assert client.get("/organisations/acme/tokens").status_code == 404
    assert client.post("/organisations/acme/tokens", data={"name": "x"}).status_code == 404
    assert client.get("/organisations/acme/statements.json").status_code == 404
    assert db.session.scalar(select(ApiToken)) is None


def test_a_bearer_token_does_not_open_pages(client, acme):
    secret = token_for(acme.org, acme.boss)
    response = client.get("/organisations/acme/tokens", headers=bearer(secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- the OpenAPI document --------------------------------------------------------------------


def test_the_openapi_document_lists_the_organisation_api(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/organisations",
        "/api/v1/organisations/{slug}/members/{user_id}",
        "/api/v1/organisations/{slug}/invitations/bulk",
        "/api/v1/organisations/{slug}/assignments/{assignment_id}",
        "/api/v1/organisations/{slug}/report",
        "/api/v1/organisations/{slug}/people/{user_id}",
        "/api/v1/organisations/{slug}/statements",
    ):
        assert path in paths, path
    report_parameters = {
        p["name"] for p in paths["/api/v1/organisations/{slug}/report"]["get"]["parameters"]
    }
    assert {"course", "status", "search", "sort", "dir", "page", "page_size"} <= report_parameters
