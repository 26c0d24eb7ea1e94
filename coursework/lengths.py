"""Text fits its column: one limit per field, read from the model.

Forms, API schemas, importers and services check input against the String(n) column it is
stored in, never against a number of their own, so PostgreSQL (which refuses longer text
with an error) and SQLite (which would keep it) answer the same 4xx, and a column widened
in a migration widens every check with it.
"""

from __future__ import annotations

from marshmallow import validate
from wtforms.validators import Length

from coursework.formatting import format_number
from coursework.i18n import N_, _, lazy_gettext


def max_length(attribute) -> int:
    """How many characters the String(n) column behind `attribute` (`Model.field`) holds."""
    return attribute.property.columns[0].type.length


def too_long(value: str, attribute) -> str | None:
    """The message for text longer than its column allows; None when it fits."""
    limit = max_length(attribute)
    if len(value) <= limit:
        return None
    return _(
        "Use at most %(limit)s characters (this has %(count)s).",
        limit=format_number(limit),
        count=format_number(len(value)),
    )


def fit(value: str, attribute) -> str:
    """Text we compose ourselves (a subject line), shortened to fit its column."""
    limit = max_length(attribute)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def form_length(attribute, message: str = N_("Use at most %(limit)s characters.")) -> Length:
    """A WTForms validator: at most the column's length. `message` is marked with `N_`,
    holds `%(limit)s`, and is translated each time it is shown (forms are built at import)."""
    limit = max_length(attribute)
    return Length(max=limit, message=lazy_gettext(message, limit=format_number(limit)))


def schema_length(attribute, *, min: int | None = None) -> validate.Length:
    """A marshmallow validator: at most the column's length."""
    return validate.Length(min=min, max=max_length(attribute))
