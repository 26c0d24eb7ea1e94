"""Completions at once on PostgreSQL produce exactly one certificate: twenty of the same
step, and two *different* final steps finishing together."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from coursework.certificates import services
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.quizkit import all_at_once, right_answers, together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.real_commits(reason="threads race, each on a connection of its own"),
]


def test_twenty_concurrent_completions_issue_one_certificate(app, make_user, course):
    learner_id = make_user().id
    current = lessons.current_lessons(course.id)
    for lesson in current[:-1]:
        progress.complete_lesson(_user(learner_id), lesson)
    last_id = current[-1].id

    def finish() -> str | None:
        from lessons.models import Lesson

        progress.complete_lesson(_user(learner_id), db.session.get(Lesson, last_id))
        # Every request also asks for the certificate, as a page reload would.
        certificate = services.issue_if_complete(learner_id, course.id)
        db.session.commit()
        return certificate.code if certificate else None

    results = all_at_once(app, finish)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert len(set(results)) == 1 and results[0]
    certified = db.session.scalar(
        select(func.count(LearningEvent.id)).where(LearningEvent.verb == "certified")
    )
    assert certified == 1


def _user(user_id: int):
    from coursework.accounts.models import User

    return db.session.get(User, user_id)


ROUNDS = 25


def _complete(learner_id: int, lesson_id: int) -> Callable[[], bool]:
    def complete() -> bool:
        from lessons.models import Lesson

        return progress.complete_lesson(_user(learner_id), db.session.get(Lesson, lesson_id))

    return complete


def _submit(learner_id: int, attempt_id: int) -> Callable[[], bool]:
    def submit() -> bool:
        attempt = quizzes.get_attempt(attempt_id, _user(learner_id))
        return quizzes.submit_attempt(attempt).passed

    return submit


def test_a_lesson_completion_racing_the_final_quiz_submit_issues_one_certificate(
    app, make_user, course, make_quiz
):
    quiz_id = make_quiz(lesson_slug=None, title="Final quiz").id
    current = lessons.current_lessons(course.id)
    last_id = current[-1].id
    learners = []
    for _ in range(ROUNDS):
        learner = make_user()
        for lesson in current[:-1]:
            progress.complete_lesson(learner, lesson)
        attempt = quizzes.start_attempt(learner, quizzes.get_quiz(quiz_id))
        quizzes.save_answers(attempt, right_answers(attempt))
        learners.append((learner.id, attempt.id))

    for learner_id, attempt_id in learners:
        results = together(app, [_complete(learner_id, last_id), _submit(learner_id, attempt_id)])
        assert results == [True, True], results
    missing = [lid for lid, _ in learners if services.find_for(lid, course.id) is None]
    assert missing == [], f"{len(missing)} of {ROUNDS} learners got no certificate"
    assert db.session.scalar(select(func.count(Certificate.id))) == ROUNDS


def test_two_lessons_completed_together_in_two_tabs_issue_one_certificate(app, make_user, course):
    current = lessons.current_lessons(course.id)
    learner_ids = []
    for _ in range(ROUNDS):
        learner = make_user()
        for lesson in current[:-2]:
            progress.complete_lesson(learner, lesson)
        learner_ids.append(learner.id)

    for learner_id in learner_ids:
        results = together(
            app, [_complete(learner_id, current[-2].id), _complete(learner_id, current[-1].id)]
        )
        assert results == [True, True], results
    missing = [lid for lid in learner_ids if services.find_for(lid, course.id) is None]
    assert missing == [], f"{len(missing)} of {ROUNDS} learners got no certificate"
    assert db.session.scalar(select(func.count(Certificate.id))) == ROUNDS
    certified = db.session.scalar(
        select(func.count(LearningEvent.id)).where(LearningEvent.verb == "certified")
    )
    assert certified == ROUNDS
