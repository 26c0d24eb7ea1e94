"""The manager's table at the sizes people use (issue 15): at 1280 pixels the default
columns fit without scrolling sideways, more columns are a choice away and stay chosen,
and on a phone each row is a card that names its values."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from coursework.extensions import db
from coursework.organisations.demo import DEMO_MANAGER, DEMO_SLUG, load_demo

DASHBOARD = f"/organisations/{DEMO_SLUG}/dashboard"


@pytest.fixture
def demo(app, default_quizzes):
    with app.app_context():
        loaded = load_demo()
        db.session.commit()  # as `setup` does
        return loaded


def log_in_as_manager(page: Page) -> None:
    email, _, password = DEMO_MANAGER
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(DASHBOARD)


def sideways_overflow(page: Page, selector: str) -> int:
    return page.locator(selector).evaluate("e => e.scrollWidth - e.clientWidth")


def test_the_default_columns_fit_at_1280_and_more_are_a_choice_away(demo, page, axe_check):
    log_in_as_manager(page)
    table = page.get_by_role("table", name="Each person on each assigned course")
    expect(table).to_be_visible()
    assert sideways_overflow(page, ".dash-scroll:has(.dash-table)") <= 0
    assert sideways_overflow(page, "html") <= 0
    last = table.get_by_role("columnheader", name="Certificate").bounding_box()
    assert last["x"] + last["width"] <= 1280  # the last column is not cut off
    axe_check(page)

    # Choose two more columns, with the keyboard as well as the mouse.
    page.locator("summary", has_text="Columns").click()
    page.get_by_role("checkbox", name="Attempts").check()
    page.get_by_role("checkbox", name="Email").press("Space")
    page.get_by_role("button", name="Show columns").click()
    expect(table.get_by_role("columnheader", name="Attempts")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Email")).to_be_visible()

    # Sorting and filtering keep the choice.
    table.get_by_role("link", name="Attempts").click()
    expect(table.get_by_role("columnheader", name="Email")).to_be_visible()
    page.get_by_role("search").get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Apply filters").click()
    expect(table.get_by_role("columnheader", name="Attempts")).to_be_visible()
    assert "status=in_progress" in page.url and "col=attempts" in page.url
    page.locator("summary", has_text="Columns").click()
    page.get_by_role("link", name="Default columns").click()
    expect(table.get_by_role("columnheader", name="Attempts")).to_have_count(0)
    assert "status=in_progress" in page.url


def test_rows_are_cards_on_a_phone(demo, new_page, axe_check):
    page = new_page(390, 844)
    log_in_as_manager(page)
    assert sideways_overflow(page, "html") <= 0
    first = page.locator(".dash-table tbody tr").first
    assert first.evaluate("e => getComputedStyle(e).display") == "block"
    # Every value says which column it is: the heading row is out of sight on a phone.
    labels = first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels[:3] == ['"Course"', '"Due"', '"Status"'] and '"Certificate"' in labels
    assert first.locator("th").inner_text().count("@") == 1  # the email under the name
    axe_check(page)
