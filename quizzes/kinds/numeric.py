"""Numeric: a number within a tolerance or a range (see grading.grade_numeric)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from quizzes import gift_syntax as gift
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import Add, ShownQuestion, register
from quizzes.kinds.short_text import TextAnswer, Typed, full


@register
class Numeric(Typed):
    kind = qspec.Kind.NUMERIC
    grader = grading.grade_numeric
    template = "quizzes/kinds/numeric.html"
    spec_fields = frozenset({"numbers"})
    json_shape = '{"text": "12.5"}'

    def answer_key(self, q: ShownQuestion) -> dict:
        return {
            "numbers": [
                {"value": n.value, "tolerance": n.tolerance, "low": n.low, "high": n.high}
                for n in q.spec.numbers
                if full(n.weight)
            ]
        }

    def right_answer(self, q: ShownQuestion) -> TextAnswer:
        best = max((n for n in q.spec.numbers if not n.is_other), key=lambda n: n.weight)
        return TextAnswer(f"{best.value if best.value is not None else best.low:g}")

    def check(self, question: qspec.Question, add: Add) -> None:
        numbers = question.numbers
        if not numbers or not any(math.isclose(n.weight, 1) for n in numbers):
            add("numbers", "Give at least one accepted number worth 100%.")
        others = [number for number in numbers if number.is_other]
        if len(others) > 1:
            add(
                "numbers",
                "Leave the number empty in one row at most: it stands for any other answer.",
            )
        if any(number.weight != 0 for number in others):
            add("numbers", "Any other answer (a row without a number) is worth 0%.")
        for number in numbers:
            if not number.is_other:
                _check_number(number, add)

    gift_rank = 20

    def reads_gift(self, answers: gift.Text) -> bool:
        return answers.live.startswith("#")

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        found_before = len(problems)
        body = answers[1:]
        tilde = body.find("~")
        other = None
        if tilde != -1:
            # `~#feedback`: Moodle's "any other answer", worth nothing, whose feedback is
            # shown when the number matched no answer. Moodle writes it last.
            other = _read_other(body[tilde + 1 :], body.lines[tilde], problems)
            body = body[:tilde]
        lead, pieces = gift.split(body, "=")
        entries = [(line, piece) for _, line, piece in pieces]
        if leading := gift.leading_text(lead):
            entries.insert(0, leading)  # `{#3:0.5}`: a single answer needs no =
        numbers = []
        for line, piece in entries:
            weight, piece = gift.take_weight(piece, 1.0, line, problems)
            text, feedback = gift.text_and_feedback(piece)
            answer = _read_number(gift.untagged(text), line, problems)
            if answer is not None:
                numbers.append(qspec.NumericAnswer(**answer, weight=weight, feedback=feedback))
        if not entries and len(problems) == found_before:
            problems.append(gift.Problem(start, "the numeric block {#} has no answer"))
        elif len(problems) == found_before and not any(n.weight == 1 for n in numbers):
            problems.append(gift.Problem(start, "no numeric answer earns full credit"))
        return {"numbers": (*numbers, *([other] if other else []))}

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        numbers = [number for number in question.numbers if not number.is_other]
        others = [number for number in question.numbers if number.is_other]
        if not numbers:
            raise ValueError("a numeric question needs an answer")
        if len(others) > 1:
            raise ValueError("a numeric question has one 'any other answer' entry at most")
        if others and others != list(question.numbers[-1:]):
            raise ValueError("the 'any other answer' entry must come last")
        only = numbers[0]
        if (
            question.numbers == (only,)
            and only.weight == 1
            and not only.feedback
            and not writer.general
        ):
            return "{#" + _number_text(only) + "}"
        lines = [
            f"={gift.weight_mark(n.weight, 1.0)}{_number_text(n)}{writer.feedback(n.feedback)}"
            for n in numbers
        ]
        lines += [f"~{writer.feedback(other.feedback)}" for other in others]
        return writer.block(lines, opening="{#")

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        return {
            "numbers": tuple(
                _row(row)
                for row in rows["numbers"]
                if not all(row[key] in (None, "") for key in row)
            )
        }

    def to_rows(self, question: qspec.Question) -> dict:
        return {
            "numbers": [
                {
                    "value": n.value,
                    "tolerance": n.tolerance or None,
                    "low": n.low,
                    "high": n.high,
                    "weight": n.weight * 100,
                    "feedback": n.feedback,
                }
                for n in question.numbers
            ]
        }


def _read_other(body: gift.Text, line: int, problems: gift.Problems) -> qspec.NumericAnswer | None:
    if body.find("~") != -1:
        problems.append(gift.Problem(body.lines[body.find("~")], "only one '~' (any other answer)"))
        return None
    if body.find("=") != -1:
        problems.append(
            gift.Problem(body.lines[body.find("=")], "put the '~' (any other answer) entry last")
        )
        return None
    weight, body = gift.take_weight(body, 0.0, line, problems)
    text, feedback = gift.text_and_feedback(body)
    if weight != 0:
        problems.append(gift.Problem(line, "the '~' (any other answer) entry earns no credit"))
    elif gift.untagged(text) not in ("", "*"):
        problems.append(
            gift.Problem(
                line, f"'~{text}': write '~#feedback' for any other answer, with no number"
            )
        )
    else:
        return qspec.NumericAnswer(weight=0.0, feedback=feedback)
    return None


def _read_number(text: str, line: int, problems: gift.Problems) -> dict | None:
    """`value`, `value:tolerance` or `low..high`, as NumericAnswer fields."""
    low, dots, high = text.partition("..")
    if dots:
        bounds = gift.number(low.strip()), gift.number(high.strip())
        if bounds[0] is None or bounds[1] is None:
            problems.append(gift.Problem(line, f"'{text}' is not a range of two numbers"))
        elif bounds[0] > bounds[1]:
            problems.append(gift.Problem(line, f"the range {text} runs from high to low"))
        else:
            return {"low": bounds[0], "high": bounds[1]}
        return None
    value, colon, margin = text.partition(":")
    number = gift.number(value.strip())
    tolerance = gift.number(margin.strip()) if colon else 0.0
    if not text:
        problems.append(gift.Problem(line, "a numeric answer is empty"))
    elif number is None or tolerance is None:
        problems.append(gift.Problem(line, f"'{text}' is not a number (or number:tolerance)"))
    elif tolerance < 0:
        problems.append(gift.Problem(line, f"the tolerance in '{text}' is negative"))
    else:
        return {"value": number, "tolerance": tolerance}
    return None


def _number_text(number: qspec.NumericAnswer) -> str:
    if number.low is not None and number.high is not None:
        return f"{gift.format_number(number.low)}..{gift.format_number(number.high)}"
    if number.value is None:
        raise ValueError("a numeric answer needs a value or a range")
    tolerance = f":{gift.format_number(number.tolerance)}" if number.tolerance else ""
    return gift.format_number(number.value) + tolerance


def _row(row: Mapping[str, Any]) -> qspec.NumericAnswer:
    # A row with feedback and no number is "any other answer", worth nothing.
    other = all(row[key] is None for key in ("value", "low", "high"))
    weight = row["weight"] if row["weight"] is not None else (0.0 if other else 100.0)
    return qspec.NumericAnswer(
        value=row["value"],
        tolerance=row["tolerance"] or 0.0,
        low=row["low"],
        high=row["high"],
        weight=weight / 100,
        feedback=row["feedback"] or "",
    )


def _check_number(number: qspec.NumericAnswer, add: Add) -> None:
    if number.low is not None or number.high is not None:
        if number.low is None or number.high is None:
            add("numbers", "A range needs both a minimum and a maximum.")
        elif number.low > number.high:
            add(
                "numbers",
                f"The range {number.low:g} to {number.high:g} runs backwards: "
                "its minimum is above its maximum.",
            )
    elif number.value is None or not math.isfinite(number.value):
        add("numbers", "Each accepted answer needs a number.")
    if number.tolerance < 0 or not math.isfinite(number.tolerance):
        add("numbers", "The tolerance cannot be negative.")
    if not 0 <= number.weight <= 1:
        add("numbers", "Accepted numbers are worth from 0% to 100%.")
