"""The item-writing checker's advice where instructors work: beside each question on the
authoring pages, after saving and after a GIFT import, and with each question in the API.
Advice never stops a question being saved."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from quizzes.advice import advice_count, quiz_advice
from quizzes.spec import Choice, Kind, Question, question_to_dict
from tests.support.data import PASSWORD

API = "/api/v1"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# The right answer is the only long option: the classic give-away.
LONGEST = Question(
    Kind.SINGLE,
    "Where do you hold a knife?",
    title="Holding",
    choices=(
        Choice("By the handle, with the blade pointing down", 1.0, "Yes."),
        Choice("By the blade", 0.0, "No."),
        Choice("By the tip", 0.0, "No."),
    ),
)
CLEAN = Question(
    Kind.SINGLE,
    "Where do you hold a knife?",
    title="Holding",
    choices=(
        Choice("By the handle", 1.0, "Yes."),
        Choice("By the blade's spine", 0.0, "No."),
        Choice("By the tip", 0.0, "No."),
    ),
)


def body_of(question: Question) -> dict:
    return {k: v for k, v in question_to_dict(question).items() if v not in (None, "", [])}


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def author(app, instructor, login):
    other = app.test_client()
    login(other, instructor)
    return other


# ---- the service ----------------------------------------------------------------------------


def test_advice_compares_a_question_with_the_whole_course(make_quiz):
    lesson_quiz = make_quiz([CLEAN])
    final = make_quiz([CLEAN, LONGEST], lesson_slug=None, title="Final")
    advice = quiz_advice(final)
    first, second = (advice[q.id] for q in final.questions)
    assert {f.rule for f in first} == {"duplicate-question"}
    assert "of “Check”" in first[0].message  # the lesson quiz's question, by its quiz
    assert {f.rule for f in second} == {"longest-answer"}  # its answer differs enough
    assert {f.rule for f in quiz_advice(lesson_quiz)[lesson_quiz.questions[0].id]} == {
        "duplicate-question"
    }
    assert advice_count(advice) == "2 suggestions on 2 questions"
    assert advice_count({}) == ""


def test_a_true_false_statement_is_compared_with_the_courses_lessons(make_course, instructor):
    from lessons import services as lessons
    from quizzes import services

    course = make_course(
        "# Knife skills\n\n## Carrying\n\nWhen you carry a knife, hold it point down at your "
        "side and say behind you as you pass.\n",
        slug="knife-skills",
    )
    lesson = lessons.current_lessons(course.id)[0]
    copied = Question(
        Kind.TRUE_FALSE,
        "When you carry a knife, hold it point down at your side.",
        answer=True,
    )
    reworded = Question(Kind.TRUE_FALSE, "A knife you walk with points at the floor.", answer=True)
    quiz = services.import_quiz(
        course.id,
        lesson.id,
        [copied, reworded],
        services.QuizSettings(title="Carrying"),
        by=instructor,
    ).quiz
    advice = quiz_advice(quiz)
    assert [f.rule for f in advice[quiz.questions[0].id]] == ["copied-statement"]
    assert advice[quiz.questions[1].id] == []


# ---- the API ------------------------------------------------------------------------------


def test_saving_by_api_answers_with_advice_and_never_refuses(author, make_quiz):
    quiz = make_quiz([])
    url = f"{API}/quizzes/{quiz.id}/questions"
    created = author.post(url, json=body_of(LONGEST))
    assert created.status_code == 201
    (finding,) = created.json["advice"]
    assert finding["rule"] == "longest-answer" and finding["where"] == "choice 1"
    assert "handle" in finding["message"] and finding["explanation"] and finding["title"]

    fixed = author.put(f"{url}/{created.json['id']}", json=body_of(CLEAN))
    assert fixed.status_code == 200 and fixed.json["advice"] == []
    listed = author.get(url).json
    assert [q["advice"] for q in listed] == [[]]
    assert author.get(f"{API}/quizzes/{quiz.id}").json["questions"][0]["advice"] == []


def test_a_gift_import_by_api_answers_with_each_questions_advice(author, make_quiz):
    quiz = make_quiz([])
    gift = (
        "::A::Where do you hold a knife? {=By the handle, with the blade pointing down "
        "~By the blade ~By the tip}\n\n"
        "::B::Which of these is not sharp? {=A spoon ~A knife ~A grater}\n"
    )
    response = author.put(f"{API}/quizzes/{quiz.id}/gift", json={"gift": gift})
    assert response.status_code == 200, response.json
    rules = [[f["rule"] for f in q["advice"]] for q in response.json["quiz"]["questions"]]
    assert rules == [["longest-answer"], ["negative-stem"]]


def test_another_instructor_sees_no_advice_on_a_course_they_do_not_teach(
    app, make_quiz, make_user, login
):
    quiz = make_quiz([LONGEST])
    outsider = app.test_client()
    login(outsider, make_user(is_instructor=True))
    response = outsider.get(f"{API}/quizzes/{quiz.id}/questions")
    assert response.status_code in (403, 404)
    assert "advice" not in response.get_data(as_text=True)
    learner = app.test_client()
    login(learner, make_user())
    assert learner.get(f"{API}/quizzes/{quiz.id}/questions").status_code == 403


# ---- the pages, with CSRF on as in a browser -------------------------------------------------


def sign_in(client, user) -> None:
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_saving_a_question_on_the_page_shows_advice_beside_it(
    client, instructor, make_quiz, csrf_on
):
    quiz = make_quiz([])
    sign_in(client, instructor)
    new = f"/teach/quizzes/{quiz.id}/questions/new?kind=single"
    token = TOKEN.search(client.get(new).get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "text": LONGEST.text, "text_format": "plain", "points": "1"}
    for i, choice in enumerate(LONGEST.choices):
        data[f"choices-{i}-text"] = choice.text
        data[f"choices-{i}-weight"] = f"{choice.weight * 100:g}"
        data[f"choices-{i}-feedback"] = choice.feedback
    saved = client.post(new, data=data)
    assert saved.status_code == 302  # saved: advice never blocks
    page = client.get(saved.headers["Location"])
    text = text_of(page)
    assert "Question 1 added. The item-writing checker has 1 suggestion for it" in text
    assert "1 suggestion from the item-writing checker" in text
    assert "The right answer is the longest option (choice 1)" in text
    assert 'class="advice"' in page.get_data(as_text=True)

    question_id = re.search(r'id="question-(\d+)"', page.get_data(as_text=True)).group(1)
    edit = client.get(f"/teach/quizzes/{quiz.id}/questions/{question_id}")
    assert '<details class="advice" open>' in edit.get_data(as_text=True)


def test_a_gift_upload_on_the_page_reports_the_advice(client, instructor, make_quiz, csrf_on):
    quiz = make_quiz([])
    sign_in(client, instructor)
    page = f"/teach/quizzes/{quiz.id}"
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    gift = b"Which of these is not sharp? {=A spoon ~A knife ~A grater}\n"
    response = client.post(
        f"{page}/gift",
        data={"csrf_token": token, "file": (io.BytesIO(gift), "quiz.gift")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    text = text_of(client.get(response.headers["Location"]))
    assert "Imported 1 question from quiz.gift." in text
    assert "The item-writing checker has 1 suggestion on 1 question, shown below each one." in text
    assert "A negative without emphasis" in text


# ---- the command line -----------------------------------------------------------------------


def test_a_gift_import_at_the_shell_prints_the_advice_and_succeeds(app, course, tmp_path):
    source = tmp_path / "knives.gift"
    source.write_text(
        "Where do you hold a knife? {=By the handle, with the blade pointing down "
        "~By the blade ~By the tip}\n\nIs a spoon sharp? {F#No, it is not.#Yes, it is not.}\n"
    )
    result = app.test_cli_runner().invoke(
        args=["quizzes", "import", str(source), "--course", course.slug, "--lesson", "knives"]
    )
    assert result.exit_code == 0, result.output
    assert "The item-writing checker has 1 suggestion on 1 question:" in result.output
    assert "question 1, choice 1: The right answer is the longest option." in result.output
    assert "question 2" not in result.output
