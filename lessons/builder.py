"""Documents to course sources: pure parsing, no Flask and no database.

Three inputs give the same `CourseSource`:
- a folder: `course.md` plus one Markdown file per lesson, each with front matter;
- a Markdown document: the headings of one level become lessons;
- a plain-text document: short lines standing alone are section headings.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import frontmatter
import yaml
from markdown_it import MarkdownIt

from coursework.lengths import too_long
from lessons.models import Course, Lesson
from lessons.rendering import slugify, word_count

WORDS_PER_MINUTE = 200
MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt", ".text", ""}
HEADING_MAX_WORDS = 14
HEADING_MAX_CHARS = 120
# A line ending like this is a sentence, not a heading (straight and curly quotes too).
SENTENCE_ENDINGS = ".,;!\"')\u201d\u2019"


class DocumentError(Exception):
    """The document cannot become a course; the message says why, for the operator."""


@dataclass(frozen=True)
class LessonSource:
    slug: str
    title: str
    markdown: str
    objectives: tuple[str, ...] = ()
    minutes: int = 1

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.title, list(self.objectives), self.minutes, self.markdown.strip()],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str = ""
    description: str = ""
    lessons: list[LessonSource] = field(default_factory=list)
    certificate_valid_months: int | None = None


def estimate_minutes(markdown: str) -> int:
    return max(1, math.ceil(word_count(markdown) / WORDS_PER_MINUTE))


def read_course(
    path: Path, *, slug: str | None = None, max_bytes: int = 512 * 1024
) -> CourseSource:
    """Read a course folder or document file; raise DocumentError with a clear reason."""
    if not path.exists():
        raise DocumentError(f"No file or folder at {path}.")
    if path.is_dir():
        return _finish(_read_folder(path, max_bytes), slug, str(path))
    _check_size(path.name, path.stat().st_size, max_bytes)
    return read_document(path.name, path.read_bytes(), slug=slug, max_bytes=max_bytes)


def read_document(
    name: str, data: bytes, *, slug: str | None = None, max_bytes: int = 512 * 1024
) -> CourseSource:
    """Build a course from one uploaded or read document (Markdown or plain text)."""
    suffix = Path(name).suffix.lower()
    if suffix not in MARKDOWN_SUFFIXES | TEXT_SUFFIXES:
        raise DocumentError(
            f"{name}: unsupported file type {suffix!r}; use .md, .markdown or .txt."
        )
    text = _decode(name, data, max_bytes)
    fallback = _title_from_name(Path(name))
    if suffix in MARKDOWN_SUFFIXES:
        course = parse_markdown_document(text, fallback_title=fallback)
    else:
        course = parse_plain_text(text, fallback_title=fallback)
    return _finish(course, slug, name)


def _finish(course: CourseSource, slug: str | None, name: str) -> CourseSource:
    if slug:
        course.slug = slugify(slug)
    if not course.lessons:
        raise DocumentError(f"{name}: no sections found, so there are no lessons to build.")
    _make_slugs_unique(course.lessons)
    _check_lengths(course, name)
    return course


def _check_lengths(course: CourseSource, name: str) -> None:
    """Every title, summary and address fits its column, or the whole document is refused
    with the place to fix (a lesson by its number and heading)."""
    problems = [
        f"the course {part}: {message}"
        for part, value, column in (
            ("title", course.title, Course.title),
            ("summary", course.summary, Course.summary),
            ("address", course.slug, Course.slug),
        )
        if (message := too_long(value, column))
    ]
    for number, lesson in enumerate(course.lessons, start=1):
        heading = lesson.title if len(lesson.title) <= 40 else lesson.title[:40] + "…"
        for part, value, column in (
            ("title", lesson.title, Lesson.title),
            ("address", lesson.slug, Lesson.slug),
        ):
            if message := too_long(value, column):
                problems.append(f"lesson {number} (“{heading}”), its {part}: {message}")
    if problems:
        raise DocumentError(f"{name}: " + "; ".join(problems))


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DocumentError(f"{name} is {size:,} bytes; the limit is {max_bytes:,} bytes.")


def _decode(name: str, data: bytes, max_bytes: int) -> str:
    _check_size(name, len(data), max_bytes)
    if b"\x00" in data:
        raise DocumentError(f"{name} looks like a binary file, not a text document.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(f"{name} is not UTF-8 text.") from None
    if not text.strip():
        raise DocumentError(f"{name} is empty.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_text(path: Path, max_bytes: int) -> str:
    _check_size(path.name, path.stat().st_size, max_bytes)
    return _decode(path.name, path.read_bytes(), max_bytes)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or "Untitled course"


def _front_matter(text: str, name: str) -> tuple[dict, str]:
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        raise DocumentError(f"{name}: the front matter is not valid YAML ({error}).") from None
    if not isinstance(post.metadata, dict):
        raise DocumentError(f"{name}: the front matter must be a mapping of keys to values.")
    return dict(post.metadata), post.content


def _read_folder(folder: Path, max_bytes: int) -> CourseSource:
    course_file = folder / "course.md"
    if not course_file.is_file():
        raise DocumentError(f"{folder}: a course folder needs a course.md file.")
    meta, description = _front_matter(_read_text(course_file, max_bytes), course_file.name)
    title = str(meta.get("title") or _title_from_name(folder))
    months = meta.get("certificate_valid_months")
    if months is not None and (
        not isinstance(months, int) or isinstance(months, bool) or months < 1
    ):
        raise DocumentError(
            f"{course_file.name}: 'certificate_valid_months' must be a whole number."
        )
    course = CourseSource(
        slug=slugify(str(meta.get("slug") or title)),
        title=title,
        summary=str(meta.get("summary") or ""),
        description=description.strip(),
        certificate_valid_months=months,
    )
    ordered = []
    for lesson_file in sorted(folder.glob("*.md")):
        if lesson_file.name == "course.md":
            continue
        meta, body = _front_matter(_read_text(lesson_file, max_bytes), lesson_file.name)
        ordered.append(
            (_lesson_order(meta, lesson_file), _lesson_from_meta(meta, body, lesson_file))
        )
    course.lessons = [lesson for _, lesson in sorted(ordered, key=lambda item: item[0])]
    return course


def _lesson_order(meta: dict, path: Path) -> int:
    order = meta.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise DocumentError(f"{path.name}: 'order' must be a whole number of 1 or more.")
    return order


def _lesson_from_meta(meta: dict, body: str, path: Path) -> LessonSource:
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DocumentError(f"{path.name}: the front matter needs a 'title'.")
    objectives = meta.get("objectives") or []
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise DocumentError(f"{path.name}: 'objectives' must be a list of sentences.")
    minutes = meta.get("minutes", estimate_minutes(body))
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
        raise DocumentError(f"{path.name}: 'minutes' must be a whole number of 1 or more.")
    if not body.strip():
        raise DocumentError(f"{path.name}: the lesson has no text.")
    stem = re.sub(r"^\d+[-_]", "", path.stem)
    return LessonSource(
        slug=slugify(str(meta.get("slug") or stem or title)),
        title=title.strip(),
        markdown=body.strip() + "\n",
        objectives=tuple(o.strip() for o in objectives),
        minutes=minutes,
    )


def parse_markdown_document(text: str, *, fallback_title: str) -> CourseSource:
    """One `#` heading over several `##` makes a course title over lessons; otherwise the
    highest heading level that appears is the lesson level."""
    meta, body = _front_matter(text, "document")
    lines = body.split("\n")
    headings = [
        (int(token.tag[1]), token.map[0])
        for token in MarkdownIt("commonmark").parse(body)
        if token.type == "heading_open" and token.map
    ]
    title = str(meta.get("title") or "")
    description = ""
    levels = [level for level, _ in headings]
    if levels.count(1) == 1 and any(level > 1 for level in levels):
        top_line = next(line for level, line in headings if level == 1)
        title = title or _heading_text(lines[top_line])
        lesson_level = min(level for level in levels if level > 1)
        lesson_starts = [line for level, line in headings if level == lesson_level]
        if lesson_starts:
            description = "\n".join(lines[top_line + 1 : lesson_starts[0]]).strip()
    else:
        lesson_level = min(levels, default=0)
        lesson_starts = [line for level, line in headings if level == lesson_level]
    sections = []
    intro = "\n".join(lines[: lesson_starts[0]] if lesson_starts else lines).strip()
    if lesson_starts and intro and not description and levels.count(1) != 1:
        sections.append(("Introduction", intro))
    for index, start in enumerate(lesson_starts):
        end = lesson_starts[index + 1] if index + 1 < len(lesson_starts) else len(lines)
        sections.append((_heading_text(lines[start]), "\n".join(lines[start + 1 : end])))
    title = title or fallback_title
    return CourseSource(
        slug=slugify(str(meta.get("slug") or title)),
        title=title,
        summary=str(meta.get("summary") or ""),
        description=description,
        lessons=[_section_lesson(heading, text) for heading, text in sections if text.strip()],
    )


def _heading_text(line: str) -> str:
    return re.sub(r"^\s*#+\s*|\s*#+\s*$", "", line).strip()


def looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line standing alone, not a sentence: the plain-text section heading."""
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_CHARS:
        return False
    if len(stripped.split()) > HEADING_MAX_WORDS or stripped[-1] in SENTENCE_ENDINGS:
        return False
    if stripped.endswith(("?", ":")):
        return True
    return next_line is not None and len(next_line.strip()) > len(stripped)


