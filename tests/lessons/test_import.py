"""Importing courses into the database: idempotent, updates in place, retires."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coursework.extensions import db
from coursework.progress import services as progress
from lessons import services
from lessons.builder import parse_markdown_document, read_course
from lessons.models import Course, Lesson
from tests.conftest import DEFAULT_COURSE_DIR, SMALL_COURSE


def import_text(text: str):
    return services.import_course(
        parse_markdown_document(text, fallback_title="x"), services.OPERATOR
    )


def test_reimporting_an_unchanged_document_changes_nothing(app):
    first = import_text(SMALL_COURSE)
    assert first.created and first.added == ["knives", "heat", "cleaning"]
    before = [
        (ls.id, ls.updated_at, ls.content_hash) for ls in services.current_lessons(first.course.id)
    ]
    course_updated = first.course.updated_at
    second = import_text(SMALL_COURSE)
    assert not second.changed
    assert second.unchanged == ["knives", "heat", "cleaning"]
    after = [
        (ls.id, ls.updated_at, ls.content_hash) for ls in services.current_lessons(first.course.id)
    ]
    assert before == after
    assert db.session.get(Course, first.course.id).updated_at == course_updated


def test_a_changed_lesson_is_updated_in_place_and_others_keep_progress(app, make_user):
    report = import_text(SMALL_COURSE)
    learner = make_user()
    knives, heat, _ = services.current_lessons(report.course.id)
    progress.complete_lesson(learner, knives)
    progress.complete_lesson(learner, heat)

    second = import_text(SMALL_COURSE.replace("Turn pan handles inward.", "Turn handles in."))
    assert second.updated == ["heat"]
    assert second.unchanged == ["knives", "cleaning"]
    lessons_now = services.current_lessons(report.course.id)
    assert [ls.id for ls in lessons_now] == [knives.id, heat.id, lessons_now[2].id]
    assert "Turn handles in." in lessons_now[1].body_html

    states = progress.course_progress(learner, db.session.get(Course, report.course.id))
    assert states.state_of(lessons_now[0]).value == "completed"
    # The edited lesson asks to be read again; its history is still there.
    assert states.state_of(lessons_now[1]).value == "in_progress"
    assert states.summary.completed == 1


def test_a_removed_lesson_is_retired_not_deleted_and_can_return(app, make_user):
    report = import_text(SMALL_COURSE)
    learner = make_user()
    heat = services.current_lessons(report.course.id)[1]
    progress.complete_lesson(learner, heat)

    without_heat = SMALL_COURSE.replace("## Heat\n\nTurn pan handles inward.\n\n", "")
    second = import_text(without_heat)
    assert second.retired == ["heat"]
    assert [ls.slug for ls in services.current_lessons(report.course.id)] == ["knives", "cleaning"]
    assert db.session.scalar(select(func.count(Lesson.id))) == 3
    summary = progress.course_progress(learner, db.session.get(Course, report.course.id)).summary
    assert (summary.completed, summary.total) == (0, 2)

    third = import_text(SMALL_COURSE)
    assert third.restored == ["heat"]
    summary = progress.course_progress(learner, db.session.get(Course, report.course.id)).summary
    assert (summary.completed, summary.total) == (1, 3)


def test_reordering_moves_lessons_without_touching_content(app):
    report = import_text(SMALL_COURSE)
    swapped = SMALL_COURSE.replace(
        "## Knives\n\nHold the handle, *never* the blade.\n\n## Heat\n\nTurn pan handles inward.\n",
        "## Heat\n\nTurn pan handles inward.\n\n## Knives\n\nHold the handle, *never* the blade.\n",
    )
    second = import_text(swapped)
    assert sorted(second.moved) == ["heat", "knives"]
    assert [ls.slug for ls in services.current_lessons(report.course.id)] == [
        "heat",
        "knives",
        "cleaning",
    ]


def test_the_default_course_imports_with_rendered_sanitised_lessons(app):
    report = services.import_course(read_course(DEFAULT_COURSE_DIR), services.OPERATOR)
    current = services.current_lessons(report.course.id)
    assert len(current) >= 6
    comparison = [ls for ls in current if "<table>" in ls.body_html]
    assert comparison, "the comparison lesson renders a table"
    assert all("<h1" not in ls.body_html and "<script" not in ls.body_html for ls in current)


def test_cli_imports_a_plain_text_document(app, tmp_path: Path):
    doc = tmp_path / "plants.txt"
    doc.write_text(
        "Caring for Plants:\nPlants need attention every week to stay healthy and strong.\n"
        "How much water?\nWater when the top of the soil feels dry, about once a week.\n"
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", str(doc), "--slug", "plants"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    assert services.get_course("plants").title == "Caring for Plants"
    again = runner.invoke(args=["courses", "import", str(doc), "--slug", "plants"])
    assert again.exit_code == 0
    assert "nothing changed" in again.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02\x03", "binary"),
        ("flat.md", b"no headings here at all, just one paragraph of words.", "no sections"),
    ],
)
def test_cli_fails_with_a_clear_message_and_nonzero_exit(
    app, tmp_path: Path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["courses", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_cli_refuses_missing_and_oversized_files(app, tmp_path: Path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", str(tmp_path / "absent.md")])
    assert result.exit_code != 0 and "No file" in result.output
    big = tmp_path / "big.md"
    big.write_text("## A\n\n" + "word " * (app.config["COURSE_DOCUMENT_MAX_BYTES"] // 4))
    result = runner.invoke(args=["courses", "import", str(big)])
    assert result.exit_code != 0 and "limit" in result.output


def test_setup_command_is_idempotent(app):
    app.config["DEMO_ACCOUNTS"] = True
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["setup", "--url", "http://127.0.0.1:5999"])
        assert first.exit_code == 0, first.output
        assert "http://127.0.0.1:5999" in first.output
        assert "learner@example.com" in first.output
        second = runner.invoke(args=["setup"])
        assert second.exit_code == 0, second.output
        assert "already up to date" in second.output
    finally:
        app.config["DEMO_ACCOUNTS"] = False


def test_setup_makes_no_demo_accounts_outside_development(app):
    from coursework.accounts.models import User

    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "password" not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_instructor_imports_a_document_through_the_browser_form(client, make_user, login):
    import io

    login(client, make_user(is_instructor=True))
    response = client.post(
        "/teach/courses",
        data={"document": (io.BytesIO(SMALL_COURSE.encode()), "kitchen.md"), "slug": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Kitchen Safety created" in body
    assert services.get_course("kitchen-safety")


@pytest.mark.parametrize(
    ("upload", "slug", "message"),
    [
        (None, "", "Choose a document to import."),
        ((b"\x00\x01", "x.md"), "", "binary"),
        ((b"## A\n\ntext", "x.pdf"), "", "Choose a .md, .markdown or .txt file."),
        ((b"## A\n\ntext", "x.md"), "Bad Slug!", "lower-case"),
    ],
)
def test_import_form_errors_are_shown_beside_the_field(
    client, make_user, login, upload, slug, message
):
    import io

    login(client, make_user(is_instructor=True))
    data = {"slug": slug}
    if upload:
        data["document"] = (io.BytesIO(upload[0]), upload[1])
    response = client.post("/teach/courses", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "There is a problem" in response.get_data(as_text=True)


def test_import_page_is_for_instructors(client, make_user, login):
    assert client.get("/teach/courses").status_code == 302  # to the login page
    login(client, make_user())
    assert client.get("/teach/courses").status_code == 403
