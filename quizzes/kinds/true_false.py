"""True or false: a statement the learner judges (see grading.grade_true_false)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coursework.i18n import _
from quizzes import spec as qspec
from quizzes.kinds.base import Add, QuestionKind, ShownQuestion, register, shape_problem


@dataclass(frozen=True)
class TrueFalseAnswer:
    value: bool


@register
class TrueFalse(QuestionKind):
    kind = qspec.Kind.TRUE_FALSE
    answer_type = TrueFalseAnswer
    template = "quizzes/kinds/true_false.html"
    spec_fields = frozenset({"answer", "feedback_true", "feedback_false"})
    json_shape = '{"value": true|false}'

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> TrueFalseAnswer | None:
        raw = values.get(q.name)
        return TrueFalseAnswer(raw == "true") if raw in ("true", "false") else None

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> TrueFalseAnswer:
        if not isinstance(body.get("value"), bool):
            raise shape_problem(self)
        return TrueFalseAnswer(body["value"])

    def from_stored(self, q: ShownQuestion, stored: dict) -> TrueFalseAnswer | None:
        value = stored.get("value")
        return TrueFalseAnswer(value) if isinstance(value, bool) else None

    def public(self, q: ShownQuestion, answer: TrueFalseAnswer) -> dict:
        return {"value": answer.value}

    def grader_input(self, q: ShownQuestion, answer: TrueFalseAnswer | None) -> bool | None:
        return answer.value if answer is not None else None

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"value": q.spec.answer}

    def right_answer(self, q: ShownQuestion) -> TrueFalseAnswer:
        return TrueFalseAnswer(bool(q.spec.answer))

    def wrong_answer(self, q: ShownQuestion) -> TrueFalseAnswer:
        return TrueFalseAnswer(not q.spec.answer)

    def check(self, question: qspec.Question, add: Add) -> None:
        if question.answer not in (True, False):
            add("answer", _("Say whether the statement is true or false."))
