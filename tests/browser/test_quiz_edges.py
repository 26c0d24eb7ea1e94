"""Rough edges of the quiz page in Chromium: an answer changed just before leaving is kept,
the unanswered-questions confirmation survives a reload, and "Save and finish later" goes
back to the course, where the open attempt offers "Resume"."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import log_in


def start(page: Page, quiz_id: int) -> str:
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()
    return page.url


def eventually_checked(page: Page, url: str, label: str) -> bool:
    """The beacon may land just after the next page loads: look a few times."""
    for _ in range(10):
        page.goto(url)
        if page.get_by_label(label).is_checked():
            return True
        page.wait_for_timeout(300)
    return False


def test_a_change_just_before_leaving_is_saved_and_the_course_offers_resume(
    page: Page, make_user, make_quiz, course, csrf_on
):
    quiz = make_quiz()
    log_in(page, make_user().email)
    attempt_url = start(page, quiz.id)
    status = page.locator(".autosave-status")
    page.get_by_label("Your answer").first.fill("Paris")
    expect(status).to_have_text("Saved: all answers so far.")
    expect(status).to_have_attribute("aria-live", "polite")

    # Well inside the autosave pause, the learner follows a link away.
    page.get_by_label("Jupiter").check()
    page.goto(f"/courses/{course.slug}")
    assert eventually_checked(page, attempt_url, "Jupiter")
    expect(page.get_by_label("Your answer").first).to_have_value("Paris")

    page.get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Save and finish later").click()
    expect(page).to_have_url(re.compile(rf"/courses/{re.escape(course.slug)}$"))
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    page.get_by_role("link", name="Resume").click()
    assert page.url == attempt_url
    expect(page.get_by_label("True", exact=True)).to_be_checked()
    expect(page.get_by_label("Jupiter")).to_be_checked()


def test_reloading_the_unanswered_confirmation_keeps_later_answers(
    page: Page, make_user, make_quiz, csrf_on
):
    quiz = make_quiz()
    log_in(page, make_user().email)
    start(page, quiz.id)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("alert")).to_contain_text("6 questions not answered")
    page.get_by_label("Your answer").first.fill("Paris")
    expect(page.locator(".autosave-status")).to_have_text("Saved: all answers so far.")
    page.reload()
    expect(page.get_by_label("Your answer").first).to_have_value("Paris")
    expect(page.get_by_role("alert")).to_contain_text("5 questions not answered")
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_role("status").filter(has_text="Not passed")).to_be_visible()


LONG_ANSWER = (
    "Agrees the scope, the budget and the dates with the client, then keeps every "
    "stakeholder informed as the plan changes week by week"
)


def test_a_long_matching_answer_is_shown_in_full(page: Page, make_user, make_quiz):
    from quizzes.spec import Kind, Pair, Question

    quiz = make_quiz(
        questions=(
            Question(
                Kind.MATCHING,
                "Match each role to its work.",
                pairs=(Pair("Generalist", LONG_ANSWER), Pair("Technical", "Reviews designs")),
            ),
        )
    )
    log_in(page, make_user().email)
    start(page, quiz.id)
    # Every answer is listed once in full, lettered; the drop-downs offer the same letters.
    bank = page.get_by_role("list", name="Answers to choose from")
    expect(bank.get_by_role("listitem").filter(has_text=LONG_ANSWER)).to_be_visible()
    item = bank.get_by_role("listitem").filter(has_text=LONG_ANSWER)
    assert item.evaluate("e => e.scrollWidth <= e.clientWidth")  # wrapped, not cut off
    letters = dict(
        zip(
            bank.get_by_role("listitem").all_inner_texts(),
            "AB",
            strict=True,
        )
    )
    select = page.get_by_label("Generalist")
    select.select_option(LONG_ANSWER)
    chosen = select.evaluate("s => s.options[s.selectedIndex].text")
    assert chosen == f"{letters[LONG_ANSWER]}. {LONG_ANSWER}"
    page.get_by_label("Technical").select_option("Reviews designs")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("100%").first).to_be_visible()
