"""An instructor saves a question whose right answer gives itself away, reads the
item-writing checker's advice beside it, rewrites the options and sees the advice go."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import log_in, rows


def test_advice_appears_beside_a_saved_question_and_goes_once_it_is_fixed(
    page: Page, make_quiz, instructor, axe_check
):
    quiz = make_quiz([])
    log_in(page, instructor.email)
    page.goto(f"/teach/quizzes/{quiz.id}")
    page.get_by_label("Single choice", exact=True).check()
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Question text").fill("Where do you hold a knife?")
    options = [
        {"text": "By the handle, with the blade pointing down", "weight": "100"},
        {"text": "By the blade", "weight": "0"},
        {"text": "By the tip", "weight": "0"},
    ]
    rows(page, "choices", options)
    page.get_by_role("button", name="Save question").click()

    # Saved all the same: advice never blocks.
    expect(page.get_by_text("Question 1 added.")).to_be_visible()
    expect(page.get_by_text("The item-writing checker has 1 suggestion for it")).to_be_visible()
    advice = page.locator(".advice")
    summary = advice.get_by_text("1 suggestion from the item-writing checker")
    expect(summary).to_be_visible()
    summary.click()
    expect(advice.get_by_text("The right answer is the longest option")).to_be_visible()
    expect(advice.get_by_text("Give the options similar lengths.")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Edit question 1").click()
    expect(page.locator("details.advice[open]")).to_be_visible()  # open on the question page
    axe_check(page)
    rows(page, "choices", [{"text": "By the handle"}, {"text": "By the blade's spine"}])
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question 1 saved.", exact=True)).to_be_visible()
    expect(page.locator(".advice")).to_have_count(0)
