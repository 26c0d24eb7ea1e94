"""A manager connects their organisation to its LRS in Chromium: sets the address and
credentials, sees the statements delivered and sends a test statement; sets the
organisation's time zone; a learner picks their own on the Preferences page."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import expect

from coursework.extensions import db
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support import lrs_server as lrs_fixtures
from tests.support.browser import fill_log_in, notice
from tests.support.lrs_server import KEY, SECRET
from tests.support.orgkit import organisation_with_learner

# The LRS fixtures (a module's Ralph, emptied for each test).
ralph, lrs_server = lrs_fixtures.ralph, lrs_fixtures.lrs_server


def test_a_manager_forwards_statements_to_their_lrs(
    page, make_user, course, lrs_server, axe_check, new_page
):
    org, boss, lea = organisation_with_learner(make_user, course, "Harbour")
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(lea, lesson)
    db.session.commit()

    page.goto("/login")
    fill_log_in(page, boss.email)
    page.goto(f"/organisations/{org.slug}/people")
    page.get_by_role("navigation", name="Manage Harbour").get_by_role("link", name="LRS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LRS forwarding")
    expect(page.get_by_text("No LRS is set up")).to_be_visible()
    axe_check(page)

    # A mistake first: the error summary links to the field, and nothing typed comes back.
    page.get_by_label("LRS address (xAPI endpoint)").fill("lrs.example.com")
    page.get_by_label("Key (Basic authentication user name)").fill(KEY)
    page.get_by_label("Secret (Basic authentication password)").fill(SECRET)
    page.get_by_role("button", name="Save LRS settings").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("starting with https://")
    expect(page.get_by_label("Secret (Basic authentication password)")).to_have_value("")
    axe_check(page)

    page.get_by_label("LRS address (xAPI endpoint)").fill(lrs_server.endpoint)
    page.get_by_label("Key (Basic authentication user name)").fill(KEY)
    page.get_by_label("Secret (Basic authentication password)").fill(SECRET)
    page.get_by_role("button", name="Save LRS settings").click()
    expect(notice(page, "The LRS settings are saved")).to_be_visible()
    delivered = len(lrs_server.statements())
    assert delivered >= 4
    log = page.get_by_role("region", name="Delivery").or_(
        page.locator("section", has_text="Delivery")
    )
    expect(log.first).to_contain_text(f"{delivered} statements")
    expect(page.get_by_text("Waiting to be sent")).to_be_visible()
    assert SECRET not in page.content()

    page.get_by_role("button", name="Send a test statement").click()
    expect(notice(page, "The LRS accepted a test statement")).to_be_visible()
    assert len(lrs_server.statements()) == delivered + 1
    axe_check(page)

    # The organisation's time zone, on Settings.
    page.get_by_role("navigation", name="Manage Harbour").get_by_role(
        "link", name="Settings"
    ).click()
    page.get_by_role("combobox", name="Time zone").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save time zone").click()
    expect(notice(page, "The time zone is now Pacific/Auckland")).to_be_visible()
    axe_check(page)

    # The learner's Preferences show it as their default, and take their own.
    learner = new_page()
    learner.goto("/login")
    fill_log_in(learner, lea.email)
    learner.goto("/account/preferences")
    zone = learner.get_by_role("combobox", name="Time zone")
    expect(zone.locator("option:checked")).to_have_text(
        "Your organisation\u2019s (Pacific/Auckland)"
    )
    zone.select_option("America/Los_Angeles")
    learner.get_by_role("button", name="Save preferences").click()
    expect(notice(learner, "Your preferences are saved")).to_be_visible()
    expect(
        learner.get_by_role("combobox", name="Time zone").locator("option:checked")
    ).to_have_text("America/Los Angeles")
    axe_check(learner)
