"""Short answer: typed text compared with accepted answers (see grading.grade_short_text)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes import gift_syntax as gift
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
from quizzes.kinds.single import choice_rows, choices_from_rows


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
            raise AnswerProblem(f"Keep a typed answer to {MAX_TYPED} characters.")
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
    grader = grading.grade_short_text
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
            add("choices", "Give at least one accepted answer worth 100%.")
        if any(not c.text.strip() for c in accepted):
            add("choices", "Every accepted answer needs text.")
        if any(not 0 <= c.weight <= 1 for c in accepted):
            add("choices", "Accepted answers are worth from 0% to 100%.")

    choice_row = "Accepted answer"
    gift_rank = 90  # any block no other kind reads: `{=answer =other}`, or `{answer}`

    def reads_gift(self, answers: gift.Text) -> bool:
        return True

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        found_before = len(problems)
        lead, pieces = gift.split(answers, "=")
        entries = [(line, piece) for _, line, piece in pieces]
        if leading := gift.leading_text(lead):
            entries.insert(0, leading)  # the docs allow one answer written without =
        choices = []
        for line, piece in entries:
            weight, piece = gift.take_weight(piece, 1.0, line, problems)
            text, feedback = gift.text_and_feedback(piece)
            if not gift.untagged(text):
                problems.append(gift.Problem(line, "an accepted answer is empty"))
            elif "->" in text:
                # Only `{a -> b}`, with no =, gets here; with an = it is matching. No GIFT
                # can write such an answer back, so it is refused rather than half-supported.
                problems.append(
                    gift.Problem(
                        line, "'->' belongs to matching pairs: write each as =prompt -> answer"
                    )
                )
            choices.append(qspec.Choice(text=text, weight=weight, feedback=feedback))
        if len(problems) == found_before and not any(choice.weight == 1 for choice in choices):
            problems.append(gift.Problem(start, "no accepted answer earns full credit"))
        return {"choices": tuple(choices)}

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        if any("->" in choice.text for choice in question.choices):
            raise ValueError("a short answer containing '->' would read back as matching")
        return writer.block(
            f"={gift.weight_mark(choice.weight, 1.0, choice.text)}{writer.text(choice.text)}"
            f"{writer.feedback(choice.feedback)}"
            for choice in question.choices
        )

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        # An accepted answer with no worth typed is a right one.
        return {"choices": choices_from_rows(rows, 100.0)}

    def to_rows(self, question: qspec.Question) -> dict:
        return choice_rows(question)
