"""Helpers for API responses dumped from their schemas, so every field is named once.

A view returns the objects it has (a model row, a service's result) and, where a response
needs a value the object does not hold (a slug looked up for a whole page at once), wraps
it with `Extended`; the response schema reads both by attribute.
"""

from __future__ import annotations

from marshmallow import fields


class Extended:
    """An object with the values a view adds to it. The schema reads the added values and,
    for anything else, the object's own attributes; a value the view leaves out (an answer
    key a review level does not allow) is left out of the response."""

    def __init__(self, base: object, **extra: object) -> None:
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name: str):
        return getattr(self._base, name)


class Grouped(fields.Nested):
    """A nested object in the response made of the object's own attributes (a flat row whose
    `course_slug` and `course_title` the response groups as `course`)."""

    def __init__(self, nested, **kwargs) -> None:
        super().__init__(nested, dump_only=True, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj
