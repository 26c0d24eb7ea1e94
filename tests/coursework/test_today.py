"""One "today": the UTC clock's moment read in the person's or organisation's zone, never
the server's own calendar. Around midnight the learner's page and the manager's report
agree about "overdue", whatever zone the server runs in."""

from __future__ import annotations

import ast
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coursework import timezones
from coursework.extensions import db
from coursework.organisations import services as organisations
from tests.support.orgkit import organisation_with_learner

ROOT = Path(__file__).resolve().parents[2]
DUE = date(2027, 3, 20)
# Half an hour before midnight UTC on the due date: still the due date in UTC (and so not
# overdue there), already the next day in Auckland (UTC+13) and on Kiritimati (UTC+14).
LATE_EVENING = datetime(2027, 3, 20, 23, 30, tzinfo=UTC)


@pytest.fixture
def server_a_day_ahead():
    """The process's own zone a day ahead of UTC, as a server configured for Kiritimati."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Kiritimati"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_today_reads_the_utc_clock_in_the_zone_asked():
    assert timezones.today(now=LATE_EVENING) == DUE
    assert timezones.today("Pacific/Auckland", LATE_EVENING) == date(2027, 3, 21)
    assert timezones.today("America/Los_Angeles", LATE_EVENING) == DUE
    assert timezones.today("No/Such_Zone", LATE_EVENING) == DUE  # unknown: UTC


@pytest.mark.parametrize(("zone", "overdue"), [("UTC", False), ("Pacific/Auckland", True)])
def test_the_learner_and_the_report_agree_about_overdue_around_midnight(
    app, client, login, make_user, course, monkeypatch, server_a_day_ahead, zone, overdue
):
    organisation, boss, learner = organisation_with_learner(make_user, course, due_on=DUE)
    organisations.set_time_zone(organisation, zone, boss)
    slug, learner_id = organisation.slug, learner.id
    db.session.commit()
    monkeypatch.setattr(timezones, "utcnow", lambda: LATE_EVENING)

    login(client, learner)
    mine = client.get("/my-learning").get_data(as_text=True)
    assert ("tag--overdue" in mine) is overdue

    manager = app.test_client()
    login(manager, boss)
    person = manager.get(f"/organisations/{slug}/people/{learner_id}")
    assert person.status_code == 200
    assert ("1 overdue" in person.get_data(as_text=True)) is overdue
    csv = manager.get(f"/organisations/{slug}/report.csv").get_data(as_text=True)
    assert (",2027-03-20,Overdue," in csv) is overdue
    assert (",2027-03-20,Not started," in csv) is not overdue


def test_no_app_code_asks_the_servers_own_calendar():
    """`date.today()` and a zone-less `datetime.now()` are the server's calendar."""
    found = []
    for package in ("coursework", "lessons", "quizzes"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                owner = node.func.value
                name = owner.id if isinstance(owner, ast.Name) else ""
                if (name, node.func.attr) in {("date", "today"), ("datetime", "today")} or (
                    (name, node.func.attr) == ("datetime", "now") and not node.args
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
