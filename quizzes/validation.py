"""What makes a question well-formed, as a pure function: the authoring form, the API and
the GIFT importer all ask the same thing."""

from __future__ import annotations

import math

from coursework.i18n import _
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
        add("text", _("Enter the question text."))
    elif len(question.text) > MAX_TEXT:
        add("text", _("Keep the question under %(limit)s characters.", limit=MAX_TEXT))
    if not (math.isfinite(question.points) and 0 < question.points <= 1000):
        add("points", _("Points must be more than 0 and at most 1000."))
    for name in ("title", "category"):
        if message := too_long(getattr(question, name), getattr(models.Question, name)):
            field = {"title": _("title"), "category": _("category")}[name]
            add(name, _("The %(field)s is too long. %(problem)s", field=field, problem=message))
    if question.text_format not in ("plain", "markdown", "html"):
        add("text_format", _("Choose plain text, Markdown or HTML."))
    kind_of(question.kind).check(question, add)
    return problems
