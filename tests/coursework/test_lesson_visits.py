"""Opening a lesson reads first and writes only what the visit changes: the first visit
starts the lesson, moving on moves the place to resume, and re-reading the same lesson
moves the last activity at most once a minute."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from coursework.db import utcnow
from coursework.extensions import db
from coursework.progress.models import Enrolment, LessonProgress
from coursework.progress.services import ACTIVITY_RESOLUTION
from tests.support.progresskit import lesson_url


def _enrolment(user_id: int) -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id))


def test_the_first_visit_enrols_and_starts_the_lesson(client, make_user, login, course):
    learner = make_user()
    login(client, learner)
    page = client.get(lesson_url(course, "knives")).get_data(as_text=True)
    assert "In progress" in page
    assert _enrolment(learner.id).last_lesson_id is not None
    assert db.session.scalar(select(LessonProgress.started_at)) is not None


def test_moving_on_moves_the_place_to_resume_and_the_page_says_so(client, make_user, login, course):
    learner = make_user()
    login(client, learner)
    client.get(lesson_url(course, "knives"))
    first = _enrolment(learner.id)
    knives, activity = first.last_lesson_id, first.last_activity_at
    client.get(lesson_url(course, "heat"))
    client.get(lesson_url(course, "knives"))  # started already: only the resume point moves
    after = _enrolment(learner.id)
    assert after.last_lesson_id == knives and after.last_activity_at >= activity
    course_page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    resume = re.search(r'<a class="button button--block" href="([^"]+)">\s*Continue', course_page)
    assert resume and resume.group(1) == lesson_url(course, "knives")


def test_rereading_moves_the_last_activity_only_after_the_resolution(
    client, make_user, login, course
):
    learner = make_user()
    login(client, learner)
    client.get(lesson_url(course, "knives"))
    recent = utcnow() - ACTIVITY_RESOLUTION / 2
    db.session.execute(update(Enrolment).values(last_activity_at=recent))
    db.session.commit()
    assert client.get(lesson_url(course, "knives")).status_code == 200
    assert _enrolment(learner.id).last_activity_at == recent
    stale = utcnow() - ACTIVITY_RESOLUTION - timedelta(seconds=5)
    db.session.execute(update(Enrolment).values(last_activity_at=stale))
    db.session.commit()
    client.get(lesson_url(course, "knives"))
    assert _enrolment(learner.id).last_activity_at > utcnow() - ACTIVITY_RESOLUTION
