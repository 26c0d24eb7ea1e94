"""Essay: a written answer, graded by the course's staff (see quizzes.grading.grade_essay).

The author writes a rubric or model answer with the question; graders read it beside each
answer in the grading queue, and learners never see it. An attempt with an answered essay
is "awaiting grading" after submit until a grader has scored every such essay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes import spec as qspec
from quizzes.kinds.base import (
    Add,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    register,
    shape_problem,
)

# The longest essay kept, in characters (answers are JSON, so the limit is ours, not a
# column's); the page's counter and maxlength say the same.
MAX_ESSAY = 10_000
# The longest rubric or model answer an author may write.
MAX_RUBRIC = 10_000


@dataclass(frozen=True)
class EssayAnswer:
    text: str


def essay_text(value: Any) -> str | None:
    """An essay as kept: trimmed, None when blank; AnswerProblem when too long (an essay is
    refused rather than cut, so nothing the learner wrote is silently lost)."""
    if not isinstance(value, str):
        return None
    text = value.replace("\r\n", "\n").strip()
    if len(text) > MAX_ESSAY:
        raise AnswerProblem(f"Keep the essay to {MAX_ESSAY:,} characters; it has {len(text):,}.")
    return text or None


@register
class Essay(QuestionKind):
    kind = qspec.Kind.ESSAY
    answer_type = EssayAnswer
    template = "quizzes/kinds/essay.html"
    json_shape = '{"text": "..."}'
    spec_fields = frozenset({"rubric"})
    graded_by_person = True
    max_length = MAX_ESSAY

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> EssayAnswer | None:
        text = essay_text(values.get(q.name))
        return EssayAnswer(text) if text else None

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> EssayAnswer | None:
        if not isinstance(body.get("text"), str):
            raise shape_problem(self)
        text = essay_text(body["text"])
        return EssayAnswer(text) if text else None

    def from_stored(self, q: ShownQuestion, stored: dict) -> EssayAnswer | None:
        text = stored.get("text")
        return EssayAnswer(text) if isinstance(text, str) and text else None

    def public(self, q: ShownQuestion, answer: EssayAnswer) -> dict:
        return {"text": answer.text}

    def grader_input(self, q: ShownQuestion, answer: EssayAnswer | None) -> str | None:
        return answer.text if answer is not None else None

    def answer_key(self, q: ShownQuestion) -> dict:
        # The rubric is for graders: a learner's review never carries it.
        return {}

    def right_answer(self, q: ShownQuestion) -> EssayAnswer:
        # No text earns marks by itself; this one is answered, so a grader will read it.
        return EssayAnswer("An answer written for the grader to read.")

    def wrong_answer(self, q: ShownQuestion) -> None:
        return None

    def check(self, question: qspec.Question, add: Add) -> None:
        if len(question.rubric) > MAX_RUBRIC:
            add("rubric", f"Keep the rubric under {MAX_RUBRIC:,} characters.")
