"""Multiple choice: any number of options (see grading.grade_multiple)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes import gift_syntax as gift
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import (
    Add,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    register,
    shape_problem,
)
from quizzes.kinds.single import (
    check_choices,
    choice_rows,
    choices_from_rows,
    correct_options,
    read_choices,
    write_choices,
)


@dataclass(frozen=True)
class MultipleAnswer:
    choices: frozenset[int]  # the chosen choices' ids in the attempt's version


@register
class Multiple(QuestionKind):
    kind = qspec.Kind.MULTIPLE
    grader = grading.grade_multiple
    picks_from_options = True
    answer_type = MultipleAnswer
    template = "quizzes/kinds/multiple.html"
    shuffles_choices = True
    spec_fields = frozenset({"choices"})
    json_shape = '{"choices": [<option id>, ...]}'
    has_hint = True

    def _answer(self, q: ShownQuestion, options: Any) -> MultipleAnswer | None:
        chosen = frozenset(c for c in map(q.choice_for_option, options) if c is not None)
        return MultipleAnswer(chosen) if chosen else None

    def presented(self, q: ShownQuestion) -> dict:
        return {"options": [{"id": option, "text": text} for option, text in q.options]}

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> MultipleAnswer | None:
        raw = values.getlist(q.name) if hasattr(values, "getlist") else values.get(q.name) or []
        return self._answer(q, raw)

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> MultipleAnswer | None:
        options = body.get("choices")
        if not isinstance(options, list):
            raise shape_problem(self)
        unknown = [option for option in options if q.choice_for_option(option) is None]
        if unknown:
            raise AnswerProblem(f"{unknown[0]} is not an option of this question.")
        return self._answer(q, options)

    def from_stored(self, q: ShownQuestion, stored: dict) -> MultipleAnswer | None:
        chosen = frozenset(c for c in stored.get("choices", []) if c in q.choice_ids)
        return MultipleAnswer(chosen) if chosen else None

    def public(self, q: ShownQuestion, answer: MultipleAnswer) -> dict:
        return {"choices": sorted(q.option_for_choice(c) or 0 for c in answer.choices)}

    def grader_input(self, q: ShownQuestion, answer: MultipleAnswer | None) -> set[int] | None:
        if answer is None:
            return None
        return {q.choice_ids.index(c) for c in answer.choices}

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"choices": correct_options(q)}

    def right_answer(self, q: ShownQuestion) -> MultipleAnswer:
        return MultipleAnswer(frozenset(c for c in q.choice_ids if q.choice(c).is_correct))

    def wrong_answer(self, q: ShownQuestion) -> MultipleAnswer | None:
        wrong = [cid for cid in q.shown_choice_ids if q.choice(cid).weight <= 0]
        return MultipleAnswer(frozenset(wrong[:1])) if wrong else None

    def check(self, question: qspec.Question, add: Add) -> None:
        check_choices(question, add)
        positive = sum(choice.weight for choice in question.choices if choice.weight > 0)
        if not any(choice.weight > 0 for choice in question.choices):
            add("choices", "Mark at least one choice as right.")
        elif not math.isclose(positive, 1, abs_tol=0.001):
            add("choices", f"The right choices must add up to 100% (now {positive * 100:g}%).")

    gift_rank = 31  # after single choice, which takes the blocks that have an =
    rich_choices = True

    def reads_gift(self, answers: gift.Text) -> bool:
        return "~" in answers.live

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        return read_choices(answers, start, problems, single=False)

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        # Never =, which would make it single choice.
        markers = ["~" + gift.weight_mark(c.weight, 0.0, c.text) for c in question.choices]
        return write_choices(question, writer, markers)

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        return {"choices": choices_from_rows(rows, 0.0)}

    def to_rows(self, question: qspec.Question) -> dict:
        return choice_rows(question)
