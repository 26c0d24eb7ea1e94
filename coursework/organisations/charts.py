"""The dashboard's charts as inline SVG: plain functions of numbers, no Flask, no database.

Each chart is an image with a title and a description (`role="img"`, `aria-labelledby`);
the page shows the same numbers again as a table. Colour is never the only signal: every
status has its own fill pattern, a legend entry in words, and its count written in words
under its bar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from markupsafe import Markup, escape

from coursework.formatting import format_skeleton
from coursework.i18n import _, ngettext
from coursework.organisations.report import Row, Status

WIDTH = 520  # drawn at about its natural size beside its table on a desktop
WEEKS = 12

# Fill, pattern marks and the text colour that reads on the fill, for each status.
_STYLES: dict[Status, dict[str, str]] = {
    Status.NOT_STARTED: {"fill": "#e3e7ed", "mark": "", "stroke": "#6b7685"},
    Status.IN_PROGRESS: {"fill": "#f3c178", "mark": "stripes", "stroke": "#7a3f00"},
    Status.COMPLETED: {"fill": "#0f6b3a", "mark": "", "stroke": "#0f6b3a"},
    Status.OVERDUE: {"fill": "#b42318", "mark": "crosshatch", "stroke": "#b42318"},
}


class CourseLike(Protocol):
    id: int
    title: str


@dataclass(frozen=True)
class CourseCounts:
    """How many people assigned a course stand at each status."""

    course_id: int
    title: str
    counts: Mapping[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class WeekCount:
    """Completions in the week starting on `start` (a Monday)."""

    start: date
    count: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def status_by_course(rows: Iterable[Row], courses: Sequence[CourseLike]) -> list[CourseCounts]:
    """One entry per course, in the order given, counting the rows at each status."""
    return course_counts(Counter((row.course_id, row.status) for row in rows), courses)


def course_counts(
    tally: Mapping[tuple[int, Status], int], courses: Sequence[CourseLike]
) -> list[CourseCounts]:
    """One entry per course, in the order given, from counts per (course id, status)."""
    return [
        CourseCounts(
            course.id,
            course.title,
            {status: tally.get((course.id, status), 0) for status in Status},
        )
        for course in courses
    ]


def completions_by_week(rows: Iterable[Row], today: date, weeks: int = WEEKS) -> list[WeekCount]:
    """Completions per week (Monday to Sunday, UTC) for the last `weeks` weeks, this week
    last; completions before the first of them are not counted."""
    days = Counter(_day(row.completed_at) for row in rows if row.completed_at is not None)
    return weekly(days, today, weeks)


def first_week(today: date, weeks: int = WEEKS) -> date:
    """The Monday the weekly chart starts on."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def weekly(days: Mapping[date, int], today: date, weeks: int = WEEKS) -> list[WeekCount]:
    """Completions per day folded into the chart's weeks (days after today left out)."""
    starts = [first_week(today, weeks) + timedelta(weeks=n) for n in range(weeks)]
    counts: Counter[date] = Counter()
    for day, count in days.items():
        if day <= today:
            counts[day - timedelta(days=day.weekday())] += count
    return [WeekCount(start, counts[start]) for start in starts]


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


# ---- drawing ---------------------------------------------------------------------------


def _patterns(prefix: str) -> str:
    parts = []
    for status, style in _STYLES.items():
        mark = style["mark"]
        if not mark:
            continue
        pid = f"{prefix}-{status.value}"
        if mark == "stripes":
            lines = '<path d="M-2 2l4-4M0 8l8-8M6 10l4-4" stroke="#7a3f00" stroke-width="1.4"/>'
        else:
            lines = (
                '<path d="M0 0l8 8M8 0l-8 8" stroke="#ffffff" stroke-width="1.3" '
                'stroke-opacity="0.75"/>'
            )
        parts.append(
            f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{style["fill"]}"/>{lines}</pattern>'
        )
    return "<defs>" + "".join(parts) + "</defs>"


def _fill(prefix: str, status: Status) -> str:
    style = _STYLES[status]
    return f"url(#{prefix}-{status.value})" if style["mark"] else style["fill"]


def _legend(prefix: str, y: int) -> str:
    parts = []
    x = 0
    for status in Status:
        parts.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" rx="2" fill="{_fill(prefix, status)}" '
            f'stroke="{_STYLES[status]["stroke"]}"/>'
            f'<text x="{x + 22}" y="{y + 13}" class="chart__legend">{status.label}</text>'
        )
        x += 40 + 8 * len(status.label)
    return "".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _people(n: int) -> str:
    return ngettext("%(num)s person", "%(num)s people", n)


def counts_sentence(counts: Mapping[Status, int]) -> str:
    """'3 completed, 2 in progress, 1 overdue, 4 not started' (only the non-zero ones)."""
    words = [
        f"{counts[status]} {status.label.lower()}"
        for status in (Status.COMPLETED, Status.IN_PROGRESS, Status.OVERDUE, Status.NOT_STARTED)
        if counts.get(status)
    ]
    return ", ".join(words) or _("nobody")


