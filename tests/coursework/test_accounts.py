"""Sign-up, log-in, log-out, roles: through the test client and the services."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from coursework.accounts import services
from coursework.accounts.models import User
from coursework.accounts.passwords import password_problem
from coursework.errors import Conflict, RuleViolation
from coursework.extensions import db
from tests.support.data import PASSWORD
from tests.support.mailbox import last_link, mail_to


def signup(client, **fields):
    data = {"display_name": "Ana Lima", "email": "ana@example.com", "password": PASSWORD}
    data.update(fields)
    return client.post("/signup", data=data)


def test_signup_creates_an_unconfirmed_account_and_emails_a_link(client):
    response = signup(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/check-email"
    user = db.session.scalar(select(User))
    assert user.email == "ana@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert not user.is_verified
    # Not signed in by the sign-up itself: the answer must not differ for a taken address.
    assert client.get("/my-learning").status_code == 302
    (message,) = mail_to("ana@example.com")
    assert message.subject == "Confirm your email address" and message.organisation_id is None
    page = client.get(last_link("ana@example.com"))
    assert page.status_code == 200 and "is confirmed" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).is_verified
    assert client.get(last_link("ana@example.com")).status_code == 404  # used once
    response = client.post("/login", data={"email": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/my-learning").status_code == 200


def test_signup_with_a_taken_address_answers_the_same_and_tells_its_owner(client, make_user):
    make_user(email="Ana@Example.com", name="Ana Original")
    fresh = signup(client, email="new@example.com")
    taken = signup(client, email="  ANA@example.COM ")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert db.session.scalar(select(db.func.count(User.id))) == 2
    (note,) = mail_to("ana@example.com")
    assert note.subject == "Someone tried to sign up with your address"
    assert "/forgot-password" in note.body and "Hello Ana Original" in note.body
    assert client.get("/signup/check-email").get_data(as_text=True).count("Check your email") >= 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter your name."),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "not-an-email"}, "email", "right format"),
        ({"password": ""}, "password", "Choose a password."),
        ({"password": "short"}, "password", "at least 8"),
        ({"password": "x" * 129}, "password", "128"),
        ({"password": "password1"}, "password", "commonly used"),
        ({"password": "ana@example.com"}, "password", "email address or your name"),
    ],
)
def test_signup_errors_are_shown_beside_the_field_and_input_is_kept(client, fields, field, message):
    response = signup(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body
    assert f'href="#{field}"' in body  # the summary links to the field
    assert re.search(
        rf'id="{field}-error"[^>]*>\s*<span class="visually-hidden">Error:</span>'
        rf"[^<]*{re.escape(message)}",
        body,
    )
    assert (
        f'aria-describedby="{field}-hint {field}-error"' in body
        or f'aria-describedby="{field}-error"' in body
    )
    assert body.startswith("<!doctype html>")
    assert "<title>Error: " in body
    if field != "display_name":
        assert 'value="Ana Lima"' in body
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_long_passwords_and_passphrases_are_welcome():
    assert password_problem("a" * 64 + "b" * 64) is None
    assert password_problem("purple elephant skating") is None


def test_login_and_logout(client, make_user, login):
    user = make_user()
    login(client, user)
    assert client.get("/my-learning").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/my-learning").status_code == 302


def test_login_is_case_insensitive_on_email(client, make_user):
    make_user(email="mixed@example.com")
    response = client.post("/login", data={"email": "MIXED@Example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_email_and_wrong_password_look_the_same(client, make_user):
    make_user(email="real@example.com")
    wrong_password = client.post(
        "/login", data={"email": "real@example.com", "password": "nope-nope-nope"}
    )
    wrong_email = client.post("/login", data={"email": "ghost@example.com", "password": PASSWORD})
    assert wrong_password.status_code == wrong_email.status_code == 400
    message = "The email address or password is not right."
    assert message in wrong_password.get_data(as_text=True)
    assert message in wrong_email.get_data(as_text=True)
    assert 'value="real@example.com"' in wrong_password.get_data(as_text=True)


def test_login_starts_a_fresh_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"


def test_an_old_session_stops_working_when_its_version_changes(client, make_user, login):
    user = make_user()
    login(client, user)
    user.session_version += 1
    db.session.commit()
    assert client.get("/my-learning").status_code == 302


def test_outdated_hash_parameters_are_upgraded_at_login(client, make_user):
    user = make_user()
    # Any parameters other than the configured ones are outdated; small ones hash quickly.
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old = user.password_hash
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    db.session.refresh(user)
    assert user.password_hash != old
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/my-learning"


def test_next_follows_a_local_path(client, make_user):
    user = make_user()
    response = client.post(
        "/login?next=/courses/x", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/courses/x"


def test_forms_refuse_posts_without_a_csrf_token(client, make_user, csrf_on):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.post("/logout").status_code == 400
    assert signup(client).status_code == 400


def test_forms_accept_posts_with_their_csrf_token(client, make_user, csrf_on):
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_people_page_is_for_admins_only(client, make_user, login):
    learner = make_user()
    login(client, learner)
    assert client.get("/admin/people").status_code == 403
    assert (
        client.post(f"/admin/people/{learner.id}/roles", data={"is_instructor": "y"}).status_code
        == 403
    )


def test_admin_marks_a_person_as_instructor(client, make_user, login):
    admin = make_user(is_admin=True)
    learner = make_user(name="Lee")
    login(client, admin)
    assert "Lee" in client.get("/admin/people").get_data(as_text=True)
    response = client.post(f"/admin/people/{learner.id}/roles", data={"is_instructor": "y"})
    assert response.status_code == 302
    db.session.refresh(learner)
    assert learner.is_instructor and not learner.is_admin


def test_admin_cannot_remove_their_own_admin_role(client, make_user, login):
    admin = make_user(is_admin=True)
    login(client, admin)
    client.post(f"/admin/people/{admin.id}/roles", data={})
    db.session.refresh(admin)
    assert admin.is_admin


def test_roles_of_an_unknown_person_is_404(client, make_user, login):
    login(client, make_user(is_admin=True))
    assert client.post("/admin/people/999999/roles", data={}).status_code == 404


def test_services_refuse_duplicates_and_weak_passwords(app):
    services.create_user("a@example.com", "A", PASSWORD)
    with pytest.raises(Conflict):
        services.create_user("A@EXAMPLE.COM", "A again", PASSWORD)
    with pytest.raises(RuleViolation):
        services.create_user("b@example.com", "B", "12345678")


def test_cli_create_admin_and_set_instructor(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "boss@example.com",
            "--name",
            "Boss",
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    assert services.find_by_email("boss@example.com").is_admin

    result = runner.invoke(args=["users", "set-instructor", "boss@example.com"])
    assert result.exit_code == 0
    assert services.find_by_email("boss@example.com").is_instructor

    result = runner.invoke(args=["users", "set-instructor", "nobody@example.com"])
    assert result.exit_code != 0
    assert "No account" in result.output


def test_cli_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "w@example.com",
            "--name",
            "W",
            "--password",
            "password",
        ],
    )
    assert result.exit_code != 0
    assert "at least 8" in result.output or "commonly used" in result.output


def test_every_signup_problem_is_reported_at_once(client):
    body = signup(client, email="nope", password="password").get_data(as_text=True)
    assert 'href="#email"' in body and 'href="#password"' in body


def test_api_writes_with_the_session_need_the_csrf_header(
    client, make_user, login, course, csrf_on
):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    learner = make_user()
    client.post("/login", data={"email": learner.email, "password": PASSWORD, "csrf_token": token})
    # Signing in starts a new session, so the page after it carries a new token.
    after = client.get("/my-learning").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', after).group(1)
    url = "/api/v1/me/courses/kitchen-safety/lessons/knives/completion"
    assert client.put(url).status_code == 400
    assert client.put(url, headers={"X-CSRFToken": token}).status_code == 200


def test_signup_prefills_the_email_from_an_invitation_link(client):
    body = client.get("/signup?email=invited%40example.com").get_data(as_text=True)
    assert 'value="invited@example.com"' in body


def test_hashes_are_strong_unless_the_test_configuration_asks_for_cheap_ones(app, monkeypatch):
    from coursework.accounts.passwords import hash_password, needs_rehash

    cheap = hash_password("a fine long password")
    assert "m=8," in cheap
    monkeypatch.setitem(app.config, "PASSWORD_HASH_CHEAP", False)
    strong = hash_password("a fine long password")
    assert "m=65536," in strong
    # A hash made with weaker parameters is upgraded at the next sign-in.
    assert needs_rehash(cheap) and not needs_rehash(strong)


# ---- one form of each address, printable names -------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("  Ana@Example.COM ", "ana@example.com"),
        ("ana\u0301@example.com", "an\u00e1@example.com"),  # decomposed accent: NFC
        ("A@B\u00dcCHER.de", "a@xn--bcher-kva.de"),  # IDNA: the ASCII form of the domain
        ("a@xn--bcher-kva.de", "a@xn--bcher-kva.de"),
        ("a@bu\u0308cher.de", "a@xn--bcher-kva.de"),
    ],
)
def test_addresses_are_stored_in_one_normal_form(app, given, stored):
    assert services.normalise_email(given) == stored
    user = services.create_user(given, "Ana", PASSWORD)
    assert user.email == stored
    # Every spelling of the same address finds it, and none can make a second account.
    assert services.find_by_email(stored).id == user.id
    with pytest.raises(Conflict):
        services.create_user(stored.upper() if stored.isascii() else stored, "Twin", PASSWORD)


def test_look_alike_addresses_reach_the_same_account_on_every_path(
    client, make_user, login, course
):
    from coursework.organisations import services as organisations

    owner = make_user(email="ana@bücher.de")
    assert owner.email == "ana@xn--bcher-kva.de"
    # Log-in with another spelling.
    response = client.post("/login", data={"email": "ANA@BU\u0308CHER.DE", "password": PASSWORD})
    assert response.status_code == 302
    client.post("/logout")
    # Sign-up with another spelling is the "taken" answer: the owner is told.
    signup(client, email="ana@XN--BCHER-KVA.de")
    assert [m.subject for m in mail_to("ana@xn--bcher-kva.de")] == [
        "Someone tried to sign up with your address"
    ]
    # Invitations store the same form, so the right person can accept.
    boss = make_user(email="boss@example.com")
    organisation = organisations.create_organisation("Bücher", boss)
    invited = organisations.invite(organisation, boss, "Ana@Bu\u0308cher.DE")
    assert invited.invitation.email == "ana@xn--bcher-kva.de"
    # The CLI and the API find the account by any spelling too.
    runner = client.application.test_cli_runner()
    result = runner.invoke(args=["users", "set-instructor", "ANA@bücher.de"])
    assert result.exit_code == 0, result.output
    login(client, boss)
    api = client.post(
        f"/api/v1/organisations/{organisation.slug}/invitations",
        json={"email": "Zoe@B\u00dccher.de"},
    )
    assert api.status_code == 201 and api.json["email"] == "zoe@xn--bcher-kva.de"


BAD_NAMES = [
    "Ana\u202eamiL",  # right-to-left override
    "Ana\u200bLima",  # zero-width space
    "Ana\u2066Lima\u2069",  # isolates
    "Ana\x07Lima",  # a control character
    "Ana\u2028Lima",  # a line separator
    "Ana\ufeffLima",  # zero-width no-break space
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_with_control_or_format_characters_are_refused_everywhere(
    client, make_user, login, name
):
    from coursework.organisations import services as organisations

    # The sign-up form, beside the field.
    response = signup(client, display_name=name)
    assert response.status_code == 400
    assert 'id="display_name-error"' in response.get_data(as_text=True)
    assert "letters, numbers, spaces and punctuation" in response.get_data(as_text=True)
    # The service (fixtures, demo data, anything else that makes accounts).
    with pytest.raises(RuleViolation):
        services.create_user("x@example.com", name, PASSWORD)
    # The CLI.
    result = client.application.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "y@example.com", "--name", name],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code != 0 and "letters, numbers" in result.output
    # Invitations (the name greets the person and fills in their sign-up), form and API.
    boss = make_user()
    organisation = organisations.create_organisation("Acme", boss)
    with pytest.raises(RuleViolation):
        organisations.invite(organisation, boss, "z@example.com", name)
    login(client, boss)
    api = client.post(
        f"/api/v1/organisations/{organisation.slug}/invitations",
        json={"email": "z@example.com", "name": name},
    )
    assert api.status_code == 422 and "name" in api.json["errors"]["json"]
    page = client.post(
        f"/organisations/{organisation.slug}/people/invite",
        data={"invite-email": "z@example.com", "invite-name": name, "invite-role": "member"},
    )
    assert page.status_code == 400 and "letters, numbers" in page.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_names_in_any_script_are_welcome(app):
    for name in ("Zoë Ærøskøbing", "محمد علي", "李小龍", "O'Brien-Smith, Jr.", "Nguyễn Văn A"):
        assert services.name_problem(name) is None
    user = services.create_user("zoe@example.com", "  Zoe\u0308  ", PASSWORD)
    assert user.display_name == "Zoë"  # NFC, without the outer spaces


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_people_page_searches_by_name_or_email(client, make_user, login):
    login(client, make_user(name="Admin Person", is_admin=True))
    make_user(email="zoe@example.org", name="Zoë Ålund")
    make_user(email="kim@example.net", name="Kim Park")
    make_user(email="odd_100%@example.com", name="Percent Person")
    by_name = client.get("/admin/people", query_string={"q": "ZOË"}).get_data(as_text=True)
    assert "Zoë Ålund" in by_name and "Kim Park" not in by_name and "(1)" in by_name
    by_email = client.get("/admin/people", query_string={"q": " EXAMPLE.NET "})
    assert "Kim Park" in by_email.get_data(as_text=True)
    assert "Zoë" not in by_email.get_data(as_text=True)
    # LIKE wildcards in a search are plain characters.
    wild = client.get("/admin/people", query_string={"q": "%"}).get_data(as_text=True)
    assert "Percent Person" in wild and "Kim Park" not in wild
    none = client.get("/admin/people", query_string={"q": "nobody-at-all"})
    assert none.status_code == 200 and "name or email contains" in none.get_data(as_text=True)
    huge = client.get("/admin/people", query_string={"q": "x" * 10_000})
    assert huge.status_code == 200


def test_people_page_shows_fifty_a_page(client, make_user, login):
    login(client, make_user(name="Aaron Admin", is_admin=True))
    for n in range(60):
        make_user(name=f"Person {n:02d}")
    first = client.get("/admin/people").get_data(as_text=True)
    assert first.count('<tr id="person-') == 50 and "page 1 of 2" in first
    assert 'href="/admin/people?page=2" rel="next"' in first and "Person 48" in first
    assert "Person 49" not in first
    second = client.get("/admin/people?page=2").get_data(as_text=True)
    assert second.count('<tr id="person-') == 11 and "Person 59" in second
    assert 'href="/admin/people" rel="prev"' in second and 'rel="next"' not in second
    for odd in ("0", "-1", "abc", "٣", "99999999999", "999"):  # falls back, never fails
        response = client.get("/admin/people", query_string={"page": odd})
        assert response.status_code == 200
    assert "Person 59" in client.get("/admin/people?page=999").get_data(as_text=True)
    searched = client.get("/admin/people?q=person+5").get_data(as_text=True)
    assert searched.count('<tr id="person-') == 10 and 'rel="next"' not in searched


def test_saving_a_row_returns_to_that_row(app, client, make_user, login, monkeypatch):
    admin = make_user(name="Aaron Admin", is_admin=True)
    login(client, admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # signed in; now prove the forms
    people = [make_user(name=f"Person {n:02d}") for n in range(60)]
    target = people[55]
    page = client.get("/admin/people?q=person&page=2").get_data(as_text=True)
    action = f'action="/admin/people/{target.id}/roles?q=person&amp;page=2"'
    assert action in page and f'<tr id="person-{target.id}">' in page
    saved = client.post(
        f"/admin/people/{target.id}/roles?q=person&page=2",
        data={"is_instructor": "y", "csrf_token": _csrf(page)},
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/admin/people?q=person&page=2#person-{target.id}"
    db.session.refresh(target)
    assert target.is_instructor
    disabled = client.post(
        f"/admin/people/{target.id}/access", data={"disable": "y", "csrf_token": _csrf(page)}
    )
    assert disabled.headers["Location"] == f"/admin/people#person-{target.id}"
    refused = client.post(
        f"/admin/people/{admin.id}/roles?page=2", data={"csrf_token": _csrf(page)}
    )
    assert refused.headers["Location"] == f"/admin/people?page=2#person-{admin.id}"
    db.session.refresh(admin)
    assert admin.is_admin
    forged = client.post(f"/admin/people/{target.id}/roles", data={"is_instructor": "y"})
    assert forged.status_code == 400
