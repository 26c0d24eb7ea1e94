"""Twenty completions at once on PostgreSQL produce exactly one certificate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coursework.certificates import services
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from tests.quizzes.test_races import all_at_once

pytestmark = pytest.mark.postgres_only


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
