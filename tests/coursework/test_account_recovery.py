"""Getting an account back and proving an address: password reset by emailed link,
password change, email verification, and sign-up that tells no one who has an account."""

from __future__ import annotations

import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from coursework.accounts import services
from coursework.accounts.models import AccountToken, User
from coursework.accounts.passwords import verify_password
from coursework.db import utcnow
from coursework.extensions import db
from tests.support.clients import RequestContextClient, fresh_client, sign_in, signed_in
from tests.support.data import PASSWORD
from tests.support.mailbox import last_link, mail_to, sign_up

NEW_PASSWORD = "a brand new passphrase"


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# ---- asking for a reset ---------------------------------------------------------------------


def test_forgot_password_answers_the_same_whether_or_not_the_address_has_an_account(
    client, make_user
):
    make_user(email="real@example.com")
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    known = client.post("/forgot-password", data={"email": "REAL@example.com"})
    unknown = client.post("/forgot-password", data={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    known_page = client.get("/login").get_data(as_text=True)  # shows the flashed answer
    assert "If REAL@example.com has an account, we have sent it a link" in known_page
    assert [m.subject for m in mail_to("real@example.com")] == ["Set a new Coursework password"]
    assert mail_to("ghost@example.com") == []


def test_forgot_password_form_reports_a_missing_address(client):
    response = client.post("/forgot-password", data={"email": ""})
    assert response.status_code == 400
    assert 'href="#email"' in response.get_data(as_text=True)


def test_reset_links_are_stored_hashed_and_only_the_newest_works(client, make_user):
    user = make_user()
    services.request_password_reset(user.email)
    first = last_link(user.email)
    services.request_password_reset(user.email)
    second = last_link(user.email)
    secret = second.rsplit("/", 1)[1]
    stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert not any(secret in value for value in stored)
    client.get(first)
    assert client.get("/reset-password").status_code == 404
    client.get(second)
    assert client.get("/reset-password").status_code == 200


# ---- using the link ---------------------------------------------------------------------------


def test_a_reset_sets_the_password_signs_out_everywhere_and_works_once(
    app, client, make_user, csrf_on
):
    user = make_user()
    other_device = fresh_client(app)
    token = csrf_token(other_device, "/login")
    other_device.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in(other_device)
    client.post(
        "/forgot-password",
        data={"email": user.email, "csrf_token": csrf_token(client, "/forgot-password")},
    )
    link = last_link(user.email)
    # The secret leaves the address at once: the form's own URL does not carry it.
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/reset-password"
    page = client.get("/reset-password").get_data(as_text=True)
    assert link.rsplit("/", 1)[1] not in page
    token = csrf_token(client, "/reset-password")
    assert client.post("/reset-password", data={"password": NEW_PASSWORD}).status_code == 400
    weak = client.post("/reset-password", data={"password": "password1", "csrf_token": token})
    assert weak.status_code == 400 and "commonly used" in weak.get_data(as_text=True)
    done = client.post("/reset-password", data={"password": NEW_PASSWORD, "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert verify_password(fresh(user).password_hash, NEW_PASSWORD)
    assert not signed_in(other_device)
    # Once only.
    client.get(link)
    assert client.get("/reset-password").status_code == 404


def test_an_expired_or_made_up_link_does_not_work(client, make_user):
    user = make_user()
    services.request_password_reset(user.email, now=utcnow() - timedelta(hours=1, seconds=1))
    client.get(last_link(user.email))
    expired = client.get("/reset-password")
    assert expired.status_code == 404 and "This link does not work" in expired.get_data(
        as_text=True
    )
    assert client.post("/reset-password", data={"password": NEW_PASSWORD}).status_code == 404
    client.get("/reset-password/" + "x" * 5000)
    assert client.get("/reset-password").status_code == 404
    assert fresh(user).password_hash == user.password_hash
    with pytest.raises(services.NotFound):
        services.reset_password("made-up", NEW_PASSWORD)


def test_a_disabled_account_cannot_be_reset_with_a_link_sent_before(client, make_user):
    admin, user = make_user(is_admin=True), make_user()
    services.request_password_reset(user.email)
    services.set_disabled(user, True, by=admin)
    client.get(last_link(user.email))
    assert client.get("/reset-password").status_code == 404


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_two_requests_with_one_reset_link_set_one_password(app, make_user):
    """Twenty browsers post the same link at once, each with its own password: one wins,
    and the stored password is the winner's."""
    user = make_user()
    services.request_password_reset(user.email)
    link = last_link(user.email)
    db.session.commit()  # for the browsers' requests, in threads of their own, to read
    workers = 20
    barrier = threading.Barrier(workers)
    app.test_client_class = RequestContextClient

    def attempt(number: int) -> tuple[int, str]:
        browser = app.test_client()
        browser.get(link)
        password = f"{NEW_PASSWORD} number {number}"
        barrier.wait(timeout=30)
        return browser.post("/reset-password", data={"password": password}).status_code, password

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(attempt, range(workers)))
    winners = [password for status, password in results if status == 302]
    assert len(winners) == 1, results
    assert sorted(status for status, _ in results) == [302] + [404] * (workers - 1)
    assert verify_password(fresh(user).password_hash, winners[0])


# ---- change password ----------------------------------------------------------------------------


def test_changing_the_password_asks_for_the_current_one_and_signs_out_other_sessions(
    app, client, make_user
):
    user = make_user()
    phone = fresh_client(app)
    sign_in(phone, user, remember=True)
    sign_in(client, user)
    wrong = client.post(
        "/account/password",
        data={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)
    weak = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "short"}
    )
    assert weak.status_code == 400 and 'id="new_password-error"' in weak.get_data(as_text=True)
    assert verify_password(fresh(user).password_hash, PASSWORD)
    assert signed_in(phone)

    done = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert signed_in(client)  # this browser carries on
    assert not signed_in(phone)  # the other one, remember cookie and all, does not
    assert sign_in(fresh_client(app), user).status_code == 400
    assert sign_in(fresh_client(app), user, password=NEW_PASSWORD).status_code == 302


def test_changing_the_password_keeps_keep_me_signed_in_on_this_browser(app, client, make_user):
    user = make_user()
    sign_in(client, user, remember=True)
    client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert signed_in(fresh_client(app, remember_token=client.get_cookie("remember_token").value))


def test_the_account_page_needs_a_sign_in_and_its_forms_a_csrf_token(
    app, client, make_user, csrf_on
):
    assert client.get("/account").status_code == 302
    user = make_user()
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/account/password", data=form).status_code == 400
    assert verify_password(fresh(user).password_hash, PASSWORD)
    form["csrf_token"] = csrf_token(client, "/account")
    assert client.post("/account/password", data=form).status_code == 302
    assert verify_password(fresh(user).password_hash, NEW_PASSWORD)


# ---- verifying the address ----------------------------------------------------------------------


def test_an_unconfirmed_account_can_sign_in_sees_a_banner_and_can_ask_again(client):
    sign_up(client)
    first = last_link("ana@example.com")
    client.post("/login", data={"email": "ana@example.com", "password": PASSWORD})
    page = client.get("/my-learning").get_data(as_text=True)
    assert "Confirm your email address" in page and 'href="/account"' in page
    assert "not confirmed yet" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/verification").status_code == 302
    assert len(mail_to("ana@example.com")) == 2
    assert client.get(first).status_code == 404  # the newer link replaced it
    confirmed = client.get(last_link("ana@example.com"))
    assert confirmed.status_code == 200 and 'href="/my-learning"' in confirmed.get_data(
        as_text=True
    )
    assert "Confirm your email address" not in client.get("/my-learning").get_data(as_text=True)


def test_the_verification_link_keeps_the_way_back_to_an_invitation(client):
    sign_up(client, next="/invitations/abc")
    assert last_link("ana@example.com").endswith("?next=%2Finvitations%2Fabc")
    page = client.get(last_link("ana@example.com")).get_data(as_text=True)
    assert 'href="/login?next=/invitations/abc"' in page


def test_sign_up_mail_and_pages_never_follow_next_off_the_site(client):
    sign_up(client, next="https://evil.example/")
    assert "evil" not in mail_to("ana@example.com")[0].link


def test_the_verified_claim_to_an_address_wins(app, client, make_user):
    """Someone signs up first with another person's address. The owner's sign-up only tells
    them; their password reset (which proves the address) takes the account over and ends
    the squatter's sessions."""
    squatter = fresh_client(app)
    sign_up(squatter, email="owner@example.com", name="Not The Owner", password="squatters pass")
    squatter.post("/login", data={"email": "owner@example.com", "password": "squatters pass"})
    assert signed_in(squatter)

    sign_up(client, email="owner@example.com", name="The Owner", password=PASSWORD)
    assert mail_to("owner@example.com")[-1].subject == "Someone tried to sign up with your address"
    client.post("/forgot-password", data={"email": "owner@example.com"})
    client.get(last_link("owner@example.com"))
    client.post("/reset-password", data={"password": NEW_PASSWORD})

    owner = db.session.scalar(select(User).where(User.email == "owner@example.com"))
    assert owner.is_verified
    assert not signed_in(squatter)
    assert (
        squatter.post(
            "/login", data={"email": "owner@example.com", "password": "squatters pass"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/login", data={"email": "owner@example.com", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_operator_made_accounts_count_as_verified(app, make_user):
    assert make_user().is_verified
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "--email", "ops@example.com", "--name", "Ops"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert services.find_by_email("ops@example.com").is_verified


def test_an_operator_reads_a_link_from_the_outbox_without_a_mail_server(app, client, make_user):
    user = make_user(email="ana@bücher.de")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "mail", user.email]).exit_code != 0
    client.post("/forgot-password", data={"email": user.email})
    result = runner.invoke(args=["users", "mail", "ANA@BÜCHER.DE"])
    assert result.exit_code == 0, result.output
    assert "Set a new Coursework password  (outbox only)" in result.output
    assert mail_to(user.email)[-1].link in result.output


def test_account_mail_goes_through_the_mail_server_when_one_is_set(
    app, client, make_user, monkeypatch
):
    import smtplib

    sent = []

    class FakeServer:
        def __init__(self, host, port, timeout):
            self.address = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            body = message.get_body(("plain",)).get_content()
            sent.append(("message", message["To"], message["Subject"], body))

    monkeypatch.setattr(smtplib, "SMTP", FakeServer)
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://mailer:secret@mail.example:2525")
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    (message,) = mail_to(user.email)
    assert message.sent_at is not None and message.error == ""
    assert sent[0] == ("login", "mailer", "secret")
    assert sent[1][1:3] == (user.email, "Set a new Coursework password")
    assert message.link in sent[1][3]


def test_a_refusing_mail_server_changes_nothing_for_the_person_asking(
    app, client, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")  # nothing listens
    user = make_user()
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    (message,) = mail_to(user.email)
    assert message.sent_at is None and message.error


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_twenty_simultaneous_sign_ups_with_one_address_make_one_account(app):
    """Different people (different names and passwords) at the same moment: one account,
    and every one of them gets the same answer, never a 500."""
    workers = 20
    barrier = threading.Barrier(workers)
    app.test_client_class = RequestContextClient

    def attempt(number: int) -> tuple[int, str]:
        browser = app.test_client()
        barrier.wait(timeout=30)
        response = sign_up(
            browser, "same@example.com", f"Person {number}", f"{NEW_PASSWORD} {number}"
        )
        return response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(attempt, range(workers)))
    assert set(results) == {(302, "/signup/check-email")}, results
    assert db.session.scalar(select(db.func.count(User.id))) == 1
    subjects = sorted(m.subject for m in mail_to("same@example.com"))
    assert subjects == ["Confirm your email address"] + [
        "Someone tried to sign up with your address"
    ] * (workers - 1)
