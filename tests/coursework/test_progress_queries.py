"""What a learner has completed and passed comes from narrow queries: the lesson page, the
course page and the JSON progress endpoints never read question rows, answers, the
question snapshots of quiz versions, or the text of every lesson in the course."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from coursework.extensions import db
from lessons import services as lessons
from tests.support.orgkit import take_quiz

HEAVY = ("quiz_questions", "quiz_choices", "quiz_versions", "quiz_responses")


def statements_of(client, url: str) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize(
    "url",
    [
        "/courses/{slug}/lessons/knives",
        "/courses/{slug}",
        "/my-learning",
        "/api/v1/me/courses",
        "/api/v1/me/courses/{slug}",
    ],
)
def test_progress_reads_no_questions_answers_or_snapshots(
    client, make_user, login, course, make_quiz, url
):
    learner = make_user()
    quiz = make_quiz()
    take_quiz(learner, quiz, right=False)
    take_quiz(learner, quiz, right=True)
    login(client, learner)
    client.get(f"/courses/{course.slug}/lessons/{lessons.current_lessons(course.id)[0].slug}")
    found = statements_of(client, url.format(slug=course.slug))
    heavy = [s for s in found if re.search(r"\b(" + "|".join(HEAVY) + r")\b", s)]
    # The question count on the course page is one COUNT in a subquery, not question rows.
    heavy = [s for s in heavy if "count(quiz_questions.id)" not in s]
    assert heavy == [], heavy
    # Lessons are listed without their text; a page reads at most the one it shows.
    listed = [s for s in found if "lessons.body_html" in s and "retired_at IS NULL" in s]
    assert listed == [], listed


def test_the_course_page_still_counts_each_quizs_questions(client, course, make_quiz):
    quiz = make_quiz()
    body = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f"{len(quiz.questions)} questions · {quiz.passing_score}% to pass" in body


@pytest.mark.real_commits(reason="counts statements; savepoints would add to them")
def test_a_returning_learners_lesson_page_runs_ten_statements(client, make_user, login, course):
    """The learner, the course and the lesson, the visit (two writes), then the progress:
    no enrolment INSERT for someone enrolled, no re-reading what the visit's commit kept."""
    learner = make_user()
    login(client, learner)
    url = f"/courses/{course.slug}/lessons/{lessons.current_lessons(course.id)[0].slug}"
    client.get(url)
    found = statements_of(client, url)
    assert not [s for s in found if s.startswith("INSERT INTO enrolments")], found
    assert len(found) <= 10, found


@pytest.mark.real_commits(reason="counts statements; savepoints would add to them")
def test_rereading_a_lesson_is_seven_reads_and_no_write(client, make_user, login, course):
    """The learner; the lesson with its course; the lessons, quizzes, enrolment, lesson
    progress and attempts. Staying on the lesson they were last on writes nothing."""
    learner = make_user()
    login(client, learner)
    url = f"/courses/{course.slug}/lessons/{lessons.current_lessons(course.id)[0].slug}"
    client.get(url)
    found = statements_of(client, url)
    assert len(found) <= 7, found
    assert not [s for s in found if s.startswith(("INSERT", "UPDATE", "DELETE"))], found
