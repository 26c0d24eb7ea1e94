"""A forgotten password, a changed one and "Sign out everywhere", in Chromium, with
axe-core on every page."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.data import PASSWORD
from tests.support.mailbox import last_link

NEW = "a brand new passphrase"
NEWER = "another fresh passphrase"


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_person_resets_then_changes_their_password_and_signs_out_everywhere(
    page: Page, new_page, make_user, axe_check
):
    user = make_user(email="rosa@example.com", name="Rosa Reset")
    other_device = new_page()
    other_device.goto("/login")
    log_in(other_device, user.email, PASSWORD)
    expect(other_device.get_by_role("banner")).to_contain_text("Rosa Reset")

    # Forgotten password, from the log-in page.
    page.goto("/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgotten your password?")
    axe_check(page)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text("Enter your email address.")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent it a link")

    # The link from the email: a new password, too weak first.
    page.goto(last_link(user.email))
    expect(page).to_have_url(re.compile(r"/reset-password$"))  # the secret left the address
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    axe_check(page)
    page.get_by_label("New password").fill("password1")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("alert")).to_contain_text("commonly used")
    axe_check(page)
    page.get_by_label("New password").fill(NEW)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")
    log_in(page, user.email, NEW)
    expect(page.get_by_role("banner")).to_contain_text("Rosa Reset")

    # The other device was signed out by the reset.
    other_device.goto("/my-learning")
    expect(other_device.get_by_role("heading", level=1)).to_have_text("Log in")

    # The account page: change the password.
    page.get_by_role("banner").get_by_role("link", name="Rosa Reset").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)
    page.get_by_label("Current password").fill("not it")
    page.get_by_label("New password").fill(NEWER)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Your current password is not right."
    )
    axe_check(page)
    page.get_by_label("Current password").fill(NEW)
    page.get_by_label("New password").fill(NEWER)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")

    # Sign out everywhere, this browser included.
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("status")).to_contain_text("signed out everywhere")
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    log_in(page, user.email, NEWER)
    expect(page.get_by_role("banner")).to_contain_text("Rosa Reset")
