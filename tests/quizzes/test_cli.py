"""`flask quizzes import/export/load-default`: all or nothing, idempotent, round trip."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from coursework.extensions import db
from quizzes import services
from quizzes.bank import services as bank
from quizzes.cli import DEFAULT_QUIZZES, load_course_quizzes
from quizzes.gift import parse_gift
from quizzes.models import Question, Quiz
from tests.support.data import DEFAULT_COURSE_DIR

GOOD = """// A small quiz
::Capital:: What is the capital of France?
{=Paris#Yes ~Lyon#No ####Paris has been the capital for centuries.}

::Spider:: How many legs has a spider? {#8}
"""


def test_import_then_export_gives_back_the_same_questions(app, course, tmp_path: Path):
    source = tmp_path / "quiz.gift"
    source.write_text(GOOD)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "quizzes",
            "import",
            str(source),
            "--course",
            course.slug,
            "--lesson",
            "knives",
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created, 2 questions" in result.output
    again = runner.invoke(
        args=["quizzes", "import", str(source), "--course", course.slug, "--lesson", "knives"]
    )
    assert "unchanged" in again.output
    out = tmp_path / "out.gift"
    exported = runner.invoke(
        args=["quizzes", "export", "--course", course.slug, "--lesson", "knives", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert parse_gift(out.read_text()).questions == parse_gift(GOOD).questions


def test_a_malformed_file_imports_nothing_and_names_the_lines(app, course, tmp_path: Path):
    bad = tmp_path / "bad.gift"
    bad.write_text(GOOD + "\n::Broken:: Unclosed {=yes ~no\n\n::Unmarked:: Which? {~a ~b}\n")
    result = app.test_cli_runner().invoke(
        args=["quizzes", "import", str(bad), "--course", course.slug, "--lesson", "knives"]
    )
    assert result.exit_code != 0
    assert "line 7" in result.output and "line 9" in result.output
    assert db.session.scalar(select(func.count(Quiz.id))) == 0
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_unknown_course_or_lesson_is_refused(app, course, tmp_path: Path):
    source = tmp_path / "quiz.gift"
    source.write_text(GOOD)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quizzes", "import", str(source), "--course", "nope"])
    assert result.exit_code != 0 and "no course" in result.output
    result = runner.invoke(
        args=["quizzes", "import", str(source), "--course", course.slug, "--lesson", "nope"]
    )
    assert result.exit_code != 0 and "no lesson" in result.output


def test_the_default_quizzes_load_once_and_cover_the_course(app):
    from lessons import services as lessons
    from lessons.builder import read_course

    course = lessons.import_course(read_course(DEFAULT_COURSE_DIR), lessons.OPERATOR).course
    first = load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
    assert len(first) == 9 and first[0].startswith("bank: ")  # the bank, then each quiz
    assert load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm") == []
    quizzes = services.course_quizzes([course.id])
    final = next(q for q in quizzes if q.is_final)
    # The final quiz draws every question from the bank, which holds twice what it draws.
    drawn = sum(draw.count for draw in final.draws)
    assert not final.questions and drawn >= 14 and final.passing_score == 70 and final.required
    assert final.question_count == drawn
    sizes = bank.category_sizes(course.id)
    assert sum(sizes.values()) >= 2 * drawn
    assert all(sizes[draw.category] >= 2 * draw.count for draw in final.draws)
    kinds = {
        q.kind for category in bank.bank(course.id, lessons.OPERATOR) for q in category.questions
    }
    assert kinds == {"single", "multiple", "true_false", "short_text", "numeric", "matching"}
    lesson_quizzes = [q for q in quizzes if not q.is_final]
    assert len(lesson_quizzes) == len(lessons.current_lessons(course.id))
    for quiz in lesson_quizzes:
        assert 4 <= len(quiz.questions) <= 6, quiz.title
        assert len({q.kind for q in quiz.questions}) >= 3, quiz.title
        assert all(q.general_feedback for q in quiz.questions), quiz.title
