"""Single sign-on through a real OpenID Connect provider started in the test (Authlib's
server, over HTTP on 127.0.0.1): the code flow with PKCE, every ID token check, the linking
rules, "require single sign-on", and who may see and change an organisation's settings."""

from __future__ import annotations

import html
import logging
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.extensions import db
from coursework.logs import redact
from coursework.organisations import services as organisations
from coursework.organisations.models import Membership
from coursework.sso import oidc, services
from coursework.sso.models import ExternalIdentity, IdentityProvider
from tests.support.clients import RequestContextClient
from tests.support.data import PASSWORD
from tests.support.mailbox import mail_to
from tests.support.oidc_provider import OidcProvider

CALLBACK = "/login/organisation/callback"


@pytest.fixture(scope="module")
def provider_server():
    server = OidcProvider()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def idp(app, provider_server):
    """The provider, as each test first finds it, and Coursework registered in it."""
    provider_server.overrides = {}
    provider_server.sign_with = None
    provider_server.person = None
    provider_server.jwks_requests = provider_server.token_requests = 0
    oidc.clear_caches()
    provider_server.client = provider_server.register_client(
        app.config["PUBLIC_URL"].rstrip("/") + CALLBACK
    )
    return provider_server


@pytest.fixture
def admin(make_user):
    return make_user(email="root@example.com", name="Site Admin", is_admin=True)


@pytest.fixture
def acme(make_user, admin, idp):
    """Acme, its manager, and its provider, with acme.org confirmed by a site admin."""
    boss = make_user(email="boss@acme.org", name="Acme Boss")
    organisation = organisations.create_organisation("Acme", boss)
    services.save_settings(organisation, admin, settings(idp, "acme.org"))
    organisation.boss = boss
    return organisation


def settings(idp, domains="acme.org", *, require=False, secret=None) -> services.Settings:
    return services.Settings(
        issuer=idp.issuer,
        client_id=idp.client.client_id,
        client_secret=idp.client.client_secret if secret is None else secret,
        domains=domains,
        require_sso=require,
    )


def new_client(app):
    app.test_client_class = RequestContextClient
    return app.test_client()


def go_to_provider(page) -> str:
    assert page.status_code == 200, page.get_data(as_text=True)[:800]
    text = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in text
    return html.unescape(re.search(r'id="continue" href="([^"]+)"', text).group(1))


