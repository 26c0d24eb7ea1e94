"""Question kinds: one module per kind, each a class registered by its `Kind`.

A kind owns everything that differs between kinds: its typed answer and how that answer is
read from the attempt form and from a JSON body, stored and shown back; how a question of
the kind is checked; how an answer is graded (through the pure graders in grading.py); its
answer key; and the template whose macros draw its inputs and its review. Code outside this
package asks the registry (`kind_of`) instead of branching on the kind, so adding a kind is
one module here plus its template.
"""

from __future__ import annotations

from quizzes.kinds import (  # noqa: F401
    essay,
    matching,
    multiple,
    numeric,
    ordering,
    short_text,
    single,
    true_false,
)
from quizzes.kinds.base import (
    KINDS,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    answers_from_form,
    answers_from_json,
    kind_of,
    register,
)

__all__ = [
    "KINDS",
    "AnswerProblem",
    "QuestionKind",
    "ShownQuestion",
    "answers_from_form",
    "answers_from_json",
    "kind_of",
    "register",
]
