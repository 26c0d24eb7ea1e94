"""An instructor writes an essay question with a rubric; a learner writes an answer (counted
as they type, saved as they go) and sees "awaiting grading" on the result and on My
learning; the instructor grades it from the quiz's queue, beside the rubric; the learner
then sees the score and the grader's feedback, and never the rubric."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import log_in

RUBRIC = "Full marks: names who decides, who funds and who removes blockers."
ANSWER = "The sponsor decides what the project is for.\nThey fund it and clear blockers."


def test_an_essay_is_written_awaits_grading_is_graded_and_reviewed(
    page: Page, new_page, make_user, course, instructor, axe_check
):
    log_in(page, instructor.email)
    page.goto("/teach/quizzes")
    lesson = page.get_by_label("Lesson")
    lesson.select_option(lesson.locator("option", has_text="Knives").get_attribute("value"))
    page.get_by_label("Title").fill("Sponsors")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create quiz").click()
    page.get_by_label("Essay", exact=True).check()
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Question text").fill("Why does a project need a sponsor?")
    page.get_by_label("Points").fill("4")
    page.get_by_label("Rubric or model answer (optional)").fill(RUBRIC)
    axe_check(page)
    page.get_by_role("button", name="Save question").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()

    student = new_page()
    log_in(student, make_user(name="Lea Learner").email)
    student.goto(f"/courses/{course.slug}")
    student.get_by_role("link", name="Sponsors").click()
    student.get_by_role("button", name="Start the quiz").click()
    assert RUBRIC not in student.content()
    essay = student.get_by_label("Your answer")
    expect(essay).to_have_attribute("maxlength", "10000")
    essay.fill(ANSWER)
    expect(student.locator(".essay-count")).to_have_text(
        f"{len(ANSWER)} of 10,000 characters used."
    )
    expect(student.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    student.reload()  # the draft was saved as they went
    expect(student.get_by_label("Your answer")).to_have_value(ANSWER)
    axe_check(student)
    student.get_by_role("button", name="Submit answers").click()
    expect(student.get_by_role("status").filter(has_text="Awaiting grading")).to_be_visible()
    expect(student.locator(".tag--outcome-pending")).to_have_text("Awaiting grading")
    assert RUBRIC not in student.content()
    result_url = student.url
    axe_check(student)
    student.goto("/my-learning")
    expect(student.locator(".awaiting-note")).to_contain_text("Sponsors")
    axe_check(student)

    page.reload()
    page.get_by_role("link", name="Grade written answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grade written answers")
    axe_check(page)
    page.get_by_role("link", name="Grade the first answer").click()
    expect(page.get_by_text(RUBRIC)).to_be_visible()
    expect(page.locator("blockquote")).to_contain_text("They fund it and clear blockers.")
    axe_check(page)
    page.get_by_label("Score").fill("5")
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a score from 0 to 4.")
    page.get_by_label("Score").fill("3")
    page.get_by_label("Feedback for the learner (optional)").fill("Who funds it? Say so.")
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_text("Nothing to grade")).to_be_visible()
    expect(page.get_by_role("cell", name="3 of 4")).to_be_visible()

    student.goto(result_url)
    expect(student.get_by_role("status").filter(has_text="75%")).to_contain_text("You passed")
    expect(student.locator(".feedback--grader")).to_contain_text("Who funds it? Say so.")
    assert RUBRIC not in student.content()
    axe_check(student)
