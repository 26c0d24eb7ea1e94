"""The instructor's quiz pages, through the test client: who may use them, settings,
questions of every kind and their errors, ordering, publishing, preview, GIFT files and
question statistics."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from coursework.extensions import db
from lessons import services as lessons
from quizzes import services
from quizzes.authoring import bp
from quizzes.gift import parse_gift
from quizzes.models import Attempt, Quiz
from quizzes.spec import Choice, Kind, NumericAnswer, Question
from tests.support.quizkit import (
    ESSAY,
    EVERY_KIND,
    right_answers,
    submitted_with_essay,
    wrong_answers,
)

# ---- helpers ------------------------------------------------------------------------------


@pytest.fixture
def teacher(client, instructor, login):
    """The test client, signed in as the instructor who owns the fixtures' course."""
    login(client, instructor)
    return instructor


def text_of(response) -> str:
    """The page's text with tags removed and entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def field_error(response, field_id: str) -> str:
    """The message shown beside a field (its `-error` paragraph)."""
    html = response.get_data(as_text=True)
    match = re.search(
        rf'<p class="field__error[^"]*" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S
    )
    assert match, f"no error beside {field_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def summary_links(response) -> dict[str, str]:
    """The error summary's messages, by the anchor each links to."""
    html = response.get_data(as_text=True)
    block = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    assert block, "no error summary"
    return {
        anchor: unescape(message)
        for anchor, message in re.findall(r'<a href="#([^"]+)">(.*?)</a>', block.group(0))
    }


def multidict(values: dict) -> MultiDict:
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return data


def question_form(question: Question) -> dict[str, str]:
    """The form fields an instructor fills in for this question."""
    data = {
        "text": question.text,
        "text_format": question.text_format,
        "title": question.title,
        "points": f"{question.points:g}",
        "general_feedback": question.general_feedback,
    }
    for i, choice in enumerate(question.choices):
        data[f"choices-{i}-text"] = choice.text
        data[f"choices-{i}-weight"] = f"{choice.weight * 100:.10g}"
        data[f"choices-{i}-feedback"] = choice.feedback
    if question.answer is not None:
        data["answer"] = "true" if question.answer else "false"
    data["feedback_true"] = question.feedback_true
    data["feedback_false"] = question.feedback_false
    for i, number in enumerate(question.numbers):
        for key in ("value", "tolerance", "low", "high", "weight"):
            value = getattr(number, key)
            if key == "weight":
                value *= 100
            data[f"numbers-{i}-{key}"] = "" if value is None else f"{value:.10g}"
        data[f"numbers-{i}-feedback"] = number.feedback
    for i, pair in enumerate(question.pairs):
        data[f"pairs-{i}-prompt"] = pair.prompt
        data[f"pairs-{i}-answer"] = pair.answer
    for i, text in enumerate(question.distractors):
        data[f"distractors-{i}"] = text
    return data


def same(a: Question, b: Question) -> bool:
    """Equal, allowing for weights typed as percentages with ten significant digits."""

    def norm(q: Question) -> Question:
        return dataclasses.replace(
            q,
            choices=tuple(dataclasses.replace(c, weight=round(c.weight, 6)) for c in q.choices),
            numbers=tuple(
                dataclasses.replace(
                    n,
                    value=None if n.value is None else float(n.value),
                    tolerance=float(n.tolerance),
                    weight=round(n.weight, 6),
                )
                for n in q.numbers
            ),
        )

    return norm(a) == norm(b)


def fresh(quiz_id: int) -> Quiz:
    db.session.expire_all()
    return db.session.get(Quiz, quiz_id)


def specs(quiz_id: int) -> list[Question]:
    return [services.to_spec(q) for q in fresh(quiz_id).questions]


def base(quiz) -> str:
    return f"/teach/quizzes/{quiz.id}"


# ---- who may use the pages ----------------------------------------------------------------


