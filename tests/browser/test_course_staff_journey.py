"""An instructor replaces their course from the Teach page after confirming, and adds a
colleague to its staff from the course's page, in Chromium; each page passes axe-core."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import log_in
from tests.support.data import SMALL_COURSE


def test_an_owner_confirms_a_replacement_and_adds_a_co_instructor(
    page: Page, make_user, course, instructor, axe_check, tmp_path
):
    colleague = make_user(name="Cora Colleague", is_instructor=True)
    document = tmp_path / "kitchen.md"
    document.write_text(SMALL_COURSE.replace("## Cleaning\n\nWipe spills at once.\n", ""))
    log_in(page, instructor.email)

    page.goto("/teach/courses")
    page.get_by_label("Course document").set_input_files(document)
    page.get_by_role("button", name="Import").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Kitchen Safety is already at kitchen-safety")
    axe_check(page)
    page.get_by_label("Course document").set_input_files(document)
    page.get_by_label("Replace the course if one is already at this address").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Kitchen Safety updated")
    expect(page.get_by_role("status")).to_contain_text("Retired: 1 lesson")

    page.goto("/courses/kitchen-safety")
    page.get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff of Kitchen Safety")
    page.get_by_label("Instructor's email address").fill("nobody@example.com")
    page.get_by_role("button", name="Add to the staff").click()
    expect(page.locator(".error-summary")).to_contain_text("There is no instructor")
    axe_check(page)
    page.get_by_label("Instructor's email address").fill(colleague.email)
    page.get_by_role("button", name="Add to the staff").click()
    row = page.get_by_role("row").filter(has_text="Cora Colleague")
    expect(row).to_contain_text("Co-instructor")
    axe_check(page)
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("row").filter(has_text="Cora Colleague")).to_have_count(0)
