"""One instructor's course never opens to another instructor (issue 8, item 5).

The walk covers every route of the URL map whose policy is "instructor" (the quiz authoring
pages and API, their statistics, the Teach pages, the course's staff and certificate
revocation), whoever built it, so a route added later is walked too. A second instructor,
who teaches a course of their own, gets 403 or 404 on every route that names the first
instructor's course or something in it, by HTML and by API; the routes that name nothing
(lists, "new") show nothing of it and refuse to change it. Nothing of the first course
changes, and nothing of its answer key reaches the second instructor.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coursework.accounts.models import User
from coursework.certificates import services as certificates
from coursework.extensions import db
from coursework.policy import policy_of
from coursework.progress import services as progress
from lessons import services as lessons
from quizzes import services as quizzes
from quizzes.bank import services as bank
from quizzes.models import Quiz, Response
from quizzes.spec import Choice, Kind, Question
from tests.support.clients import RequestContextClient
from tests.support.data import SMALL_COURSE
from tests.support.quizkit import body_of, submitted_with_essay

PARAMETER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# Everything here is the first instructor's: none of it may reach the second one.
SECRET_QUESTIONS = (
    Question(
        Kind.SINGLE,
        "Which knife is the SECRET-STEM-ALPHA?",
        choices=(
            Choice("The chef's knife", 1, "SECRET-FEEDBACK-RIGHT"),
            Choice("The bread knife", 0, "SECRET-FEEDBACK-WRONG"),
        ),
        general_feedback="SECRET-GENERAL",
    ),
    Question(
        Kind.SHORT_TEXT, "Name the SECRET-STEM-BETA.", choices=(Choice("SECRET-KEY-TEXT", 1),)
    ),
    Question(Kind.ESSAY, "Explain the SECRET-STEM-GAMMA.", rubric="SECRET-RUBRIC"),
)
MARKERS = (
    "Kitchen Safety",
    "SECRET-QUIZ-TITLE",
    "SECRET-STEM-ALPHA",
    "SECRET-STEM-BETA",
    "SECRET-FEEDBACK-RIGHT",
    "SECRET-FEEDBACK-WRONG",
    "SECRET-GENERAL",
    "SECRET-STEM-GAMMA",
    "SECRET-RUBRIC",
    "SECRET-ESSAY-ANSWER",
    "SECRET-KEY-TEXT",
)
GARDEN = SMALL_COURSE.replace("Kitchen Safety", "Garden Care")


@dataclass
class FirstCourse:
    owner: User
    co_instructor: User
    quiz: Quiz
    values: dict[str, object]


@pytest.fixture
def first(make_course, make_user, instructor) -> FirstCourse:
    course = make_course()
    knives = lessons.get_lesson(course, "knives")
    quiz = quizzes.import_quiz(
        course.id,
        knives.id,
        SECRET_QUESTIONS,
        quizzes.QuizSettings(title="SECRET-QUIZ-TITLE"),
        by=instructor,
        publish=True,
    ).quiz
    learner = make_user(name="Lee Learner")
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
    _, (essay,) = submitted_with_essay(quiz, learner, "SECRET-ESSAY-ANSWER")
    quizzes.grade_essay(quiz, essay.id, 1.0, "Well argued.", instructor)  # completes it
    certificate = certificates.find_for(learner.id, course.id)
    assert certificate is not None  # so the revocation route has something to refuse
    co_instructor = make_user(name="Cora Colleague", is_instructor=True)
    lessons.add_staff(course, co_instructor.email, instructor)
    # A bank question and a quiz rule drawing it, for the bank's and the rules' routes.
    bank.import_bank(
        course.id, [replace(SECRET_QUESTIONS[0], category="SECRET-CATEGORY")], instructor
    )
    draw = bank.add_draw(quiz, "SECRET-CATEGORY", 1, instructor)
    values = {
        "quiz_id": quiz.id,
        "question_id": quiz.questions[0].id,
        "slug": course.slug,
        "user_id": co_instructor.id,
        "code": certificate.code,
        "response_id": essay.id,
        "draw_id": draw.id,
    }
    return FirstCourse(instructor, co_instructor, quiz, values)


@pytest.fixture
def second(make_course, make_user) -> User:
    """An instructor with a course of their own: a real instructor, not an empty account."""
    other = make_user(name="Sam Second", is_instructor=True)
    make_course(GARDEN, owner=other)
    return other


@pytest.fixture
def new_client(app: Flask, login):
    def make(user: User) -> FlaskClient:
        app.test_client_class = RequestContextClient
        client = app.test_client()
        login(client, user)
        return client

    return make


def instructor_routes(app: Flask) -> list[tuple[str, object]]:
    """(method, rule) of every route whose policy is "instructor"."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if policy_of(app, rule.endpoint, method) == "instructor":
                found.append((method, rule))
    return found


def fill(rule, values: dict[str, object]) -> str:
    def value(match: re.Match) -> str:
        if match["name"] not in values:
            raise AssertionError(f"{rule.rule}: the walk has no value for <{match['name']}>")
        return str(values[match["name"]])

    url = PARAMETER.sub(value, rule.rule)
    return url + ("?kind=single" if rule.endpoint == "authoring.new_question" else "")


def names_something(rule) -> bool:
    return bool(rule.arguments)