def come_back(client, url: str):
    """Follow the provider's answer back to our callback, as the browser would."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["Location"]
    assert location.startswith(client.application.config["PUBLIC_URL"].rstrip("/") + CALLBACK)
    return client.get(CALLBACK + "?" + urlsplit(location).query)


def sso_sign_in(client, email: str):
    return come_back(
        client, go_to_provider(client.post("/login/organisation", data={"email": email}))
    )


def signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    name = re.search(r'class="account__name"[^>]*><bdi>([^<]+)<', page.get_data(as_text=True))
    return name.group(1)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# ---- the happy path ------------------------------------------------------------------------


def test_first_sign_in_makes_the_account_and_membership_and_later_ones_link_by_sub(
    app, client, acme, idp
):
    idp.sign_in_as("ada@acme.org", sub="ada-1", name="Ada Lovelace")
    url = go_to_provider(client.post("/login/organisation", data={"email": "Ada@Acme.org"}))
    query = dict(part.split("=", 1) for part in urlsplit(url).query.split("&"))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["nonce"] and query["state"] and "openid" in query["scope"]
    response = come_back(client, url)
    assert response.status_code == 302 and response.headers["Location"] == "/my-learning"
    assert signed_in_as(client) == "Ada Lovelace"
    user = accounts.find_by_email("ada@acme.org")
    assert user.is_verified
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.organisation_id == acme.id and membership.role == "member"
    assert db.session.scalar(select(ExternalIdentity.subject)) == "ada-1"

    # Later: the provider now sends another address, still the same sub. Same account.
    idp.sign_in_as("ada.lovelace@acme.org", sub="ada-1", name="Ada L")
    other = new_client(app)
    assert sso_sign_in(other, "ada@acme.org").status_code == 302
    assert signed_in_as(other) == "Ada Lovelace"
    assert count(User) == 3 and count(ExternalIdentity) == 1 and count(Membership) == 2


def test_sign_in_renews_the_session_and_follows_next(client, acme, idp):
    idp.sign_in_as("ben@acme.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    page = client.post("/login/organisation?next=/certificates", data={"email": "ben@acme.org"})
    response = come_back(client, go_to_provider(page))
    assert response.headers["Location"] == "/certificates"
    with client.session_transaction() as session:
        assert "planted" not in session and "sso-pending" not in session


def test_an_existing_verified_account_in_a_confirmed_domain_is_linked(client, acme, idp, make_user):
    existing = make_user(email="cy@acme.org", name="Cy Existing")
    idp.sign_in_as("cy@acme.org", sub="cy-9")
    assert sso_sign_in(client, "cy@acme.org").status_code == 302
    assert signed_in_as(client) == "Cy Existing"
    identity = db.session.scalar(select(ExternalIdentity))
    assert identity.user_id == existing.id
    assert accounts.authenticate("cy@acme.org", PASSWORD) is not None  # their password stays


def test_an_unverified_account_with_the_address_loses_its_password_to_the_owner(client, acme, idp):
    accounts.register("dee@acme.org", "Squatter", "another strong phrase")
    squatter = accounts.find_by_email("dee@acme.org")
    assert not squatter.is_verified
    idp.sign_in_as("dee@acme.org", sub="dee-1")
    assert sso_sign_in(client, "dee@acme.org").status_code == 302
    db.session.expire_all()
    owner = db.session.get(User, squatter.id)
    assert owner.is_verified
    assert accounts.authenticate("dee@acme.org", "another strong phrase") is None


# ---- the provider's keys -------------------------------------------------------------------


def test_a_rotated_signing_key_is_fetched_once_and_accepted(app, client, acme, idp):
    idp.sign_in_as("eve@acme.org")
    assert sso_sign_in(client, "eve@acme.org").status_code == 302
    assert idp.jwks_requests == 1
    idp.rotate_keys()  # the client still holds the old key set
    again = new_client(app)
    assert sso_sign_in(again, "eve@acme.org").status_code == 302
    assert signed_in_as(again) is not None
    assert idp.jwks_requests == 2  # one fetch for the unknown key id, then the cache
    third = new_client(app)
    assert sso_sign_in(third, "eve@acme.org").status_code == 302
    assert idp.jwks_requests == 2


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    client, acme, idp, caplog
):
    idp.sign_in_as("fay@acme.org")
    idp.sign_with = RSAKey.generate_key(2048, parameters={"kid": idp.signing_key.kid})
    refused(client, "fay@acme.org", caplog, "bad signature")


def test_an_unknown_key_id_is_refused_after_one_refetch(client, acme, idp, caplog):
    idp.sign_in_as("fay@acme.org")
    idp.sign_with = RSAKey.generate_key(2048, parameters={"kid": "unpublished"})
    idp.signing_key = idp.sign_with  # the header names it, the key set does not hold it
    try:
        refused(client, "fay@acme.org", caplog, "signed with a key the provider does not publish")
    finally:
        idp.signing_key = idp.published[0]
    assert idp.jwks_requests == 2


# ---- every check of the ID token -----------------------------------------------------------


def refused(client, email: str, caplog, reason: str, status: int = 400):
    caplog.set_level(logging.WARNING, logger="coursework.sso.views")
    before = count(User)
    response = sso_sign_in(client, email)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert "You are not signed in" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert count(User) == before and count(ExternalIdentity) == 0
    assert any(reason in record.getMessage() for record in caplog.records), caplog.text
    return response


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"nonce": "not-the-one-we-sent"}, "claim nonce"),
        ({"nonce": None}, "nonce"),
        ({"aud": ["someone-else"]}, "claim aud"),
        ({"iss": "https://impostor.example.com"}, "claim iss"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "expired"),
        ({"iat": int(time.time()) + 3600}, "claim iat"),
        ({"iat": int(time.time()) - 3600}, "issued too long ago"),
        ({"azp": "someone-else"}, "claim azp"),
        ({"sub": None}, "sub"),
    ],
    ids=[
        "wrong-nonce",
        "no-nonce",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "issued-in-the-future",
        "too-old",
        "wrong-azp",
        "no-sub",
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(client, acme, idp, caplog, overrides, reason):
    idp.sign_in_as("gus@acme.org")
    idp.overrides = overrides
    refused(client, "gus@acme.org", caplog, reason)


def test_several_audiences_need_our_client_as_the_authorised_party(app, client, acme, idp):
    idp.sign_in_as("hal@acme.org")
    idp.overrides = {"aud": [idp.client.client_id, "another-app"]}
    assert sso_sign_in(client, "hal@acme.org").status_code == 400
    idp.overrides = {"aud": [idp.client.client_id, "another-app"], "azp": idp.client.client_id}
    assert sso_sign_in(new_client(app), "hal@acme.org").status_code == 302


def test_a_small_clock_skew_is_allowed(client, acme, idp):
    idp.sign_in_as("ida@acme.org")
    idp.overrides = {"iat": int(time.time()) + 30}
    assert sso_sign_in(client, "ida@acme.org").status_code == 302


# ---- what the provider says of the person ---------------------------------------------------


def test_an_unverified_email_is_never_used(client, acme, idp, make_user, caplog):
    make_user(email="jo@acme.org", name="Jo Existing")
    idp.sign_in_as("jo@acme.org", verified=False)
    response = refused(client, "jo@acme.org", caplog, "email not verified", 403)
    assert "did not confirm that your email address is verified" in response.get_data(as_text=True)


def test_an_address_outside_the_confirmed_domains_is_refused(client, acme, idp, caplog):
    idp.sign_in_as("kim@elsewhere.org")
    refused(client, "kim@acme.org", caplog, "outside the confirmed domains", 403)


def test_a_disabled_account_stays_disabled(client, acme, idp, admin, caplog):
    idp.sign_in_as("lee@acme.org", sub="lee-1")
    assert sso_sign_in(client, "lee@acme.org").status_code == 302
    user = accounts.find_by_email("lee@acme.org")
    accounts.set_disabled(user, True, by=admin)
    assert signed_in_as(client) is None  # the session ended with the disabling
    caplog.set_level(logging.WARNING, logger="coursework.sso.views")
    response = sso_sign_in(client, "lee@acme.org")
    assert response.status_code == 403 and "This account is disabled" in response.text
    assert signed_in_as(client) is None


def test_a_removed_member_signs_in_but_is_not_added_back(app, client, acme, idp):
    idp.sign_in_as("mo@acme.org", sub="mo-1")
    assert sso_sign_in(client, "mo@acme.org").status_code == 302
    user = accounts.find_by_email("mo@acme.org")
    organisations.remove_member(acme, user.id, acme.boss)
    assert sso_sign_in(new_client(app), "mo@acme.org").status_code == 302
    db.session.expire_all()
    membership = organisations.get_membership(acme, user.id)
    assert membership.removed_at is not None


# ---- state and replays ---------------------------------------------------------------------


def test_a_changed_state_is_refused(client, acme, idp):
    idp.sign_in_as("ned@acme.org")
    url = go_to_provider(client.post("/login/organisation", data={"email": "ned@acme.org"}))
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    query = re.sub(r"state=[^&]+", "state=forged", urlsplit(location).query)
    response = client.get(CALLBACK + "?" + query)
    assert response.status_code == 400 and "expired or has already been used" in response.text
    assert signed_in_as(client) is None and idp.token_requests == 0


def test_a_replayed_return_is_refused(app, client, acme, idp):
    idp.sign_in_as("ola@acme.org")
    url = go_to_provider(client.post("/login/organisation", data={"email": "ola@acme.org"}))
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    path = CALLBACK + "?" + urlsplit(location).query
    assert client.get(path).status_code == 302
    assert client.get(path).status_code == 400  # the same browser, again
    stranger = new_client(app)
    assert stranger.get(path).status_code == 400  # another browser with the captured address
    assert signed_in_as(stranger) is None
    assert idp.token_requests == 1


def test_a_return_without_a_sign_in_started_is_refused(client):
    response = client.get(CALLBACK + "?state=x&code=y")
    assert response.status_code == 400
    assert client.get(CALLBACK).status_code == 400


def test_an_address_without_a_provider_is_told_so_without_naming_anyone(client, acme, make_user):
    make_user(email="pat@other.org")
    known = client.post("/login/organisation", data={"email": "pat@other.org"})
    unknown = client.post("/login/organisation", data={"email": "nobody@other.org"})
    assert known.status_code == unknown.status_code == 400
    assert "could not find an organisation sign-in" in known.text
    assert known.text.replace("pat@", "nobody@") == unknown.text.replace("pat@", "nobody@")


def test_a_domain_waiting_for_an_admin_routes_nobody(client, acme, idp):
    services.save_settings(acme, acme.boss, settings(idp, "acme.org\nnew.acme.org", secret=""))
    idp.sign_in_as("quinn@new.acme.org")
    page = client.post("/login/organisation", data={"email": "quinn@new.acme.org"})
    assert page.status_code == 400 and "could not find an organisation sign-in" in page.text


def test_the_sign_in_form_checks_its_input(client, acme):
    assert client.post("/login/organisation", data={"email": ""}).status_code == 400
    assert client.post("/login/organisation", data={"email": "not an address"}).status_code == 400
    long = "a" * 250 + "@acme.org"
    assert client.post("/login/organisation", data={"email": long}).status_code == 400


def test_the_sign_in_form_needs_its_csrf_token(client, acme, csrf_on):
    assert client.post("/login/organisation", data={"email": "ada@acme.org"}).status_code == 400


def test_an_unreachable_provider_is_a_clear_answer(client, acme, idp):
    provider = services.provider_of(acme)
    provider.issuer = "http://127.0.0.1:9"  # nothing listens there
    db.session.commit()
    response = client.post("/login/organisation", data={"email": "ray@acme.org"})
    assert response.status_code == 503 and "cannot be reached just now" in response.text


# ---- require single sign-on ----------------------------------------------------------------


def run_test_sign_in(client, acme, idp):
    page = client.post(f"/organisations/{acme.slug}/sso/test")
    response = come_back(client, go_to_provider(page))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisations/{acme.slug}/sso"
    return client.get(response.headers["Location"])


def test_the_managers_test_sign_in_checks_everything_and_signs_nobody_in(client, acme, idp, login):
    login(client, acme.boss)
    idp.sign_in_as("someone@acme.org", sub="tester")
    users = count(User)
    page = run_test_sign_in(client, acme, idp)
    assert "The test sign-in passed every check" in page.text
    assert signed_in_as(client) == "Acme Boss"
    assert count(User) == users and count(ExternalIdentity) == 0
    assert services.provider_of(acme).tested_at is not None


def test_a_failed_test_sign_in_says_why(client, acme, idp, login):
    login(client, acme.boss)
    idp.sign_in_as("someone@acme.org")
    idp.overrides = {"aud": ["another-app"]}
    page = run_test_sign_in(client, acme, idp)
    assert "The test sign-in failed: claim aud" in page.text
    assert services.provider_of(acme).tested_at is None


def test_sso_can_be_required_only_after_a_test_sign_in(client, acme, idp, login):
    login(client, acme.boss)
    form = form_for(idp, require_sso="y")
    response = client.post(f"/organisations/{acme.slug}/sso/settings", data=form)
    assert response.status_code == 400 and "Run a test sign-in that succeeds" in response.text
    idp.sign_in_as("boss@acme.org", sub="boss")
    run_test_sign_in(client, acme, idp)
    form["client_secret"] = ""
    response = client.post(f"/organisations/{acme.slug}/sso/settings", data=form)
    assert response.status_code == 302
    assert services.provider_of(acme).require_sso


def require_sso(acme, idp) -> None:
    provider = services.provider_of(acme)
    provider.tested_at = provider.updated_at
    db.session.commit()
    services.save_settings(acme, acme.boss, settings(idp, "acme.org", require=True, secret=""))


def test_required_sso_blocks_password_sign_in_and_reset_but_never_an_admin(
    app, client, acme, idp, make_user
):
    member = make_user(email="sam@acme.org")
    boss_admin = make_user(email="it@acme.org", is_admin=True)
    outsider = make_user(email="tia@other.org")
    # A reset link asked for before SSO was required.
    accounts.request_password_reset("sam@acme.org")
    require_sso(acme, idp)

    for email in ("sam@acme.org", "ghost@acme.org"):
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "Acme asks its people to sign in through its own sign-in" in text
        assert "/login/organisation?email=" in text
    wrong = client.post("/login", data={"email": "sam@acme.org", "password": "wrong one"})
    assert "Acme asks its people" in wrong.text  # the same answer: nothing about the password
    assert signed_in_as(client) is None

    for person in (boss_admin, outsider):  # an admin in the domain; someone outside it
        other = new_client(app)
        answer = other.post("/login", data={"email": person.email, "password": PASSWORD})
        assert answer.status_code == 302

    before = len(mail_to("sam@acme.org"))
    answer = client.post("/forgot-password", data={"email": "sam@acme.org"})
    assert answer.status_code == 302
    assert "Acme asks its people" in client.get("/login").text
    assert len(mail_to("sam@acme.org")) == before  # no new link
    client.post("/forgot-password", data={"email": boss_admin.email})
    assert mail_to(boss_admin.email)  # admins keep their way back

    link = mail_to("sam@acme.org")[-1].body.split("/reset-password/")[1].split()[0]
    client.get(f"/reset-password/{link}")
    response = client.post("/reset-password", data={"password": "yet another passphrase"})
    assert response.status_code == 400 and "Acme asks its people" in response.text
    assert accounts.authenticate("sam@acme.org", "yet another passphrase") is None

    # Through the organisation's sign-in, the member gets in.
    idp.sign_in_as("sam@acme.org", sub="sam-1")
    assert sso_sign_in(new_client(app), "sam@acme.org").status_code == 302
    assert member.id == db.session.scalar(select(ExternalIdentity.user_id))


def test_changing_the_provider_switches_required_sso_off(acme, idp):
    require_sso(acme, idp)
    assert accounts.sso_required_for("sam@acme.org") == "Acme"
    services.save_settings(acme, acme.boss, settings(idp, "acme.org", secret="a new secret"))
    provider = services.provider_of(acme)
    assert provider.tested_at is None and not provider.require_sso
    assert accounts.sso_required_for("sam@acme.org") is None


# ---- who sees and changes the settings -----------------------------------------------------


def form_for(idp, **changes) -> dict[str, str]:
    return {
        "issuer": idp.issuer,
        "client_id": idp.client.client_id,
        "client_secret": idp.client.client_secret,
        "domains": "acme.org",
        **changes,
    }


SETTINGS_POSTS = ("sso/settings", "sso/discovery", "sso/test", "sso/remove")


def test_a_manager_of_another_organisation_cannot_see_or_change_these_settings(
    app, client, acme, idp, make_user, login
):
    rival = make_user(email="rival@other.org")
    organisations.create_organisation("Other", rival)
    learner = make_user(email="lea@acme.org")
    organisations.join_through_sign_on(acme.id, learner)
    db.session.commit()
    for person in (rival, learner):
        intruder = new_client(app)
        login(intruder, person)
        for path in ("sso", "sso/settings"):
            assert intruder.get(f"/organisations/{acme.slug}/{path}").status_code == 404
        for path in SETTINGS_POSTS:
            response = intruder.post(
                f"/organisations/{acme.slug}/{path}", data=form_for(idp, client_id="stolen")
            )
            assert response.status_code == 404, path
        domain = services.provider_of(acme).domains[0]
        assert intruder.post(f"/admin/sso/domains/{domain.id}/confirm").status_code == 403
    db.session.expire_all()
    provider = services.provider_of(acme)
    assert provider is not None and provider.client_id == idp.client.client_id
    assert client.get(f"/organisations/{acme.slug}/sso").status_code == 302  # to log in


def test_a_managers_domains_wait_for_a_site_admin(app, client, acme, idp, admin, login):
    login(client, acme.boss)
    response = client.post(
        f"/organisations/{acme.slug}/sso/settings",
        data=form_for(idp, domains="acme.org\nlabs.acme.org", client_secret=""),
    )
    assert response.status_code == 302
    page = client.get(f"/organisations/{acme.slug}/sso").text
    assert "labs.acme.org" in page and "Waiting for a site admin" in page
    assert "/confirm" not in page  # the manager cannot confirm
    labs = next(d for d in services.provider_of(acme).domains if d.domain == "labs.acme.org")
    assert services.provider_for_email("x@labs.acme.org") is None
    admin_client = new_client(app)
    login(admin_client, admin)
    assert admin_client.get(f"/organisations/{acme.slug}/sso").status_code == 200
    confirm = admin_client.post(f"/admin/sso/domains/{labs.id}/confirm")
    assert confirm.headers["Location"] == f"/organisations/{acme.slug}/sso"
    assert admin_client.post("/admin/sso/domains/999999/confirm").status_code == 404
    assert services.provider_for_email("x@labs.acme.org") is not None


def test_a_domain_belongs_to_one_organisation(acme, idp, make_user):
    other = organisations.create_organisation("Copycat", make_user())
    with pytest.raises(services.Conflict):
        services.save_settings(other, acme.boss, settings(idp, "ACME.org"))
    assert db.session.scalar(select(func.count()).select_from(IdentityProvider)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"issuer": "ftp://login.example.com"}, "issuer", "web address"),
        ({"issuer": "http://login.example.com"}, "issuer", "must use https"),
        ({"issuer": "https://x.example.com/" + "a" * 300}, "issuer", "at most 255"),
        ({"client_id": "c" * 256}, "client_id", "at most 255"),
        ({"client_secret": "s" * 1001}, "client_secret", "at most 1,000"),
        ({"domains": "not a domain!"}, "domains", "is not a domain name"),
        ({"domains": "d" * 250 + ".org"}, "domains", "too long"),
        ({"domains": " ".join(f"d{n}.org" for n in range(21))}, "domains", "at most 20"),
    ],
)
def test_the_settings_form_refuses_bad_input(client, acme, idp, login, changes, field, message):
    login(client, acme.boss)
    response = client.post(
        f"/organisations/{acme.slug}/sso/settings", data=form_for(idp, **changes)
    )
    assert response.status_code == 400
    assert message in response.text and f'href="#{field}"' in response.text
    assert services.provider_of(acme).issuer == idp.issuer


def test_the_secret_never_appears_in_a_page_the_database_or_the_log(
    app, client, acme, idp, login, caplog
):
    caplog.set_level(logging.DEBUG)
    secret = "a-very-particular-secret-" + "x" * 20
    login(client, acme.boss)
    form = form_for(idp, client_secret=secret)
    assert client.post(f"/organisations/{acme.slug}/sso/settings", data=form).status_code == 302
    bad = client.post(f"/organisations/{acme.slug}/sso/settings", data={**form, "issuer": "x"})
    assert bad.status_code == 400
    pages = [bad.text]
    for path in ("sso", "sso/settings"):
        page = client.get(f"/organisations/{acme.slug}/{path}")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        pages.append(page.text)
    assert "Set" in pages[1]
    for page in pages:
        assert secret not in page
    stored = services.provider_of(acme).client_secret_sealed
    assert (
        secret not in stored
        and services.client_for(services.provider_of(acme)).client_secret == secret
    )
    assert secret not in caplog.text


def test_the_checklist_shows_what_to_paste_and_what_is_done(app, client, acme, idp, login):
    login(client, acme.boss)
    page = client.get(f"/organisations/{acme.slug}/sso").text
    assert app.config["PUBLIC_URL"].rstrip("/") + CALLBACK in page
    assert "openid email profile" in page and "email_verified" in page
    assert page.count("tag--completed") >= 2  # settings entered, domain confirmed
    response = client.post(f"/organisations/{acme.slug}/sso/discovery")
    assert response.status_code == 302
    page = client.get(f"/organisations/{acme.slug}/sso").text
    assert "discovery document and keys can be read" in page
    assert services.provider_of(acme).discovery_ok


def test_removing_sso_lets_passwords_work_again(acme, idp, make_user):
    make_user(email="uma@acme.org")
    require_sso(acme, idp)
    assert accounts.authenticate("uma@acme.org", PASSWORD) is None
    services.remove_provider(acme, acme.boss)
    assert accounts.authenticate("uma@acme.org", PASSWORD) is not None


def test_the_authorization_code_is_redacted_from_logs():
    line = '"GET /login/organisation/callback?state=abc&code=s3cr3t-code&x=1 HTTP/1.1" 302'
    assert redact(line) == (
        '"GET /login/organisation/callback?state=abc&code=[redacted]&x=1 HTTP/1.1" 302'
    )
    assert redact("/login/organisation/callback?code=abc") == (
        "/login/organisation/callback?code=[redacted]"
    )


def test_site_admins_see_every_organisations_sign_on_and_what_waits_for_them(
    app, client, acme, idp, admin, login
):
    services.save_settings(acme, acme.boss, settings(idp, "acme.org labs.acme.org", secret=""))
    login(client, admin)
    page = client.get("/admin/sso")
    assert page.status_code == 200
    assert f'href="/organisations/{acme.slug}/sso"' in page.text
    assert "labs.acme.org" in page.text and "Waiting" in page.text
    assert idp.client.client_secret not in page.text
    manager = new_client(app)
    login(manager, acme.boss)
    assert manager.get("/admin/sso").status_code == 403


def test_a_discovery_document_naming_another_issuer_is_refused(acme, idp):
    provider = services.provider_of(acme)
    assert services.check_discovery(provider).discovery_ok
    provider.issuer = idp.issuer + "/"  # the document names the issuer without the slash
    db.session.commit()
    checked = services.check_discovery(provider)
    assert not checked.discovery_ok and "names the issuer" in checked.discovery_error


def test_a_provider_on_a_private_network_is_refused_where_that_is_not_allowed(
    app, acme, monkeypatch
):
    # The test provider listens on 127.0.0.1; production refuses such an address, so a
    # manager cannot make the server call into its own network.
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", False)
    provider = services.check_discovery(services.provider_of(acme))
    assert provider.discovery_error is not None
    assert "private network address" in provider.discovery_error
