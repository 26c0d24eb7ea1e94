"""Progress rules as plain functions: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class LessonState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "in_progress": "In progress",
            "completed": "Completed",
        }[self.value]


class LessonLike(Protocol):
    id: int
    content_hash: str


class ProgressLike(Protocol):
    completed_at: object | None
    completed_hash: str | None


def lesson_state(lesson: LessonLike, progress: ProgressLike | None) -> LessonState:
    """Completed only if the learner completed the lesson's current content."""
    if progress is None:
        return LessonState.NOT_STARTED
    if progress.completed_at is not None and progress.completed_hash == lesson.content_hash:
        return LessonState.COMPLETED
    return LessonState.IN_PROGRESS


@dataclass(frozen=True)
class CourseSummary:
    total: int
    completed: int
    started: int
    states: dict[int, LessonState]
    next_lesson_id: int | None

    @property
    def percent(self) -> int:
        # Rounded down, so 100% is shown only when every lesson is done.
        return self.completed * 100 // self.total if self.total else 0

    @property
    def state(self) -> LessonState:
        if self.total and self.completed == self.total:
            return LessonState.COMPLETED
        return LessonState.IN_PROGRESS if self.started else LessonState.NOT_STARTED


def summarise(
    lessons: Iterable[LessonLike],
    progress_by_lesson: Mapping[int, ProgressLike],
    last_lesson_id: int | None = None,
) -> CourseSummary:
    """Course progress = completed current lessons / current lessons.

    The next lesson is the first unfinished one after the last one the learner opened,
    wrapping to the first unfinished one in course order.
    """
    ordered = list(lessons)
    states = {
        lesson.id: lesson_state(lesson, progress_by_lesson.get(lesson.id)) for lesson in ordered
    }
    unfinished = [lesson.id for lesson in ordered if states[lesson.id] != LessonState.COMPLETED]
    next_id = None
    if unfinished:
        ids = [lesson.id for lesson in ordered]
        start = ids.index(last_lesson_id) if last_lesson_id in ids else 0
        after = [lesson_id for lesson_id in ids[start:] if lesson_id in unfinished]
        next_id = after[0] if after else unfinished[0]
    return CourseSummary(
        total=len(ordered),
        completed=sum(state == LessonState.COMPLETED for state in states.values()),
        started=sum(state != LessonState.NOT_STARTED for state in states.values()),
        states=states,
        next_lesson_id=next_id,
    )
