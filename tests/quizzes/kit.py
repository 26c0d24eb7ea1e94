"""Quiz test kit: a quiz with one question of every kind, and answers to it."""

from __future__ import annotations

from quizzes import services
from quizzes.spec import Choice, Kind, NumericAnswer, Pair, Question

EVERY_KIND = (
    Question(
        Kind.SINGLE,
        "Which planet is largest?",
        title="Planets",
        choices=(
            Choice("Jupiter", 1, "Yes, by far."),
            Choice("Mars", 0, "Mars is small."),
            Choice("Venus", 0, "Venus is Earth-sized."),
        ),
        general_feedback="Jupiter is the largest planet.",
    ),
    Question(
        Kind.MULTIPLE,
        "Which are primary colours of light?",
        choices=(
            Choice("Red", 1 / 3),
            Choice("Green", 1 / 3),
            Choice("Blue", 1 / 3),
            Choice("Yellow", -1, "Yellow mixes red and green."),
        ),
    ),
    Question(
        Kind.TRUE_FALSE,
        "Water boils at 100 °C at sea level.",
        answer=True,
        feedback_true="Right.",
        feedback_false="It does.",
    ),
    Question(Kind.SHORT_TEXT, "Capital of France?", choices=(Choice("Paris", 1, "Oui."),)),
    Question(Kind.NUMERIC, "How many legs has a spider?", numbers=(NumericAnswer(8, 0),)),
    Question(
        Kind.MATCHING,
        "Match the animal to its sound.",
        pairs=(Pair("Cat", "Meow"), Pair("Dog", "Woof")),
        distractors=("Moo",),
    ),
)

# Form values that answer EVERY_KIND correctly, given the question keys and choice ids.
SECRET_TEXTS = (
    "Yes, by far.",
    "Yellow mixes red and green.",
    "Jupiter is the largest planet.",
    "Oui.",
)


def right_answers(attempt) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    for q in services.shown_questions(attempt):
        name = f"q{q.key}"
        kind = q.spec.kind
        if kind is Kind.SINGLE:
            values[name] = str(
                next(n for n, cid in enumerate(q.shown_choice_ids, 1) if q.choice(cid).is_correct)
            )
        elif kind is Kind.MULTIPLE:
            values[name] = [
                str(n) for n, cid in enumerate(q.shown_choice_ids, 1) if q.choice(cid).is_correct
            ]
        elif kind is Kind.TRUE_FALSE:
            values[name] = "true" if q.spec.answer else "false"
        elif kind is Kind.SHORT_TEXT:
            values[name] = q.spec.choices[0].text
        elif kind is Kind.NUMERIC:
            values[name] = str(q.spec.numbers[0].value)
        else:
            for i, pair in enumerate(q.spec.pairs):
                values[f"{name}-{i}"] = pair.answer
    return values


def wrong_answers(attempt) -> dict[str, str]:
    values: dict[str, str] = {}
    for q in services.shown_questions(attempt):
        name = f"q{q.key}"
        kind = q.spec.kind
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            values[name] = str(
                next(
                    n for n, cid in enumerate(q.shown_choice_ids, 1) if not q.choice(cid).is_correct
                )
            )
        elif kind is Kind.TRUE_FALSE:
            values[name] = "false" if q.spec.answer else "true"
        elif kind in (Kind.SHORT_TEXT, Kind.NUMERIC):
            values[name] = "999"
    return values
