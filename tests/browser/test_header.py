"""The header at 1280 pixels (issue 15): one line for a learner, an instructor and an admin
with a long name; teaching and admin pages sit in one compact menu that works from the
keyboard and closes as a menu should."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import log_in

LONG_NAME = "Maximiliana Alexandra Featherstonehaugh-Wolfeschlegel"


def on_one_line(page: Page) -> bool:
    """Whether every part of the header shares one row: each starts above where every
    other ends."""
    return page.locator(".site-header__inner > *").evaluate_all(
        "parts => { const r = parts.map(p => p.getBoundingClientRect());"
        " return Math.max(...r.map(b => b.top)) < Math.min(...r.map(b => b.bottom)); }"
    )


@pytest.mark.parametrize("roles", [{}, {"is_instructor": True}, {"is_admin": True}])
def test_the_header_keeps_to_one_line_at_1280(page: Page, make_user, roles):
    user = make_user(name=LONG_NAME, **roles)
    log_in(page, user.email)
    page.goto("/my-learning")
    assert on_one_line(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    name = page.get_by_role("link", name=f"{LONG_NAME} (your account)")
    expect(name).to_have_attribute("title", LONG_NAME)


def test_the_compact_menu_by_keyboard(page: Page, make_user, axe_check):
    admin = make_user(is_admin=True)
    log_in(page, admin.email)
    page.goto("/my-learning")
    menu = page.locator("summary", has_text="Admin")
    expect(page.get_by_role("link", name="Failed jobs")).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Failed jobs")).to_be_visible()
    axe_check(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Failed jobs")).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("People")
    # The page is marked as the menu's current one.
    expect(page.locator(".site-menu__summary--current")).to_have_count(1)
    # A click elsewhere closes it.
    menu.click()
    page.get_by_role("heading", level=1).click()
    expect(page.get_by_role("link", name="Failed jobs")).to_be_hidden()
