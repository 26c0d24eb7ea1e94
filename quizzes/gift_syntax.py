"""GIFT's small pieces, shared by the file reader (`quizzes.gift`) and each kind's block.

The file reader cuts a file into questions and finds each one's answer block; the kind whose
syntax the block is written in (`QuestionKind.reads_gift`) reads it with these helpers and
writes it back with a `BlockWriter`. Pure: no Flask, no database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

ESCAPABLE = "\\~=#{}:"
# Stands in for an escaped character in `Text.live`, so no search ever takes it for syntax.
MASK = "\x00"
FORMAT_TAG = re.compile(r"\[(plain|moodle|markdown|html)\]")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
INDENT = "    "


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a GIFT file: the 1-based line of the question (or the offending
    line inside it), or 0 for the file as a whole, and what an author should fix."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


Problems = list[Problem]

# --- reading -------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\([\\~=#{}:n])")


def _unescape(match: re.Match) -> str:
    return "\n" if match.group(1) == "n" else match.group(1)


class Text:
    """Question source with its escapes resolved.

    `plain` is the literal text; `live` is the same text with every escaped character masked,
    so searching `live` finds only characters that act as syntax; `lines` holds each
    character's line number. Slicing keeps the three aligned.
    """

    __slots__ = ("lines", "live", "plain")

    def __init__(self, plain: str, live: str, lines: tuple[int, ...]) -> None:
        self.plain = plain
        self.live = live
        self.lines = lines

    @classmethod
    def scan(cls, block: list[tuple[int, str]]) -> Text:
        plain: list[str] = []
        live: list[str] = []
        lines: list[int] = []
        for index, (number, line) in enumerate(block):
            if index:
                plain.append("\n")
                live.append("\n")
                lines.append(number)
            if "\\" in line:
                # A backslash before anything else is kept as written, as in Moodle.
                live.append(_ESCAPE.sub(MASK, line))
                line = _ESCAPE.sub(_unescape, line)
            else:
                live.append(line)
            plain.append(line)
            lines.extend([number] * len(line))
        return cls("".join(plain), "".join(live), tuple(lines))

    def __getitem__(self, key: slice) -> Text:
        return Text(self.plain[key], self.live[key], self.lines[key])

    def __len__(self) -> int:
        return len(self.live)

    def find(self, syntax: str, start: int = 0) -> int:
        return self.live.find(syntax, start)

    def strip(self) -> Text:
        start = len(self.live) - len(self.live.lstrip())
        return self[start : max(start, len(self.live.rstrip()))]


def trim(text: str) -> str:
    """An answer or feedback as written, trimmed; its format tag stays for the file reader
    to settle the question's format."""
    return text.strip()


def untagged(text: str) -> str:
    """Text without the format tag Moodle allows before it (for an emptiness check, or where
    Moodle ignores formats: short answers)."""
    tag = FORMAT_TAG.match(text)
    return text[tag.end() :].strip() if tag else text


def split(text: Text, markers: str) -> tuple[Text, list[tuple[str, int, Text]]]:
    """Cut at every live marker: what comes before the first, then (marker, line, body)."""
    cuts = [index for index, char in enumerate(text.live) if char in markers]
    pieces = []
    for number, cut in enumerate(cuts):
        end = cuts[number + 1] if number + 1 < len(cuts) else len(text)
        pieces.append((text.live[cut], text.lines[cut], text[cut + 1 : end]))
    return text[: cuts[0] if cuts else len(text)], pieces


def leading_text(lead: Text) -> tuple[int, Text] | None:
    """Text before the first marker, with its line, if there is any."""
    lead = lead.strip()
    return (lead.lines[0], lead) if lead.live else None


def take_weight(body: Text, default: float, line: int, problems: Problems) -> tuple[float, Text]:
    """Split a leading `%n%` off an answer: n percent as a fraction of the question's points."""
    body = body.strip()
    end = body.find("%", 1) if body.live.startswith("%") else -1
    if end == -1:
        return default, body  # no weight (a lone % is ordinary text)
    raw = body.plain[1:end].strip()
    percent = number(raw)
    if percent is None:
        problems.append(Problem(line, f"the weight %{raw}% is not a number"))
    elif not -100 <= percent <= 100:
        problems.append(Problem(line, f"the weight {raw}% is outside -100..100"))
    else:
        # Moodle keeps fractions to 7 decimals; rounding makes %33.33333% exactly 0.3333333.
        return round(percent / 100, 7), body[end + 1 :]
    return default, body[end + 1 :]


def number(raw: str) -> float | None:
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def text_and_feedback(body: Text) -> tuple[str, str]:
    """`answer #feedback`: everything after the first live # is feedback."""
    at = body.find("#")
    if at == -1:
        return trim(body.plain), ""
    return trim(body.plain[:at]), trim(body.plain[at + 1 :])


# --- writing -------------------------------------------------------------------------------

_ESCAPES = str.maketrans(
    {char: "\\" + char for char in ESCAPABLE} | {"\n": "\\n", "\r": ""},
)


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def weight_mark(weight: float, default: float, text: str = "") -> str:
    """`%n%` for a weight other than the marker's default, or before a text starting with %
    (which would otherwise be read as a weight)."""
    if weight == default and not text.startswith("%"):
        return ""
    percent = f"{weight * 100:.5f}".rstrip("0").rstrip(".")
    return f"%{'0' if percent == '-0' else percent}%"


def format_number(value: float) -> str:
    # Whole numbers without ".0"; anything else as repr, which reads back exactly.
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


class BlockWriter:
    """What a kind needs to write its answer block: escaping in the question's format, its
    general feedback, and the block's layout (`inline` keeps it on one line, for the middle
    of a missing-word sentence)."""

    def __init__(self, text_format: str, general_feedback: str, inline: bool) -> None:
        self.text_format = text_format
        self.inline = inline
        self.general = f"####{self.text(general_feedback)}" if general_feedback else ""

    def text(self, value: str) -> str:
        # Answers and feedback may start with a format tag, which the reader drops: protect
        # a text that starts like one with the question's own format.
        value = escape(value)
        return f"[{self.text_format}]{value}" if FORMAT_TAG.match(value) else value

    def feedback(self, value: str) -> str:
        return f"#{self.text(value)}" if value else ""

    def block(self, lines: Iterable[str], opening: str = "{") -> str:
        """One answer per line, then the general feedback, between `opening` and `}`."""
        lines = [*lines, *([self.general] if self.general else [])]
        if self.inline:
            return opening + " ".join(lines) + "}"
        return opening + "\n" + "".join(f"{INDENT}{line}\n" for line in lines) + "}"
