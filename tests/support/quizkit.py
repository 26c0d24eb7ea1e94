"""Quiz test kit: a quiz with one question of every kind, answers to it, questions as an
instructor sends them, and threads released together for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from werkzeug.datastructures import MultiDict

from coursework.extensions import db
from quizzes import services
from quizzes.kinds.short_text import TextAnswer
from quizzes.spec import Choice, Kind, NumericAnswer, Pair, Question, question_to_dict

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

SECRET_TEXTS = (
    "Yes, by far.",
    "Yellow mixes red and green.",
    "Jupiter is the largest planet.",
    "Oui.",
)


def right_answers(attempt) -> dict[int, object]:
    """Typed answers, by question key, that answer every question right."""
    return {q.key: q.kind.right_answer(q) for q in services.shown_questions(attempt)}


def wrong_answers(attempt) -> dict[int, object]:
    """Typed answers, by question key, that answer every question wrong (a kind with no
    sure wrong answer, matching, is left unanswered)."""
    shown = services.shown_questions(attempt)
    return {q.key: q.kind.wrong_answer(q) for q in shown if q.kind.wrong_answer(q) is not None}


def right_form(attempt) -> MultiDict:
    """What a learner's browser posts to answer every question right: options by their shown
    position, a matching prompt's answer under `q<key>-<prompt index>`."""
    values = MultiDict()
    for q in services.shown_questions(attempt):
        answer = q.kind.right_answer(q)
        public = q.kind.public(q, answer)
        if q.spec.kind is Kind.MATCHING:
            for index, chosen in public["pairs"].items():
                values.add(f"{q.name}-{index}", chosen)
            continue
        (value,) = public.values()
        for item in value if isinstance(value, list) else [value]:
            values.add(q.name, str(item).lower() if isinstance(item, bool) else str(item))
    return values


ESSAY = Question(
    Kind.ESSAY,
    "Explain why a project needs a sponsor.",
    title="Sponsor",
    points=2,
    rubric="Full marks: names who decides, who funds, and who removes blockers.",
    general_feedback="A sponsor owns the reason for the project.",
)


def submitted_with_essay(quiz, learner, text: str = "The sponsor decides and funds."):
    """The learner's attempt, every question answered right and its essays with `text`,
    submitted (so awaiting grading); returns (attempt, the essays' responses)."""
    attempt = services.start_attempt(learner, quiz)
    answers = right_answers(attempt)
    for q in services.shown_questions(attempt):
        if q.kind.graded_by_person:
            answers[q.key] = TextAnswer(text)
    services.save_answers(attempt, answers)
    attempt = services.submit_attempt(attempt)
    essays = [r for r in attempt.responses if r.outcome == "pending"]
    return attempt, sorted(essays, key=lambda r: r.question_key)


def together(app, works: list[Callable[[], object]]) -> list[object]:
    """Run each of `works` in a thread of its own, all released at once by a barrier, each
    committing when it succeeds, as a request does; return their results or the exceptions
    they raised, in order."""
    barrier = threading.Barrier(len(works))
    # What the test set up, committed for the threads' own sessions to read; its objects
    # stay loaded, since works read their ids from threads (an expired one would reload).
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire

    def run(work: Callable[[], object]) -> object:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                result = work()
                db.session.commit()  # each work is a request of its own: it commits once
                return result
            except Exception as error:  # collected and asserted on by the test
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(works)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, work) for work in works]]


WORKERS = 20


def all_at_once(app, work: Callable[[], object]) -> list[object]:
    """Run `work` in WORKERS threads released together."""
    return together(app, [work] * WORKERS)


def body_of(question) -> dict:
    """A question as an instructor sends it: only the fields its kind uses."""
    return {k: v for k, v in question_to_dict(question).items() if v not in (None, "", [])}
