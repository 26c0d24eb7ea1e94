# ruff: noqa: RUF001 -- Russian text is meant to hold Cyrillic letters that look Latin.
"""Real documents nobody here wrote (tests/lessons/data, origins in SOURCES.md) and
documents in other scripts, through the builder and into the database (issue 11, items
7-10)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from coursework.extensions import db
from coursework.progress import services as progress
from lessons import services
from lessons.builder import DocumentError, parse_markdown_document, read_course, read_document
from lessons.models import Course
from lessons.rendering import render_markdown

DATA = Path(__file__).parent / "data"


def real(name: str):
    return read_course(DATA / name)


# ---- item 7: addresses in any script, and never replacing a different course ----------


def test_japanese_and_russian_documents_become_two_courses(app):
    japanese = services.import_course(real("ja-tea.md"), services.OPERATOR)
    russian = services.import_course(real("ru-bread.md"), services.OPERATOR)
    assert japanese.created and russian.created
    assert (japanese.course.slug, russian.course.slug) == ("お茶の入れ方", "домашний-хлеб")
    assert japanese.added == ["道具をそろえる", "お湯の温度", "注ぎ方"]
    assert russian.added == ["мука-и-вода", "замес", "выпечка"]
    assert db.session.query(Course).count() == 2
    # Stable: importing each again changes nothing.
    assert not services.import_course(real("ja-tea.md"), services.OPERATOR).changed
    assert not services.import_course(real("ru-bread.md"), services.OPERATOR).changed


def test_a_title_that_meets_another_courses_address_gets_a_new_one(app):
    first = services.import_course(
        parse_markdown_document("# C++\n\n## Types\n\nInt.\n", fallback_title="x"),
        services.OPERATOR,
    )
    second = services.import_course(
        parse_markdown_document("# C#\n\n## Types\n\nString.\n", fallback_title="x"),
        services.OPERATOR,
    )
    assert (first.course.slug, second.course.slug) == ("c", "c-2")
    assert second.created and second.address_taken == "c" and first.address_taken is None
    db.session.expire_all()
    assert services.get_course("c").title == "C++"
    assert "Int." in services.current_lessons(first.course.id)[0].body_html
    # Each is still found again by its own title.
    again = services.import_course(
        parse_markdown_document("# C#\n\n## Types\n\nString!\n", fallback_title="x"),
        services.OPERATOR,
    )
    assert (again.course.id, again.updated) == (second.course.id, ["types"])


def test_a_chosen_address_still_updates_the_course_there(app):
    services.import_course(real("ja-tea.md"), services.OPERATOR)
    source = read_document("tea.md", (DATA / "ja-tea.md").read_bytes(), slug="お茶の入れ方")
    source.title = "緑茶"
    report = services.import_course(source, services.OPERATOR)
    assert not report.created and report.course.title == "緑茶"


def teach_upload(client, name: str, data: bytes, **fields):
    form = {"document": (io.BytesIO(data), name), **fields}
    return client.post("/teach/courses", data=form, content_type="multipart/form-data")


def test_an_instructor_uploading_a_russian_document_does_not_replace_a_japanese_course(
    client, make_user, login
):
    teacher = make_user(is_instructor=True)
    login(client, teacher)
    assert teach_upload(client, "tea.md", (DATA / "ja-tea.md").read_bytes()).status_code == 200
    response = teach_upload(client, "bread.md", (DATA / "ru-bread.md").read_bytes())
    assert response.status_code == 200
    assert "Домашний хлеб created" in response.get_data(as_text=True)
    assert {c.slug for c in db.session.query(Course)} == {"お茶の入れ方", "домашний-хлеб"}
    # The course page answers at its Unicode address.
    assert client.get("/courses/домашний-хлеб").status_code == 200
    assert teach_upload(client, "c.md", b"# C#\n\n## One\n\nText.\n").status_code == 200
    clash = teach_upload(client, "c.md", b"# C++\n\n## One\n\nText.\n")
    assert clash.status_code == 200
    assert "Another course is at the address c, so this one is at c-2." in clash.get_data(
        as_text=True
    )


def test_the_teach_form_accepts_a_unicode_address_and_refuses_a_malformed_one(
    client, make_user, login
):
    login(client, make_user(is_instructor=True))
    data = (DATA / "ru-bread.md").read_bytes()
    assert teach_upload(client, "b.md", data, slug="хлеб-2").status_code == 200
    assert services.find_course("хлеб-2") is not None
    refused = teach_upload(client, "b.md", data, slug="Хлеб 2")
    assert refused.status_code == 400
    assert "lower-case letters" in refused.get_data(as_text=True)


# ---- item 8: what real documents lost --------------------------------------------------


def test_setext_headings_leave_no_rules_behind():
    course = real("httplib2-README.md")
    assert [lesson.title for lesson in course.lessons] == ["Introduction", "Installation", "Usage"]
    for lesson in course.lessons:
        assert "===" not in lesson.markdown and "\n---\n" not in lesson.markdown


def test_reference_links_defined_at_the_end_work_in_every_lesson():
    course = real("node-writing-and-running-benchmarks.md")
    by_slug = {lesson.slug: render_markdown(lesson.markdown) for lesson in course.lessons}
    # Defined once, at the end of the document, used in lessons far above it.
    assert 'href="https://github.com/wg/wrk"' in by_slug["prerequisites"]
    assert 'href="https://github.com/targos/node-benchmark-compare"' in by_slug["prerequisites"]
    assert 'href="https://en.wikipedia.org/wiki/Student' in by_slug["running-benchmarks"]
    for html in by_slug.values():
        assert "][" not in html
    # A lesson carries only the definitions it uses.
    assert "[wrk]:" not in course.lessons[0].markdown


def test_reference_links_resolve_per_document_not_per_section():
    course = parse_markdown_document(
        "## One\n\nSee [the guide][g].\n\n## Two\n\nAnd [the guide][G] again.\n\n"
        "[g]: https://example.com/guide\n",
        fallback_title="x",
    )
    for lesson in course.lessons:
        assert "[g]: https://example.com/guide" in lesson.markdown


def test_real_front_matter_is_read_and_a_leading_rule_is_not_front_matter():
    assert real("pip-index.md").lessons[0].title == "pip"
    assert "hide-toc" not in real("pip-index.md").lessons[0].markdown
    course = parse_markdown_document(
        "---\n\nAn opening paragraph under a rule.\n\n---\n\n## Next\n\nMore text.\n",
        fallback_title="Doc",
    )
    assert course.title == "Doc"
    assert "An opening paragraph under a rule." in course.lessons[0].markdown


def test_hard_wrapped_plain_text_is_joined_into_paragraphs():
    course = real("ru-notes.txt")
    assert [lesson.title for lesson in course.lessons] == [
        "Introduction",
        "Как выбрать чай?",
        "Сколько заваривать?",
    ]
    choose = course.lessons[1].markdown.strip()
    assert choose == (
        "Выбирайте листовой чай с целыми листьями, без пыли и без посторонних запахов."
    )


def test_sentence_fragments_do_not_become_lesson_titles():
    text = (
        "Watering plants\n\n"
        "Most plants need water once a week, but the right amount\n"
        "depends on the pot\n"
        "and the light in the room where they stand.\n\n"
        "How much light?\n\n"
        "Bright light that does not fall directly on the leaves.\n"
    )
    course = read_document("plants.txt", text.encode())
    assert [lesson.title for lesson in course.lessons] == ["Introduction", "How much light?"]
    assert "depends on the pot and the light" in course.lessons[0].markdown


def test_a_plain_text_file_with_no_headings_is_refused():
    with pytest.raises(DocumentError, match="no section headings"):
        read_document(
            "notes.txt",
            b"Just one paragraph of text with no headings at all.\n\nAnd another one.\n",
        )


# ---- item 10: the plain-text course title ---------------------------------------------


def test_plain_text_takes_the_title_from_its_first_line_not_the_file_name():
    assert read_document("notes-v2-final.txt", (DATA / "ru-notes.txt").read_bytes()).title == (
        "Заметки о чае"
    )
    untitled = read_document(
        "draft_3.txt",
        b"Plants are living things and need a little care every week.\n\n"
        b"How often should you water?\n\nWhen the soil is dry to the touch.\n",
    )
    assert untitled.title == "Plants are living things and need a little care every week."


# ---- item 9: renamed headings keep progress --------------------------------------------


def test_renaming_a_heading_keeps_the_lesson_and_everyones_progress(app, make_user):
    report = services.import_course(real("ru-bread.md"), services.OPERATOR)
    learner = make_user()
    lessons = services.current_lessons(report.course.id)
    for lesson in lessons:
        progress.complete_lesson(learner, lesson)
    renamed = (DATA / "ru-bread.md").read_text().replace("## Замес", "## Как месить тесто")
    second = services.import_course(
        parse_markdown_document(renamed, fallback_title="x"), services.OPERATOR
    )
    assert second.added == [] and second.retired == []
    assert second.updated == ["как-месить-тесто"]
    now = services.current_lessons(report.course.id)
    assert [lesson.id for lesson in now] == [lesson.id for lesson in lessons]
    assert now[1].title == "Как месить тесто"
    states = progress.course_progress(learner, db.session.get(Course, report.course.id))
    assert [states.state_of(lesson).value for lesson in now] == ["completed"] * 3


def test_changing_a_lessons_text_still_asks_for_it_to_be_read_again(app, make_user):
    report = services.import_course(real("ru-bread.md"), services.OPERATOR)
    learner = make_user()
    lessons = services.current_lessons(report.course.id)
    progress.complete_lesson(learner, lessons[1])
    edited = (DATA / "ru-bread.md").read_text().replace("десять минут", "пятнадцать минут")
    services.import_course(parse_markdown_document(edited, fallback_title="x"), services.OPERATOR)
    states = progress.course_progress(learner, db.session.get(Course, report.course.id))
    assert states.state_of(services.current_lessons(report.course.id)[1]).value == "in_progress"


# ---- item 8: images -------------------------------------------------------------------

IMAGES = DATA / "course-with-images"


def test_a_course_folders_images_are_stored_and_served_with_their_alt_text(
    app, client, make_user, login
):
    report = services.import_course(read_course(IMAGES), services.OPERATOR)
    lesson = services.current_lessons(report.course.id)[0]
    path = "/courses/reading-a-diagram/assets/diagrams/steps.png"
    assert (
        f'<img src="{path}" alt="Three boxes joined by arrows: plan, do, check">'
        in lesson.body_html
    )
    # A remote image is a link that says what it showed; a missing one keeps its alt text.
    assert (
        '<a href="https://ci.example.org/badge.svg" rel="noopener noreferrer">'
        "Image: Build status: passing</a>" in lesson.body_html
    )
    assert "[Image: A photo of the team]" in lesson.body_html

    served = client.get(path)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.data == (IMAGES / "diagrams" / "steps.png").read_bytes()
    assert "default-src 'self'" in served.headers["Content-Security-Policy"]
    assert "img-src" not in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(path, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert client.get("/courses/reading-a-diagram/assets/diagrams/other.png").status_code == 404
    assert client.get("/courses/nowhere/assets/diagrams/steps.png").status_code == 404

    login(client, make_user())
    page = client.get(f"/courses/reading-a-diagram/lessons/{lesson.slug}").get_data(as_text=True)
    assert f'src="{path}"' in page


def test_a_changed_image_replaces_the_stored_one(app, client, tmp_path: Path):
    import shutil

    folder = tmp_path / "course"
    shutil.copytree(IMAGES, folder)
    services.import_course(read_course(folder), services.OPERATOR)
    (folder / "diagrams" / "steps.png").write_bytes(b"GIF89a" + bytes(20))
    services.import_course(read_course(folder), services.OPERATOR)
    served = client.get("/courses/reading-a-diagram/assets/diagrams/steps.png")
    assert served.mimetype == "image/gif" and served.data.startswith(b"GIF89a")


def test_images_must_be_images_and_inside_the_folder(tmp_path: Path):
    folder = tmp_path / "course"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8))
    (folder / "course.md").write_text("---\ntitle: T\n---\n")
    (folder / "one.md").write_text("---\ntitle: One\norder: 1\n---\n![x](../secret.png)\n")
    assert read_course(folder).images == {}
    (folder / "page.png").write_text("<svg onload=alert(1)>")
    (folder / "one.md").write_text("---\ntitle: One\norder: 1\n---\n![x](page.png)\n")
    with pytest.raises(DocumentError, match=r"page\.png is not a PNG, JPEG, GIF or WebP"):
        read_course(folder)


def test_remote_images_from_allowed_hosts_are_shown_and_allowed_by_the_csp(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "LESSON_IMAGE_HOSTS", ("ci.example.org",))
    report = services.import_course(read_course(IMAGES), services.OPERATOR)
    html = services.current_lessons(report.course.id)[0].body_html
    assert '<img src="https://ci.example.org/badge.svg" alt="Build status: passing">' in html
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' https://ci.example.org" in policy


def test_a_learner_sees_why_a_completed_lesson_is_in_progress_again(app, client, make_user, login):
    report = services.import_course(real("ru-bread.md"), services.OPERATOR)
    learner = make_user()
    lessons = services.current_lessons(report.course.id)
    progress.complete_lesson(learner, lessons[1])
    progress.complete_lesson(learner, lessons[2])
    login(client, learner)
    lesson_page = f"/courses/домашний-хлеб/lessons/{lessons[1].slug}"
    assert "It has changed since" not in client.get(lesson_page).get_data(as_text=True)

    edited = (DATA / "ru-bread.md").read_text().replace("десять минут", "пятнадцать минут")
    services.import_course(parse_markdown_document(edited, fallback_title="x"), services.OPERATOR)
    page = client.get(lesson_page).get_data(as_text=True)
    assert "You completed this lesson on" in page
    assert "It has changed since" in page and "in progress again" in page
    course_page = client.get("/courses/домашний-хлеб").get_data(as_text=True)
    assert course_page.count("changed since you completed it") == 1
    # The unchanged completed lesson says nothing of the kind.
    third = client.get(f"/courses/домашний-хлеб/lessons/{lessons[2].slug}")
    assert "It has changed since" not in third.get_data(as_text=True)


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_titles_meeting_at_one_address_at_the_same_moment_each_get_their_own(app):
    from tests.support.quizkit import together

    titles = ["C++", "C#", "C!", "C?", "C*", "C/", "C&", "C@"]

    def importer(title: str):
        return lambda: (
            services.import_course(
                parse_markdown_document(
                    f"# {title}\n\n## One\n\n{title} text.\n", fallback_title="x"
                ),
                services.OPERATOR,
            ).course.slug
        )

    results = together(app, [importer(title) for title in titles])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == sorted(["c"] + [f"c-{n}" for n in range(2, 9)])
    db.session.expire_all()
    titles_by_slug = {course.slug: course.title for course in db.session.query(Course)}
    assert sorted(titles_by_slug.values()) == sorted(titles)
