"""Numeric: a number within a tolerance or a range (see grading.grade_numeric)."""

from __future__ import annotations

import math

from coursework.i18n import _
from quizzes import spec as qspec
from quizzes.kinds.base import Add, ShownQuestion, register
from quizzes.kinds.short_text import TextAnswer, Typed, full


@register
class Numeric(Typed):
    kind = qspec.Kind.NUMERIC
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
            add("numbers", _("Give at least one accepted number worth 100%."))
        others = [number for number in numbers if number.is_other]
        if len(others) > 1:
            add(
                "numbers",
                _("Leave the number empty in one row at most: it stands for any other answer."),
            )
        if any(number.weight != 0 for number in others):
            add("numbers", _("Any other answer (a row without a number) is worth 0%."))
        for number in numbers:
            if not number.is_other:
                _check_number(number, add)


def _check_number(number: qspec.NumericAnswer, add: Add) -> None:
    if number.low is not None or number.high is not None:
        if number.low is None or number.high is None:
            add("numbers", _("A range needs both a minimum and a maximum."))
        elif number.low > number.high:
            add(
                "numbers",
                _(
                    "The range %(low)s to %(high)s runs backwards: "
                    "its minimum is above its maximum.",
                    low=format(number.low, "g"),
                    high=format(number.high, "g"),
                ),
            )
    elif number.value is None or not math.isfinite(number.value):
        add("numbers", _("Each accepted answer needs a number."))
    if number.tolerance < 0 or not math.isfinite(number.tolerance):
        add("numbers", _("The tolerance cannot be negative."))
    if not 0 <= number.weight <= 1:
        add("numbers", _("Accepted numbers are worth from 0% to 100%."))
