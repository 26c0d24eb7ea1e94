"""Long work in Chromium: a manager pastes a long list of people, lands on the job's page,
watches its progress bar (moved by the page's script as the worker goes) reach 100%, and
follows the link to the people page, where the invitations are."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from coursework import jobs
from coursework.organisations import services as organisations
from tests.support.browser import fill_log_in
from tests.support.data import PASSWORD

PEOPLE = 30


@pytest.fixture
def manager(app, monkeypatch):
    from coursework.accounts import services as accounts

    monkeypatch.setitem(app.config, "JOB_INVITATIONS_OVER", 10)
    monkeypatch.setitem(app.config, "JOB_BATCH", 5)
    boss = accounts.create_user("bea@example.com", "Bea Boss", PASSWORD)
    organisations.create_organisation("Harbour Training", boss)
    return boss


@pytest.fixture
def held_queue(monkeypatch):
    """The job waits, as it would for a busy worker, until the test runs it."""
    held: list[int] = []
    monkeypatch.setattr(jobs.tasks, "enqueue_after_commit", lambda task, *args: held.append(args))
    return held


def test_a_manager_watches_a_bulk_invitation_reach_100_percent(
    page: Page, manager, held_queue, monkeypatch, axe_check
):
    page.goto("/login")
    fill_log_in(page, "bea@example.com")
    page.goto("/organisations/harbour-training/people")
    addresses = "\n".join(f"crew{n}@example.com" for n in range(1, PEOPLE + 1))
    page.get_by_label("Paste a list").fill(addresses)
    page.get_by_role("button", name="Invite everyone on the list").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inviting 30 people to Harbour Training"
    )
    bar = page.locator("progress")
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_role("heading", name="Waiting to start")).to_be_visible()
    axe_check(page)

    # The worker takes the job; each batch pauses, so the page sees the bar move.
    checkpoint = jobs.checkpoint
    seen: list[str] = []

    def slow(job, done, message=None):
        checkpoint(job, done, message)
        page.wait_for_timeout(400)  # the page's script polls meanwhile
        seen.append(bar.get_attribute("value") or "")

    monkeypatch.setattr(jobs, "checkpoint", slow)
    ((job_id,),) = held_queue
    jobs.run.call_local(job_id)

    expect(bar).to_have_attribute("value", "100")
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.get_by_text("30 of 30 people invited.").first).to_be_visible()
    assert any(value not in ("0", "100") for value in seen), seen  # it moved on the way
    axe_check(page)

    page.get_by_role("link", name="Go to People and the outbox").click()
    expect(page).to_have_url(re.compile(r"/organisations/harbour-training/people$"))
    expect(page.get_by_text("crew30@example.com").first).to_be_visible()
