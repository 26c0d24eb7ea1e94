"""Single sign-on in Chromium: a manager sets up the organisation's provider from its pages
and runs a test sign-in; then a member chooses "Sign in with your organisation", signs in
at the provider (a real OpenID Connect provider started in the test) and lands on My
learning. axe-core checks every page of ours on the way."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from coursework.extensions import db
from tests.support.data import PASSWORD
from tests.support.oidc_provider import OidcProvider

CALLBACK = "/login/organisation/callback"


@pytest.fixture
def idp(app, live_server):
    from coursework.sso import oidc

    before = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    oidc.clear_caches()
    provider = OidcProvider()
    provider.start()
    provider.client = provider.register_client(live_server + CALLBACK)
    yield provider
    provider.stop()
    app.config["PUBLIC_URL"] = before


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_sets_up_sso_and_a_member_signs_in_with_their_organisation(
    page: Page, new_page, app, idp, make_user, axe_check
):
    from coursework.organisations import services as organisations
    from coursework.sso import services

    admin = make_user(email="root@example.com", name="Site Admin", is_admin=True)
    boss = make_user(email="boss@acme.org", name="Acme Boss")
    with app.app_context():
        organisations.create_organisation("Acme", boss)
        db.session.commit()  # as a request would, for the server to read

    # The manager enters the provider's details and runs a test sign-in.
    log_in(page, boss.email)
    page.goto("/organisations")
    page.get_by_role("link", name="Single sign-on of Acme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")
    expect(page.locator("#redirect-uri")).to_have_text(idp.client.redirect_uris[0])
    axe_check(page)
    page.get_by_role("link", name="Enter settings").click()
    page.get_by_label("Issuer URL").fill(idp.issuer)
    page.get_by_label("Client ID").fill(idp.client.client_id)
    page.get_by_label("Client secret").fill(idp.client.client_secret)
    page.get_by_label("Email domains").fill("acme.org")
    axe_check(page)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Single sign-on settings saved")
    expect(page.locator("body")).not_to_contain_text(idp.client.client_secret)
    expect(page.get_by_text("Waiting for a site admin").first).to_be_visible()
    axe_check(page)
    idp.sign_in_as("boss@acme.org", sub="boss", name="Acme Boss")
    page.get_by_role("button", name="Run a test sign-in").click()
    expect(page.get_by_role("status")).to_contain_text("The test sign-in passed every check")

    # A site admin confirms the domain.
    admin_page = new_page()
    log_in(admin_page, admin.email)
    admin_page.goto(page.url)
    admin_page.get_by_role("button", name="Confirm acme.org").click()
    expect(admin_page.get_by_role("status")).to_contain_text("acme.org is confirmed")

    # A member signs in through the provider, for the first time.
    idp.sign_in_as("nora@acme.org", sub="nora-7", name="Nora North")
    member = new_page()
    member.goto("/login")
    member.get_by_role("link", name="Sign in with your organisation").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Sign in with your organisation")
    axe_check(member)
    member.get_by_label("Your work email address").fill("nora@acme.org")
    member.get_by_role("button", name="Continue").click()
    expect(member).to_have_url(re.compile(r"/my-learning$"))
    expect(member.get_by_role("banner")).to_contain_text("Nora North")
    axe_check(member)
    with app.app_context():
        provider = services.provider_for_email("nora@acme.org")
        assert provider is not None and provider.tested_at is not None


def test_an_unknown_domain_is_answered_on_the_form(page: Page, axe_check):
    page.goto("/login/organisation")
    page.get_by_label("Your work email address").fill("someone@nowhere.org")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("could not find an organisation sign-in")
    expect(page.get_by_label("Your work email address")).to_have_value("someone@nowhere.org")
    axe_check(page)
