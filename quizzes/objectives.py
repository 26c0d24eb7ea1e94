"""Which learning objective each question checks, stated in the GIFT file beside it.

A comment line just above a question carries Moodle's own question-tag syntax, so Moodle
imports it as a tag and our reader (which skips comments) is unaffected:

    // [tag:objective-3.2]
    ::Keeping the record::
    A client asks ... {...}

`3.2` is the second objective listed in the front matter of the lesson whose `order` is 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TITLE = re.compile(r"^::(.*?)::")
_TAG = re.compile(r"\[tag:objective-(\d+\.\d+)\]")


def objective_tags(gift_text: str) -> dict[str, list[str]]:
    """Each titled question's objective ids, from the comment lines just above its title.

    A blank line ends a question's block in GIFT, so it also drops tags not yet claimed."""
    tags: dict[str, list[str]] = {}
    pending: list[str] = []
    for raw in gift_text.splitlines():
        line = raw.strip()
        if not line:
            pending = []
        elif line.startswith("//"):
            pending.extend(_TAG.findall(line))
        elif match := _TITLE.match(line):
            tags[match.group(1).strip()] = pending
            pending = []
    return tags


def objective_ids(lessons: Iterable[tuple[int, Iterable[str]]]) -> dict[str, str]:
    """`{"3.2": "Give examples of ..."}` from each lesson's order and its objectives."""
    return {
        f"{order}.{number}": text
        for order, objectives in lessons
        for number, text in enumerate(objectives, start=1)
    }
