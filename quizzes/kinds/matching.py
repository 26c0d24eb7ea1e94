"""Matching: pair each prompt with an answer (see grading.grade_matching)."""

from __future__ import annotations

import secrets
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

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class MatchingAnswer:
    pairs: Mapping[int, str]  # prompt index -> the answer chosen for it


@register
class Matching(QuestionKind):
    kind = qspec.Kind.MATCHING
    answer_type = MatchingAnswer
    template = "quizzes/kinds/matching.html"
    spec_fields = frozenset({"pairs", "distractors"})
    json_shape = '{"pairs": {"<prompt index>": "<answer>"}}'

    def shown_options(self, question: qspec.Question) -> list[str]:
        answers = list(question.answer_options)
        _random.shuffle(answers)  # matching answers are always shuffled
        return answers

    def _answer(self, q: ShownQuestion, chosen: Mapping[int, Any]) -> MatchingAnswer | None:
        options = set(q.spec.answer_options)
        pairs = {
            index: value
            for index, value in chosen.items()
            if 0 <= index < len(q.spec.pairs) and isinstance(value, str) and value in options
        }
        return MatchingAnswer(pairs) if pairs else None

    def presented(self, q: ShownQuestion) -> dict:
        return {
            "prompts": [pair.prompt for pair in q.spec.pairs],
            "answer_options": list(q.shown_answer_options),
        }

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> MatchingAnswer | None:
        return self._answer(q, {i: values.get(f"{q.name}-{i}") for i in range(len(q.spec.pairs))})

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> MatchingAnswer | None:
        pairs = body.get("pairs")
        if not isinstance(pairs, Mapping):
            raise shape_problem(self)
        for index, chosen in pairs.items():
            if not str(index).isdigit() or int(index) >= len(q.spec.pairs):
                raise AnswerProblem(_("This question has no prompt %(index)s.", index=index))
            if chosen not in q.shown_answer_options:
                raise AnswerProblem(
                    _("%(answer)r is not one of this question's answers.", answer=chosen)
                )
        return self._answer(q, {int(index): chosen for index, chosen in pairs.items()})

    def from_stored(self, q: ShownQuestion, stored: dict) -> MatchingAnswer | None:
        pairs = {int(k): v for k, v in stored.get("pairs", {}).items() if str(k).isdigit()}
        return MatchingAnswer(pairs) if pairs else None

    def public(self, q: ShownQuestion, answer: MatchingAnswer) -> dict:
        return {"pairs": {str(index): chosen for index, chosen in answer.pairs.items()}}

    def grader_input(self, q: ShownQuestion, answer: MatchingAnswer | None) -> dict | None:
        return dict(answer.pairs) if answer is not None else None

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"pairs": {str(index): pair.answer for index, pair in enumerate(q.spec.pairs)}}

    def right_answer(self, q: ShownQuestion) -> MatchingAnswer:
        return MatchingAnswer(dict(enumerate(pair.answer for pair in q.spec.pairs)))

    def wrong_answer(self, q: ShownQuestion) -> None:
        return None  # left unanswered: any answer it could give might happen to be right

    def check(self, question: qspec.Question, add: Add) -> None:
        pairs = question.pairs
        if len(pairs) < 2:
            add("pairs", _("Give at least two pairs to match."))
        if any(not p.prompt.strip() or not p.answer.strip() for p in pairs):
            add("pairs", _("Every pair needs both a prompt and an answer."))
        if len({p.prompt.strip() for p in pairs}) != len(pairs):
            add("pairs", _("Two prompts have the same text."))
        if any(not d.strip() for d in question.distractors):
            add("distractors", _("Remove empty extra answers."))
