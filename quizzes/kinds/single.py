"""Single choice: one option; its weight is the credit (see grading.grade_single)."""

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

# Positive weights of a multiple-answer question must make 100% (as Moodle insists); the same
# slack as the kinds' check, so three answers of 33.333% pass.
_TOTAL_SLACK = 0.001


@dataclass(frozen=True)
class SingleAnswer:
    choice: int  # the chosen choice's id in the attempt's version


def check_texts(question: qspec.Question, add: Add, one: str = "choice") -> None:
    """At least two texts in `choices`, none empty, no two alike (a learner could not tell
    them apart); `one` is what the page calls one of them."""
    choices = question.choices
    if len(choices) < 2:
        add("choices", f"Give at least two {one}s.")
    if any(not choice.text.strip() for choice in choices):
        add("choices", f"Every {one} needs text.")
    if len({choice.text.strip() for choice in choices}) != len(choices):
        add("choices", f"Two {one}s have the same text.")


def check_choices(question: qspec.Question, add: Add) -> None:
    """What single and multiple choice questions both need of their choices."""
    check_texts(question, add)
    choices = question.choices
    if any(not -1 <= choice.weight <= 1 for choice in choices):
        add("choices", "Each choice is worth from -100% to 100%.")


def choices_from_rows(rows: Mapping[str, Any], default: float) -> tuple[qspec.Choice, ...]:
    """The form's rows of choices (or accepted answers) that have anything typed in them; a
    row with no worth typed is worth `default` (in %)."""
    choices = []
    for row in rows["choices"]:
        if not (row["text"] or row["feedback"] or row["weight"] is not None):
            continue
        weight = row["weight"] if row["weight"] is not None else default
        choices.append(qspec.Choice(row["text"] or "", weight / 100, row["feedback"] or ""))
    return tuple(choices)


def choice_rows(question: qspec.Question) -> dict:
    return {
        "choices": [
            {"text": c.text, "weight": c.weight * 100, "feedback": c.feedback}
            for c in question.choices
        ]
    }


def read_choices(answers: gift.Text, start: int, problems: gift.Problems, *, single: bool) -> dict:
    """`=right ~wrong ~%50%half`, each with its `#feedback`: a single or multiple choice."""
    found_before = len(problems)
    lead, pieces = gift.split(answers, "~=")
    if leading := gift.leading_text(lead):
        problems.append(
            gift.Problem(leading[0], "text before the first answer: start each with = or ~")
        )
    choices = []
    for marker, line, body in pieces:
        # Moodle reads a weight after ~ only; one after = is taken too rather than left in
        # the answer's text, where it is surely a slip.
        weight, body = gift.take_weight(body, 1.0 if marker == "=" else 0.0, line, problems)
        text, feedback = gift.text_and_feedback(body)
        if not gift.untagged(text):
            problems.append(gift.Problem(line, "an answer is empty"))
        choices.append(qspec.Choice(text=text, weight=weight, feedback=feedback))
    if len(problems) == found_before:
        positive = [choice.weight for choice in choices if choice.weight > 0]
        if len(choices) < 2:
            problems.append(gift.Problem(start, "a choice question needs at least two answers"))
        elif single and 1.0 not in positive:
            problems.append(
                gift.Problem(start, "no answer earns full credit: mark the right one with =")
            )
        elif not positive:
            problems.append(
                gift.Problem(start, "no answer is marked right: use =, or weights such as ~%50%")
            )
        elif not single and abs(sum(positive) - 1) > _TOTAL_SLACK:
            problems.append(
                gift.Problem(
                    start,
                    f"the right answers' weights add up to {sum(positive) * 100:g}%, not 100%",
                )
            )
    return {"choices": tuple(choices)}


def write_choices(question: qspec.Question, writer: gift.BlockWriter, markers: list[str]) -> str:
    return writer.block(
        f"{marker}{writer.text(choice.text)}{writer.feedback(choice.feedback)}"
        for marker, choice in zip(markers, question.choices, strict=True)
    )


def correct_options(q: ShownQuestion) -> list[int]:
    return [option for option, cid in enumerate(q.shown_choice_ids, 1) if q.choice(cid).is_correct]


@register
class Single(QuestionKind):
    kind = qspec.Kind.SINGLE
    grader = grading.grade_single
    picks_from_options = True
    picks_one = True
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
            raise AnswerProblem(f"{body['choice']} is not an option of this question.")
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
            add("choices", "Mark one choice as the right answer (worth 100%).")

    # As in Moodle: any = among the choices makes it single choice (partial weights allowed
    # for near misses); with none, it is multiple choice.
    gift_rank = 30
    rich_choices = True

    def reads_gift(self, answers: gift.Text) -> bool:
        return "~" in answers.live and "=" in answers.live

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        return read_choices(answers, start, problems, single=True)

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        return write_choices(question, writer, self._markers(question))

    def _markers(self, question: qspec.Question) -> list[str]:
        """`=`, `~` or `~%n%` before each choice, so that it reads back as single choice."""
        choices = question.choices
        if len(choices) < 2:
            raise ValueError("a single-choice question needs at least two choices")
        full = [index for index, choice in enumerate(choices) if choice.weight == 1]
        # One = is needed to read as single choice: with no full-credit choice, the first
        # gets =%n% (the reader then reports it, rather than quietly finding multiple
        # answers). And one ~ is needed to read as a choice at all: if every choice is
        # right, all but the first are written ~%100%.
        first = full[0] if full else 0
        every_one_right = len(full) == len(choices)
        markers = []
        for index, choice in enumerate(choices):
            if index == first or (choice.weight == 1 and not every_one_right):
                markers.append("=" + gift.weight_mark(choice.weight, 1.0, choice.text))
            else:
                markers.append("~" + gift.weight_mark(choice.weight, 0.0, choice.text))
        return markers

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        # A choice with no worth typed is a wrong one.
        return {"choices": choices_from_rows(rows, 0.0)}

    def to_rows(self, question: qspec.Question) -> dict:
        return choice_rows(question)
