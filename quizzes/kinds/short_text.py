"""Short answer: typed text compared with accepted answers (see grading.grade_short_text)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coursework.i18n import _
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import (
    MAX_TYPED,
    Add,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    register,
    shape_problem,
    typed_text,
)


@dataclass(frozen=True)
class TextAnswer:
    text: str


def full(weight: float) -> bool:
    return weight >= 1 or math.isclose(weight, 1)


class Typed(QuestionKind):
    """A kind whose answer is text the learner types (short text, numeric, essay)."""

    answer_type = TextAnswer

    def text_of(self, value: Any, *, sent_as_json: bool) -> str | None:
        """The answer's text as kept: a line is trimmed and cut at MAX_TYPED characters, as
        the page's input cuts it; a JSON body longer than that is refused instead."""
        if sent_as_json and len(value) > MAX_TYPED:
            raise AnswerProblem(_("Keep a typed answer to %(limit)s characters.", limit=MAX_TYPED))
        return typed_text(value)

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> TextAnswer | None:
        text = self.text_of(values.get(q.name), sent_as_json=False)
        return TextAnswer(text) if text else None

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> TextAnswer | None:
        if not isinstance(body.get("text"), str):
            raise shape_problem(self)
        text = self.text_of(body["text"], sent_as_json=True)
        return TextAnswer(text) if text else None

    def from_stored(self, q: ShownQuestion, stored: dict) -> TextAnswer | None:
        text = stored.get("text")
        return TextAnswer(text) if isinstance(text, str) and text else None

    def public(self, q: ShownQuestion, answer: TextAnswer) -> dict:
        return {"text": answer.text}

    def grader_input(self, q: ShownQuestion, answer: TextAnswer | None) -> str | None:
        return answer.text if answer is not None else None

    def wrong_answer(self, q: ShownQuestion) -> TextAnswer | None:
        wrong = TextAnswer("-999.5 (not an answer)")
        return wrong if self.grade_of(q, wrong) == 0 else None

    def grade_of(self, q: ShownQuestion, answer: TextAnswer) -> float:
        return grading.grade(q.spec, self.grader_input(q, answer)).fraction


@register
class ShortText(Typed):
    kind = qspec.Kind.SHORT_TEXT
    template = "quizzes/kinds/short_text.html"
    spec_fields = frozenset({"choices"})
    json_shape = '{"text": "..."}'

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"texts": [choice.text for choice in q.spec.choices if full(choice.weight)]}

    def right_answer(self, q: ShownQuestion) -> TextAnswer:
        return TextAnswer(max(q.spec.choices, key=lambda c: c.weight).text)

    def check(self, question: qspec.Question, add: Add) -> None:
        accepted = question.choices
        if not accepted or not any(math.isclose(c.weight, 1) for c in accepted):
            add("choices", _("Give at least one accepted answer worth 100%."))
        if any(not c.text.strip() for c in accepted):
            add("choices", _("Every accepted answer needs text."))
        if any(not 0 <= c.weight <= 1 for c in accepted):
            add("choices", _("Accepted answers are worth from 0% to 100%."))
