"""A learner's path through Coursework in real Chromium, with axe-core on every page."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import fill_log_in
from tests.support.data import PASSWORD
from tests.support.mailbox import last_link

COURSE_TITLE = "Technical Project Manager vs Project Manager"
COURSE_URL = "/courses/tpm-vs-pm"
LESSONS = [
    "Two Kinds of Project Manager",
    "What Every Project Manager Does",
    "The Technical Project Manager's Work",
    "The Generalist Project Manager's Work",
    "Becoming a Technical Project Manager",
    "Becoming a Generalist Project Manager",
    "Side by Side",
]
LOGIN_FAILED = "The email address or password is not right."


def error_summary(page: Page):
    return page.get_by_role("alert").filter(has_text="There is a problem")


def test_a_new_learner_signs_up_and_completes_the_default_course(
    page: Page, default_course, axe_check
):
    # Home page, signed out.
    page.goto("/")
    expect(page).to_have_title("Courses · Coursework")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Learn what you need")
    expect(page.get_by_role("link", name=COURSE_TITLE)).to_be_visible()
    axe_check(page)

    # Sign up, from the header.
    page.get_by_role("banner").get_by_role("link", name="Sign up", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Create your account")).to_be_visible()
    axe_check(page)
    name = page.get_by_label("Your name")
    email = page.get_by_label("Email address")
    password = page.get_by_label("Password", exact=True)
    create = page.get_by_role("button", name="Create account")

    # 1. Nothing filled in: one message per field, in the summary and beside the field.
    create.click()
    expect(page).to_have_title(re.compile(r"^Error: Create your account"))
    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # screen readers hear the problems first
    for field, message in [
        (name, "Enter your name."),
        (email, "Enter your email address."),
        (password, "Choose a password."),
    ]:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    axe_check(page)
    # Each message in the summary links to its field.
    summary.get_by_role("link", name="Enter your name.").click()
    expect(name).to_be_focused()

    # 2. A password that is too short: only that field is wrong, the rest is kept.
    name.fill("Ada Lovelace")
    email.fill("ada@example.com")
    password.fill("short")
    create.click()
    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_text(["Use at least 8 characters."])
    expect(password).to_have_accessible_description(
        re.compile(r"Error:\s*Use at least 8 characters\.")
    )
    expect(name).to_have_value("Ada Lovelace")
    expect(email).to_have_value("ada@example.com")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    expect(email).not_to_have_attribute("aria-invalid", "true")
    axe_check(page)

    # 3. A good password: the account is made and a link to confirm the address is emailed
    #    (the page says the same for an address that already has an account).
    password.fill("analytical engine punch cards")
    create.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)
    page.goto(last_link("ada@example.com"))  # the link in the email, from the outbox
    expect(page.get_by_role("heading", level=1)).to_have_text("Email address confirmed")
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    fill_log_in(page, "ada@example.com", "analytical engine punch cards")
    expect(page.get_by_role("banner")).to_contain_text("Ada Lovelace")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()

    # The course page, before starting.
    page.get_by_role("link", name=COURSE_TITLE).click()
    expect(page.get_by_role("heading", level=1, name=COURSE_TITLE)).to_be_visible()
    lesson_list = page.get_by_role("list", name="Lessons")
    expect(lesson_list.get_by_role("link")).to_have_text(LESSONS)
    expect(page.get_by_role("progressbar", name=re.compile("0 of 7 steps"))).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"^(Start the course|Continue)")).click()

    # Every lesson: read it, then mark it complete.
    for number, title in enumerate(LESSONS, start=1):
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        expect(page.get_by_role("article")).to_contain_text(f"Lesson {number} of {len(LESSONS)}")
        expect(page.locator(".prose")).not_to_be_empty()
        if number > 1:
            expect(page.get_by_role("status")).to_contain_text(
                f"“{LESSONS[number - 2]}” is complete."
            )
        axe_check(page)
        page.get_by_role("button", name="Mark as complete").click()

    # Back on the course page: 100% and every lesson completed.
    expect(page).to_have_url(re.compile(re.escape(COURSE_URL) + "$"))
    # The course has no quizzes here, so the last lesson completes it: a certificate.
    expect(page.get_by_role("status")).to_contain_text("earned your certificate")
    progress = page.get_by_role("complementary", name="Your progress")
    expect(progress).to_contain_text("100%")
    expect(progress.get_by_role("progressbar", name=re.compile("7 of 7 steps"))).to_have_attribute(
        "value", "7"
    )
    expect(progress).to_contain_text("You have completed every lesson.")
    for title in LESSONS:
        expect(
            lesson_list.get_by_role("link", name=title, exact=True)
        ).to_have_accessible_description("Completed")
    expect(lesson_list.get_by_text("Completed", exact=True)).to_have_count(len(LESSONS))
    axe_check(page)

    # My learning shows the course at 100%.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_role("heading", level=1, name="My learning")).to_be_visible()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=COURSE_TITLE))
    expect(card).to_contain_text("100%")
    expect(card).to_contain_text("Course completed.")
    expect(card.get_by_role("progressbar")).to_have_accessible_name("Progress: 7 of 7 steps done")
    axe_check(page)

    # Log out and back in: the progress was saved.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    axe_check(page)
    fill_log_in(page, "ada@example.com", "analytical engine punch cards")
    expect(page.get_by_role("heading", level=1, name="My learning")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=COURSE_TITLE)).to_contain_text("100%")


def test_the_comparison_table_fits_a_phone_screen(new_page, make_user, default_course, axe_check):
    user = make_user()
    page = new_page(390, 844)
    # A signed-out learner following a link to the lesson is asked to log in first.
    page.goto(f"{COURSE_URL}/lessons/side-by-side")
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    fill_log_in(page, user.email)
    expect(page.get_by_role("heading", level=1, name="Side by Side")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()

    page_width = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert page_width["scroll"] <= page_width["inner"], (
        f"the page scrolls sideways at 390px: {page_width['scroll']}px wide content"
    )
    axe_check(page)


def test_keyboard_users_can_skip_to_the_main_content(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_log_in_with_a_wrong_password_then_log_out(page: Page, make_user):
    user = make_user(email="grace@example.com", name="Grace Hopper")
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()

    # A wrong password and an unknown address get the same message, naming neither.
    messages = []
    for email, password in [(user.email, "not my password"), ("nobody@example.com", PASSWORD)]:
        fill_log_in(page, email, password)
        summary = error_summary(page)
        expect(summary).to_be_visible()
        expect(summary).to_contain_text(LOGIN_FAILED)
        expect(page.get_by_label("Email address")).to_have_value(email)
        messages.append(summary.inner_text())
    assert messages[0] == messages[1]

    fill_log_in(page, user.email)
    expect(page.get_by_role("heading", level=1, name="My learning")).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Grace Hopper")

    banner.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    expect(banner.get_by_role("button", name="Log out")).to_have_count(0)
    expect(banner.get_by_role("link", name="Log in")).to_be_visible()
    expect(banner).not_to_contain_text("Grace Hopper")
    # The session is really over: My learning asks for a log-in again.
    page.goto("/my-learning")
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
