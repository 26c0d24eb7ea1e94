"""What makes a question well-formed, as a pure function: the authoring form, the API and
the GIFT importer all ask the same thing."""

from __future__ import annotations

import math

from coursework.lengths import too_long
from quizzes import models
from quizzes.kinds import kind_of
from quizzes.spec import Question

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
    kind_of(question.kind).check(question, add)
    return problems
