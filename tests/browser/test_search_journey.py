"""Searching from the header, on a desktop and on a phone, and opening the lesson found."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import fill_log_in


def search_from_header(page: Page, words: str) -> None:
    header = page.get_by_role("banner")
    header.get_by_label("Search", exact=True).fill(words)
    header.get_by_role("button", name="Search").click()


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_learner_searches_from_the_header_and_opens_the_lesson(
    new_page, make_user, default_course, axe_check, width
):
    learner = make_user(email=f"sam{width}@example.com", name="Sam Searcher")
    page = new_page(width=width, height=900)
    page.goto("/login")
    fill_log_in(page, learner.email)
    search_from_header(page, "certifications")  # the lessons say "certification"
    expect(page).to_have_url(re.compile(r"/search\?q=certifications$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("status")).to_contain_text("for “certifications”")
    first = page.locator(".search-result").first
    expect(first.locator("mark").first).to_have_text(re.compile("certification", re.I))
    axe_check(page)
    title = first.get_by_role("heading").inner_text()
    first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/courses/tpm-vs-pm/lessons/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # A query with no words is refused with a message, and nothing breaks.
    page.goto("/search")
    page.get_by_label("Words to find").fill('"*"')
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Type at least one word")
    axe_check(page)
