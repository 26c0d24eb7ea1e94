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
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt

from coursework.lengths import too_long
from lessons.models import Course, CourseAsset, Lesson
from lessons.rendering import image_sources, slugify, word_count

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

    @property
    def body_hash(self) -> str:
        return body_hash(self.markdown, self.objectives, self.minutes)


def body_hash(markdown: str, objectives, minutes: int) -> str:
    """A lesson's content without its title: a renamed heading over the same text is the
    same lesson, and learners keep their progress in it."""
    payload = json.dumps([list(objectives), minutes, markdown.strip()], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Image:
    content_type: str
    data: bytes


# What a browser may be sent as an image, known by its first bytes, not its name. No SVG:
# it can carry script.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def _image_type(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_SIGNATURES.items() if data.startswith(magic)), None)


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str = ""
    description: str = ""
    lessons: list[LessonSource] = field(default_factory=list)
    certificate_valid_months: int | None = None
    # The language the content is written in (BCP 47), from the metadata's `language`.
    language: str = "en"
    # Images from the course's folder, by their path as the lessons write it.
    images: dict[str, Image] = field(default_factory=dict)
    # The address was named (front matter, --slug, the form), not derived from the title:
    # an import may then update the course already there (its staff permitting).
    slug_chosen: bool = False


def estimate_minutes(markdown: str) -> int:
    return max(1, math.ceil(word_count(markdown) / WORDS_PER_MINUTE))


def read_course(
    path: Path, *, slug: str | None = None, max_bytes: int = 512 * 1024
) -> CourseSource:
    """Read a course folder or document file; raise DocumentError with a clear reason."""
    if not path.exists():
        raise DocumentError(f"No file or folder at {path}.")
    if path.is_dir():
        course = _finish(_read_folder(path, max_bytes), slug, str(path))
        folder = path
    else:
        _check_size(path.name, path.stat().st_size, max_bytes)
        course = read_document(path.name, path.read_bytes(), slug=slug, max_bytes=max_bytes)
        folder = path.parent
    course.images = _read_images(course, folder, max_bytes)
    return course


def _read_images(course: CourseSource, folder: Path, max_bytes: int) -> dict[str, Image]:
    """The images the course's text shows from its own folder. One that is not there (or
    would be outside the folder) is shown by its alt text; one that is not a PNG, JPEG,
    GIF or WebP is refused by name."""
    images = {}
    root = folder.resolve()
    texts = [course.description] + [lesson.markdown for lesson in course.lessons]
    for src in {src for text in texts for src in image_sources(text)}:
        if not src or "://" in src or src.startswith(("/", "data:", "mailto:")):
            continue  # remote images are the renderer's to show as links
        path = (root / unquote(src)).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            continue
        _check_size(src, path.stat().st_size, max_bytes)
        data = path.read_bytes()
        if (kind := _image_type(data)) is None:
            raise DocumentError(f"{src} is not a PNG, JPEG, GIF or WebP image.")
        if too_long(src, CourseAsset.name):
            raise DocumentError(f"the image path {src} is too long.")
        images[src] = Image(kind, data)
    return images


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
    if suffix in MARKDOWN_SUFFIXES:
        course = parse_markdown_document(text, fallback_title=_title_from_name(Path(name)))
    else:
        # The document names itself (its first heading or line); a file name like
        # "notes-v2-final.txt" is no course title.
        try:
            course = parse_plain_text(text)
        except DocumentError as error:
            raise DocumentError(f"{name}: {error}") from None
    return _finish(course, slug, name)


def _finish(course: CourseSource, slug: str | None, name: str) -> CourseSource:
    if slug:
        course.slug = slugify(slug)
        course.slug_chosen = True
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


FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# A block that starts like `key: value` was meant as front matter, so a YAML error in it
# is the author's to fix; anything else between two rules is the document's own text.
LOOKS_LIKE_KEYS = re.compile(r"\A\s*[\w-]+[ \t]*:")


def _front_matter(text: str, name: str) -> tuple[dict, str]:
    """Front matter only when the block between the opening `---` lines parses as a YAML
    mapping; a document that merely starts with a rule keeps all of its text."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        if LOOKS_LIKE_KEYS.match(match.group(1)):
            raise DocumentError(f"{name}: the front matter is not valid YAML ({error}).") from None
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[match.end() :]


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
        slug_chosen=bool(meta.get("slug")),
        title=title,
        summary=str(meta.get("summary") or ""),
        description=description.strip(),
        certificate_valid_months=months,
        language=_language(meta, course_file.name),
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


# A BCP 47 language tag as people write them: "en", "fr-CA", "zh-Hant", "es-419".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def _language(meta: dict, name: str) -> str:
    language = meta.get("language")
    if language is None:
        return "en"
    if not isinstance(language, str) or not LANGUAGE_TAG.fullmatch(language) or len(language) > 35:
        raise DocumentError(f"{name}: 'language' must be a language tag such as en or fr-CA.")
    return language


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


@dataclass(frozen=True)
class _Heading:
    level: int
    start: int  # first line of the heading
    end: int  # first line after it (a setext heading's underline included)
    text: str


# `[label]: destination "title"`: a link reference definition (CommonMark 4.7), one line.
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*\S.*$")


def _normalise_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _with_references(markdown: str, definitions: dict[str, str]) -> str:
    """Append the document's reference definitions that this section uses, so that a
    `[text][label]` link works in the lesson as it did in the whole document."""
    used = {_normalise_label(label) for label in re.findall(r"\[([^\]]+)\]", markdown)}
    own = {
        _normalise_label(m.group(1))
        for line in markdown.split("\n")
        if (m := REFERENCE_DEFINITION.match(line))
    }
    needed = [line for label, line in definitions.items() if label in used - own]
    return markdown.rstrip() + ("\n\n" + "\n".join(needed) if needed else "")


def parse_markdown_document(text: str, *, fallback_title: str) -> CourseSource:
    """One `#` heading over several `##` makes a course title over lessons; otherwise the
    highest heading level that appears is the lesson level. ATX and setext headings both
    count; reference-style links resolve in every lesson that uses them."""
    meta, body = _front_matter(text, "document")
    lines = body.split("\n")
    tokens = MarkdownIt("commonmark").parse(body)
    headings = [
        _Heading(int(token.tag[1]), token.map[0], token.map[1], tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.map
    ]
    definitions = {}
    for line in lines:
        if match := REFERENCE_DEFINITION.match(line):
            definitions.setdefault(_normalise_label(match.group(1)), line.strip())
    title = str(meta.get("title") or "")
    description = ""
    levels = [heading.level for heading in headings]
    if levels.count(1) == 1 and any(level > 1 for level in levels):
        top = next(heading for heading in headings if heading.level == 1)
        title = title or top.text
        lesson_level = min(level for level in levels if level > 1)
        starts = [heading for heading in headings if heading.level == lesson_level]
        if starts:
            description = "\n".join(lines[top.end : starts[0].start]).strip()
    else:
        lesson_level = min(levels, default=0)
        starts = [heading for heading in headings if heading.level == lesson_level]
    sections = []
    intro = "\n".join(lines[: starts[0].start] if starts else lines).strip()
    if starts and intro and not description and levels.count(1) != 1:
        sections.append(("Introduction", intro))
    for index, heading in enumerate(starts):
        end = starts[index + 1].start if index + 1 < len(starts) else len(lines)
        sections.append((heading.text, "\n".join(lines[heading.end : end])))
    title = title or fallback_title
    return CourseSource(
        slug=slugify(str(meta.get("slug") or title)),
        slug_chosen=bool(meta.get("slug")),
        title=title,
        summary=str(meta.get("summary") or ""),
        description=_with_references(description, definitions) if description else "",
        language=_language(meta, "document"),
        lessons=[
            _section_lesson(heading, _with_references(text, definitions))
            for heading, text in sections
            if _has_content(text)
        ],
    )


def _has_content(markdown: str) -> bool:
    # A section holding nothing but reference definitions renders as nothing.
    return any(
        line.strip() and not REFERENCE_DEFINITION.match(line) for line in markdown.split("\n")
    )


def looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line standing alone, not a sentence nor a fragment of one: the plain-text
    section heading."""
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_CHARS:
        return False
    if len(stripped.split()) > HEADING_MAX_WORDS or stripped[-1] in SENTENCE_ENDINGS:
        return False
    if stripped[0].islower():  # the rest of a sentence wrapped onto its own line
        return False
    if stripped.endswith(("?", ":")):
        return True
    return next_line is not None and len(next_line.strip()) > len(stripped)


def _text_blocks(text: str) -> list[str]:
    """Paragraphs of a plain-text document. Where blank lines separate paragraphs, the
    lines between them were wrapped by hand and are joined; a document without blank
    lines has one paragraph per line."""
    lines = [line.strip() for line in text.strip().split("\n")]
    if "" not in lines:
        return lines
    paragraphs = re.split(r"\n\n+", "\n".join(lines))
    return [" ".join(paragraph.split("\n")) for paragraph in paragraphs]


def parse_plain_text(text: str, *, fallback_title: str | None = None) -> CourseSource:
    """Sections start at heading-like paragraphs of one line. The document's first line
    is the course title when it is a heading, or when nothing else names the course."""
    blocks = _text_blocks(text)
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
    if not any(heading != "Introduction" for heading, _ in sections):
        raise DocumentError(
            "no section headings found: a plain-text course needs short lines standing "
            "alone (a question, or a line ending in a colon) to start its lessons."
        )
    if title is None:
        title = _first_line_title(text)
    return CourseSource(
        slug=slugify(title),
        title=title,
        lessons=[
            _section_lesson(heading, "\n\n".join(paragraphs))
            for heading, paragraphs in sections
            if paragraphs
        ],
    )


def _first_line_title(text: str) -> str:
    first = next(line.strip() for line in text.split("\n") if line.strip())
    if len(first) <= HEADING_MAX_CHARS:
        return first.rstrip(":").strip()
    return first[: HEADING_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


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
