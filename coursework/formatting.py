"""The one home for showing dates, times and numbers: pages, mail, PDFs and CSV use it.

People read dates, times, numbers and percentages in their interface language (Babel's
CLDR data: "3 March 2026", "3 mars 2026", "٣ مارس ٢٠٢٦") and moments in their own time
zone (`coursework.timezones`). Machines read CSV, so CSV cells are ISO 8601 in UTC (`iso`).
Stored moments without a zone are UTC (see `coursework.db.utcnow`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import g, has_app_context, has_request_context

DEFAULT_LOCALE = "en"
# The interface's English is British ("organisation", 3 March 2026), so its dates are too.
REGIONS = {"en": "en_GB"}


def current_locale() -> Locale:
    """The request's interface language (or the one forced for a mail); English outside."""
    found = None
    if has_app_context():
        from flask_babel import get_locale

        found = get_locale()
    return _locale(found or DEFAULT_LOCALE)


def _locale(locale: Locale | str | None) -> Locale:
    if locale is None:
        return current_locale()
    return _parsed(str(locale))


# A report page formats hundreds of dates: each locale is parsed once per process, and each
# (day, format, locale) written once (a page repeats the same due dates and weeks).
@lru_cache(maxsize=64)
def _parsed(name: str) -> Locale:
    return Locale.parse(REGIONS.get(name, name))


@lru_cache(maxsize=8192)
def _day(value: date, format: str, locale: Locale) -> str:
    return babel_dates.format_date(value, format, locale=locale)


@lru_cache(maxsize=256)
def _skeleton_pattern(skeleton: str, locale: Locale) -> str:
    # Babel matches a skeleton against the locale's list on every call (about 0.1 ms).
    return locale.datetime_skeletons[
        babel_dates.match_skeleton(skeleton, locale.datetime_skeletons) or skeleton
    ]


def person_zone() -> tzinfo:
    """The signed-in person's time zone (their choice, else their organisation's), else UTC."""
    if not has_request_context():
        return UTC
    if "person_zone" not in g:
        from flask_login import current_user

        from coursework import timezones

        known = current_user and current_user.is_authenticated and current_user.id
        g.person_zone = timezones.zone_of(current_user) if known else UTC
    return g.person_zone


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_date(
    value: date | datetime | None,
    format: str = "long",
    *,
    locale: Locale | str | None = None,
    zone: tzinfo | None = None,
) -> str:
    """A calendar date ("long": 3 March 2026; "medium": 3 Mar 2026); a moment is first
    put in the person's zone, so it shows the day it was there. None shows as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone or person_zone()).date()
    return _day(value, format, _locale(locale))


def format_skeleton(skeleton: str, value: date, *, locale: Locale | str | None = None) -> str:
    """A date in the fields a CLDR skeleton names, in the locale's order and words ("dMMM":
    14 Sep, 14 sept., ١٤ سبتمبر)."""
    found = _locale(locale)
    return _day(value, _skeleton_pattern(skeleton, found), found)


def format_datetime(
    value: datetime | None,
    format: str = "medium",
    *,
    locale: Locale | str | None = None,
    zone: tzinfo | None = None,
) -> str:
    """A moment in the person's zone to the minute ("medium": 3 Mar 2026, 09:05; "short":
    03/03/2026, 09:05), with the zone's name so nobody guesses which."""
    if value is None:
        return ""
    locale = _locale(locale)
    where = zone or person_zone()
    moment = _aware(value).astimezone(where)
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1} à {0}"...).
    shown = str(locale.datetime_formats[format]).format(
        babel_dates.format_time(moment, "short", tzinfo=where, locale=locale),
        babel_dates.format_date(moment.date(), format, locale=locale),
    )
    return f"{shown} {_zone_name(where, moment)}"


def format_time(
    value: datetime | None,
    format: str = "short",
    *,
    locale: Locale | str | None = None,
    zone: tzinfo | None = None,
) -> str:
    """The time of day of a moment in the person's zone ("short": 09:05; "medium": 09:05:30),
    with the zone's name: a deadline within the hour needs no date."""
    if value is None:
        return ""
    where = zone or person_zone()
    moment = _aware(value).astimezone(where)
    shown = babel_dates.format_time(moment, format, tzinfo=where, locale=_locale(locale))
    return f"{shown} {_zone_name(where, moment)}"


def _zone_name(where: tzinfo, moment: datetime) -> str:
    # The IANA name (Europe/Paris) reads the same in every language; UTC stays "UTC".
    key = getattr(where, "key", None) or moment.tzname() or "UTC"
    return key.replace("_", " ")


def format_number(value: float | int | None, *, locale: Locale | str | None = None) -> str:
    """A number with the locale's grouping and decimal signs (English 12,345.5; French
    12 345,5)."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale(locale))


class LazyNumber:
    """A number formatted when it is shown, in the reader's language: for messages built
    at import time (`lazy_gettext("At most %(n)s", n=LazyNumber(20000))`)."""

    def __init__(self, value: float | int) -> None:
        self.value = value

    def __str__(self) -> str:
        return format_number(self.value)


def format_percent(
    value: float | int | None, *, locale: Locale | str | None = None, digits: int = 1
) -> str:
    """A score held as 0-100 (how the app stores them) as the locale writes a percentage
    (87.5% · 87,5 % · 87.5‎%‎), with at most `digits` decimals."""
    if value is None:
        return ""
    locale = _locale(locale)
    pattern = babel_numbers.parse_pattern(locale.percent_formats[None])
    pattern.frac_prec = (0, digits)
    return pattern.apply(value / 100, locale)


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for machines (CSV, JSON): a date as 2026-11-26, a moment as
    2026-11-26T09:30:00Z (UTC)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _aware(value).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def html_datetime(value: date | datetime) -> str:
    """A `<time datetime>` value HTML accepts: a date as is; a moment in UTC to the second.

    `isoformat()` writes microseconds and `+00:00`, which the HTML checker refuses as a
    "global date and time" with more than three fractional digits."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ" if value.tzinfo else "%Y-%m-%dT%H:%M:%S")
    return value.isoformat()
