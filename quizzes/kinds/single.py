"""Single choice: one option; its weight is the credit (see grading.grade_single)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coursework.i18n import _
from quizzes import spec as qspec
from quizzes.kinds.base import (
    Add,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    register,
    shape_problem,
)


@dataclass(frozen=True)
class SingleAnswer:
    choice: int  # the chosen choice's id in the attempt's version


def check_texts(question: qspec.Question, add: Add, one: str = "choice") -> None:
    """At least two texts in `choices`, none empty, no two alike (a learner could not tell
    them apart); `one` is what the page calls one of them."""
    choices = question.choices
    few, empty, alike = (
        (
            _("Give at least two items."),
            _("Every item needs text."),
            _("Two items have the same text."),
        )
        if one == "item"
        else (
            _("Give at least two choices."),
            _("Every choice needs text."),
            _("Two choices have the same text."),
        )
    )
    if len(choices) < 2:
        add("choices", few)
    if any(not choice.text.strip() for choice in choices):
        add("choices", empty)
    if len({choice.text.strip() for choice in choices}) != len(choices):
        add("choices", alike)


def check_choices(question: qspec.Question, add: Add) -> None:
    """What single and multiple choice questions both need of their choices."""
    check_texts(question, add)
    choices = question.choices
    if any(not -1 <= choice.weight <= 1 for choice in choices):
        add("choices", _("Each choice is worth from -100% to 100%."))


def correct_options(q: ShownQuestion) -> list[int]:
    return [option for option, cid in enumerate(q.shown_choice_ids, 1) if q.choice(cid).is_correct]


@register
class Single(QuestionKind):
    kind = qspec.Kind.SINGLE
    answer_type = SingleAnswer
    template = "quizzes/kinds/single.html"
    shuffles_choices = True
    spec_fields = frozenset({"choices"})
    json_shape = '{"choice": <option id>}'

    def presented(self, q: ShownQuestion) -> dict:
        return {"options": [{"id": option, "text": text} for option, text in q.options]}

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> SingleAnswer | None:
        choice = q.choice_for_option(values.get(q.name))
        return SingleAnswer(choice) if choice is not None else None

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> SingleAnswer:
        if "choice" not in body:
            raise shape_problem(self)
        choice = q.choice_for_option(body["choice"])
        if choice is None:
            raise AnswerProblem(
                _("%(option)s is not an option of this question.", option=body["choice"])
            )
        return SingleAnswer(choice)

    def from_stored(self, q: ShownQuestion, stored: dict) -> SingleAnswer | None:
        choice = stored.get("choice")
        return SingleAnswer(choice) if choice in q.choice_ids else None

    def public(self, q: ShownQuestion, answer: SingleAnswer) -> dict:
        return {"choice": q.option_for_choice(answer.choice)}

    def grader_input(self, q: ShownQuestion, answer: SingleAnswer | None) -> int | None:
        return q.choice_ids.index(answer.choice) if answer is not None else None

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"choices": correct_options(q)}

    def right_answer(self, q: ShownQuestion) -> SingleAnswer:
        return SingleAnswer(max(q.choice_ids, key=lambda cid: q.choice(cid).weight))

    def wrong_answer(self, q: ShownQuestion) -> SingleAnswer | None:
        wrong = [cid for cid in q.shown_choice_ids if q.choice(cid).weight <= 0]
        return SingleAnswer(wrong[0]) if wrong else None

    def check(self, question: qspec.Question, add: Add) -> None:
        check_choices(question, add)
        if not any(math.isclose(choice.weight, 1) for choice in question.choices):
            add("choices", _("Mark one choice as the right answer (worth 100%)."))
