"""Template filters that every layer's pages share."""

from __future__ import annotations

from flask import Flask

from coursework import formatting
from coursework.formatting import html_datetime

__all__ = ["html_datetime", "register_template_filters"]


def register_template_filters(app: Flask) -> None:
    # One home for dates and numbers (coursework.formatting): `{{ moment|datetime }}`,
    # `{{ day|date }}`, `{{ day|date('medium') }}`, `{{ n|number }}`, `{{ score|percent }}`.
    app.add_template_filter(html_datetime, "html_datetime")
    app.add_template_filter(formatting.format_date, "date")
    app.add_template_filter(formatting.format_datetime, "datetime")
    app.add_template_filter(formatting.format_number, "number")
    app.add_template_filter(formatting.format_percent, "percent")
