"""Sessions end when they should: log-out (with "Keep me signed in" too), sign out
everywhere, a password change, an admin disabling the account, a cookie used elsewhere."""

from __future__ import annotations

import logging

import pytest

from coursework.accounts.models import User
from coursework.extensions import db
from coursework.organisations import services as organisations
from coursework.organisations import tokens
from tests.support.clients import fresh_client, sign_in, signed_in
from tests.support.data import PASSWORD
from tests.support.mailbox import mail_to

SESSION = "session"
REMEMBER = "remember_token"


# ---- log out ------------------------------------------------------------------------------


def test_log_out_with_keep_me_signed_in_really_signs_out(client, make_user):
    user = make_user()
    assert sign_in(client, user, remember=True).status_code == 302
    assert client.get_cookie(REMEMBER) is not None
    response = client.post("/logout")
    assert response.status_code == 302
    # The remember cookie is deleted in the same answer, so the next page is signed out.
    assert client.get_cookie(REMEMBER) is None
    assert any(
        header.startswith(f"{REMEMBER}=;") for header in response.headers.getlist("Set-Cookie")
    )
    assert not signed_in(client)
    assert client.get("/account").status_code == 302


def test_cookies_captured_before_log_out_stop_working(app, client, make_user):
    user = make_user()
    sign_in(client, user, remember=True)
    session_cookie = client.get_cookie(SESSION).value
    remember_cookie = client.get_cookie(REMEMBER).value
    # Both work on their own before log-out (the thief's copies are real).
    assert signed_in(fresh_client(app, session=session_cookie))
    assert signed_in(fresh_client(app, remember_token=remember_cookie))
    client.post("/logout")
    assert not signed_in(fresh_client(app, session=session_cookie))
    assert not signed_in(fresh_client(app, remember_token=remember_cookie))
    # Logging in again later gives a new, working session.
    sign_in(client, user)
    assert signed_in(client)


def test_sign_out_everywhere_ends_every_session(app, client, make_user):
    assert client.post("/account/sign-out-everywhere").status_code == 302  # to log in first
    user = make_user()
    laptop, phone = client, fresh_client(app)
    sign_in(laptop, user)
    sign_in(phone, user, remember=True)
    remembered = phone.get_cookie(REMEMBER).value
    page = laptop.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page and 'action="/account/sign-out-everywhere"' in page
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(fresh_client(app, remember_token=remembered))


def test_sign_out_everywhere_is_for_signed_in_people_and_needs_a_csrf_token(
    app, client, make_user, csrf_on
):
    # Signed out: the access policy answers first (to the sign-in page), before CSRF.
    assert client.post("/account/sign-out-everywhere").status_code == 302
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in(client)
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert signed_in(client)


# ---- session protection ----------------------------------------------------------------------


def test_a_session_cookie_from_another_browser_is_dropped(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    stolen = client.get_cookie(SESSION).value
    thief = fresh_client(app, session=stolen)
    assert thief.get("/my-learning", headers={"User-Agent": "Thief/1.0"}).status_code == 302
    assert thief.get("/my-learning", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302


def test_keep_me_signed_in_restores_the_session_in_a_new_browser_session(app, client, make_user):
    user = make_user()
    sign_in(client, user, remember=True)
    # The browser was closed: its session cookie is gone, the remember cookie stays.
    reopened = fresh_client(app, remember_token=client.get_cookie(REMEMBER).value)
    assert signed_in(reopened)
    assert signed_in(reopened)  # and the restored session carries on


# ---- disabled accounts ---------------------------------------------------------------------


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user(email="admin@example.com", is_admin=True)
    admin_client = fresh_client(app)
    sign_in(admin_client, admin)
    return admin_client


def test_disabling_an_account_cuts_sessions_cookies_and_tokens_at_once(
    app, client, make_user, admin_client
):
    user = make_user(email="mona@example.com")
    organisation = organisations.create_organisation("Harbour", user)
    secret = tokens.create_token(organisation, user, "Reports").secret
    report = f"/api/v1/organisations/{organisation.slug}/report"
    api = fresh_client(app)
    assert api.get(report, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    sign_in(client, user, remember=True)
    remembered = client.get_cookie(REMEMBER).value

    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert f'action="/admin/people/{user.id}/access"' in page
    response = admin_client.post(f"/admin/people/{user.id}/access", data={"disable": "y"})
    assert response.status_code == 302
    assert "is disabled" in admin_client.get("/admin/people").get_data(as_text=True)

    assert not signed_in(client)
    assert not signed_in(fresh_client(app, remember_token=remembered))
    assert api.get(report, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # No way back in: sign-in fails with the usual message, and no reset link is sent.
    refused = sign_in(fresh_client(app), user)
    assert refused.status_code == 400
    assert "The email address or password is not right." in refused.get_data(as_text=True)
    fresh_client(app).post("/forgot-password", data={"email": user.email})
    assert mail_to(user.email) == []

    admin_client.post(f"/admin/people/{user.id}/access", data={})
    assert sign_in(fresh_client(app), user).status_code == 302
    assert api.get(report, headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_only_admins_disable_and_never_themselves(app, client, make_user, admin_client):
    user, other = make_user(), make_user()
    sign_in(client, user)
    assert client.post(f"/admin/people/{other.id}/access", data={"disable": "y"}).status_code == 403
    admin = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
    response = admin_client.post(f"/admin/people/{admin.id}/access", data={"disable": "y"})
    assert response.status_code == 302
    assert "cannot disable your own account" in admin_client.get("/admin/people").get_data(
        as_text=True
    )
    assert signed_in(admin_client)
    assert admin_client.post("/admin/people/99999/access", data={"disable": "y"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, other.id).disabled_at is None


# ---- sign-in log ------------------------------------------------------------------------------


def test_sign_ins_are_logged_with_the_request_id_and_never_the_secret(client, make_user, caplog):
    user = make_user()
    caplog.set_level(logging.INFO, logger="coursework.accounts")
    client.post(
        "/login",
        data={"email": user.email, "password": "wrong-password-here"},
        headers={"X-Request-ID": "req-123"},
    )
    client.post(
        "/login",
        data={"email": "ghost@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "bad id <forged> user 1"},
    )
    sign_in(client, user)
    lines = [r.getMessage() for r in caplog.records if r.name == "coursework.accounts.views"]
    assert lines == [
        f"sign-in failed: wrong-password, user {user.id} (request req-123)",
        "sign-in failed: unknown, user - (request -)",
        f"sign-in succeeded: user {user.id} (request -)",
    ]
    text = caplog.text
    assert PASSWORD not in text and "wrong-password-here" not in text
    assert user.password_hash not in text and "ghost@example.com" not in text
