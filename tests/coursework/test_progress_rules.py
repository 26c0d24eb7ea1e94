"""Completion rules as plain functions: no app, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from coursework.progress.rules import LessonState, lesson_state, summarise


@dataclass
class L:
    id: int
    content_hash: str = "h"


@dataclass
class P:
    completed_at: datetime | None = None
    completed_hash: str | None = None


DONE = P(datetime(2026, 1, 1, tzinfo=UTC), "h")


def test_states():
    lesson = L(1)
    assert lesson_state(lesson, None) is LessonState.NOT_STARTED
    assert lesson_state(lesson, P()) is LessonState.IN_PROGRESS
    assert lesson_state(lesson, DONE) is LessonState.COMPLETED


def test_completion_of_an_older_version_does_not_count():
    assert lesson_state(L(1, "new"), DONE) is LessonState.IN_PROGRESS


def test_progress_is_completed_over_current_lessons():
    lessons = [L(1), L(2), L(3), L(4)]
    summary = summarise(lessons, {1: DONE, 3: DONE, 99: DONE})
    assert (summary.completed, summary.total, summary.percent) == (2, 4, 50)
    assert summary.state is LessonState.IN_PROGRESS


def test_percent_rounds_down_so_100_means_done():
    summary = summarise([L(1), L(2), L(3)], {1: DONE, 2: DONE})
    assert summary.percent == 66
    assert summarise([L(1)], {1: DONE}).percent == 100


def test_next_lesson_resumes_after_the_last_opened():
    lessons = [L(1), L(2), L(3), L(4)]
    assert summarise(lessons, {}).next_lesson_id == 1
    assert summarise(lessons, {1: DONE, 2: P()}, last_lesson_id=2).next_lesson_id == 2
    assert summarise(lessons, {1: DONE, 3: DONE}, last_lesson_id=3).next_lesson_id == 4
    # Past the end: wrap round to the first unfinished lesson.
    assert summarise(lessons, {2: DONE, 3: DONE, 4: DONE}, last_lesson_id=4).next_lesson_id == 1
    assert summarise(lessons, dict.fromkeys(range(1, 5), DONE)).next_lesson_id is None


def test_an_empty_course_is_not_started_and_zero_percent():
    summary = summarise([], {})
    assert summary.percent == 0
    assert summary.state is LessonState.NOT_STARTED


@given(
    st.lists(st.booleans(), min_size=0, max_size=30),
    st.lists(st.booleans(), min_size=0, max_size=30),
)
def test_percent_is_bounded_and_exact_at_the_ends(done_flags, started_flags):
    lessons = [L(i) for i in range(len(done_flags))]
    progress = {}
    for i, done in enumerate(done_flags):
        if done:
            progress[i] = DONE
        elif i < len(started_flags) and started_flags[i]:
            progress[i] = P()
    summary = summarise(lessons, progress)
    assert 0 <= summary.percent <= 100
    assert (summary.percent == 100) == (bool(lessons) and all(done_flags))
    assert summary.completed == sum(done_flags)
    assert (summary.next_lesson_id is None) == (summary.completed == summary.total)
