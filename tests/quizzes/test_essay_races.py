"""Graders saving at once, on PostgreSQL: an attempt is completed once, its learning events
are recorded once and its certificate is issued once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from quizzes import services
from quizzes.models import Attempt
from quizzes.spec import Kind, Question
from tests.support.quizkit import ESSAY, submitted_with_essay, together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.real_commits(reason="threads race, each on a connection of its own"),
]

GRADERS = 12


def grading(quiz_id: int, response_id: int, grader_id: int, points: float):
    def work():
        quiz = services.get_quiz(quiz_id)
        return services.grade_essay(
            quiz, response_id, points, "Graded.", db.session.get(User, grader_id)
        ).state

    return work


def count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


@pytest.fixture
def waiting(make_quiz, make_user, course, instructor):
    """A learner who has read every lesson and submitted a quiz of two essays, awaiting
    grading; and a co-instructor, so two different people grade."""
    second = Question(Kind.ESSAY, "Explain a gate review.", points=2)
    quiz = make_quiz((ESSAY, second))
    learner = make_user()
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
    attempt, essays = submitted_with_essay(quiz, learner)
    colleague = make_user(is_instructor=True)
    lessons.add_staff(course, colleague.email, instructor)
    return quiz.id, attempt.id, [essay.id for essay in essays], (instructor.id, colleague.id)


def test_two_graders_finishing_an_attempts_last_essays_together_complete_it_once(app, waiting):
    quiz_id, attempt_id, (first, second), (owner, colleague) = waiting
    results = together(
        app, [grading(quiz_id, first, owner, 2), grading(quiz_id, second, colleague, 1)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.points, attempt.percent, attempt.passed) == (
        "submitted",
        3.0,
        75.0,
        True,
    )
    assert count(LearningEvent, LearningEvent.verb == "attempted") == 1
    assert count(LearningEvent, LearningEvent.verb == "passed") == 1
    assert count(LearningEvent, LearningEvent.verb == "certified") == 1
    assert count(Certificate) == 1


def test_many_graders_saving_the_same_essays_at_once_complete_the_attempt_once(app, waiting):
    quiz_id, attempt_id, (first, second), (owner, colleague) = waiting
    works = [
        grading(quiz_id, (first, second)[n % 2], (owner, colleague)[n // 2 % 2], 2)
        for n in range(GRADERS)
    ]
    results = together(app, works)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert "submitted" in results
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.state, attempt.percent) == ("submitted", 100.0)
    assert count(LearningEvent, LearningEvent.verb == "attempted") == 1
    assert count(Certificate) == 1
