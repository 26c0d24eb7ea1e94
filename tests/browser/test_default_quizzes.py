"""The default course's quizzes in real Chromium: a learner can fail, learn why, and pass
every one of them, and the course then reaches 100%."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import answer, shown
from tests.support.data import PASSWORD


def test_every_default_quiz_can_be_failed_then_passed(
    page: Page, app, make_user, default_quizzes, axe_check
):
    learner = make_user()
    page.goto("/login")
    page.get_by_label("Email address").fill(learner.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/courses/tpm-vs-pm")
    quiz_links = page.locator(".task-list__item--quiz a, .task-list__item--final a")
    hrefs = [quiz_links.nth(i).get_attribute("href") for i in range(quiz_links.count())]
    assert len(hrefs) == 8  # seven lesson quizzes and the final quiz
    axe_check(page)

    for number, href in enumerate(hrefs):
        page.goto(href)
        first = number == 0
        if first:
            axe_check(page)
            # Fail once: wrong answers, then read why.
            page.get_by_role("button", name="Start the quiz").click()
            answer(page, shown(app, page), right=False)
            axe_check(page)
            page.get_by_role("button", name="Submit answers").click()
            expect(page.get_by_role("status").filter(has_text="Not passed")).to_be_visible()
            expect(page.locator(".feedback--general").first).to_be_visible()
            axe_check(page)
            page.get_by_role("button", name="Retake the quiz").click()
        else:
            page.get_by_role("button", name="Start the quiz").click()
        answer(page, shown(app, page), right=True)
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_role("status").filter(has_text="You passed")).to_be_visible()
        expect(page.get_by_text("100%", exact=True)).to_be_visible()

    page.goto("/courses/tpm-vs-pm")
    # Quizzes are passed; lessons are not yet read, so progress counts 8 of 15 steps.
    expect(page.get_by_role("progressbar", name=re.compile("8 of 15 steps"))).to_be_visible()
    expect(page.locator(".task-list__item--final").get_by_text("Passed")).to_be_visible()