def authoring_requests(app, quiz, response_id: int = 0) -> list[tuple[str, str]]:
    """Every (method, URL) of the authoring blueprint, filled in for this quiz (and one of
    its essays' answers, for the grading page)."""
    question = quiz.questions[0]
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        values = {
            "quiz_id": quiz.id,
            "question_id": question.id,
            "response_id": response_id,
            "draw_id": 0,  # a quiz's draw rule: refused before it is looked up
        }
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        if rule.endpoint == "authoring.new_question":
            url += "?kind=single"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_every_authoring_page_is_for_the_courses_staff_and_admins_only(
    app, client, make_user, login, make_quiz, course, instructor
):
    quiz = make_quiz((*EVERY_KIND, ESSAY))
    _, (essay,) = submitted_with_essay(quiz, make_user())
    requests = authoring_requests(app, quiz, essay.id)
    assert len(requests) >= 18  # the list above really walked the blueprint

    for method, url in requests:
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"]

    login(client, make_user())
    for method, url in requests:
        assert client.open(url, method=method).status_code == 403, (method, url)
    client.post("/logout")

    # An instructor who does not teach this course: refused on every page of its quiz, and
    # the list and the new-quiz page do not show its course.
    login(client, make_user(is_instructor=True))
    for method, url in requests:
        response = client.open(url, method=method)
        if url.startswith(f"{base(quiz)}"):
            assert response.status_code == 403, (method, url)
        else:
            assert "Kitchen Safety" not in response.get_data(as_text=True), (method, url)
    client.post("/logout")

    co_instructor = make_user(is_instructor=True)
    lessons.add_staff(course, co_instructor.email, instructor)
    for person in (instructor, co_instructor, make_user(is_admin=True)):
        login(client, person)
        for method, url in requests:
            if method == "GET":
                assert client.get(url).status_code == 200, (person, url)
        client.post("/logout")
    assert len(fresh(quiz.id).questions) == len(EVERY_KIND) + 1  # nothing was changed on the way


def test_the_nav_shows_quizzes_to_instructors_only(client, make_user, login):
    login(client, make_user())
    assert "/teach/quizzes" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, make_user(is_instructor=True))
    assert 'href="/teach/quizzes"' in client.get("/").get_data(as_text=True)


# ---- the list and new quizzes -------------------------------------------------------------


def test_the_list_shows_every_quiz_with_its_course_lesson_questions_state_and_attempts(
    client, teacher, make_user, make_quiz
):
    quiz = make_quiz(title="Knife check")
    make_quiz(questions=EVERY_KIND[:2], lesson_slug=None, title="Final check")
    services.set_published(quiz, False, teacher)
    learner = make_user()
    services.submit_attempt(services.start_attempt(learner, make_quiz(lesson_slug="heat")))

    page = text_of(client.get("/teach/quizzes"))
    assert "Knife check Kitchen Safety 1. Knives 6 Draft 0" in page
    assert "Final check Kitchen Safety Final quiz 2 Published 0" in page
    assert "Check Kitchen Safety 2. Heat 6 Published 1" in page
    # Only lessons without a quiz are offered for a new one.
    html = client.get("/teach/quizzes").get_data(as_text=True)
    assert "3. Cleaning" in html
    assert "1. Knives</option>" not in html and "Final quiz of the course" not in html


def test_create_a_quiz(client, teacher, course):
    lesson = lessons.get_lesson(course, "heat")
    target = f"{course.id}:{lesson.id}"
    page = client.get(f"/teach/quizzes/new?target={target}&title=Heat+check")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<option selected value="{target}">' in html or f'value="{target}" selected' in html
    assert 'value="Heat check"' in html

    response = client.post(
        "/teach/quizzes/new",
        data={
            "target": target,
            "title": "Heat check",
            "description": "Five minutes.",
            "passing_score": "80",
            "attempt_limit": "3",
            "time_limit_minutes": "",
            "grading_method": "latest",
            "shuffle_questions": "y",
            "review_shows": "answers",
            "review_when": "after_passing",
            "required": "y",
        },
    )
    assert response.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    assert response.headers["Location"].endswith(f"/teach/quizzes/{quiz.id}")
    assert (quiz.title, quiz.passing_score, quiz.attempt_limit, quiz.time_limit_minutes) == (
        "Heat check",
        80,
        3,
        None,
    )
    assert (quiz.grading_method, quiz.shuffle_questions, quiz.shuffle_choices) == (
        "latest",
        True,
        False,
    )
    assert (quiz.review_shows, quiz.review_when, quiz.required, quiz.published) == (
        "answers",
        "after_passing",
        True,
        False,
    )

    # The same lesson cannot get a second quiz.
    again = client.post("/teach/quizzes/new", data={"target": target, "title": "Again"})
    assert again.status_code == 400
    assert field_error(again, "target") == "Error: Choose a lesson from the list."


