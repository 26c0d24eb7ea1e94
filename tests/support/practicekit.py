"""A practice quiz and a learner's attempts at it, for the practice and question-report tests."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from quizzes import services as quizzes
from quizzes.spec import Choice, Kind, Question

QUESTIONS = (
    Question(
        Kind.SINGLE,
        "Which role agrees the delivery dates with the client?",
        choices=(
            Choice("The generalist project manager", 1, "Dates are theirs to agree."),
            Choice("The technical project manager", 0, "They plan the technical work."),
            Choice("The lead engineer", 0, "Not the engineer's call."),
        ),
        general_feedback="Agreeing dates with the client is the generalist's work.",
    ),
    Question(Kind.TRUE_FALSE, "A technical project manager reviews designs.", answer=True),
)


def form_for(q, right: bool) -> MultiDict:
    answer = q.kind.right_answer(q) if right else q.kind.wrong_answer(q)
    values = MultiDict()
    for value in q.kind.public(q, answer).values():
        values.add(q.name, str(value).lower() if isinstance(value, bool) else str(value))
    return values


def take(user, quiz, right: set[int]) -> object:
    """Submit an attempt answering right the questions at the given positions."""
    attempt = quizzes.start_attempt(user, quiz)
    shown = quizzes.shown_questions(attempt)
    answers = {
        q.key: (q.kind.right_answer(q) if i in right else q.kind.wrong_answer(q))
        for i, q in enumerate(sorted(shown, key=lambda q: q.key))
    }
    quizzes.save_answers(attempt, answers)
    return quizzes.submit_attempt(attempt)
