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
from tests.conftest import PASSWORD
from tests.coursework.mailbox import last_link, mail_to


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
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
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
