"""Matching: pair each prompt with an answer (see grading.grade_matching)."""

from __future__ import annotations

import secrets
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

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class MatchingAnswer:
    pairs: Mapping[int, str]  # prompt index -> the answer chosen for it


@register
class Matching(QuestionKind):
    kind = qspec.Kind.MATCHING
    grader = grading.grade_matching
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
                raise AnswerProblem(f"This question has no prompt {index}.")
            if chosen not in q.shown_answer_options:
                raise AnswerProblem(f"{chosen!r} is not one of this question's answers.")
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
            add("pairs", "Give at least two pairs to match.")
        if any(not p.prompt.strip() or not p.answer.strip() for p in pairs):
            add("pairs", "Every pair needs both a prompt and an answer.")
        if len({p.prompt.strip() for p in pairs}) != len(pairs):
            add("pairs", "Two prompts have the same text.")
        if any(not d.strip() for d in question.distractors):
            add("distractors", "Remove empty extra answers.")

    gift_rank = 40

    def reads_gift(self, answers: gift.Text) -> bool:
        # Moodle takes any = with any -> for matching; looking only before each feedback's
        # # lets a short answer's feedback say "->".
        if "=" not in answers.live:
            return False
        lead, pieces = gift.split(answers, "=")
        return any(
            "->" in part.live.split("#", 1)[0] for part in [lead, *(p for _, _, p in pieces)]
        )

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        found_before = len(problems)
        lead, pieces = gift.split(answers, "=")
        if leading := gift.leading_text(lead):
            problems.append(
                gift.Problem(leading[0], "text before the first pair: start each with =")
            )
        pairs, distractors = [], []
        for _, line, body in pieces:
            arrow = body.find("->")
            if body.find("#") != -1:
                problems.append(
                    gift.Problem(line, "matching pairs take no feedback (write \\# for #)")
                )
            elif arrow == -1:
                problems.append(
                    gift.Problem(line, "a matching pair needs the form =prompt -> answer")
                )
            elif not body.plain[arrow + 2 :].strip():
                problems.append(gift.Problem(line, "a matching pair has no answer after '->'"))
            else:
                # Moodle reads a format tag before the prompt, not before the answer.
                prompt, answer = gift.trim(body.plain[:arrow]), body.plain[arrow + 2 :].strip()
                if gift.untagged(prompt):
                    pairs.append(qspec.Pair(prompt=prompt, answer=answer))
                else:
                    distractors.append(answer)  # `= -> answer`: offered, matches nothing
        # Moodle's page asks for three pairs, its reader for two: two is enough.
        if len(problems) == found_before and len(pairs) < 2:
            problems.append(gift.Problem(start, "a matching question needs at least two pairs"))
        return {"pairs": tuple(pairs), "distractors": tuple(distractors)}

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        if any("->" in pair.prompt or not pair.prompt.strip() for pair in question.pairs):
            raise ValueError("a matching prompt must be non-empty and free of '->'")
        lines = [
            f"={writer.text(pair.prompt)} -> {gift.escape(pair.answer)}" for pair in question.pairs
        ]
        lines += [f"= -> {gift.escape(answer)}" for answer in question.distractors]
        return writer.block(lines)

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        return {
            "pairs": tuple(
                qspec.Pair(row["prompt"] or "", row["answer"] or "")
                for row in rows["pairs"]
                if row["prompt"] or row["answer"]
            ),
            "distractors": tuple(text for text in rows["distractors"] if text),
        }

    def to_rows(self, question: qspec.Question) -> dict:
        return {
            "pairs": [{"prompt": p.prompt, "answer": p.answer} for p in question.pairs],
            "distractors": list(question.distractors),
        }