def status_chart(series: Sequence[CourseCounts], prefix: str = "status") -> Markup:
    """Stacked horizontal bars, one per course: the share of its people at each status."""
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    legend_h, row_h, bar_h = 34, 74, 22
    height = legend_h + max(1, len(series)) * row_h
    total_w = WIDTH - 90
    described = "; ".join(f"{course.title}: {counts_sentence(course.counts)}" for course in series)
    parts = [
        f'<svg class="chart__svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_("Status of each assigned course"))}</title>',
        f'<desc id="{desc_id}">{escape(described or _("No courses are assigned."))}</desc>',
        _patterns(prefix),
        _legend(prefix, 2),
    ]
    for i, course in enumerate(series):
        top = legend_h + i * row_h
        bar_y = top + 24
        parts.append(
            f'<text x="0" y="{top + 16}" class="chart__label">'
            f"{escape(_shorten(course.title, 58))}</text>"
        )
        parts.append(
            f'<rect x="0" y="{bar_y}" width="{total_w}" height="{bar_h}" rx="3" '
            f'fill="#ffffff" stroke="#d5dae1"/>'
        )
        x = 0.0
        for status in Status:
            n = course.counts.get(status, 0)
            if not n or not course.total:
                continue
            w = total_w * n / course.total
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{_fill(prefix, status)}" stroke="#ffffff" stroke-width="1.5">'
                f"<title>{escape(status.label)}: {n}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{total_w + 10}" y="{bar_y + 16}" class="chart__value">'
            f"{escape(_people(course.total))}</text>"
        )
        parts.append(
            f'<text x="0" y="{bar_y + bar_h + 18}" class="chart__tick">'
            f"{escape(counts_sentence(course.counts))}</text>"
        )
    if not series:
        parts.append(
            f'<text x="0" y="{legend_h + 30}" class="chart__tick">'
            + escape(_("No courses are assigned."))
            + "</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _month(day: date) -> str:
    """The month's short name in the page's language ("Sep", "sept.", "سبتمبر")."""
    return format_skeleton("MMM", day)


def week_label(start: date) -> str:
    # "14 Sep", "14 sept.", in the page's language.
    return format_skeleton("dMMM", start)


def weekly_chart(weeks: Sequence[WeekCount], prefix: str = "weekly") -> Markup:
    """Vertical bars: completions in each of the last weeks, the number above each bar."""
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    left, base, plot_h, height = 32, 190, 160, 250
    slot = (WIDTH - left - 8) / max(1, len(weeks))
    bar_w = slot * 0.7
    top = max([w.count for w in weeks] + [1])
    total = sum(w.count for w in weeks)
    described = ngettext(
        "%(num)s completion in the last %(weeks)s weeks.",
        "%(num)s completions in the last %(weeks)s weeks.",
        total,
        weeks=len(weeks),
    )
    described += " " + "; ".join(
        _("week of %(start)s: %(count)s", start=week_label(w.start), count=w.count) for w in weeks
    )
    parts = [
        f'<svg class="chart__svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_("Completions per week"))}</title>',
        f'<desc id="{desc_id}">{escape(described)}</desc>',
        f'<line x1="{left - 4}" y1="{base}" x2="{WIDTH - 8}" y2="{base}" class="chart__axis"/>',
        f'<line x1="{left - 4}" y1="{base - plot_h}" x2="{WIDTH - 8}" y2="{base - plot_h}" '
        f'class="chart__grid"/>',
        f'<text x="{left - 10}" y="{base + 4}" class="chart__tick" text-anchor="end">0</text>',
        f'<text x="{left - 10}" y="{base - plot_h + 4}" class="chart__tick" '
        f'text-anchor="end">{top}</text>',
    ]
    for i, week in enumerate(weeks):
        x = left + i * slot + (slot - bar_w) / 2
        h = week.count / top * plot_h
        middle = x + bar_w / 2
        if week.count:
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'rx="3" class="chart__bar chart__bar--pass"/>'
            )
        parts.append(
            f'<text x="{middle:.1f}" y="{base - h - 6:.1f}" text-anchor="middle" '
            f'class="chart__value">{week.count}</text>'
        )
        parts.append(
            f'<text x="{middle:.1f}" y="{base + 17}" text-anchor="middle" class="chart__tick">'
            f'{week.start.day}<tspan x="{middle:.1f}" dy="14">'
            f"{escape(_month(week.start))}</tspan></text>"
        )
    parts.append(
        f'<text x="{left + (WIDTH - left) / 2:.0f}" y="{base + 52}" text-anchor="middle" '
        f'class="chart__caption">'
        + escape(_("Week starting (Monday) · completions above each bar"))
        + "</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))
