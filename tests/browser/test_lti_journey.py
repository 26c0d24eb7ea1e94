"""An LMS page on another site frames Coursework: the LMS (a platform started inside the
test, on `localhost`) opens the tool's login initiation in an iframe, the launch signs the
learner in, and the linked lesson renders in the frame, signed in, with the session cookie
partitioned to that LMS and no CSP violation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import expect

from coursework.extensions import db
from coursework.lti import services as lti
from coursework.organisations import services as organisations
from lessons import services as lessons
from tests.support.lti_platform import Person, Platform, RunningPlatform


@pytest.fixture
def lms(app, live_server, make_user) -> Iterator[Platform]:
    before = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    server = RunningPlatform(Platform(tool_url=live_server), name="localhost")
    fake = server.platform
    manager = make_user()
    organisation = organisations.create_organisation("Acme", manager)
    lti.register_platform(organisation, fake.registration())
    fake.tool_keys = lti.tool_key_set()
    yield fake
    server.stop()
    app.config["PUBLIC_URL"] = before


def test_an_lms_page_frames_a_launched_lesson_signed_in(page, lms, course, live_server):
    lesson = lessons.get_lesson(course, "heat")
    db.session.commit()
    learner = Person("lms-user-kim", "Kim Framed")
    lms.pending["heat"] = lms.resource_link(
        learner, custom={"coursework_resource": f"lesson:{lesson.id}"}
    )
    page.goto(f"{lms.base}/course?hint=heat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding 101")
    frame = page.frame_locator("#tool")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Heat", timeout=15_000)
    expect(frame.get_by_text("Turn pan handles inward.")).to_be_visible()
    expect(frame.get_by_role("link", name="Kim Framed (your account)")).to_be_visible()
    cookies = page.context.cookies(live_server)
    session = next(cookie for cookie in cookies if cookie["name"] == "session")
    assert session["sameSite"] == "None" and session["secure"]
    # The learner completes the lesson inside the frame: forms work there too.
    frame.get_by_role("button", name="Mark as complete").click()
    expect(frame.get_by_text("completed", exact=False).first).to_be_visible()
