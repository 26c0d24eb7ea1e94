"""An organisation in Chromium, from start to report: a manager signs up, starts an
organisation, invites two people (their links come from the outbox), both accept (one new
person signs up through the link, one existing account logs in), the manager assigns the
default course with a due date; one learner completes it in the browser, the other does
not. The dashboard, the CSV and the API say so, and once the due date has passed, the
second learner is overdue everywhere, on their own "My learning" page too."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date, timedelta

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from tests.support.browser import answer, fill_log_in, notice, shown
from tests.support.data import PASSWORD
from tests.support.mailbox import last_link

COURSE = "Technical Project Manager vs Project Manager"
SLUG = "harbour-training"


@pytest.fixture
def public_url(app, live_server):
    """Invitation links point at the server the browser is talking to."""
    before = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield live_server
    app.config["PUBLIC_URL"] = before


def sign_up(page: Page, name: str, email: str) -> None:
    """Sign up, confirm the address with the emailed link, and log in."""
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(last_link(email))  # the link in the email, from the outbox
    expect(page.get_by_role("heading", level=1)).to_have_text("Email address confirmed")
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    fill_log_in(page, email)


def pass_quiz(page: Page, app) -> None:
    page.get_by_role("button", name=re.compile("Start the quiz|Retake the quiz")).click()
    answer(page, shown(app, page), right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(notice(page, "You passed")).to_be_visible()


def complete_the_course(page: Page, app) -> None:
    """From the first lesson: every lesson marked complete and every quiz passed."""
    for _ in range(7):
        page.get_by_role("button", name="Mark as complete").click()
        expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
        pass_quiz(page, app)
        page.get_by_role("link", name="Back to the course").click()
        page.get_by_role("link", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Final quiz")
    pass_quiz(page, app)
    expect(notice(page, "earned your certificate")).to_be_visible()


def statuses_on_dashboard(page: Page, emails: list[str]) -> dict[str, str]:
    """The status each person's row of the dashboard's people table says, in words."""
    found = {}
    for email in emails:
        row = page.locator("tbody tr").filter(has_text=email)
        expect(row).to_have_count(1)
        text = row.inner_text()
        found[email] = next(
            label
            for label in ("Not started", "In progress", "Completed", "Overdue")
            if label in text
        )
    return found


def statuses_in_csv(page: Page, live_server: str) -> dict[str, str]:
    response = page.request.get(f"{live_server}/organisations/{SLUG}/report.csv")
    assert response.status == 200, response.text()[:300]
    assert response.headers["content-type"].startswith("text/csv")
    body = response.body().decode("utf-8")
    assert body.startswith("\ufeff")
    return {row["Email"]: row["Status"] for row in csv.DictReader(io.StringIO(body[1:]))}


def statuses_in_api(page: Page, live_server: str) -> dict[str, str]:
    response = page.request.get(f"{live_server}/api/v1/organisations/{SLUG}/report")
    assert response.status == 200, response.text()[:300]
    return {row["email"]: row["status"] for row in response.json()}


def test_an_organisation_from_sign_up_to_overdue(
    page: Page, new_page, app, make_user, default_quizzes, public_url, live_server, axe_check
):
    existing = make_user(email="eli@example.com", name="Eli Ekström")
    due = date.today() + timedelta(days=7)

    # The manager signs up and starts the organisation.
    page.goto("/signup")
    sign_up(page, "Mona Manager", "mona@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    axe_check(page)
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Enter the organisation's name."
    )
    axe_check(page)
    page.get_by_label("Organisation name").fill("Harbour Training")
    page.get_by_role("button", name="Create organisation").click()
    expect(page).to_have_url(f"{live_server}/organisations/{SLUG}/people")
    expect(notice(page, "Harbour Training is ready")).to_be_visible()
    axe_check(page)

    # One invitation by hand (after a typing mistake), one from a pasted list.
    page.get_by_label("Email address").fill("nia@example")
    page.get_by_label("Name (optional)").fill("Nia Nováková")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_contain_text("right format")
    expect(page.get_by_label("Name (optional)")).to_have_value("Nia Nováková")
    axe_check(page)
    page.get_by_label("Email address").fill("nia@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(notice(page, "Invitation for nia@example.com created")).to_be_visible()
    page.get_by_label("Paste a list").fill(
        "email,name\neli@example.com,Eli Ekström\nnot an email\n"
    )
    page.get_by_role("button", name="Invite everyone on the list").click()
    expect(page.get_by_role("heading", name="Your list: 1 of 2 people invited")).to_be_visible()
    expect(page.get_by_label("Paste a list")).to_have_value("not an email")
    axe_check(page)
    expect(page.get_by_text("No mail server is set up")).to_be_visible()
    nia_link = page.get_by_label("Invitation link for nia@example.com").input_value()
    eli_link = page.get_by_label("Invitation link for eli@example.com").input_value()
    assert nia_link.startswith(f"{live_server}/invitations/")

    # A new person signs up through the link, then accepts.
    nia = new_page()
    nia.goto(nia_link)
    expect(nia.get_by_role("heading", level=1)).to_have_text("Join Harbour Training")
    axe_check(nia)
    nia.get_by_role("link", name="Create an account").click()
    sign_up(nia, "Nia Nováková", "nia@example.com")
    expect(nia).to_have_url(nia_link)
    nia.get_by_role("button", name="Accept and join Harbour Training").click()
    expect(notice(nia, "You have joined Harbour Training")).to_be_visible()

    # Someone with an account logs in through the link, then accepts.
    eli = new_page()
    eli.goto(eli_link)
    eli.get_by_role("link", name="Log in", exact=True).last.click()
    fill_log_in(eli, existing.email)
    expect(eli).to_have_url(eli_link)
    axe_check(eli)
    eli.get_by_role("button", name="Accept and join Harbour Training").click()
    expect(notice(eli, "You have joined Harbour Training")).to_be_visible()
    # The link worked once.
    eli.goto(eli_link)
    expect(eli.get_by_role("heading", level=1)).to_have_text("This invitation link is not valid")

    page.reload()
    members = page.get_by_role("table", name="People in Harbour Training")
    expect(members.get_by_role("row")).to_have_count(4)  # the heading row and three people

    # The manager assigns the course to everyone, with a due date.
    page.get_by_role("navigation", name="Manage Harbour Training").get_by_role(
        "link", name="Assignments"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assignments")
    page.get_by_label("Course", exact=True).select_option(label=COURSE)
    expect(
        page.get_by_label("Everyone in the organisation, including people who join later")
    ).to_be_checked()
    page.get_by_label("Due date (optional)").fill(due.isoformat())
    page.get_by_role("button", name="Assign the course").click()
    expect(notice(page, f"“{COURSE}” is assigned.")).to_be_visible()
    axe_check(page)

    # Both see it first on "My learning", with its due date; one completes it.
    nia.goto("/my-learning")
    assigned = nia.get_by_role("list", name="Assigned to you")
    expect(assigned).to_contain_text("Assigned by Harbour Training.")
    expect(assigned).to_contain_text(f"Due {due.strftime('%-d %B %Y')}")
    expect(assigned.get_by_text("Not started")).to_be_visible()
    axe_check(nia)
    assigned.get_by_role("link", name=f"Start {COURSE}").click()
    complete_the_course(nia, app)

    eli.goto("/my-learning")
    eli.get_by_role("list", name="Assigned to you").get_by_role(
        "link", name=f"Start {COURSE}"
    ).click()
    expect(eli.get_by_role("button", name="Mark as complete")).to_be_visible()

    # The dashboard, the CSV and the API agree.
    page.get_by_role("navigation", name="Manage Harbour Training").get_by_role(
        "link", name="Dashboard"
    ).click()
    expect(page).to_have_url(f"{live_server}/organisations/{SLUG}/dashboard")
    axe_check(page)
    emails = ["nia@example.com", "eli@example.com"]
    assert statuses_on_dashboard(page, emails) == {
        "nia@example.com": "Completed",
        "eli@example.com": "In progress",
    }
    csv_statuses = statuses_in_csv(page, live_server)
    assert {e: csv_statuses[e] for e in emails} == {
        "nia@example.com": "Completed",
        "eli@example.com": "In progress",
    }
    api_statuses = statuses_in_api(page, live_server)
    assert {e: api_statuses[e] for e in emails} == {
        "nia@example.com": "completed",
        "eli@example.com": "in_progress",
    }

    # The due date passes: the manager moves it to yesterday.
    page.goto(f"/organisations/{SLUG}/assignments")
    page.get_by_label(re.compile("^Due date for")).fill(
        (date.today() - timedelta(days=1)).isoformat()
    )
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(notice(page, "That date has passed")).to_be_visible()
    expect(page.get_by_text("Date passed")).to_be_visible()

    page.goto(f"/organisations/{SLUG}/dashboard")
    assert statuses_on_dashboard(page, emails) == {
        "nia@example.com": "Completed",
        "eli@example.com": "Overdue",
    }
    csv_statuses = statuses_in_csv(page, live_server)
    assert {e: csv_statuses[e] for e in emails} == {
        "nia@example.com": "Completed",
        "eli@example.com": "Overdue",
    }
    api_statuses = statuses_in_api(page, live_server)
    assert {e: api_statuses[e] for e in emails} == {
        "nia@example.com": "completed",
        "eli@example.com": "overdue",
    }

    # The learner is told too, in words; the one who finished is not.
    eli.goto("/my-learning")
    expect(eli.get_by_role("list", name="Assigned to you").get_by_text("Overdue")).to_be_visible()
    axe_check(eli)
    nia.goto("/my-learning")
    expect(nia.get_by_role("list", name="Assigned to you").get_by_text("Overdue")).to_have_count(0)
    expect(nia.get_by_text("Course completed.")).to_be_visible()
