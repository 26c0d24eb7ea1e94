"""An instructor writes a quiz with one question of every kind in Chromium and publishes
it; a learner fails it, reads the feedback, retakes it and passes, and the course
progress shows it."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import add_question, log_in, rows


def test_instructor_writes_a_quiz_and_a_learner_fails_then_passes(
    page: Page, new_page, make_user, course, instructor, axe_check
):
    log_in(page, instructor.email)
    page.goto("/teach/quizzes")
    axe_check(page)
    lesson = page.get_by_label("Lesson")
    value = lesson.locator("option", has_text="Knives").get_attribute("value")
    lesson.select_option(value)
    page.get_by_label("Title").fill("Knife skills check")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Passing score (%)").fill("80")
    page.get_by_role("button", name="Create quiz").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Knife skills check")

    add_question(
        page,
        "Single choice",
        "Which part do you hold?",
        lambda p: rows(
            p,
            "choices",
            [
                {"text": "The handle", "weight": "100", "feedback": "Yes, always."},
                {"text": "The blade", "weight": "0", "feedback": "Never the blade."},
            ],
        ),
    )
    add_question(
        page,
        "Multiple choice",
        "Which are safe?",
        lambda p: rows(
            p,
            "choices",
            [
                {"text": "Dry hands", "weight": "50"},
                {"text": "A stable board", "weight": "50"},
                {"text": "Catching a falling knife", "weight": "-100"},
            ],
        ),
    )
    add_question(
        page,
        "True or false",
        "A sharp knife is safer than a blunt one.",
        lambda p: p.get_by_label("True", exact=True).check(),
    )
    add_question(
        page,
        "Short answer",
        "Where do knives go after use?",
        lambda p: rows(
            p,
            "choices",
            [{"text": "the block", "weight": "100"}, {"text": "*drawer*", "weight": "50"}],
        ),
    )
    add_question(
        page,
        "Numeric",
        "How many hands on the knife?",
        lambda p: rows(p, "numbers", [{"value": "1", "tolerance": "0", "weight": "100"}]),
    )
    add_question(
        page,
        "Matching",
        "Match the knife to its job.",
        lambda p: rows(
            p,
            "pairs",
            [
                {"prompt": "Bread knife", "answer": "Loaves"},
                {"prompt": "Paring knife", "answer": "Peeling"},
            ],
        ),
    )
    for text in ("Which part do you hold?", "How many hands on the knife?", "Match the knife"):
        expect(page.get_by_role("main").get_by_text(text)).not_to_have_count(0)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    axe_check(page)

    learner = make_user()
    student = new_page()
    log_in(student, learner.email)
    student.goto(f"/courses/{course.slug}")
    student.get_by_role("link", name="Knife skills check").click()
    student.get_by_role("button", name="Start the quiz").click()
    # A wrong first attempt.
    student.get_by_label("The blade").check()
    student.get_by_label("Catching a falling knife").check()
    student.get_by_label("False", exact=True).check()
    student.get_by_role("button", name="Submit answers").click()
    expect(student.get_by_role("alert")).to_contain_text("not answered")
    student.get_by_role("button", name="Submit anyway").click()
    expect(student.get_by_role("status").filter(has_text="Not passed")).to_be_visible()
    expect(student.get_by_text("Never the blade.")).to_be_visible()
    expect(student.get_by_text("Because: Which part do you hold?")).to_be_visible()
    axe_check(student)

    student.get_by_role("button", name="Retake the quiz").click()
    student.get_by_label("The handle").check()
    student.get_by_label("Dry hands").check()
    student.get_by_label("A stable board").check()
    student.get_by_label("True", exact=True).check()
    student.get_by_label("Your answer").first.fill("The Block!")
    # Answers are saved as the learner goes: a reload keeps them.
    student.wait_for_timeout(900)
    student.reload()
    expect(student.get_by_label("The handle")).to_be_checked()
    answers = student.get_by_label("Your answer")
    expect(answers.first).to_have_value("The Block!")
    answers.nth(1).fill("1")
    student.get_by_label("Bread knife").select_option("Loaves")
    student.get_by_label("Paring knife").select_option("Peeling")
    student.get_by_role("button", name="Submit answers").click()
    expect(student.get_by_role("status").filter(has_text="You passed")).to_be_visible()

    student.goto(f"/courses/{course.slug}")
    quiz_row = student.locator(".task-list__item--quiz")
    expect(quiz_row).to_contain_text("Passed")
    # Three lessons and one quiz: the passed quiz is one step of four.
    expect(student.get_by_role("progressbar", name=re.compile("1 of 4 steps"))).to_be_visible()
