"""SM-2 as published, and when a practised question counts as remembered."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.practice import schedule
from quizzes.practice.schedule import Card

DAY = date(2026, 12, 1)


def test_a_missed_question_comes_back_the_next_day():
    card = schedule.missed(DAY)
    assert card.due_on == DAY + timedelta(days=1) and card.repetitions == 0


def test_right_answers_space_out_1_6_then_interval_times_ease_until_remembered():
    card = schedule.missed(DAY)
    today = card.due_on
    intervals = []
    while not card.remembered:
        card = schedule.review(card, 4, today)
        intervals.append(card.interval)
        today = card.due_on
    # Quality 4 leaves the ease at 2.5: 1, 6, then ceil(6 * 2.5).
    assert intervals == [1, 6, 15] and card.ease == pytest.approx(2.5)


def test_the_published_ease_formula():
    card = Card(due_on=DAY, interval=6, repetitions=2)
    assert schedule.review(card, 5, DAY).ease == pytest.approx(2.6)
    assert schedule.review(card, 3, DAY).ease == pytest.approx(2.36)
    assert schedule.review(card, 3, DAY).interval == 15  # ceil(6 * 2.36) = ceil(14.16)


def test_a_lapse_starts_again_without_changing_the_ease():
    card = Card(due_on=DAY, interval=15, ease=2.2, repetitions=2)
    after = schedule.review(card, 1, DAY)
    assert (after.interval, after.repetitions, after.ease, after.lapses) == (1, 0, 2.2, 1)
    assert after.due_on == DAY + timedelta(days=1)


def test_quality_from_a_graded_answer():
    assert schedule.quality(1.0) == 4
    assert schedule.quality(1.0, sure=True) == 5 and schedule.quality(1.0, sure=False) == 3
    assert schedule.quality(0.5) == 2 and schedule.quality(0.0) == 1


@given(st.lists(st.integers(0, 5), max_size=40))
def test_ease_never_below_the_floor_and_due_never_in_the_past(grades):
    card, today = schedule.missed(DAY), DAY
    for grade in grades:
        card = schedule.review(card, grade, today)
        assert card.ease >= schedule.LOWEST_EASE
        assert card.due_on > today and card.interval >= 1
        today = card.due_on


def test_qualities_outside_the_scale_are_refused():
    with pytest.raises(ValueError):
        schedule.review(schedule.missed(DAY), 6, DAY)
