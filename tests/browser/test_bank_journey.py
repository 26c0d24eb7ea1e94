"""The shipped final quiz draws its questions from the course's bank: a learner who takes it
twice in Chromium sees a different set the second time, and each result page reviews
exactly the questions that attempt asked. The course's staff see the bank by category.

The draw is seeded in tests (QUIZ_DRAW_SEED, per quiz, learner and attempt number), so the
two sets are the same on every run; with two of four questions drawn from each of seven
categories, two attempts would match by chance once in 6⁷ (about 280,000) anyway."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import answer, log_in, shown


def texts_on(page: Page) -> list[str]:
    texts = page.locator(".question__text")
    return [" ".join(texts.nth(i).inner_text().split()) for i in range(texts.count())]


def test_the_banked_final_quiz_asks_a_different_set_on_a_second_attempt(
    page: Page, app, make_user, default_quizzes, axe_check
):
    learner = make_user()
    log_in(page, learner.email)
    page.goto("/courses/tpm-vs-pm")
    page.locator(".task-list__item--final a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Final quiz")
    expect(page.get_by_text("14", exact=True)).to_be_visible()  # questions per attempt

    page.get_by_role("button", name="Start the quiz").click()
    first = texts_on(page)
    assert len(first) == 14 == len(set(first))
    answer(page, shown(app, page), right=False)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").filter(has_text="Not passed")).to_be_visible()
    assert texts_on(page) == first  # the review shows exactly what this attempt asked
    axe_check(page)

    page.get_by_role("button", name="Retake the quiz").click()
    second = texts_on(page)
    assert len(second) == 14 == len(set(second))
    assert set(second) != set(first)
    answer(page, shown(app, page), right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").filter(has_text="You passed")).to_be_visible()
    expect(page.get_by_text("100%", exact=True)).to_be_visible()
    assert texts_on(page) == second


def test_an_admin_sees_the_bank_by_category_and_the_final_quizs_rules(
    page: Page, make_user, default_quizzes, axe_check
):
    admin = make_user(is_admin=True)
    log_in(page, admin.email)
    page.goto("/teach/quizzes")
    page.get_by_role("link", name="Final quiz", exact=True).click()
    rules = page.locator(".draw-list__item")
    expect(rules).to_have_count(7)
    expect(rules.first).to_contain_text("2 random questions from “Final quiz/Lesson 1”")
    axe_check(page)
    page.get_by_role("link", name="Open the question bank").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question bank")
    headings = page.get_by_role("heading", level=2, name=re.compile(r"^Final quiz.Lesson \d"))
    expect(headings).to_have_count(7)
    expect(headings.first).to_contain_text("(4 questions)")
    axe_check(page)
