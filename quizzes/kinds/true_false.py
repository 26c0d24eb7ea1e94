"""True or false: a statement the learner judges (see grading.grade_true_false)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes import gift_syntax as gift
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import Add, QuestionKind, ShownQuestion, register, shape_problem

_GIFT_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _gift_answer(answers: gift.Text) -> bool | None:
    return _GIFT_WORDS.get(answers.live.split("#", 1)[0].strip())


@dataclass(frozen=True)
class TrueFalseAnswer:
    value: bool


@register
class TrueFalse(QuestionKind):
    kind = qspec.Kind.TRUE_FALSE
    grader = grading.grade_true_false
    judges_a_statement = True
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
            add("answer", "Say whether the statement is true or false.")

    gift_rank = 50

    def reads_gift(self, answers: gift.Text) -> bool:
        return _gift_answer(answers) is not None

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        # Moodle's docs: "For true-false questions, there can be one or two feedback strings.
        # The first is shown if the student gives the wrong answer. The second if the
        # student gives the right answer." So in {TRUE#a#b} `a` is for a learner who
        # answered false, and in {FALSE#a#b} it is for one who answered true. Moodle's
        # reader does the same (split_truefalse_comment). A third # belongs to the second.
        answer = _gift_answer(answers)
        hashes = [index for index, char in enumerate(answers.live) if char == "#"][:2]
        ends = [*hashes[1:], len(answers)][: len(hashes)]
        feedback = [
            gift.trim(answers.plain[at + 1 : end]) for at, end in zip(hashes, ends, strict=True)
        ]
        wrong, right = [*feedback, "", ""][:2]
        return {
            "answer": answer,
            "feedback_true": right if answer else wrong,
            "feedback_false": wrong if answer else right,
        }

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        if question.answer is None:
            raise ValueError("a true-false question needs an answer")
        # See read_gift: the first feedback is for a wrong answer, the second a right one.
        right, wrong = (
            (question.feedback_true, question.feedback_false)
            if question.answer
            else (question.feedback_false, question.feedback_true)
        )
        inner = "TRUE" if question.answer else "FALSE"
        if wrong or right:
            inner += "#" + writer.text(wrong)
        if right:
            inner += "#" + writer.text(right)
        return "{" + inner + writer.general + "}"

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        return {
            "answer": {"true": True, "false": False}.get(rows["answer"] or ""),
            "feedback_true": rows["feedback_true"] or "",
            "feedback_false": rows["feedback_false"] or "",
        }

    def to_rows(self, question: qspec.Question) -> dict:
        return {
            "answer": None if question.answer is None else ("true" if question.answer else "false"),
            "feedback_true": question.feedback_true,
            "feedback_false": question.feedback_false,
        }
