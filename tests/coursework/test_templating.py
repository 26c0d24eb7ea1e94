"""`<time datetime>` values that HTML accepts (issue 11, item 16)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from coursework.templating import html_datetime

ROOT = Path(__file__).resolve().parents[2]


def test_moments_are_utc_to_the_second():
    moment = datetime(2026, 12, 1, 6, 5, 7, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert html_datetime(moment) == "2026-12-01T04:05:07Z"
    assert (
        html_datetime(datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    )
    assert html_datetime(datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05"


def test_dates_stay_dates():
    assert html_datetime(date(2026, 2, 28)) == "2026-02-28"


def test_every_template_writes_time_through_the_filter():
    # A template that calls isoformat() puts microseconds back into the page.
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("coursework", "lessons", "quizzes")
        for path in (ROOT / folder).rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for value in re.findall(r'datetime="([^"]*)"', line)
        if "html_datetime" not in value
    ]
    assert offenders == []


def test_a_page_shows_times_without_microseconds(client, make_user, login, course):
    login(client, make_user())
    assert client.get(f"/courses/{course.slug}/lessons/knives").status_code == 200
    page = client.get("/my-learning").get_data(as_text=True)
    values = re.findall(r'<time datetime="([^"]*)"', page)
    assert values, page
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?", value) for value in values)
