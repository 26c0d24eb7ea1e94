"""A learner completes the default course in Chromium and gets a certificate that anyone
can verify; once revoked, the same link says so."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from coursework.extensions import db
from tests.support.browser import answer, shown
from tests.support.data import PASSWORD


@pytest.fixture
def public_url(app, live_server):
    """Links in certificates point at the server the browser is talking to."""
    before = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield live_server
    app.config["PUBLIC_URL"] = before


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def pass_quiz_on_page(page: Page, app) -> None:
    page.get_by_role("button", name=re.compile("Start the quiz|Retake the quiz")).click()
    answer(page, shown(app, page), right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").filter(has_text="You passed")).to_be_visible()


def test_complete_the_course_download_verify_and_revoke(
    page: Page, new_page, app, make_user, default_quizzes, public_url, axe_check, tmp_path
):
    learner = make_user(name="Zoë Ångström")
    log_in(page, learner.email)
    page.goto("/courses/tpm-vs-pm")
    expect(
        page.get_by_text(re.compile("To earn the certificate, complete all 7 lessons"))
    ).to_be_visible()
    page.get_by_role("link", name="Start the course").click()
    for _ in range(7):
        page.get_by_role("button", name="Mark as complete").click()
        # Each lesson leads to its quiz; passing it, the course page says what is next.
        expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
        pass_quiz_on_page(page, app)
        page.get_by_role("link", name="Back to the course").click()
        page.get_by_role("link", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Final quiz")
    pass_quiz_on_page(page, app)
    announcement = page.get_by_role("status").filter(has_text="earned your certificate")
    expect(announcement).to_be_visible()
    announcement.get_by_role("link", name="View and download it").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("This certificate is valid")
    expect(page.get_by_role("main").get_by_text("Zoë Ångström")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    saved = tmp_path / "certificate.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # The QR code encodes the address printed beneath it; anyone can open it.
    verify_url = page.locator(".qr figcaption .code-break").inner_text()
    assert verify_url.startswith(public_url + "/certificates/")
    import segno

    drawn = page.locator(".qr svg path.qrline").get_attribute("d")
    assert drawn in segno.make(verify_url, error="m").svg_inline(scale=4)
    stranger = new_page()
    stranger.goto(verify_url)
    expect(stranger.get_by_role("heading", level=1)).to_contain_text("This certificate is valid")
    expect(stranger.get_by_role("button", name="Revoke certificate")).to_have_count(0)
    axe_check(stranger)

    # The shipped course has no staff until an admin gives it an owner: an instructor who
    # does not teach it is offered no revoke button; its owner is.
    from lessons import services as lessons

    instructor = make_user(is_instructor=True)
    staff = new_page()
    log_in(staff, instructor.email)
    staff.goto(verify_url)
    expect(staff.get_by_role("button", name="Revoke certificate")).to_have_count(0)
    with app.app_context():
        course = lessons.get_course("tpm-vs-pm")
        lessons.add_staff(course, instructor.email, lessons.OPERATOR, lessons.StaffRole.OWNER)
        db.session.commit()  # as a request would, for the server to read
    staff.reload()
    staff.get_by_label("Reason for revoking").fill("Issued by mistake during a test.")
    staff.get_by_role("button", name="Revoke certificate").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("revoked")

    stranger.reload()
    expect(stranger.get_by_role("heading", level=1)).to_contain_text(
        "This certificate has been revoked"
    )
    expect(stranger.get_by_text("Issued by mistake during a test.")).to_be_visible()
