"""Question statistics as pure functions, checked against figures worked out by hand."""

from __future__ import annotations

import csv
import io
import math

import pytest

from quizzes.stats import (
    AttemptScore,
    Bin,
    QuestionStats,
    ResponseScore,
    csv_safe,
    discrimination_index,
    first_attempts,
    pearson,
    question_notes,
    question_stats,
    score_distribution,
    to_csv,
)


def attempt(learner: int, scores: dict[int, float], number: int = 1, points=None) -> AttemptScore:
    """An attempt where every question is worth 1 point and `scores` are the fractions."""
    total = sum(scores.values()) if points is None else points
    return AttemptScore(
        learner=learner,
        number=number,
        points=total,
        percent=100 * total / max(len(scores), 1),
        responses={key: ResponseScore(f, f, answered=True) for key, f in scores.items()},
    )


def test_pearson_by_hand():
    # x = 1,1,0,0 and y = 3,2,1,0: Σdxdy = 2, Σdx² = 1, Σdy² = 5, so r = 2/√5.
    assert pearson([1, 1, 0, 0], [3, 2, 1, 0]) == pytest.approx(2 / math.sqrt(5))
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1)


def test_pearson_is_undefined_without_two_pairs_or_without_variation():
    assert pearson([], []) is None
    assert pearson([1], [5]) is None
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([1, 2, 3], [4, 4, 4]) is None
    with pytest.raises(ValueError):
        pearson([1, 2], [1])


def test_a_perfectly_discriminating_question_has_a_high_positive_index():
    # Question 1 is right exactly for the learners who do best on questions 2 to 4.
    attempts = [
        attempt(1, {1: 1, 2: 1, 3: 1, 4: 1}),
        attempt(2, {1: 1, 2: 1, 3: 1, 4: 0}),
        attempt(3, {1: 0, 2: 1, 3: 0, 4: 0}),
        attempt(4, {1: 0, 2: 0, 3: 0, 4: 0}),
    ]
    first = question_stats([1], attempts)[0]
    # Rest of the test: 3, 2, 1, 0 against 1, 1, 0, 0 — r = 2/√5 ≈ 0.894.
    assert first.discrimination == pytest.approx(100 * 2 / math.sqrt(5))
    assert first.discrimination > 80
    assert first.facility == pytest.approx(50)
    assert first.notes == ()


def test_a_question_everyone_gets_right_has_no_discrimination_index():
    attempts = [attempt(n, {1: 1, 2: n % 2}) for n in range(1, 5)]
    constant = question_stats([1], attempts)[0]
    assert constant.discrimination is None
    assert constant.facility == 100
    assert constant.spread == 0
    assert constant.notes == ("Very easy",)


def test_fewer_than_two_attempts_give_no_index_and_no_spread():
    one = question_stats([1], [attempt(1, {1: 1, 2: 0})])[0]
    assert (one.attempts, one.facility, one.spread, one.discrimination) == (1, 100, None, None)
    none = question_stats([1], [])[0]
    assert (none.attempts, none.answered, none.facility, none.discrimination) == (0, 0, None, None)


def test_a_question_strong_learners_get_wrong_has_a_negative_index():
    attempts = [
        attempt(1, {1: 0, 2: 1, 3: 1}),
        attempt(2, {1: 0, 2: 1, 3: 0}),
        attempt(3, {1: 1, 2: 0, 3: 0}),
    ]
    stats = question_stats([1], attempts)[0]
    # x = 0,0,1 and rest = 2,1,0: Σdxdy = -1, Σdx² = 2/3, Σdy² = 2, r = -1/√(4/3) = -√3/2.
    assert stats.discrimination == pytest.approx(-100 * math.sqrt(3) / 2)
    assert any("Negative discrimination" in note for note in stats.notes)


def test_facility_spread_and_answered_by_hand():
    attempts = [
        attempt(1, {1: 1.0}),
        attempt(2, {1: 0.5}),
        AttemptScore(3, 1, 0.0, 0.0, {1: ResponseScore(0.0, 0.0, answered=False)}),
    ]
    stats = question_stats([1], attempts)[0]
    assert stats.attempts == 3
    assert stats.answered == 2
    assert stats.facility == pytest.approx(50)  # (1 + 0.5 + 0) / 3
    assert stats.spread == pytest.approx(50)  # sample standard deviation of 1, 0.5, 0


def test_the_rest_of_the_test_uses_points_not_fractions():
    # Question 1 is worth 2 points; the attempt totals include it.
    attempts = [
        AttemptScore(1, 1, 5, 100, {1: ResponseScore(1, 2)}),
        AttemptScore(2, 1, 1, 20, {1: ResponseScore(0, 0)}),
        AttemptScore(3, 1, 2, 40, {1: ResponseScore(0.5, 1)}),
    ]
    # x = 2, 0, 1 and rest = 3, 1, 1.
    expected = 100 * pearson([2, 0, 1], [3, 1, 1])
    assert question_stats([1], attempts)[0].discrimination == pytest.approx(expected)
    assert discrimination_index([2, 0, 1], [3, 1, 1]) == pytest.approx(expected)


def test_an_attempt_counts_only_for_the_questions_it_holds():
    attempts = [attempt(1, {1: 1, 2: 1}), attempt(2, {2: 0})]
    first, second = question_stats([1, 2], attempts)
    assert (first.key, first.attempts, second.key, second.attempts) == (1, 1, 2, 2)


def test_first_attempts_keep_each_learners_earliest():
    attempts = [
        attempt(1, {1: 1}, number=2),
        attempt(1, {1: 0}, number=1),
        attempt(2, {1: 1}, number=3),
    ]
    chosen = first_attempts(attempts)
    assert [(a.learner, a.number) for a in chosen] == [(1, 1), (2, 3)]


def test_score_distribution_has_ten_bands_and_puts_100_in_the_last():
    bins = score_distribution([0, 9.99, 10, 55, 99.5, 100, 100, -3, 140])
    assert len(bins) == 10
    assert bins[0] == Bin(0, 10, 3)  # 0, 9.99 and the out-of-range -3
    assert bins[1].count == 1
    assert bins[5].count == 1
    assert bins[9] == Bin(90, 100, 4)
    assert bins[9].label == "90 to 100%"
    assert sum(b.count for b in bins) == 9
    assert [b.count for b in score_distribution([])] == [0] * 10


def test_notes_name_weak_and_very_hard_questions():
    weak = QuestionStats(1, 10, 10, 50.0, 20.0, 12.0)
    assert question_notes(weak) == ("Weak discrimination",)
    hard = QuestionStats(1, 10, 10, 2.0, 5.0, None)
    assert question_notes(hard) == ("Very hard",)
    good = QuestionStats(1, 10, 10, 60.0, 40.0, 45.0)
    assert question_notes(good) == ()


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Plain text", "Plain text"),
        ("", ""),
        (-12.5, -12.5),
        (3, 3),
        (None, None),
    ],
)
def test_csv_safe_neutralises_formulas_but_not_numbers(value, safe):
    assert csv_safe(value) == safe


def test_csv_round_trips_awkward_text():
    text = 'Line one, with a comma\nLine two with "quotes"\r\nand a third'
    out = to_csv(["Question", "Score"], [[text, -3.5], ['=HYPERLINK("x")', None]])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [
        ["Question", "Score"],
        [text, "-3.5"],
        ['\'=HYPERLINK("x")', ""],
    ]
