"""A learner downloads their data and deletes their account, in Chromium."""

from __future__ import annotations

import json
import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import fill_log_in
from tests.support.data import PASSWORD


def test_a_learner_downloads_their_data_then_deletes_their_account(
    page: Page, make_user, axe_check
):
    learner = make_user(email="dora@example.com", name="Dora Data")
    page.goto("/login")
    fill_log_in(page, learner.email)
    page.get_by_role("link", name="Dora Data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download my data").click()
    download = downloading.value
    assert re.fullmatch(r"coursework-my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as file:
        assert json.load(file)["profile"]["email"] == "dora@example.com"

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    axe_check(page)
    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Your password is not right.")
    axe_check(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account has been deleted")
    expect(page.get_by_role("banner")).to_contain_text("Log in")

    page.goto("/login")
    fill_log_in(page, learner.email)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("banner")).not_to_contain_text("Dora")
