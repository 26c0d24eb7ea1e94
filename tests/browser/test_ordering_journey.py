"""An instructor writes an ordering question in Chromium; a learner puts the items in order
with the keyboard alone (Move up / Move down), the order survives a reload (autosave), and
the result reviews it."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import add_question, log_in, rows

PLANETS = ["Mercury", "Venus", "Earth", "Mars"]


def order_of(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(".ordering__text").all_text_contents()]


def test_an_ordering_question_authored_taken_by_keyboard_and_reviewed(
    page: Page, new_page, make_user, course, instructor, axe_check
):
    log_in(page, instructor.email)
    page.goto("/teach/quizzes")
    page.get_by_label("Lesson").select_option(
        page.get_by_label("Lesson").locator("option", has_text="Knives").get_attribute("value")
    )
    page.get_by_label("Title").fill("Planets in order")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create quiz").click()
    add_question(
        page,
        "Ordering",
        "Put the planets in order from the Sun.",
        lambda p: rows(p, "choices", [{"text": name} for name in PLANETS]),
    )
    expect(page.get_by_role("main").get_by_text("Put the planets in order")).not_to_have_count(0)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()

    student = new_page()
    log_in(student, make_user().email)
    student.goto(f"/courses/{course.slug}")
    student.get_by_role("link", name="Planets in order").click()
    student.get_by_role("button", name="Start the quiz").click()
    assert sorted(order_of(student)) == sorted(PLANETS) and order_of(student) != PLANETS
    axe_check(student)

    # Keyboard only: focus an item's "Move up" button and press Enter until it is in place.
    for place, name in enumerate(PLANETS):
        button = student.get_by_role("button", name=f"Move up: {name}")
        while order_of(student).index(name) > place:
            button.focus()
            student.keyboard.press("Enter")
            expect(student.get_by_role("status").filter(has_text=name)).to_contain_text(
                "now in place"
            )
    assert order_of(student) == PLANETS
    expect(student.get_by_label("Mercury: Place")).to_have_value("1")

    student.wait_for_timeout(900)  # autosave
    student.reload()
    assert order_of(student) == PLANETS
    student.get_by_role("button", name="Submit answers").click()
    expect(student.get_by_role("status").filter(has_text="You passed")).to_be_visible()
    review = student.locator(".review-choices li")
    expect(review).to_have_text(PLANETS)
    axe_check(student)