def api_body(method: str, url: str, first: FirstCourse) -> dict | None:
    """A body the route would accept from the course's staff, so that a refusal is the
    ownership check's doing and not the body's (the API validates bodies first)."""
    if method not in WRITES or method == "DELETE":
        return None
    if url.endswith("/move"):
        return {"offset": 1}
    if url.endswith("/draws"):
        return {"category": "SECRET-CATEGORY", "count": 1}
    if "/grading/" in url:
        return {"points": 0, "feedback": "Hacked"}
    if url.endswith("/gift"):
        return {"gift": "::Q:: Hacked? {=Yes ~No}"}
    if re.search(r"/questions(/\d+)?$", url):
        return body_of(SECRET_QUESTIONS[0])
    if url.endswith("/quizzes"):
        return {"course": first.values["slug"], "lesson": "cleaning", "title": "Planted"}
    return {"title": "Hacked"}


def html_data(method: str, url: str, first: FirstCourse) -> dict | None:
    if method != "POST":
        return None
    if url == "/teach/courses":
        edited = SMALL_COURSE.replace("## Cleaning\n\nWipe spills at once.\n", "")
        return {
            "document": (io.BytesIO(edited.encode()), "kitchen.md"),
            "slug": first.values["slug"],
            "replace": "y",
        }
    if url == "/teach/quizzes/new":
        course = lessons.get_course(str(first.values["slug"]))
        cleaning = lessons.get_lesson(course, "cleaning")
        return {"target": f"{course.id}:{cleaning.id}", "title": "Planted"}
    return {
        "title": "Hacked",
        "passing_score": "10",
        "published": "0",
        "direction": "down",
        "reason": "Spite",
        "email": "walker@example.com",
        "text": "Hacked?",
    }


def call(client: FlaskClient, method: str, url: str, first: FirstCourse):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=api_body(method, url, first))
    data = html_data(method, url, first)
    if data and "document" in data:
        return client.open(url, method=method, data=data, content_type="multipart/form-data")
    return client.open(url, method=method, data=data)


def snapshot(first: FirstCourse) -> dict:
    db.session.expire_all()
    quiz = db.session.get(Quiz, first.quiz.id)
    course = lessons.get_course(str(first.values["slug"]))
    return {
        "settings": vars(quizzes.settings_of(quiz)),
        "published": quiz.published,
        "questions": [quizzes.to_spec(question) for question in quiz.questions],
        "quizzes": [q.id for q in quizzes.course_quizzes([course.id], published_only=False)],
        "lessons": [lesson.slug for lesson in lessons.current_lessons(course.id)],
        "staff": [(m.role, p.id) for m, p in lessons.staff_of(course)],
        "revoked": certificates.get_by_code(str(first.values["code"])).revoked_at,
        "grades": [(r.points, r.grader_feedback) for r in db.session.scalars(select(Response))],
        "draws": [(d.category, d.count) for d in quiz.draws],
        "bank": bank.category_sizes(course.id),
    }


def test_the_walk_covers_quizzes_statistics_courses_staff_and_revocation(app):
    rules = {rule.rule for _, rule in instructor_routes(app)}
    for expected in (
        "/teach/quizzes/<int:quiz_id>/stats",
        "/teach/quizzes/<int:quiz_id>/stats.csv",
        "/api/v1/quizzes/<int:quiz_id>/questions/<int:question_id>",
        "/teach/courses",
        "/teach/courses/<slug>/staff",
        "/teach/quizzes/<int:quiz_id>/grading/<int:response_id>",
        "/api/v1/quizzes/<int:quiz_id>/grading/<int:response_id>",
        "/certificates/<code>/revoke",
    ):
        assert expected in rules, expected
    assert len(instructor_routes(app)) >= 35


def test_a_second_instructor_gets_403_or_404_on_every_route_of_the_first_ones_course(
    app, first, second, new_client
):
    before = snapshot(first)
    client = new_client(second)
    seen = []
    refused = 0
    for method, rule in instructor_routes(app):
        url = fill(rule, first.values)
        response = call(client, method, url, first)
        label = f"{method} {url}: {response.status_code}"
        seen.append((label, response.get_data(as_text=True)))
        if names_something(rule):
            assert response.status_code in (403, 404), label
            refused += 1
        elif method == "GET":
            assert response.status_code == 200, label
        else:
            assert response.status_code in (400, 403), label
    assert refused >= 30
    for label, body in seen:
        for marker in MARKERS:
            assert marker not in body, f"{label} shows {marker!r}"
    assert snapshot(first) == before
    # The second instructor's own course is still theirs to change.
    assert client.get("/teach/courses/garden-care/staff").status_code == 200


def test_the_courses_staff_and_admins_are_let_in_by_the_same_walk(
    app, first, make_user, new_client
):
    """The walk's refusals mean something: the same GETs answer the staff and admins."""
    for person in (first.owner, first.co_instructor, make_user(is_admin=True)):
        client = new_client(person)
        for method, rule in instructor_routes(app):
            if method != "GET":
                continue
            url = fill(rule, first.values)
            response = client.get(url)
            assert response.status_code == 200, (person.display_name, url, response.status_code)
    owner = new_client(first.owner)
    key = owner.get(f"/api/v1/quizzes/{first.quiz.id}").get_data(as_text=True)
    assert "SECRET-FEEDBACK-RIGHT" in key and "SECRET-KEY-TEXT" in key
