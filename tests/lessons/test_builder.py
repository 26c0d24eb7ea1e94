"""The document builder: pure parsing, no app and no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.builder import (
    DocumentError,
    looks_like_heading,
    parse_markdown_document,
    parse_plain_text,
    read_course,
    read_document,
)
from tests.support.data import DEFAULT_COURSE_DIR


def test_the_default_course_folder_has_ordered_lessons_with_recaps():
    course = read_course(DEFAULT_COURSE_DIR)
    assert course.slug == "tpm-vs-pm"
    assert course.title == "Technical Project Manager vs Project Manager"
    assert len(course.lessons) >= 6
    for lesson in course.lessons:
        assert lesson.objectives, lesson.slug
        assert 1 <= lesson.minutes <= 15
        assert "## Key points" in lesson.markdown, lesson.slug
    assert any("|" in lesson.markdown and "---" in lesson.markdown for lesson in course.lessons)


def test_markdown_document_one_title_over_sections():
    course = parse_markdown_document(
        "# Safety\n\nIntro text.\n\n## Knives\n\nHold them.\n\n"
        "### Grip\n\nFirmly.\n\n## Heat\n\nCareful.\n",
        fallback_title="x",
    )
    assert course.title == "Safety"
    assert course.description == "Intro text."
    assert [lesson.title for lesson in course.lessons] == ["Knives", "Heat"]
    assert "### Grip" in course.lessons[0].markdown


def test_markdown_document_of_top_level_sections_keeps_an_introduction():
    course = parse_markdown_document(
        "Before the first heading.\n\n# One\n\nFirst.\n\n# Two\n\nSecond.\n", fallback_title="Doc"
    )
    assert course.title == "Doc"
    assert [lesson.title for lesson in course.lessons] == ["Introduction", "One", "Two"]


def test_front_matter_names_the_course():
    course = parse_markdown_document(
        "---\ntitle: Named\nslug: my-course\nsummary: Short.\n---\n## A\n\nText.\n",
        fallback_title="x",
    )
    assert (course.title, course.slug, course.summary) == ("Named", "my-course", "Short.")


def test_headings_inside_code_blocks_are_not_sections():
    course = parse_markdown_document(
        "## Real\n\n```\n## not a heading\n```\n\nText.\n", fallback_title="x"
    )
    assert [lesson.title for lesson in course.lessons] == ["Real"]


@pytest.mark.parametrize(
    ("line", "following", "expected"),
    [
        ("What does a technical project manager do?", "A long paragraph " * 10, True),
        ("Getting started:", "Some text.", True),
        ("Overview", "This paragraph is longer than its heading.", True),
        ("This is an ordinary sentence that ends with a period.", "x" * 200, False),
        ("word " * 20, "x" * 300, False),
        ("Short line", "Tiny", False),
    ],
)
def test_plain_text_headings_are_short_lines_standing_alone(line, following, expected):
    assert looks_like_heading(line, following) is expected


def test_plain_text_document_in_the_style_of_the_source_article():
    text = (
        "Caring for Houseplants:\n"
        "Plants are living things and they need a little attention every week to thrive.\n"
        "How often should you water?\n"
        "Water when the top of the soil is dry to the touch, usually once a week.\n"
        "Where should a plant live?\n"
        "Most plants like bright light that does not fall directly on their leaves.\n"
    )
    course = parse_plain_text(text, fallback_title="x")
    assert course.title == "Caring for Houseplants"
    assert [lesson.title for lesson in course.lessons] == [
        "Introduction",
        "How often should you water?",
        "Where should a plant live?",
    ]
    assert course.lessons[1].slug == "how-often-should-you-water"


def test_repeated_headings_get_distinct_addresses():
    course = read_document("doc.md", b"## Same\n\nOne.\n\n## Same\n\nTwo.\n")
    assert [lesson.slug for lesson in course.lessons] == ["same", "same-2"]


def test_content_hash_changes_with_content_only():
    a = read_document("doc.md", b"## A\n\nOne.\n").lessons[0]
    b = read_document("doc.md", b"## A\n\nOne.\n\n").lessons[0]
    c = read_document("doc.md", b"## A\n\nOne!\n").lessons[0]
    assert a.content_hash == b.content_hash != c.content_hash


def test_slug_option_overrides_the_title(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text("## A\n\nText.\n")
    assert read_course(path, slug="My Notes").slug == "my-notes"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n\t\n", "empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "not UTF-8"),
        (
            "nosections.md",
            b"Just a paragraph with no headings at all, nothing else.",
            "no sections",
        ),
        ("image.png", b"## A\n\nText", "unsupported file type"),
        ("bad.md", b"---\ntitle: [unclosed\n---\n## A\n\nx", "front matter"),
    ],
)
def test_unusable_documents_are_refused_with_a_reason(name, content, message):
    with pytest.raises(DocumentError, match=message):
        read_document(name, content)


def test_missing_file_and_size_limit(tmp_path: Path):
    with pytest.raises(DocumentError, match="No file"):
        read_course(tmp_path / "absent.md")
    big = tmp_path / "big.md"
    big.write_text("## A\n\n" + "word " * 1000)
    with pytest.raises(DocumentError, match="limit"):
        read_course(big, max_bytes=1000)


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("title: A\norder: zero", "order"),
        ("order: 1", "title"),
        ("title: A\norder: 1\nminutes: -3", "minutes"),
        ("title: A\norder: 1\nobjectives: just one string", "objectives"),
    ],
)
def test_course_folder_lessons_need_valid_front_matter(tmp_path: Path, front_matter, message):
    (tmp_path / "course.md").write_text("---\ntitle: Folder course\n---\nAbout.\n")
    (tmp_path / "01-a.md").write_text(f"---\n{front_matter}\n---\n## Body\n\nText.\n")
    with pytest.raises(DocumentError, match=message):
        read_course(tmp_path)


def test_course_folder_needs_a_course_file(tmp_path: Path):
    (tmp_path / "01-a.md").write_text("---\ntitle: A\norder: 1\n---\nText.\n")
    with pytest.raises(DocumentError, match=r"course\.md"):
        read_course(tmp_path)
