"""Grading rules: examples for each kind, and properties that hold for any input."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.gift import parse_gift
from quizzes.grading import (
    GradingMethod,
    Outcome,
    grade,
    normalise_text,
    overall_percent,
    parse_number,
    short_text_matches,
)
from quizzes.spec import Choice, Kind, NumericAnswer, Pair, Question

SINGLE = Question(
    Kind.SINGLE,
    "Which?",
    points=2,
    choices=(Choice("right", 1, "yes"), Choice("near", 0.5, "close"), Choice("wrong", 0, "no")),
)
MULTIPLE = Question(
    Kind.MULTIPLE,
    "Which two?",
    choices=(Choice("a", 0.5), Choice("b", 0.5), Choice("c", -0.5), Choice("d", -0.5)),
)


def test_single_choice():
    assert grade(SINGLE, 0).points == 2 and grade(SINGLE, 0).outcome is Outcome.CORRECT
    assert grade(SINGLE, 1).points == 1 and grade(SINGLE, 1).outcome is Outcome.PARTIAL
    assert grade(SINGLE, 2).points == 0 and grade(SINGLE, 2).feedback == ("no",)
    assert grade(SINGLE, None).outcome is Outcome.UNANSWERED
    assert grade(SINGLE, 7).outcome is Outcome.UNANSWERED
    assert grade(SINGLE, True).outcome is Outcome.UNANSWERED


def test_multiple_choice_partial_credit_never_below_zero():
    assert grade(MULTIPLE, {0, 1}).fraction == 1
    assert grade(MULTIPLE, {0}).fraction == 0.5
    assert grade(MULTIPLE, {0, 2}).fraction == 0
    assert grade(MULTIPLE, {2, 3}).fraction == 0
    assert grade(MULTIPLE, {0, 1, 2}).fraction == 0.5
    assert grade(MULTIPLE, {0, 1, 2, 3}).fraction == 0  # ticking everything earns nothing
    assert grade(MULTIPLE, set()).outcome is Outcome.UNANSWERED


def test_multiple_choice_all_or_nothing():
    assert grade(MULTIPLE, {0, 1}, all_or_nothing=True).fraction == 1
    assert grade(MULTIPLE, {0}, all_or_nothing=True).fraction == 0
    assert grade(MULTIPLE, {0, 1, 2}, all_or_nothing=True).fraction == 0


def test_true_false_with_feedback_for_the_answer_given():
    q = Question(
        Kind.TRUE_FALSE, "Sky is blue.", answer=True, feedback_true="Yes", feedback_false="No"
    )
    assert grade(q, True).fraction == 1 and grade(q, True).feedback == ("Yes",)
    assert grade(q, False).fraction == 0 and grade(q, False).feedback == ("No",)
    assert grade(q, "true").outcome is Outcome.UNANSWERED


SHORT = Question(
    Kind.SHORT_TEXT,
    "Capital?",
    choices=(Choice("Paris", 1, "right"), Choice("Lutèce", 0.5), Choice("new *", 1)),
)


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [
        ("Paris", 1),
        ("  paris. ", 1),
        ("PARIS!", 1),
        ("lutèce", 0.5),
        ("Lutece", 0),  # accents are letters, not decoration
        ("new york", 1),
        ("New   Delhi", 1),
        ("London", 0),
    ],
)
def test_short_text_normalises_case_space_and_punctuation(typed, fraction):
    assert grade(SHORT, typed).fraction == fraction


def test_short_text_wildcards_and_blank_answers():
    assert short_text_matches("col*r", "colour")
    assert short_text_matches("col*r", "Color")
    assert not short_text_matches("col*r", "colours")
    assert grade(SHORT, "   ").outcome is Outcome.UNANSWERED
    assert normalise_text("  It\u2019s   a  TEST\u2026 ") == "it s a test"


NUMERIC = Question(
    Kind.NUMERIC,
    "How many?",
    numbers=(
        NumericAnswer(5, 0, weight=1),
        NumericAnswer(5, 1, weight=0.5),
        NumericAnswer(low=10, high=12),
    ),
)


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [
        ("5", 1),
        (" 5.0 ", 1),
        ("4.5", 0.5),
        ("6", 0.5),
        ("11", 1),
        ("12", 1),
        ("7", 0),
        ("five", 0),
        ("5,0", 1),
        ("\u0665\u066b\u0660", 1),  # 5.0 as an Arabic keyboard types it
    ],
)
def test_numeric_tolerance_and_ranges(typed, fraction):
    assert grade(NUMERIC, typed).fraction == fraction


def test_numeric_parsing():
    assert parse_number("1e3") == 1000
    assert parse_number("nan") is None
    assert parse_number("inf") is None
    assert parse_number("1,000.5") is None  # ambiguous: refuse rather than guess
    assert parse_number("\u0663\u066b\u0665") == 3.5  # Arabic-Indic digits and separator
    assert parse_number("\u0661\u066c\u0662\u0663\u0664") == 1234  # Arabic thousands separator
    assert parse_number("\u200f\u2212\u0662") == -2  # a right-to-left mark, a minus sign
    assert parse_number("12\u202f345,5") == 12345.5  # French groups with a narrow space
    assert parse_number("3\u066b5\u066b1") is None
    assert parse_number(None) is None
    assert grade(NUMERIC, "").outcome is Outcome.UNANSWERED


MATCHING = Question(
    Kind.MATCHING,
    "Match.",
    pairs=(Pair("cat", "meow"), Pair("dog", "woof"), Pair("cow", "moo")),
    distractors=("quack",),
)


def test_matching_gives_a_share_per_right_pair():
    assert grade(MATCHING, {0: "meow", 1: "woof", 2: "moo"}).fraction == 1
    assert grade(MATCHING, {"0": "meow", "1": "quack", "2": "moo"}).fraction == pytest.approx(2 / 3)
    assert grade(MATCHING, {}).outcome is Outcome.UNANSWERED
    assert MATCHING.answer_options == ("meow", "woof", "moo", "quack")


# ---- properties -------------------------------------------------------------------------

weights = st.sampled_from([-1.0, -0.5, -1 / 3, 0.0, 0.25, 1 / 3, 0.5, 1.0])
texts = st.text(min_size=1, max_size=12).filter(str.strip)  # as validation requires
points = st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0])


# The kinds a machine grades; essays wait for a person (tests/quizzes/test_essays.py).
MACHINE_GRADED = [kind for kind in Kind if kind is not Kind.ESSAY]


@st.composite
def questions(draw) -> Question:
    kind = draw(st.sampled_from(MACHINE_GRADED))
    p = draw(points)
    if kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.SHORT_TEXT):
        choices = draw(st.lists(st.builds(Choice, texts, weights), min_size=1, max_size=6))
        if kind is Kind.SINGLE:
            choices[draw(st.integers(0, len(choices) - 1))] = Choice("right", 1.0)
        if kind is Kind.MULTIPLE:
            k = draw(st.integers(1, len(choices)))
            choices = [
                Choice(f"c{i}", 1 / k if i < k else -1 / max(1, len(choices) - k))
                for i in range(len(choices))
            ]
        return Question(kind, "q", points=p, choices=tuple(choices))
    if kind is Kind.TRUE_FALSE:
        return Question(kind, "q", points=p, answer=draw(st.booleans()))
    if kind is Kind.NUMERIC:
        value = draw(st.integers(-1000, 1000))
        return Question(
            kind,
            "q",
            points=p,
            numbers=(NumericAnswer(float(value), draw(st.sampled_from([0.0, 0.5, 2.0]))),),
        )
    n = draw(st.integers(1, 5))
    if kind is Kind.ORDERING:
        items = tuple(Choice(f"item {i}", 1.0) for i in range(n + 1))
        return Question(kind, "q", points=p, choices=items)
    return Question(
        kind,
        "q",
        points=p,
        pairs=tuple(Pair(f"p{i}", f"a{i}") for i in range(n)),
        distractors=("x",),
    )


def answers_for(question: Question):
    """Any answer a learner (or an attacker) could send for this question."""
    junk = st.one_of(
        st.none(), st.integers(-3, 10), st.text(max_size=5), st.booleans(), st.floats()
    )
    if question.kind is Kind.SINGLE:
        return st.one_of(st.integers(-2, len(question.choices) + 2), junk)
    if question.kind is Kind.MULTIPLE:
        return st.one_of(st.sets(st.integers(-2, len(question.choices) + 2)), junk)
    if question.kind is Kind.TRUE_FALSE:
        return st.one_of(st.booleans(), junk)
    if question.kind is Kind.ORDERING:
        size = len(question.choices)
        return st.one_of(
            st.permutations(list(range(size))), st.lists(st.integers(-1, size + 1)), junk
        )
    if question.kind is Kind.MATCHING:
        return st.one_of(
            st.dictionaries(
                st.integers(0, len(question.pairs)), st.sampled_from(question.answer_options)
            ),
            junk,
        )
    return st.one_of(st.text(max_size=20), junk)


def correct_answer(question: Question):
    if question.kind is Kind.SINGLE:
        return max(range(len(question.choices)), key=lambda i: question.choices[i].weight)
    if question.kind is Kind.MULTIPLE:
        return {i for i, c in enumerate(question.choices) if c.is_correct}
    if question.kind is Kind.SHORT_TEXT:
        return max(question.choices, key=lambda c: c.weight).text
    if question.kind is Kind.TRUE_FALSE:
        return question.answer
    if question.kind is Kind.NUMERIC:
        return str(question.numbers[0].value)
    if question.kind is Kind.ORDERING:
        return list(range(len(question.choices)))
    return {i: pair.answer for i, pair in enumerate(question.pairs)}


@given(st.data())
@settings(max_examples=300)
def test_any_answer_scores_within_zero_and_the_points(data):
    question = data.draw(questions())
    answer = data.draw(answers_for(question))
    for all_or_nothing in (False, True):
        result = grade(question, answer, all_or_nothing=all_or_nothing)
        assert 0 <= result.points <= question.points
        assert 0 <= result.fraction <= 1


@given(questions())
def test_an_all_correct_answer_scores_full_marks(question):
    if question.kind is Kind.SHORT_TEXT and max(c.weight for c in question.choices) < 1:
        question = Question(
            question.kind,
            "q",
            points=question.points,
            choices=(*question.choices, Choice("right", 1.0)),
        )
    assert grade(question, correct_answer(question)).points == question.points


@given(st.data())
def test_the_order_of_choices_never_changes_a_score(data):
    question = data.draw(questions().filter(lambda q: q.kind in (Kind.SINGLE, Kind.MULTIPLE)))
    order = data.draw(st.permutations(range(len(question.choices))))
    shuffled = Question(
        question.kind,
        question.text,
        points=question.points,
        choices=tuple(question.choices[i] for i in order),
    )
    new_index = {old: new for new, old in enumerate(order)}
    if question.kind is Kind.SINGLE:
        chosen = data.draw(st.integers(0, len(question.choices) - 1))
        assert grade(question, chosen).points == grade(shuffled, new_index[chosen]).points
    else:
        chosen = data.draw(st.sets(st.integers(0, len(question.choices) - 1)))
        moved = {new_index[i] for i in chosen}
        assert grade(question, chosen).points == pytest.approx(grade(shuffled, moved).points)


def reference_overall(percents: list[float], method: str) -> float | None:
    if not percents:
        return None
    return {
        "highest": lambda: sorted(percents)[-1],
        "latest": lambda: percents[len(percents) - 1],
        "first": lambda: percents[0],
        "average": lambda: sum(percents) / len(percents),
    }[method]()


@given(st.lists(st.floats(0, 100), max_size=12), st.sampled_from(list(GradingMethod)))
def test_grading_method_across_attempts_matches_a_reference(percents, method):
    result = overall_percent(percents, method)
    expected = reference_overall(percents, method.value)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_grading_methods_by_example():
    attempts = [40.0, 90.0, 70.0]
    assert overall_percent(attempts, GradingMethod.HIGHEST) == 90
    assert overall_percent(attempts, GradingMethod.LATEST) == 70
    assert overall_percent(attempts, GradingMethod.FIRST) == 40
    assert overall_percent(attempts, GradingMethod.AVERAGE) == statistics.fmean(attempts)


# ---- issue 11 ---------------------------------------------------------------------------

OTHER = Question(
    Kind.NUMERIC,
    "A number from 1 to 5?",
    numbers=(
        NumericAnswer(3, 2, feedback="In range."),
        NumericAnswer(0, 0, weight=0, feedback="Zero is not from 1 to 5."),
        NumericAnswer(weight=0, feedback="Completely wrong"),
    ),
)


@pytest.mark.parametrize(
    ("typed", "fraction", "feedback"),
    [
        ("4", 1, ("In range.",)),
        ("0", 0, ("Zero is not from 1 to 5.",)),  # a wrong answer with its own feedback
        ("9", 0, ("Completely wrong",)),  # matched nothing: the catch-all speaks
        ("nine", 0, ("Completely wrong",)),
    ],
)
def test_numeric_any_other_answer_feedback(typed, fraction, feedback):
    result = grade(OTHER, typed)
    assert (result.fraction, result.feedback) == (fraction, feedback)
    assert grade(OTHER, "").outcome is Outcome.UNANSWERED


def test_negative_marks_on_a_single_answer_question_score_zero_not_less():
    question = Question(
        Kind.SINGLE,
        "Which?",
        points=3,
        choices=(Choice("right", 1), Choice("wrong", -1 / 3, "Costly"), Choice("meh", 0)),
    )
    result = grade(question, 1)
    assert (result.fraction, result.points, result.outcome) == (0, 0, Outcome.INCORRECT)
    assert result.feedback == ("Costly",)


@pytest.mark.parametrize(
    ("accepted", "typed", "matches"),
    [
        ("C++", "C", False),
        ("C", "C++", False),
        ("C#", "c", False),
        ("C++", " c++! ", True),
        ("-5", "5", False),
        ("5", "-5", False),
        ("-5", "\u22125", True),  # a typographic minus sign
        ("+1", "1", False),
        ("3.5", "35", False),
        ("3.5", "3 5", False),
        ("node.js", "Node.js.", True),
        ("assisting with testing", "Assisting with testing.", True),
        ("well-known", "well known", True),  # a hyphen between words only joins them
        ("Paris", "(Paris)", True),
    ],
)
def test_short_answers_keep_punctuation_that_carries_meaning(accepted, typed, matches):
    assert short_text_matches(accepted, typed) is matches


# No per-example deadline: on a busy machine a slow example is not a wrong one.
UNHURRIED = settings(deadline=None)
ASCII_WORDS = st.text("abcXYZ019", min_size=1, max_size=6)
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
FILLER = st.text(" \t,;:!?'\"()…", max_size=3)  # punctuation that says nothing


@given(ANY_TEXT)
@UNHURRIED
def test_normalising_twice_changes_nothing(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == once.strip() and "  " not in once


@given(st.lists(ASCII_WORDS, min_size=1, max_size=4), FILLER, FILLER)
@UNHURRIED
def test_case_spacing_and_empty_punctuation_never_matter(words, before, after):
    text = " ".join(words)
    messy = before + "  ".join(word.swapcase() for word in words) + after + "."
    assert normalise_text(messy) == normalise_text(text)


@given(st.integers(1, 10**6), st.sampled_from(["", " ", "  "]))
@UNHURRIED
def test_a_sign_always_matters(number, space):
    assert normalise_text(f"-{number}") != normalise_text(str(number))
    assert normalise_text(f"{space}-{number}") == f"-{number}"


@given(st.text("abcxyz", min_size=1, max_size=6), st.sampled_from(["++", "#", "+"]))
@UNHURRIED
def test_plus_and_hash_always_matter(word, suffix):
    assert normalise_text(word + suffix) != normalise_text(word)
    assert short_text_matches(word + suffix, (word + suffix).upper())


@given(st.integers(0, 999), st.integers(0, 999))
@UNHURRIED
def test_a_decimal_point_always_matters(whole, fraction):
    assert normalise_text(f"{whole}.{fraction}") == f"{whole}.{fraction}"
    assert normalise_text(f"{whole}.{fraction}") != normalise_text(f"{whole}{fraction}")


SHIPPED = Path(__file__).resolve().parents[2] / "quizzes" / "course" / "tpm-vs-pm"
LESSONS = Path(__file__).resolve().parents[2] / "lessons" / "course" / "tpm-vs-pm"
# Each shipped short-answer question, and answers worded as its lesson words them.
LESSON_WORDING = {
    "The third technical task": [
        "Assisting with testing",
        "helping out with testing",
        "helps with testing",
        "help with testing",
        "support for testing",
        "testing support",
        "helping to test the system",
    ],
    "Three projects for a council": [
        "generalist project manager",
        "a generalist",
        "traditional project manager",
    ],
    "The minimum degree": ["bachelor's degree", "at least a bachelor's degree", "Bachelor's"],
    "Rosa's choice": ["a generalist project manager", "generalist"],
    "Seeing the price": [
        "cost breakdown or estimate",
        "cost estimate",
        "breakdown or cost estimate",
    ],
    "Learning the system": ["user manuals", "the user manual"],
    "Who hears about the move": [
        "communication within the organization",
        "Communication inside the organization",
        "internal communication",
    ],
}


def test_shipped_short_answers_accept_the_lessons_own_wording():
    lessons_text = normalise_text(" ".join(p.read_text() for p in LESSONS.glob("*.md")))
    shipped = {
        question.title: question
        for path in SHIPPED.glob("*.gift")
        for question in parse_gift(path.read_text()).questions
        if question.kind is Kind.SHORT_TEXT
    }
    assert set(shipped) == set(LESSON_WORDING)
    for title, answers in LESSON_WORDING.items():
        for typed in answers:
            assert normalise_text(typed) in lessons_text, typed  # the lesson's words
            assert grade(shipped[title], typed).fraction == 1, (title, typed)
