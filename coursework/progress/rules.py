"""Progress rules as plain functions: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from coursework.i18n import _


class LessonState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {
            "not_started": _("Not started"),
            "in_progress": _("In progress"),
            "completed": _("Completed"),
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
    """A learner's progress through a course's steps: its current lessons, then its
    required quizzes (each lesson's, then the final one)."""

    total: int
    completed: int
    started: int
    states: dict[int, LessonState]
    next_lesson_id: int | None
    quizzes_passed: dict[int, bool]  # required quiz id -> passed
    next_quiz_id: int | None = None

    @property
    def percent(self) -> int:
        # Rounded down, so 100% is shown only when every step is done.
        return self.completed * 100 // self.total if self.total else 0

    @property
    def state(self) -> LessonState:
        if self.total and self.completed == self.total:
            return LessonState.COMPLETED
        return LessonState.IN_PROGRESS if self.started else LessonState.NOT_STARTED

    @property
    def is_complete(self) -> bool:
        """The completion rule: every current lesson completed and every required quiz
        passed. Certificates are issued when it first holds."""
        return self.total > 0 and self.completed == self.total

    @property
    def lessons_done(self) -> bool:
        return all(state == LessonState.COMPLETED for state in self.states.values())


def summarise(
    lessons: Iterable[LessonLike],
    progress_by_lesson: Mapping[int, ProgressLike],
    last_lesson_id: int | None = None,
    quizzes: Sequence[tuple[int, bool, bool]] = (),
) -> CourseSummary:
    """Course progress = (completed current lessons + passed required quizzes) / (current
    lessons + required quizzes).

    `quizzes` lists the course's required quizzes in course order as (id, attempted,
    passed). The next lesson is the first unfinished one after the last one the learner
    opened, wrapping to the first unfinished one; the next quiz is the first not passed.
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
    lessons_completed = sum(state == LessonState.COMPLETED for state in states.values())
    quizzes_passed = {quiz_id: passed for quiz_id, _, passed in quizzes}
    return CourseSummary(
        total=len(ordered) + len(quizzes),
        completed=lessons_completed + sum(quizzes_passed.values()),
        started=sum(state != LessonState.NOT_STARTED for state in states.values())
        + sum(attempted for _, attempted, _ in quizzes),
        states=states,
        next_lesson_id=next_id,
        quizzes_passed=quizzes_passed,
        next_quiz_id=next((quiz_id for quiz_id, _, passed in quizzes if not passed), None),
    )
