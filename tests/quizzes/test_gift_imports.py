"""GIFT files through every way in (the command line, the upload page, the API) and HTML
question text on the learner's pages (issue 11): never a traceback, every problem with its
line, a size cap stated in the message, UTF-16 read, and HTML shown sanitised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coursework.extensions import db
from lessons import services as lessons
from quizzes import services
from quizzes.gift import parse_gift
from quizzes.kinds.short_text import TextAnswer
from quizzes.kinds.single import SingleAnswer
from quizzes.models import Question as QuestionRow
from quizzes.models import Quiz
from quizzes.spec import Choice, Kind, NumericAnswer, Question
from tests.support.giftkit import upload

MOODLE = Path(__file__).parent / "data" / "moodle"
API = "/api/v1"
GOOD = "::Capital:: Capital of France? {=Paris ~Lyon}\n\nSpider legs? {#8}\n"
NEGATIVE = "Pick one. {\n=right\n~%-33.33333%wrong#That costs a third\n~%0%other\n}\n"


def moodle(name: str) -> str:
    return (MOODLE / name).read_text(encoding="utf-8")


def cli_import(app, course, path: Path, *extra: str):
    return app.test_cli_runner().invoke(
        args=["quizzes", "import", str(path), "--course", course.slug, "--lesson", "knives", *extra]
    )


def quiz_count() -> int:
    return db.session.scalar(select(func.count(Quiz.id)))


# ---- the command line ---------------------------------------------------------------------


def test_cli_imports_moodles_file_with_its_essay_and_exports_it_back(app, course, tmp_path):
    result = cli_import(app, course, MOODLE / "questions.gift.txt")
    assert result.exit_code == 0, result.output
    assert "created, 9 questions" in result.output and quiz_count() == 1
    essay = db.session.scalars(select(QuestionRow).order_by(QuestionRow.id)).first()
    assert (essay.kind, essay.title, essay.text) == ("essay", "Q8", "How are you?")
    out = tmp_path / "out.gift"
    exported = app.test_cli_runner().invoke(
        args=["quizzes", "export", "--course", course.slug, "--lesson", "knives", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_text().startswith("::Q8::How are you? {}\n")
    assert parse_gift(out.read_text()) == parse_gift(moodle("questions.gift.txt"))


def test_cli_imports_negative_marks_and_any_other_answer_and_exports_them_back(
    app, course, tmp_path
):
    source = tmp_path / "moodle.gift"
    source.write_text(moodle("exporter_output.gift.txt") + "\n\n" + NEGATIVE)
    result = cli_import(app, course, source)
    assert result.exit_code == 0, result.output
    assert "created, 6 questions" in result.output
    out = tmp_path / "out.gift"
    exported = app.test_cli_runner().invoke(
        args=["quizzes", "export", "--course", course.slug, "--lesson", "knives", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    text = out.read_text()
    assert "    =3:2\n    ~#Completely wrong\n" in text
    assert "~%-33.33333%wrong#That costs a third" in text and "~%-50%red#" in text
    assert parse_gift(text).questions == parse_gift(source.read_text()).questions


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("Fine {T}\n\nPick {=A ~A ~B}\n", "line 3: Two choices have the same text."),
        ("Fine {T}\n\nMatch {=a -> 1 =a -> 2}\n", "line 3: Two prompts have the same text."),
        (f"Fine {{T}}\n\n{'x' * 5001} {{T}}\n", "line 3: Keep the question under 5000 characters."),
        (
            f"::{'t' * 201}:: Titled {{T}}\n",
            "line 1: The title is too long. Use at most 200 characters",
        ),
        ("Q? {#3 ~%50%#close}\n", "line 1: the '~' (any other answer) entry earns no credit"),
        ("Q? {T}\n\nR\x00? {T}\n", "the file is not text (it holds zero bytes)"),
    ],
)
def test_cli_reports_every_rule_violation_by_line(app, course, tmp_path, source, line):
    path = tmp_path / "bad.gift"
    path.write_text(source, encoding="utf-8")
    result = cli_import(app, course, path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert line in result.output and quiz_count() == 0


@pytest.mark.parametrize(
    "encoded",
    [
        GOOD.encode("utf-16"),
        GOOD.encode("utf-16-le"),
        GOOD.encode("utf-16-be"),
        GOOD.encode("utf-8-sig"),
    ],
    ids=["utf-16 with BOM", "utf-16-le", "utf-16-be", "utf-8 with BOM"],
)
def test_cli_reads_utf16_files(app, course, tmp_path, encoded):
    path = tmp_path / "quiz.gift"
    path.write_bytes(encoded)
    result = cli_import(app, course, path)
    assert result.exit_code == 0, result.output
    assert "created, 2 questions" in result.output
    quiz = services.find_quiz(course.id, lessons.get_lesson(course, "knives").id)
    assert [services.to_spec(q) for q in quiz.questions] == list(parse_gift(GOOD).questions)


def test_cli_refuses_a_file_over_the_cap_before_reading_it(app, course, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "GIFT_MAX_BYTES", 1000)
    path = tmp_path / "big.gift"
    path.write_text(GOOD + "\n" * (1001 - len(GOOD)))
    result = cli_import(app, course, path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "the file is larger than the limit of 1,000 bytes" in result.output
    path.write_text(GOOD + "\n" * (1000 - len(GOOD)))  # exactly at the cap
    assert cli_import(app, course, path).exit_code == 0


def test_cli_export_of_a_question_gift_cannot_express_is_a_message(app, course, make_quiz):
    make_quiz([Question(Kind.SHORT_TEXT, "Arrow?", choices=(Choice("a -> b", 1.0),))])
    result = app.test_cli_runner().invoke(
        args=["quizzes", "export", "--course", course.slug, "--lesson", "knives"]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "This quiz cannot be written as GIFT: question 1 ('Arrow?')" in result.output


# ---- the upload page, CSRF on ---------------------------------------------------------------


def page_text(response) -> str:
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_upload_reads_utf16(client, teacher_page, encoding):
    quiz, token = teacher_page
    response = upload(client, quiz, token, GOOD.encode(encoding))
    assert response.status_code == 302, page_text(response)
    db.session.expire_all()
    assert [services.to_spec(q) for q in db.session.get(Quiz, quiz.id).questions] == list(
        parse_gift(GOOD).questions
    )


def test_upload_takes_moodles_exporter_output(client, teacher_page):
    quiz, token = teacher_page
    text = moodle("exporter_output.gift.txt")
    response = upload(client, quiz, token, text.encode())
    assert response.status_code == 302, page_text(response)
    db.session.expire_all()
    numeric = db.session.get(Quiz, quiz.id).questions[-1]
    assert services.to_spec(numeric).numbers[-1] == NumericAnswer(
        weight=0.0, feedback="Completely wrong"
    )


def test_upload_over_the_cap_is_refused_with_the_limit(app, client, teacher_page, monkeypatch):
    assert app.config["GIFT_MAX_BYTES"] == 1 << 20  # 1 MiB unless configured
    # A smaller cap here: the test client spools a body over 500 KB to a file it never closes.
    quiz, token = teacher_page
    assert "UTF-8 or UTF-16, up to 1 MiB" in page_text(client.get(f"/teach/quizzes/{quiz.id}"))
    monkeypatch.setitem(app.config, "GIFT_MAX_BYTES", 4096)
    before = db.session.scalar(select(func.count(QuestionRow.id)))
    response = upload(client, quiz, token, GOOD.encode() + b"\n" * 4096)
    assert response.status_code == 400
    assert "File: the file is larger than the limit of 4 KiB" in page_text(response)
    assert db.session.scalar(select(func.count(QuestionRow.id))) == before
    assert upload(client, quiz, token, GOOD.encode().ljust(4096, b"\n")).status_code == 302


def test_upload_of_moodles_file_takes_its_essay(client, teacher_page):
    quiz, token = teacher_page
    response = upload(client, quiz, token, (MOODLE / "questions.gift.txt").read_bytes())
    assert response.status_code == 302, page_text(response)
    db.session.expire_all()
    first = services.to_spec(db.session.get(Quiz, quiz.id).questions[0])
    assert (first.kind, first.text, first.rubric) == (Kind.ESSAY, "How are you?", "")


# ---- the API --------------------------------------------------------------------------------


@pytest.fixture
def author(app, client, instructor, login):
    other = app.test_client()
    login(other, instructor)
    return other


def test_api_import_over_the_cap_is_422_with_the_limit(author, make_quiz):
    quiz = make_quiz()
    text = GOOD + "\n" * ((1 << 20) + 1 - len(GOOD))
    response = author.put(f"{API}/quizzes/{quiz.id}/gift", json={"gift": text})
    assert response.status_code == 422
    assert response.json["errors"]["json"]["gift"] == ["the file is larger than the limit of 1 MiB"]


def test_api_import_takes_any_other_answer_and_negative_marks(author, make_quiz):
    quiz = make_quiz()
    text = "Q? {#3:2~#Completely wrong}\n\n" + NEGATIVE
    response = author.put(f"{API}/quizzes/{quiz.id}/gift", json={"gift": text})
    assert response.status_code == 200, response.json
    numeric, single = response.json["quiz"]["questions"]
    assert numeric["numbers"][-1]["value"] is None
    assert numeric["numbers"][-1]["feedback"] == "Completely wrong"
    assert [c["weight"] for c in single["choices"]] == [1.0, -0.3333333, 0.0]


# ---- what learners see ----------------------------------------------------------------------

HTML_QUIZ = (
    "Colour? {=<p>yellow</p>#<p>Right</p>"
    " ~<p>red<script>alert(1)</script></p>#<img src\\=x onerror\\=alert(1)>Wrong"
    ' ~<a href\\="javascript\\:alert(1)">blue</a>}\n\n'
    "Match {=<em>cat</em> -> Meow =<strong onclick\\=alert(1)>dog</strong> -> Woof}\n\n"
    "[plain]Which tag makes text bold? {=<b> ~<i>#not <i>}\n"
)


def test_learners_see_html_answers_sanitised_and_plain_text_escaped(
    client, make_user, login, make_quiz
):
    quiz = make_quiz(list(parse_gift(HTML_QUIZ).questions))
    learner = make_user()
    login(client, learner)
    attempt = services.start_attempt(learner, quiz)
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert re.search(r'<label for="q\d+-o\d+">yellow</label>', page)
    assert re.search(r'<label for="q\d+-o\d+"><a rel="noopener noreferrer">blue</a></label>', page)
    assert 'class="matching__prompt"><em>cat</em></label>' in page
    assert 'class="matching__prompt"><strong>dog</strong></label>' in page
    assert "&lt;b&gt;" in page and "&lt;i&gt;" in page  # the plain question, escaped
    for unsafe in ("&lt;p&gt;", "<script>alert", "alert(1)", "onerror", "onclick", "javascript:"):
        assert unsafe not in page, unsafe

    colour, _, plain = services.shown_questions(attempt)
    red = next(option for option, text in colour.options if "red" in text)
    wrong = next(option for option, text in plain.options if text == "<i>")
    services.save_answers(
        attempt,
        {
            colour.key: SingleAnswer(colour.choice_for_option(red)),
            plain.key: SingleAnswer(plain.choice_for_option(wrong)),
        },
    )
    services.submit_attempt(attempt)
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert '<p class="feedback">Wrong</p>' in result
    assert '<p class="feedback">not &lt;i&gt;</p>' in result
    for unsafe in ("&lt;p&gt;", "<script>alert", "alert(1)", "onerror", "onclick", "javascript:"):
        assert unsafe not in result, unsafe


def test_numeric_any_other_answer_feedback_reaches_the_learner(client, make_user, login, make_quiz):
    quiz = make_quiz(list(parse_gift("A number from 1 to 5? {#3:2~#Completely wrong}").questions))
    learner = make_user()
    login(client, learner)
    attempt = services.start_attempt(learner, quiz)
    (question,) = services.shown_questions(attempt)
    services.save_answers(attempt, {question.key: TextAnswer("9")})
    services.submit_attempt(attempt)
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert '<p class="feedback">Completely wrong</p>' in result


# ---- the question form ----------------------------------------------------------------------


def test_the_question_form_takes_an_any_other_answer_row(client, instructor, login, make_quiz):
    login(client, instructor)
    quiz = make_quiz(questions=[])
    form = {
        "text": "A number from 1 to 5?",
        "text_format": "plain",
        "points": "1",
        "numbers-0-value": "3",
        "numbers-0-tolerance": "2",
        "numbers-1-feedback": "Completely wrong",  # no number, no worth: any other answer
    }
    response = client.post(f"/teach/quizzes/{quiz.id}/questions/new?kind=numeric", data=form)
    assert response.status_code == 302, page_text(response)[:1000]
    db.session.expire_all()
    (question,) = db.session.get(Quiz, quiz.id).questions
    assert services.to_spec(question).numbers == (
        NumericAnswer(3, 2),
        NumericAnswer(weight=0.0, feedback="Completely wrong"),
    )
    edit_page = client.get(f"/teach/quizzes/{quiz.id}/questions/{question.id}")
    assert edit_page.status_code == 200
    assert "Any other answer" in page_text(client.get(f"/teach/quizzes/{quiz.id}/preview"))

    form["numbers-2-feedback"] = "Another catch-all"
    response = client.post(f"/teach/quizzes/{quiz.id}/questions/new?kind=numeric", data=form)
    assert response.status_code == 400
    assert "Leave the number empty in one row at most" in page_text(response)
