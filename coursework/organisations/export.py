"""The organisation report as CSV, one encoded line at a time.

Plain functions of report rows (no Flask, no database), so the dashboard's download and the
API can share them: `cells` turns a row into the cells of one line, `lines` streams a whole
file (UTF-8 with a byte-order mark, so spreadsheets read accents right; RFC 4180 quoting,
so commas, quotes and line breaks inside names survive).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime

from coursework.i18n import lazy_gettext
from coursework.organisations.report import Row

BOM = "\ufeff"

HEADER = (
    lazy_gettext("Name"),
    lazy_gettext("Email"),
    lazy_gettext("Course"),
    lazy_gettext("Due date"),
    lazy_gettext("Status"),
    lazy_gettext("Percent"),
    lazy_gettext("Lessons done"),
    lazy_gettext("Lessons total"),
    lazy_gettext("Best score"),
    lazy_gettext("Latest score"),
    lazy_gettext("Attempts"),
    lazy_gettext("Last activity"),
    lazy_gettext("Completed at"),
    lazy_gettext("Certificate code"),
    lazy_gettext("Certificate URL"),
)

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float


def neutralise(value: Cell | None) -> Cell:
    """Text a spreadsheet will show rather than run: text that starts like a formula gets a
    leading single quote. Numbers stay numbers; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso(value: date | datetime | None) -> str:
    """ISO 8601: a date as 2026-11-26, a moment as 2026-11-26T09:30:00Z (UTC)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored as UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def _score(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def cells(row: Row, certificate_url: Callable[[str], str]) -> list[Cell]:
    """The cells of one CSV line, in the order of HEADER, already neutralised."""
    code = row.certificate_code
    values: list[Cell | None] = [
        row.name,
        row.email,
        row.course_title,
        iso(row.due_on),
        row.status.label,
        row.percent,
        row.lessons_done,
        row.lessons_total,
        _score(row.best_score),
        _score(row.latest_score),
        row.attempts,
        iso(row.last_activity),
        iso(row.completed_at),
        code,
        certificate_url(code) if code else None,
    ]
    return [neutralise(value) for value in values]


class _Line:
    """A file-like object whose `write` hands back what it was given, so `csv.writer`
    returns each line instead of collecting them."""

    def write(self, text: str) -> str:
        return text


def lines(
    rows: Iterable[Row], certificate_url: Callable[[str], str], *, bom: bool = True
) -> Iterator[bytes]:
    """The whole file, one UTF-8 line at a time: header first (after the byte-order mark)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield ((BOM if bom else "") + writer.writerow([neutralise(str(h)) for h in HEADER])).encode()
    for row in rows:
        yield writer.writerow(cells(row, certificate_url)).encode()


def filename(slug: str, today: date) -> str:
    return f"{slug}-progress-{today.isoformat()}.csv"
