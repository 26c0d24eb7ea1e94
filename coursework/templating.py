"""Template filters that every layer's pages share."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask


def html_datetime(value: date | datetime) -> str:
    """A `<time datetime>` value HTML accepts: a date as is; a moment in UTC to the second.

    `isoformat()` writes microseconds and `+00:00`, which the HTML checker refuses as a
    "global date and time" with more than three fractional digits."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ" if value.tzinfo else "%Y-%m-%dT%H:%M:%S")
    return value.isoformat()


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(html_datetime, "html_datetime")