def test_a_final_quiz_and_a_missing_title(client, teacher, course):
    response = client.post(
        "/teach/quizzes/new",
        data={"target": f"{course.id}:final", "title": " ", "passing_score": "70"},
    )
    assert response.status_code == 400
    assert field_error(response, "title") == "Error: Enter a title for the quiz."
    assert db.session.scalar(select(func.count(Quiz.id))) == 0
    response = client.post(
        "/teach/quizzes/new",
        data={
            "target": f"{course.id}:final",
            "title": "Final",
            "passing_score": "70",
            "grading_method": "highest",
            "review_shows": "feedback",
            "review_when": "immediately",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Quiz)).is_final


# ---- settings -----------------------------------------------------------------------------


def settings_data(**changes) -> dict[str, str]:
    data = {
        "title": "Check",
        "description": "",
        "passing_score": "70",
        "attempt_limit": "",
        "time_limit_minutes": "",
        "grading_method": "highest",
        "review_shows": "feedback",
        "review_when": "immediately",
        "required": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_with_bad_values_are_refused_with_every_message_beside_its_field(
    client, teacher, make_quiz
):
    quiz = make_quiz()
    response = client.post(
        f"{base(quiz)}/settings",
        data=settings_data(
            title="", passing_score="150", attempt_limit="0", time_limit_minutes="-5"
        ),
    )
    assert response.status_code == 400
    assert field_error(response, "title") == "Error: Enter a title for the quiz."
    assert field_error(response, "passing_score") == "Error: Enter a passing score from 0 to 100."
    assert "Allow at least one attempt" in field_error(response, "attempt_limit")
    assert "at least 1 minute" in field_error(response, "time_limit_minutes")
    links = summary_links(response)
    assert set(links) == {"title", "passing_score", "attempt_limit", "time_limit_minutes"}
    html = response.get_data(as_text=True)
    assert 'value="150"' in html and 'value="-5"' in html  # nothing typed is lost
    assert "<title>Error: " in html
    quiz = fresh(quiz.id)
    assert (quiz.title, quiz.passing_score, quiz.attempt_limit) == ("Check", 70, None)


def test_settings_that_are_not_numbers(client, teacher, make_quiz):
    quiz = make_quiz()
    response = client.post(
        f"{base(quiz)}/settings",
        data=settings_data(passing_score="seventy", attempt_limit="2.5", grading_method="best"),
    )
    assert response.status_code == 400
    assert field_error(response, "passing_score") == "Error: Enter a whole number, like 3."
    assert field_error(response, "attempt_limit") == "Error: Enter a whole number, like 3."
    assert "grading_method" in summary_links(response)


def test_settings_are_saved(client, teacher, make_quiz):
    quiz = make_quiz()
    page = client.get(f"{base(quiz)}/settings").get_data(as_text=True)
    assert 'value="Check"' in page and 'value="70"' in page
    response = client.post(
        f"{base(quiz)}/settings",
        data=settings_data(
            title="Knife safety",
            passing_score="0",
            attempt_limit="2",
            time_limit_minutes="15",
            grading_method="average",
            stop_after_pass="y",
            shuffle_choices="y",
            all_or_nothing="y",
            review_shows="score",
            review_when="after_last_attempt",
            required=None,
        ),
    )
    assert response.status_code == 302
    quiz = fresh(quiz.id)
    assert (quiz.title, quiz.passing_score, quiz.attempt_limit, quiz.time_limit_minutes) == (
        "Knife safety",
        0,
        2,
        15,
    )
    assert (quiz.grading_method, quiz.stop_after_pass, quiz.shuffle_choices) == (
        "average",
        True,
        True,
    )
    assert (quiz.all_or_nothing, quiz.review_shows, quiz.review_when, quiz.required) == (
        True,
        "score",
        "after_last_attempt",
        False,
    )
    assert quiz.published  # settings never change the published state


# ---- questions ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", EVERY_KIND, ids=lambda q: q.kind.value)
def test_add_a_question_of_every_kind(client, teacher, make_quiz, question):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    page = client.get(f"{base(quiz)}/questions/new?kind={question.kind.value}")
    assert page.status_code == 200
    assert question.kind.label in text_of(page)
    response = client.post(
        f"{base(quiz)}/questions/new?kind={question.kind.value}", data=question_form(question)
    )
    assert response.status_code == 302, text_of(response)[:2000]
    saved = specs(quiz.id)
    assert len(saved) == 2
    assert same(saved[1], question)
    assert response.headers["Location"].endswith(f"#question-{fresh(quiz.id).questions[1].id}")


def test_blank_rows_are_ignored_and_empty_worths_have_sensible_defaults(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    data = {
        "text": "Name the method.",
        "text_format": "plain",
        "points": "2",
        "choices-0-text": "critical path*",
        "choices-1-text": "",
        "choices-2-text": "CPM",
        "choices-2-weight": "50",
        "choices-3-text": "",
        "choices-4-text": "",
        "choices-5-text": "",
    }
    response = client.post(f"{base(quiz)}/questions/new?kind=short_text", data=data)
    assert response.status_code == 302
    saved = specs(quiz.id)[1]
    assert saved.choices == (Choice("critical path*", 1.0), Choice("CPM", 0.5))
    assert saved.points == 2
    page = client.get(f"{base(quiz)}/questions/new?kind=short_text")
    assert "A * matches any run of characters" in text_of(page)


def test_save_and_add_another(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    data = {**question_form(EVERY_KIND[2]), "then": "another"}
    response = client.post(f"{base(quiz)}/questions/new?kind=true_false", data=data)
    assert response.headers["Location"].endswith("/questions/new?kind=true_false")


def single(**changes) -> dict[str, str]:
    return {**question_form(EVERY_KIND[0]), **changes}


def numeric(**changes) -> dict[str, str]:
    return {**question_form(EVERY_KIND[4]), **changes}


ERROR_CASES = [
    ("single", single(text="  "), "text", "text", "Enter the question text."),
    ("single", single(points="0"), "points", "points", "Points must be more than 0"),
    ("single", single(points="lots"), "points", "points", "Enter a number, like 8 or 2.5."),
    (
        "single",
        single(**{"choices-0-weight": "50"}),
        "choices",
        "choices-0-text",
        "Mark one choice as the right answer (worth 100%).",
    ),
    (
        "single",
        {
            **single(),
            "choices-1-text": "",
            "choices-1-feedback": "",
            "choices-2-text": "",
            "choices-2-feedback": "",
            "choices-1-weight": "",
            "choices-2-weight": "",
        },
        "choices",
        "choices-0-text",
        "Give at least two choices.",
    ),
    (
        "single",
        single(**{"choices-1-text": "Jupiter"}),
        "choices",
        "choices-0-text",
        "Two choices have the same text.",
    ),
    (
        "single",
        single(**{"choices-1-weight": "a lot"}),
        "choices-1-weight",
        "choices-1-weight",
        "Enter a number, like 8 or 2.5.",
    ),
    (
        "multiple",
        {**question_form(EVERY_KIND[1]), "choices-2-weight": "0"},
        "choices",
        "choices-0-text",
        "The right choices must add up to 100%",
    ),
    (
        "true_false",
        {k: v for k, v in question_form(EVERY_KIND[2]).items() if k != "answer"},
        "answer",
        "answer-0",
        "Say whether the statement is true or false.",
    ),
    (
        "short_text",
        {**question_form(EVERY_KIND[3]), "choices-0-weight": "50"},
        "choices",
        "choices-0-text",
        "Give at least one accepted answer worth 100%.",
    ),
    (
        "numeric",
        numeric(**{"numbers-0-value": "", "numbers-0-low": "9", "numbers-0-high": "7"}),
        "numbers",
        "numbers-0-value",
        "The range 9 to 7 runs backwards: its minimum is above its maximum.",
    ),
    (
        "numeric",
        numeric(**{"numbers-0-value": "", "numbers-0-low": "9"}),
        "numbers",
        "numbers-0-value",
        "A range needs both a minimum and a maximum.",
    ),
    (
        "numeric",
        numeric(**{"numbers-0-value": "eight"}),
        "numbers-0-value",
        "numbers-0-value",
        "Enter a number, like 8 or 2.5.",
    ),
    (
        "matching",
        {**question_form(EVERY_KIND[5]), "pairs-1-prompt": "", "pairs-1-answer": ""},
        "pairs",
        "pairs-0-prompt",
        "Give at least two pairs to match.",
    ),
    (
        "matching",
        {**question_form(EVERY_KIND[5]), "pairs-1-answer": ""},
        "pairs",
        "pairs-0-prompt",
        "Every pair needs both a prompt and an answer.",
    ),
]


@pytest.mark.parametrize(
    ("kind", "data", "where", "anchor", "message"),
    ERROR_CASES,
    ids=[f"{case[0]}-{case[4][:30]}" for case in ERROR_CASES],
)
def test_each_problem_shows_beside_its_field_and_in_the_summary(
    client, teacher, make_quiz, kind, data, where, anchor, message
):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    response = client.post(f"{base(quiz)}/questions/new?kind={kind}", data=data)
    assert response.status_code == 400
    links = summary_links(response)
    assert any(message in text for text in links.values()), links
    assert any(message in text and a == anchor for a, text in links.items()), links
    html = response.get_data(as_text=True)
    if where in ("choices", "numbers", "pairs"):
        group = re.search(rf'<fieldset [^>]*id="{where}-group".*?</fieldset>', html, re.S)
        assert group and "field--error" in group.group(0)
        assert message in unescape(group.group(0))
    else:
        assert message in field_error(response, where)
    assert f'id="{anchor}"' in html  # the summary's link goes somewhere
    # Everything typed is still there.
    for key, value in data.items():
        if value.strip() and key not in ("text_format", "answer"):
            typed = re.escape(value)
            shown = rf'id="{key}"[^>]*value="{typed}"|id="{key}"[^>]*>\s*{typed}</textarea>'
            assert re.search(shown, html), key
    assert len(fresh(quiz.id).questions) == 1


def test_every_problem_is_reported_at_once(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    data = numeric(
        text="",
        points="-1",
        **{"numbers-0-value": "", "numbers-0-low": "9", "numbers-0-high": "7"},
    )
    response = client.post(f"{base(quiz)}/questions/new?kind=numeric", data=data)
    messages = " ".join(summary_links(response).values())
    assert "Enter the question text." in messages
    assert "Points must be more than 0" in messages
    assert "runs backwards" in messages


def test_edit_a_question(client, teacher, make_quiz):
    quiz = make_quiz()
    question = fresh(quiz.id).questions[0]
    url = f"{base(quiz)}/questions/{question.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'value="Jupiter"' in html and 'value="Yes, by far."' in html and 'value="100"' in html
    assert 'name="choices-4-text"' in html  # room to add more

    changed = single(text="Which planet is the largest?", **{"choices-3-text": "Saturn"})
    response = client.post(url, data=changed)
    assert response.status_code == 302
    saved = specs(quiz.id)[0]
    assert saved.text == "Which planet is the largest?"
    assert [c.text for c in saved.choices] == ["Jupiter", "Mars", "Venus", "Saturn"]

    bad = client.post(url, data=single(**{"choices-0-weight": "0"}))
    assert bad.status_code == 400
    assert specs(quiz.id)[0] == saved
    assert client.get(f"{base(quiz)}/questions/999999").status_code == 404


def test_reorder_questions(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:3])
    first, second, third = (q.id for q in fresh(quiz.id).questions)
    response = client.post(f"{base(quiz)}/questions/{first}/move", data={"direction": "down"})
    assert response.status_code == 302
    assert [q.id for q in fresh(quiz.id).questions] == [second, first, third]
    client.post(f"{base(quiz)}/questions/{third}/move", data={"direction": "up"})
    assert [q.id for q in fresh(quiz.id).questions] == [second, third, first]
    assert [q.position for q in fresh(quiz.id).questions] == [1, 2, 3]
    assert (
        client.post(f"{base(quiz)}/questions/{third}/move", data={"direction": "sideways"})
    ).status_code == 400
    page = client.get(base(quiz)).get_data(as_text=True)
    assert page.count('value="up"') == 2 and page.count('value="down"') == 2


def test_delete_a_question_after_confirming(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:2])
    first = fresh(quiz.id).questions[0]
    confirm = client.get(f"{base(quiz)}/questions/{first.id}/delete")
    assert confirm.status_code == 200
    assert "Delete question 1?" in text_of(confirm)
    assert len(fresh(quiz.id).questions) == 2  # asking deletes nothing
    response = client.post(f"{base(quiz)}/questions/{first.id}/delete")
    assert response.status_code == 302
    assert [q.kind for q in specs(quiz.id)] == [Kind.MULTIPLE]
    assert "Question 1 deleted." in text_of(client.get(response.headers["Location"]))


def test_deleting_the_last_question_unpublishes(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    question = fresh(quiz.id).questions[0]
    page = client.get(f"{base(quiz)}/questions/{question.id}/delete")
    assert "the quiz will be unpublished" in text_of(page)
    client.post(f"{base(quiz)}/questions/{question.id}/delete")
    assert fresh(quiz.id).published is False


# ---- publishing ---------------------------------------------------------------------------


def test_publishing_is_refused_without_questions(client, teacher, course):
    quiz = services.create_quiz(course.id, None, services.QuizSettings(title="Empty"), teacher)
    response = client.post(f"{base(quiz)}/publish", data={"published": "1"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Add at least one question before publishing." in text_of(response)
    assert fresh(quiz.id).published is False


def test_publish_and_unpublish(client, teacher, make_quiz):
    quiz = make_quiz()
    client.post(f"{base(quiz)}/publish", data={"published": "0"})
    assert fresh(quiz.id).published is False
    page = text_of(client.get(base(quiz)))
    assert "Draft" in page and "Publish" in page
    response = client.post(f"{base(quiz)}/publish", data={"published": "1"}, follow_redirects=True)
    assert "Published: learners can take this quiz now." in text_of(response)
    assert fresh(quiz.id).published is True


# ---- preview ------------------------------------------------------------------------------


def test_preview_shows_the_learner_inputs_and_the_key_but_saves_nothing(client, teacher, make_quiz):
    quiz = make_quiz()
    services.set_published(quiz, False, teacher)
    response = client.get(f"{base(quiz)}/preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for question in fresh(quiz.id).questions:
        assert f'name="q{question.id}' in html
    assert 'type="radio"' in html and 'type="checkbox"' in html and "<select" in html
    assert "Instructor view" in html
    assert "Yes, by far." in html  # per-choice feedback, in the answer key
    # The only forms that post are the header's log-out button and the footer's language
    # switcher, which change nothing about the quiz.
    actions = re.findall(r'<form[^>]*method="post"[^>]*>', html)
    assert sorted(re.search(r'action="([^"]+)"', a).group(1) for a in actions) == [
        "/language",
        "/logout",
    ]
    assert "/attempts" not in html and 'name="action"' not in html
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


# ---- GIFT ---------------------------------------------------------------------------------

GOOD_GIFT = """// two questions
::Sky::The sky is blue. {T}

What is 2 + 2? {#4}
"""


def upload(client, quiz, text: str | bytes, name: str = "quiz.gift"):
    payload = text.encode() if isinstance(text, str) else text
    return client.post(
        f"{base(quiz)}/gift",
        data={"file": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    )


def test_upload_a_gift_file_replaces_the_questions(client, teacher, make_quiz):
    quiz = make_quiz(attempt_limit=3, passing_score=60)
    response = upload(client, quiz, GOOD_GIFT)
    assert response.status_code == 302
    assert specs(quiz.id) == list(parse_gift(GOOD_GIFT).questions)
    quiz = fresh(quiz.id)
    assert (quiz.attempt_limit, quiz.passing_score, quiz.published) == (3, 60, True)
    assert "Imported 2 questions from quiz.gift." in text_of(
        client.get(response.headers["Location"])
    )


def test_a_gift_file_with_errors_changes_nothing_and_shows_line_numbers(client, teacher, make_quiz):
    quiz = make_quiz()
    before = specs(quiz.id)
    bad = "Fine {T}\n\nPick one. {~a ~b}\n\nMatch {=a -> 1}\n"
    response = upload(client, quiz, bad)
    assert response.status_code == 400
    page = text_of(response)
    assert "Line 3: no answer is marked right" in page
    assert "Line 5: a matching question needs at least two pairs" in page
    assert "Nothing was changed" in field_error(response, "file")
    assert "file" in summary_links(response)
    assert specs(quiz.id) == before


def test_a_gift_file_that_breaks_the_question_rules_changes_nothing(client, teacher, make_quiz):
    quiz = make_quiz()
    before = specs(quiz.id)
    response = upload(client, quiz, "Fine {T}\n\nPick. {=A ~A}\n")
    assert response.status_code == 400
    # The question rules are checked as the file is read, so they come with a line (issue 11).
    assert "Line 3: Two choices have the same text." in text_of(response)
    assert specs(quiz.id) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        # Latin-1, not UTF-8 (a UTF-16 byte-order mark now means UTF-16: see test_gift.py)
        (b"Caf\xe9? {=oui ~non}", "The file was not imported"),
        (b"// only a comment\n", "The file was not imported"),
    ],
)
def test_unreadable_or_empty_gift_files(client, teacher, make_quiz, payload, message):
    quiz = make_quiz()
    response = upload(client, quiz, payload)
    assert response.status_code == 400
    assert message in field_error(response, "file")
    assert len(fresh(quiz.id).questions) == len(EVERY_KIND)


def test_upload_without_a_file(client, teacher, make_quiz):
    quiz = make_quiz()
    response = client.post(f"{base(quiz)}/gift", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a GIFT file to upload." in field_error(response, "file")


def test_export_downloads_gift_that_imports_back_equal(client, teacher, make_quiz, course):
    quiz = make_quiz(title="Knives: a check!")
    response = client.get(f"{base(quiz)}/export.gift")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=knives-a-check.gift"
    text = response.get_data(as_text=True)
    assert [same(a, b) for a, b in zip(parse_gift(text).questions, EVERY_KIND, strict=True)] == [
        True
    ] * len(EVERY_KIND)

    other = services.create_quiz(
        course.id,
        lessons.get_lesson(course, "heat").id,
        services.QuizSettings(title="Copy"),
        teacher,
    )
    assert upload(client, other, text, name="knives-a-check.gift").status_code == 302
    assert all(same(a, b) for a, b in zip(specs(other.id), specs(quiz.id), strict=True))


# ---- statistics ---------------------------------------------------------------------------

AWKWARD = Question(
    Kind.TRUE_FALSE,
    '=1+1, said "the spreadsheet",\nand then a second line',
    title="-awkward",
    answer=True,
)


def take(learner, quiz, answers) -> Attempt:
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, answers(attempt))
    return services.submit_attempt(attempt)


def test_statistics_page_and_csv(client, teacher, make_user, make_quiz):
    quiz = make_quiz(questions=(*EVERY_KIND[:2], AWKWARD))
    strong, weak = make_user(), make_user()
    take(strong, quiz, right_answers)
    take(weak, quiz, wrong_answers)
    take(weak, quiz, right_answers)

    page = client.get(f"{base(quiz)}/stats")
    assert page.status_code == 200
    text = text_of(page)
    assert "over 3 submitted attempts by 2 learners" in text
    assert "All submitted attempts" in text
    assert "<svg" in page.get_data(as_text=True)
    assert "Attempts by score band" in text  # the chart's table equivalent
    # Question 1: right, wrong, right — facility 66.7%; it agrees with the rest of the test.
    row = re.search(r"1 Single choice Planets 3 3 66\.7 57\.7 (\S+)", text)
    assert row, text
    assert float(row.group(1)) > 90

    response = client.get(f"{base(quiz)}/stats.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    # A byte-order mark, like the organisation report, so spreadsheets read UTF-8.
    assert response.data.startswith(b"\xef\xbb\xbfNumber,")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["Number", "Kind", "Title", "Question text"]
    assert len(rows) == 4
    assert rows[1][:8] == [
        "1",
        "Single choice",
        "Planets",
        "Which planet is largest?",
        "1.0",
        "3",
        "3",
        "66.7",
    ]
    awkward = rows[3]
    assert awkward[2] == "'-awkward"
    assert awkward[3] == "'" + AWKWARD.text  # multi-line text with commas and quotes, intact

    first = text_of(client.get(f"{base(quiz)}/stats?attempts=first"))
    assert "over 2 submitted attempts by 2 learners" in first
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"{base(quiz)}/stats.csv?attempts=first").data.decode("utf-8-sig"),
                newline="",
            )
        )
    )
    assert rows[1][5:8] == ["2", "2", "50.0"]


def test_statistics_before_any_attempt(client, teacher, make_quiz):
    quiz = make_quiz()
    page = text_of(client.get(f"{base(quiz)}/stats"))
    assert "No submitted attempts yet" in page
    assert "Planets" in page and "Which are primary colours of light?" in page


def test_an_edited_question_counts_only_attempts_that_saw_it_as_it_is(
    client, teacher, make_user, make_quiz
):
    quiz = make_quiz(questions=EVERY_KIND[:2])
    take(make_user(), quiz, right_answers)
    question = fresh(quiz.id).questions[0]
    services.update_question(
        question, dataclasses.replace(EVERY_KIND[0], text="Largest planet?"), teacher
    )
    take(make_user(), fresh(quiz.id), right_answers)
    text = text_of(client.get(f"{base(quiz)}/stats"))
    assert "over 2 submitted attempts" in text
    # The edited question has one attempt; the unchanged one has both.
    assert re.search(r"1 Single choice Planets 1 1 100\.0", text), text
    assert re.search(r"2 Multiple choice .*? 2 2 100\.0", text), text


def test_numeric_answers_given_as_ranges_round_trip_through_the_form(client, teacher, make_quiz):
    quiz = make_quiz(questions=EVERY_KIND[:1])
    question = Question(
        Kind.NUMERIC,
        "Roughly how many weeks in a sprint?",
        numbers=(
            NumericAnswer(low=1, high=4, feedback="Usually two."),
            NumericAnswer(6, 1, weight=0.5),
        ),
    )
    assert (
        client.post(
            f"{base(quiz)}/questions/new?kind=numeric", data=question_form(question)
        ).status_code
        == 302
    )
    saved = specs(quiz.id)[1]
    assert same(saved, question)
    edit = client.get(f"{base(quiz)}/questions/{fresh(quiz.id).questions[1].id}")
    html = edit.get_data(as_text=True)
    assert re.search(r'id="numbers-0-low"[^>]*value="1"', html)
    assert re.search(r'id="numbers-1-tolerance"[^>]*value="1"', html)
    assert re.search(r'id="numbers-1-weight"[^>]*value="50"', html)
