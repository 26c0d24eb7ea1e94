"""The learner's pages and their progress, through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coursework.extensions import db
from coursework.progress.models import Enrolment, LearningEvent, LessonProgress
from lessons import services as lessons
from tests.support.progresskit import lesson_url


def test_catalogue_lists_courses_for_everyone(client, course):
    body = client.get("/").get_data(as_text=True)
    assert "Kitchen Safety" in body
    assert "3 lessons" in body
    assert body.count("<h1") == 1


def test_course_page_shows_lessons_in_order_with_state(client, course):
    body = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert re.findall(r">(Knives|Heat|Cleaning)</a>", body) == [
        "Knives",
        "Heat",
        "Cleaning",
    ]
    assert body.count("Not started") == 3
    assert "Sign up to start" in body


def test_unknown_course_and_lesson_are_404_pages(client, make_user, login, course):
    response = client.get("/courses/no-such-course")
    assert response.status_code == 404
    assert "There is no course at this address." in response.get_data(as_text=True)
    login(client, make_user())
    assert client.get(lesson_url(course, "nope")).status_code == 404


def test_lessons_ask_a_signed_out_visitor_to_log_in(client, course):
    response = client.get(lesson_url(course, "knives"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(
        "/login?next=/courses/kitchen-safety/lessons/knives"
    )


def test_opening_a_lesson_starts_it_once_and_enrols(client, make_user, login, course):
    learner = make_user()
    login(client, learner)
    for _ in range(2):
        response = client.get(lesson_url(course, "knives"))
        assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Hold the handle" in body and "<em>never</em>" in body
    assert "In progress" in body
    assert db.session.scalar(select(db.func.count(LessonProgress.id))) == 1
    assert db.session.scalar(select(db.func.count(Enrolment.id))) == 1
    events = db.session.execute(select(LearningEvent.verb, LearningEvent.object_type)).all()
    assert sorted(events) == [("started", "course"), ("started", "lesson")]


def test_completing_moves_to_the_next_lesson_and_twice_changes_nothing(
    client, make_user, login, course
):
    learner = make_user()
    login(client, learner)
    client.get(lesson_url(course, "knives"))
    response = client.post(lesson_url(course, "knives") + "/complete")
    assert response.status_code == 302
    assert response.headers["Location"] == lesson_url(course, "heat")
    first = db.session.scalar(select(LessonProgress.completed_at))
    client.post(lesson_url(course, "knives") + "/complete")
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress.completed_at)) == first
    completed_events = db.session.scalars(
        select(LearningEvent).where(LearningEvent.verb == "completed")
    ).all()
    assert len(completed_events) == 1


def test_the_whole_course_reaches_100_percent(client, make_user, login, course):
    login(client, make_user())
    for slug in ("knives", "heat", "cleaning"):
        client.get(lesson_url(course, slug))
        response = client.post(lesson_url(course, slug) + "/complete")
    assert response.headers["Location"] == f"/courses/{course.slug}"
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "100%" in page
    assert "You have completed every lesson" in page
    assert page.count(">Completed<") == 3
    mine = client.get("/my-learning").get_data(as_text=True)
    assert "Kitchen Safety" in mine and "100%" in mine


def test_continue_resumes_where_the_learner_left_off(client, make_user, login, course):
    login(client, make_user())
    client.get(lesson_url(course, "knives"))
    client.post(lesson_url(course, "knives") + "/complete")
    client.get(lesson_url(course, "heat"))
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    continue_link = re.search(r'<a class="button button--block" href="([^"]+)">\s*Continue', page)
    assert continue_link and continue_link.group(1) == lesson_url(course, "heat")
    assert "33%" in page


def test_lesson_page_has_previous_next_objectives_and_time(client, make_user, login, make_course):
    course = make_course(
        "# T\n\n## One\n\nFirst.\n\n## Two\n\nSecond.\n\n## Three\n\nThird.\n", slug="pn"
    )
    login(client, make_user())
    body = client.get(lesson_url(course, "two")).get_data(as_text=True)
    assert 'rel="prev"' in body and ">One<" in body
    assert 'rel="next"' in body and ">Three<" in body
    assert "Lesson 2 of 3" in body and "1 min read" in body
    assert "Mark as complete" in body


def test_completion_needs_a_post_with_csrf(client, make_user, login, course, csrf_on):
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    learner = make_user()
    client.post(
        "/login",
        data={"email": learner.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert client.get(lesson_url(course, "knives") + "/complete").status_code == 405
    assert client.post(lesson_url(course, "knives") + "/complete").status_code == 400
    assert db.session.scalar(select(LessonProgress.completed_at)) is None


def test_retired_lessons_are_gone_from_pages_but_not_from_history(
    client, make_user, login, make_course, course
):
    learner = make_user()
    login(client, learner)
    client.post(lesson_url(course, "heat") + "/complete")
    make_course(
        "# Kitchen Safety\n\n## Knives\n\nHold the handle, *never* the blade.\n\n"
        "## Cleaning\n\nWipe spills at once.\n"
    )
    assert client.get(lesson_url(course, "heat")).status_code == 404
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert ">Heat<" not in page
    assert db.session.scalar(select(db.func.count(LessonProgress.id))) == 1


def test_my_learning_needs_sign_in_and_has_an_empty_state(client, make_user, login):
    assert client.get("/my-learning").status_code == 302
    login(client, make_user())
    assert "You have not started a course yet." in client.get("/my-learning").get_data(as_text=True)


def test_my_learning_uses_a_fixed_number_of_queries(client, make_user, login, make_course, app):
    from sqlalchemy import event

    learner = make_user()
    login(client, learner)

    def count_queries() -> int:
        statements = []

        def record(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/my-learning").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    for i in range(2):
        c = make_course(f"# Course {i}\n\n## A\n\nText.\n\n## B\n\nMore.\n", slug=f"c{i}")
        client.get(lesson_url(c, "a"))
    few = count_queries()
    for i in range(2, 8):
        c = make_course(f"# Course {i}\n\n## A\n\nText.\n\n## B\n\nMore.\n", slug=f"c{i}")
        client.get(lesson_url(c, "a"))
    assert count_queries() == few


def test_learning_events_are_append_only(app, make_user, course):
    from coursework.progress import services

    learner = make_user()
    services.complete_lesson(learner, lessons.current_lessons(course.id)[0])
    db.session.commit()  # as the request does
    event = db.session.scalars(select(LearningEvent)).first()
    event.verb = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.delete(db.session.scalars(select(LearningEvent)).first())
        db.session.flush()
