"""What makes a question well-formed, as a pure function: the authoring form, the API and
the GIFT importer all ask the same thing."""

from __future__ import annotations

import math

from coursework.lengths import too_long
from quizzes import models
from quizzes.spec import Kind, Question

MAX_TEXT = 5000


def question_problems(question: Question) -> dict[str, list[str]]:
    """Field name -> messages; empty when the question can be saved."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not question.text.strip():
        add("text", "Enter the question text.")
    elif len(question.text) > MAX_TEXT:
        add("text", f"Keep the question under {MAX_TEXT} characters.")
    if not (math.isfinite(question.points) and 0 < question.points <= 1000):
        add("points", "Points must be more than 0 and at most 1000.")
    for name in ("title", "category"):
        if message := too_long(getattr(question, name), getattr(models.Question, name)):
            add(name, f"The {name} is too long. {message}")
    if question.text_format not in ("plain", "markdown", "html"):
        add("text_format", "Choose plain text, Markdown or HTML.")
    check = _CHECKS.get(question.kind)
    if check:
        check(question, add)
    return problems


def _choices(question: Question, add) -> None:
    choices = question.choices
    if len(choices) < 2:
        add("choices", "Give at least two choices.")
    if any(not choice.text.strip() for choice in choices):
        add("choices", "Every choice needs text.")
    if len({choice.text.strip() for choice in choices}) != len(choices):
        add("choices", "Two choices have the same text.")
    if any(not -1 <= choice.weight <= 1 for choice in choices):
        add("choices", "Each choice is worth from -100% to 100%.")


def _single(question: Question, add) -> None:
    _choices(question, add)
    if not any(math.isclose(choice.weight, 1) for choice in question.choices):
        add("choices", "Mark one choice as the right answer (worth 100%).")


def _multiple(question: Question, add) -> None:
    _choices(question, add)
    positive = sum(choice.weight for choice in question.choices if choice.weight > 0)
    if not any(choice.weight > 0 for choice in question.choices):
        add("choices", "Mark at least one choice as right.")
    elif not math.isclose(positive, 1, abs_tol=0.001):
        add("choices", f"The right choices must add up to 100% (now {positive * 100:g}%).")


def _true_false(question: Question, add) -> None:
    if question.answer not in (True, False):
        add("answer", "Say whether the statement is true or false.")


def _short_text(question: Question, add) -> None:
    accepted = question.choices
    if not accepted or not any(math.isclose(c.weight, 1) for c in accepted):
        add("choices", "Give at least one accepted answer worth 100%.")
    if any(not c.text.strip() for c in accepted):
        add("choices", "Every accepted answer needs text.")
    if any(not 0 <= c.weight <= 1 for c in accepted):
        add("choices", "Accepted answers are worth from 0% to 100%.")


def _numeric(question: Question, add) -> None:
    numbers = question.numbers
    if not numbers or not any(math.isclose(n.weight, 1) for n in numbers):
        add("numbers", "Give at least one accepted number worth 100%.")
    others = [number for number in numbers if number.is_other]
    if len(others) > 1:
        add("numbers", "Leave the number empty in one row at most: it stands for any other answer.")
    if any(number.weight != 0 for number in others):
        add("numbers", "Any other answer (a row without a number) is worth 0%.")
    for number in numbers:
        if number.is_other:
            continue
        if number.low is not None or number.high is not None:
            if number.low is None or number.high is None:
                add("numbers", "A range needs both a minimum and a maximum.")
            elif number.low > number.high:
                add(
                    "numbers",
                    f"The range {number.low:g} to {number.high:g} runs backwards: "
                    "its minimum is above its maximum.",
                )
        elif number.value is None or not math.isfinite(number.value):
            add("numbers", "Each accepted answer needs a number.")
        if number.tolerance < 0 or not math.isfinite(number.tolerance):
            add("numbers", "The tolerance cannot be negative.")
        if not 0 <= number.weight <= 1:
            add("numbers", "Accepted numbers are worth from 0% to 100%.")


def _matching(question: Question, add) -> None:
    pairs = question.pairs
    if len(pairs) < 2:
        add("pairs", "Give at least two pairs to match.")
    if any(not p.prompt.strip() or not p.answer.strip() for p in pairs):
        add("pairs", "Every pair needs both a prompt and an answer.")
    if len({p.prompt.strip() for p in pairs}) != len(pairs):
        add("pairs", "Two prompts have the same text.")
    if any(not d.strip() for d in question.distractors):
        add("distractors", "Remove empty extra answers.")


_CHECKS = {
    Kind.SINGLE: _single,
    Kind.MULTIPLE: _multiple,
    Kind.TRUE_FALSE: _true_false,
    Kind.SHORT_TEXT: _short_text,
    Kind.NUMERIC: _numeric,
    Kind.MATCHING: _matching,
}