def parse_plain_text(text: str, *, fallback_title: str) -> CourseSource:
    """Sections start at heading-like lines; the first such line, if it opens the document,
    is the course title; text before the first section is the introduction."""
    lines = [line.strip() for line in text.split("\n")]
    blocks = [line for line in lines if line]
    title = fallback_title
    if len(blocks) > 1 and looks_like_heading(blocks[0], blocks[1]):
        title = blocks[0].rstrip(":").strip()
        blocks = blocks[1:]
    sections: list[tuple[str, list[str]]] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following is not None and looks_like_heading(block, following):
            sections.append((block.rstrip(":").strip(), []))
        elif sections:
            sections[-1][1].append(block)
        else:
            sections.append(("Introduction", [block]))
    return CourseSource(
        slug=slugify(title),
        title=title,
        lessons=[
            _section_lesson(heading, "\n\n".join(paragraphs))
            for heading, paragraphs in sections
            if paragraphs
        ],
    )


def _section_lesson(heading: str, markdown: str) -> LessonSource:
    markdown = markdown.strip() + "\n"
    return LessonSource(
        slug=slugify(heading),
        title=heading,
        markdown=markdown,
        minutes=estimate_minutes(markdown),
    )


def _make_slugs_unique(lessons: list[LessonSource]) -> None:
    seen: dict[str, int] = {}
    for index, lesson in enumerate(lessons):
        count = seen.get(lesson.slug, 0) + 1
        seen[lesson.slug] = count
        if count > 1:
            lessons[index] = replace(lesson, slug=f"{lesson.slug}-{count}")
