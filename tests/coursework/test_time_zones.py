"""Time zones: reminders fire once, in the first hourly run after the learner's local
midnight, in the zone they chose, else their organisation's, else UTC; managers and
learners set the zones on their pages, and only valid IANA names are kept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coursework import timezones
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.mail import OutboxMessage
from coursework.organisations import reminders
from coursework.organisations import services as organisations
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.orgkit import organisation_with_learner

DUE = date(2027, 3, 20)


@pytest.fixture
def acme(make_user, course):
    return organisation_with_learner(make_user, course, due_on=DUE)


def subjects() -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage.subject)
            .where(OutboxMessage.to == "lea@example.com")
            .order_by(OutboxMessage.id)
        )
    )


def hourly(first: datetime, hours: int, send=reminders.send_due_reminders) -> dict[str, list]:
    """Run the job at minute 5 of each hour (twice: a repeat sends nothing); which run
    (UTC) sent what."""
    seen: dict[str, list] = {}
    for n in range(hours):
        at = first + timedelta(hours=n)
        before = len(subjects())
        send(at)
        send(at)
        db.session.commit()
        new = subjects()[before:]
        if new:
            seen[at.strftime("%Y-%m-%d %H:%M")] = new
    return seen


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "seven_days", "one_day", "overdue"),
    [
        # NZDT, UTC+13: local midnight is 11:00 UTC the day before.
        ("Pacific/Auckland", "2027-03-12 11:05", "2027-03-18 11:05", "2027-03-20 11:05"),
        # PDT, UTC-7 (from 14 March 2027; PST, UTC-8, before it).
        ("America/Los_Angeles", "2027-03-13 08:05", "2027-03-19 07:05", "2027-03-21 07:05"),
        ("UTC", "2027-03-13 00:05", "2027-03-19 00:05", "2027-03-21 00:05"),
    ],
)
def test_due_reminders_fire_once_after_local_midnight_in_the_organisations_zone(
    acme, zone, seven_days, one_day, overdue
):
    org, boss, _ = acme
    organisations.set_time_zone(org, zone, boss)
    db.session.commit()
    seen = {}
    for moment in (seven_days, one_day, overdue):
        # From three hours before the run that should send, to three after.
        seen |= hourly(utc(moment) - timedelta(hours=3), 7)
    assert seen == {
        seven_days: ["Kitchen Safety is due in 7 days"],
        one_day: ["Kitchen Safety is due tomorrow"],
        overdue: ["Kitchen Safety is overdue"],
    }
    # Whole days around them send nothing more.
    assert hourly(utc(overdue) + timedelta(hours=1), 30) == {}


def test_a_persons_own_zone_wins_over_the_organisations(acme):
    org, boss, lea = acme
    organisations.set_time_zone(org, "America/Los_Angeles", boss)
    lea.time_zone = "Pacific/Auckland"
    db.session.commit()
    assert timezones.zone_of(lea) == ZoneInfo("Pacific/Auckland")
    assert timezones.zone_of(boss) == ZoneInfo("America/Los_Angeles")
    assert hourly(utc("2027-03-12 10:05"), 2) == {
        "2027-03-12 11:05": ["Kitchen Safety is due in 7 days"]
    }


def test_without_an_organisation_or_a_choice_the_zone_is_utc(make_user):
    loner = make_user()
    assert timezones.zone_of(loner) == ZoneInfo("UTC")
    loner.time_zone = "Not/AZone"  # written around the checks: still loads, as UTC
    assert timezones.zone_of(loner) == ZoneInfo("UTC")


def test_certificate_reminders_and_their_dates_follow_the_learners_zone(acme, course):
    _, _, lea = acme
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(lea, lesson)
    db.session.commit()
    (certificate,) = db.session.scalars(select(Certificate))
    # 20:00 UTC on 1 June is already 2 June in Auckland (NZST, UTC+12).
    certificate.expires_at = utc("2027-06-01 20:00")
    lea.time_zone = "Pacific/Auckland"
    db.session.commit()
    send = reminders.send_certificate_reminders
    assert hourly(utc("2027-05-02 10:05"), 4, send) == {
        "2027-05-02 12:05": ["Your Kitchen Safety certificate expires in 30 days"]
    }
    body = db.session.scalar(
        select(OutboxMessage.body).where(OutboxMessage.subject.endswith("in 30 days"))
    )
    assert "expires on 2 June 2027" in body
    assert hourly(utc("2027-06-01 10:05"), 4, send) == {
        "2027-06-01 12:05": ["Your Kitchen Safety certificate has expired"]
    }


def test_learners_choose_their_zone_on_the_preferences_page(app, client, login, acme):
    org, boss, lea = acme
    organisations.set_time_zone(org, "Europe/Paris", boss)
    db.session.commit()
    login(client, lea)
    page = client.get("/account/preferences").get_data(as_text=True)
    assert "Your organisation\u2019s (Europe/Paris)" in page
    assert '<option value="Pacific/Auckland">Pacific/Auckland</option>' in page
    response = client.post("/account/preferences", data={"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    db.session.expire_all()
    assert lea.time_zone is None
    kinds = {"kinds": ["assignment_reminders"]}
    response = client.post("/account/preferences", data={"time_zone": "Asia/Kolkata", **kinds})
    assert response.status_code == 302
    db.session.expire_all()
    assert lea.time_zone == "Asia/Kolkata"
    page = client.get("/account/preferences").get_data(as_text=True)
    assert '<option value="Asia/Kolkata" selected>' in page
    client.post("/account/preferences", data={"time_zone": "", **kinds})  # back to the default
    db.session.expire_all()
    assert lea.time_zone is None


def test_managers_set_the_organisations_zone(app, client, login, acme, monkeypatch):
    org, boss, lea = acme
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    url = f"/organisations/{org.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="UTC">UTC</option>' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(url, data={"time_zone": "Asia/Tokyo"}).status_code == 400  # no token
    response = client.post(url, data={"csrf_token": token, "time_zone": "Asia/Tokio"})
    assert response.status_code == 400
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "time_zone": "Asia/Tokyo"})
    assert response.status_code == 303
    db.session.expire_all()
    assert org.time_zone == "Asia/Tokyo"
    assert timezones.zone_of(lea) == ZoneInfo("Asia/Tokyo")
    client.post("/logout", data={"csrf_token": token})
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login(client, lea)  # a member, not a manager
    assert client.get(url).status_code == 404
