"""Importing courses into the database: idempotent, updates in place, retires."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coursework.errors import PermissionDenied
from coursework.extensions import db
from coursework.progress import services as progress
from lessons import services
from lessons.builder import parse_markdown_document, read_course
from lessons.models import Course, Lesson
from tests.support.data import DEFAULT_COURSE_DIR, PASSWORD, SMALL_COURSE


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


@pytest.mark.real_commits(reason="setup migrates the database on a connection of its own")
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


@pytest.mark.real_commits(reason="setup migrates the database on a connection of its own")
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


# ---- who may replace a course -------------------------------------------------------------

EDITED_COURSE = SMALL_COURSE.replace("## Cleaning\n\nWipe spills at once.\n", "")


def upload(client, text: str, *, slug: str = "", replace: bool = False, token: str = ""):
    import io

    data = {"document": (io.BytesIO(text.encode()), "kitchen.md"), "slug": slug}
    if replace:
        data["replace"] = "y"
    if token:
        data["csrf_token"] = token
    return client.post("/teach/courses", data=data, content_type="multipart/form-data")


def csrf_token_of(response) -> str:
    import re

    html = response.get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def lesson_slugs(course_slug: str) -> list[str]:
    db.session.expire_all()
    course = services.get_course(course_slug)
    return [lesson.slug for lesson in services.current_lessons(course.id)]


def test_a_course_imported_by_an_instructor_is_theirs(client, make_user, login):
    teacher = make_user(is_instructor=True)
    login(client, teacher)
    assert upload(client, SMALL_COURSE).status_code == 200
    course = services.get_course("kitchen-safety")
    assert [(member.role, person.id) for member, person in services.staff_of(course)] == [
        ("owner", teacher.id)
    ]


def test_reimporting_is_refused_unless_you_are_the_courses_staff(course, make_user, instructor):
    outsider = make_user(is_instructor=True)
    edited = parse_markdown_document(EDITED_COURSE, fallback_title="x")
    with pytest.raises(PermissionDenied):
        services.import_course(edited, outsider)
    assert lesson_slugs("kitchen-safety") == ["knives", "heat", "cleaning"]
    # A learner-turned-instructor who is later demoted loses the right with the role.
    co_instructor = make_user(is_instructor=True)
    services.add_staff(course, co_instructor.email, instructor)
    co_instructor.is_instructor = False
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.import_course(edited, co_instructor)
    co_instructor.is_instructor = True
    db.session.commit()
    assert services.import_course(edited, co_instructor).retired == ["cleaning"]
    assert services.import_course(edited, make_user(is_admin=True)).changed is False


def test_the_shipped_course_belongs_to_nobody_so_only_admins_may_change_it(
    app, make_user, login, client
):
    result = app.test_cli_runner().invoke(args=["courses", "load-default"])
    assert result.exit_code == 0, result.output
    course = services.get_course("tpm-vs-pm")
    assert services.staff_of(course) == []
    source = read_course(DEFAULT_COURSE_DIR)
    with pytest.raises(PermissionDenied):
        services.import_course(source, make_user(is_instructor=True))
    assert services.import_course(source, make_user(is_admin=True)).changed is False
    assert services.import_course(source, services.OPERATOR).changed is False


def test_the_cli_can_name_a_new_courses_owner(app, tmp_path: Path, make_user):
    teacher = make_user(is_instructor=True)
    doc = tmp_path / "kitchen.md"
    doc.write_text(SMALL_COURSE)
    runner = app.test_cli_runner()
    learner = make_user()
    refused = runner.invoke(args=["courses", "import", str(doc), "--owner", learner.email])
    assert refused.exit_code != 0 and "no instructor" in refused.output.lower()
    assert services.find_course("kitchen-safety") is None
    unknown = runner.invoke(args=["courses", "import", str(doc), "--owner", "nobody@example.com"])
    assert unknown.exit_code != 0 and services.find_course("kitchen-safety") is None
    result = runner.invoke(args=["courses", "import", str(doc), "--owner", teacher.email])
    assert result.exit_code == 0, result.output
    staff = services.staff_of(services.get_course("kitchen-safety"))
    assert [(member.role, person.id) for member, person in staff] == [("owner", teacher.id)]


def test_the_teach_page_asks_before_replacing_a_course(client, login, instructor, course, csrf_on):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": instructor.email, "password": PASSWORD, "csrf_token": csrf_token_of(page)},
    )
    assert response.status_code == 302
    token = csrf_token_of(client.get("/teach/courses"))
    assert upload(client, EDITED_COURSE).status_code == 400  # no CSRF token: refused
    asked = upload(client, EDITED_COURSE, token=token)
    assert asked.status_code == 400
    html = asked.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#replace"' in html
    assert 'id="replace-error"' in html and "Kitchen Safety is already at kitchen-safety" in html
    assert lesson_slugs("kitchen-safety") == ["knives", "heat", "cleaning"]  # nothing changed
    confirmed = upload(client, EDITED_COURSE, replace=True, token=token)
    assert confirmed.status_code == 200
    assert "Kitchen Safety updated" in confirmed.get_data(as_text=True)
    assert lesson_slugs("kitchen-safety") == ["knives", "heat"]
    # A new address needs no confirmation.
    created = upload(client, SMALL_COURSE, slug="kitchen-safety-two", token=token)
    assert created.status_code == 200 and "created" in created.get_data(as_text=True)


def test_the_teach_page_refuses_to_replace_someone_elses_course(client, login, make_user, course):
    login(client, make_user(is_instructor=True))
    for replace in (False, True):
        refused = upload(client, EDITED_COURSE, replace=replace)
        assert refused.status_code == 403
        html = refused.get_data(as_text=True)
        assert 'id="slug-error"' in html and "belongs to a course you do not teach" in html
    assert lesson_slugs("kitchen-safety") == ["knives", "heat", "cleaning"]


def test_the_teach_page_lists_only_the_courses_you_teach(client, login, make_user, make_course):
    make_course()  # owned by the fixtures' instructor
    outsider = make_user(is_instructor=True)
    make_course(SMALL_COURSE.replace("Kitchen Safety", "Garden Safety"), owner=outsider)
    login(client, outsider)
    html = client.get("/teach/courses").get_data(as_text=True)
    assert "Garden Safety" in html and "Kitchen Safety" not in html
    assert "Courses you teach" in html
    client.post("/logout")
    login(client, make_user(is_admin=True))
    html = client.get("/teach/courses").get_data(as_text=True)
    assert "Garden Safety" in html and "Kitchen Safety" in html and "Every course" in html
