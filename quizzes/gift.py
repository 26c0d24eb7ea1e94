"""Read and write GIFT, Moodle's plain-text quiz format, as `quizzes.spec` values.

The syntax follows Moodle's documentation (https://docs.moodle.org/en/GIFT_format) and, where
the page is silent, Moodle's own reader (question/format/gift/format.php). In short:

    // a comment line                       $CATEGORY: path/of/category
    ::Title::[markdown]Question text {      questions are separated by blank lines
        =right answer #feedback             ~wrong   ~%50%half credit   =%50%half (short answer)
        ####general feedback
    }
    Statement. {TRUE#shown if wrong#shown if right}
    How much? {#3:0.5}  {#1..5}  {# =2:0 #exact =%50%2:1 #close}
    Match. {=prompt -> answer =other -> answer = -> distractor}
    Missing {~word =words} in the middle.   \\ \\~ \\= \\# \\{ \\} \\: escape, \\n is a newline

This module reads and writes the file: blocks, comments, titles, categories, format tags and
the question text around the answer block. The block itself is its kind's: the kind whose
syntax it is written in reads it, and each kind writes its own (`read_gift`/`write_gift` in
quizzes/kinds/, with the pieces in quizzes/gift_syntax.py).

Both functions are pure: no Flask, no database. `parse_gift` is all or nothing: it reports
every problem in the file at once, with a line number each, and returns nothing if any.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import chain

from lessons.rendering import render_markdown
from quizzes.gift_syntax import FORMAT_TAG as _FORMAT_TAG
from quizzes.gift_syntax import MASK as _MASK
from quizzes.gift_syntax import BlockWriter, Problem
from quizzes.gift_syntax import Text as _Text
from quizzes.gift_syntax import escape as _escape
from quizzes.gift_syntax import trim as _trim
from quizzes.gift_syntax import untagged as _untagged
from quizzes.kinds import KINDS, kind_of
from quizzes.kinds.base import no_gift_syntax
from quizzes.spec import BLANK, Pair, Question, QuizSpec
from quizzes.validation import question_problems

__all__ = [
    "GiftError",
    "Problem",
    "check_size",
    "dump_gift",
    "looks_like_html",
    "parse_gift",
    "read_gift_file",
]

_CATEGORY = "$CATEGORY:"
# Untagged text is in Moodle's "moodle" auto-format: HTML passes through, line breaks are kept.
# So it becomes HTML when it holds any markup, plain text otherwise (see _settle_formats).
_AUTO = "moodle"
_WRITTEN_FORMATS = ("plain", "markdown", "html")
# A tag, a comment or a character reference: what makes Moodle's auto-format text HTML.
_HTML_LIKE = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?\s*>|<!--"
    r"|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);"
)
# The kinds in the order they are asked whether a block is in their syntax.
_GIFT_READERS = sorted(KINDS.values(), key=lambda kind: kind.gift_rank)


class GiftError(Exception):
    """A GIFT file could not be read. `problems` lists everything wrong with it, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


# --- reading -------------------------------------------------------------------------------


def read_gift_file(data: bytes, max_bytes: int) -> QuizSpec:
    """Read an uploaded or stored GIFT file: refused before parsing when it is over
    `max_bytes`, decoded (UTF-8, or UTF-16 with or without a byte-order mark), then parsed.

    Raises GiftError, like `parse_gift`, for every way the file can be wrong.
    """
    check_size(len(data), max_bytes)
    return parse_gift(_decode(data))


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a GIFT file of `size` bytes over the limit, before any work is done on it."""
    if size > max_bytes:
        raise GiftError(
            [Problem(0, f"the file is larger than the limit of {describe_size(max_bytes)}")]
        )


def describe_size(size: int) -> str:
    """A byte count as people read it: 1 MiB, 512 KiB, 900 bytes."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} bytes"


_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM) or UTF-16 (by its BOM, or by where its zero bytes fall,
    since text in UTF-16 has a zero beside every ASCII character)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise GiftError([Problem(0, "the file is UTF-32 text: save it as UTF-8")])
    encoding = "utf-8-sig"
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom) :]
    if encoding == "utf-8-sig" and b"\x00" in data[:4096]:
        sample = data[:4096]
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        # Mostly-ASCII UTF-16 has a zero in nearly every other byte; anything else with
        # zero bytes is not text at all.
        # (Other scripts put zeros on the other side now and then, so a few are allowed.)
        few = max(odd, even) // 10
        if len(data) % 2 == 0 and max(odd, even) >= len(sample) // 4 and min(odd, even) <= few:
            encoding = "utf-16-le" if odd > even else "utf-16-be"
        else:
            raise GiftError([Problem(0, "the file is not text (it holds zero bytes)")])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = (
            data[: error.start].count(b"\n" if encoding == "utf-8-sig" else "\n".encode(encoding))
            + 1
        )
        label = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
        raise GiftError(
            [Problem(line, f"the file is not valid {label} text: save it as UTF-8")]
        ) from None


def parse_gift(text: str) -> QuizSpec:
    """Read a GIFT file into a quiz.

    Raises GiftError listing every problem found (with line numbers) if there is any at all,
    including questions of kinds the model has no place for (descriptions). Never
    raises anything else, whatever the input.
    """
    if _MASK in text:
        # PostgreSQL cannot store it, and the reader below uses it to mask escapes.
        line = text.count("\n", 0, text.index(_MASK)) + 1
        raise GiftError([Problem(line, "a NUL character: save the file as plain text")])
    problems: list[Problem] = []
    questions: list[Question] = []
    category = ""
    for block in _blocks(text):
        first_line, first = block[0]
        if first.startswith(_CATEGORY):
            # An empty path goes back to the default category, so that an export can say so.
            category = _Text.scan([(first_line, first[len(_CATEGORY) :])]).plain.strip()
            # Moodle wants a blank line after the category; accept a question straight after.
            block = block[1:]
            if not block:
                continue
        misplaced = [number for number, line in block[1:] if line.startswith(_CATEGORY)]
        if misplaced:
            # Without a blank line before it, it would silently become part of the question.
            problems.append(Problem(misplaced[0], "put a blank line before $CATEGORY:"))
            continue
        question = _read_question(block, category, problems)
        if question is not None:
            questions.append(question)
    if not problems and not questions:
        problems.append(Problem(1, "the file has no questions"))
    if problems:
        raise GiftError(sorted(problems, key=lambda problem: problem.line))
    return QuizSpec(questions=tuple(questions))


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Each question's lines as (line number, trimmed line), comment lines left out.

    Questions are separated by blank lines. Lines are trimmed as Moodle does, so indenting
    answers is free; a newline that must survive inside a text is written `\\n`.
    """
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(_lines(text).split("\n"), start=1):
        line = raw.strip()
        if not line:
            if block:
                yield block
            block = []
        elif not line.startswith("//"):
            block.append((number, line))
    if block:
        yield block


def _lines(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read_question(
    block: list[tuple[int, str]], category: str, problems: list[Problem]
) -> Question | None:
    start = block[0][0]
    found_before = len(problems)

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message))

    source = _Text.scan(block)
    title = ""
    if source.live.startswith("::"):
        end = source.find("::", 2)
        if end == -1:
            problem(start, "the title has no closing '::'")
            return None
        title = source.plain[2:end].strip()
        source = source[end + 2 :]

    opening, closing = source.find("{"), source.find("}")
    if opening == -1 and closing == -1:
        problem(start, "no answer block { }: descriptions (text without answers) are not supported")
        return None
    if closing != -1 and (opening == -1 or closing < opening):
        problem(source.lines[closing], "'}' without an opening '{' (write \\} for a brace)")
        return None
    if closing == -1:
        problem(source.lines[opening], "'{' is never closed with '}'")
        return None
    nested = source.find("{", opening + 1)
    if nested != -1 and nested < closing:
        problem(source.lines[nested], "'{' inside an answer block (write \\{ for a brace)")
        return None
    more = [at for at in (source.find("{", closing), source.find("}", closing + 1)) if at != -1]
    if more:
        problem(
            source.lines[min(more)],
            "a second answer block: separate questions with a blank line",
        )
        return None

    head, inner, tail = source[:opening], source[opening + 1 : closing], source[closing + 1 :]
    # Text after the block makes a missing-word question: the block leaves a blank behind.
    text = (head.plain + BLANK + tail.plain if tail.plain.strip() else head.plain).strip()
    text_format = _AUTO
    tag = _FORMAT_TAG.match(text)
    if tag:
        text_format = tag.group(1)
        text = text[tag.end() :].strip()
    if not text:
        problem(start, "the question text is empty")

    general_feedback = ""
    split = inner.live.rfind("####")
    if split != -1:
        general_feedback = _trim(inner.plain[split + 4 :])
        inner = inner[:split]
    answers = inner.strip()

    # The kind whose syntax the block is written in reads it (quizzes/kinds/).
    kind = next(kind for kind in _GIFT_READERS if kind.reads_gift(answers))
    fields = {"kind": kind.kind, **kind.read_gift(answers, start, problems)}

    if len(problems) > found_before:
        return None
    question = _settle_formats(
        Question(
            text=text,
            title=title,
            general_feedback=general_feedback,
            text_format=text_format,
            category=category,
            **fields,
        )
    )
    # The same rules as the authoring form and the API, reported at the question's line.
    # (Whatever passes can be written back: tests/quizzes/test_gift.py checks it of any text.)
    for messages in question_problems(question).values():
        problems.extend(Problem(start, message) for message in messages)
    return None if len(problems) > found_before else question


def looks_like_html(text: str) -> bool:
    return _HTML_LIKE.search(text) is not None


def _settle_formats(question: Question) -> Question:
    """One format for the whole question, as the model keeps it, from Moodle's per-text ones.

    In Moodle each answer and feedback may carry its own tag and otherwise takes the
    question's; untagged question text is auto-format, which passes HTML through. If any text
    a learner reads is HTML, the question becomes HTML and the rest is converted (plain text
    escaped, Markdown rendered); otherwise it stays plain (or Markdown) with the tags dropped.
    Short answers are compared with what learners type, and matching answers are listed in a
    drop-down, so neither is ever HTML.
    """
    declared = question.text_format
    candidates = chain(_formatted_texts(question), (choice.text for choice in question.choices))
    if declared != "html" and not any(
        "<" in text or "&" in text or text.startswith("[") for text in candidates
    ):
        # Nothing that could be markup or a format tag (most questions): nothing to convert.
        return replace(question, text_format="markdown" if declared == "markdown" else "plain")

    def split(value: str) -> tuple[str, str]:
        tag = _FORMAT_TAG.match(value)
        if tag:
            return tag.group(1), value[tag.end() :].strip()
        return declared, value

    def is_html(value: tuple[str, str]) -> bool:
        fmt, body = value
        return fmt == "html" or (fmt == _AUTO and looks_like_html(body))

    rich = kind_of(question.kind).rich_choices
    # What Moodle treats as formatted text, in a fixed order so it can be put back.
    texts = [(declared, question.text), split(question.general_feedback)]
    texts += [split(c.text) for c in question.choices if rich]
    texts += [split(c.feedback) for c in question.choices]
    texts += [split(n.feedback) for n in question.numbers]
    texts += [split(question.feedback_true), split(question.feedback_false)]
    texts += [split(p.prompt) for p in question.pairs]
    if any(is_html(value) for value in texts):
        target = "html"
        converted = [_to_html(fmt, body) for fmt, body in texts]
    else:
        target = "markdown" if declared == "markdown" else "plain"
        converted = [body for _, body in texts]
    values = iter(converted)
    text, general = next(values), next(values)
    # Short answers keep the text as typed, whatever the question's format.
    choice_texts = [next(values) if rich else _untagged(c.text) for c in question.choices]
    choice_feedback = [next(values) for _ in question.choices]
    numbers = tuple(replace(n, feedback=next(values)) for n in question.numbers)
    feedback_true, feedback_false = next(values), next(values)
    pairs = tuple(Pair(next(values), p.answer) for p in question.pairs)
    return replace(
        question,
        text=text,
        text_format=target,
        general_feedback=general,
        choices=tuple(
            replace(choice, text=body, feedback=feedback)
            for choice, body, feedback in zip(
                question.choices, choice_texts, choice_feedback, strict=True
            )
        ),
        numbers=numbers,
        feedback_true=feedback_true,
        feedback_false=feedback_false,
        pairs=pairs,
    )


def _to_html(fmt: str, body: str) -> str:
    if fmt == "html":
        return body
    if fmt == "markdown":
        return render_markdown(body).strip()
    if fmt == _AUTO:
        return body.replace("\n", "<br>\n")
    return html.escape(body, quote=False).replace("\n", "<br>\n")


# --- writing -------------------------------------------------------------------------------


def dump_gift(quiz: QuizSpec | Iterable[Question]) -> str:
    """Write questions as canonical GIFT that `parse_gift` reads back equal.

    Categories are written where they change; points are not (GIFT has no syntax for them,
    and the reader gives every question 1 point). Raises ValueError for the few questions
    GIFT cannot express without changing their meaning, such as a single-choice question
    with one choice, or a short answer or matching prompt containing "->".
    """
    questions = quiz.questions if isinstance(quiz, QuizSpec) else tuple(quiz)
    chunks = []
    category = ""
    for number, question in enumerate(questions, start=1):
        if question.category != category:
            path = question.category.replace("\\", "\\\\").replace("\n", "\\n")
            chunks.append(f"{_CATEGORY} {path}".rstrip())
            category = question.category
        try:
            chunks.append(_write_question(question))
        except ValueError as error:
            raise ValueError(f"question {number} ({question.text[:40]!r}): {error}") from None
    return "".join(chunk + "\n\n" for chunk in chunks).removesuffix("\n")


def _write_question(question: Question) -> str:
    kind = kind_of(question.kind)
    if not kind.in_gift:
        # Said before anything else about the question, whatever else is wrong with it.
        raise no_gift_syntax(kind)
    if question.text_format not in _WRITTEN_FORMATS:
        raise ValueError(f"unknown text format {question.text_format!r}")
    text = question.text
    tag = ""
    if (
        question.text_format != "plain"
        or _FORMAT_TAG.match(text)
        or any(looks_like_html(value) for value in _formatted_texts(question))
    ):
        # A text that itself starts like a tag gets an explicit one, which the reader removes;
        # and plain text that looks like HTML says so, or it would be read as HTML.
        tag = f"[{question.text_format}]"
    title = f"::{_escape(question.title)}::" if question.title else ""
    if not title and not tag and text.startswith("//"):
        title = "::::"  # an empty title, so the line is not read as a comment

    cut = text.find(BLANK)
    after = text[cut + len(BLANK) :] if cut != -1 else ""
    if after.strip():
        # Missing word: the block goes where the blank is.
        block = kind.write_gift(question, _writer(question, inline=True))
        body = _escape(text[:cut]) + block + _escape(after)
    else:
        body = f"{_escape(text)} {kind.write_gift(question, _writer(question, inline=False))}"
    return title + tag + body


def _formatted_texts(question: Question) -> Iterator[str]:
    """Every text Moodle reads in the question's format (see _settle_formats)."""
    yield from (question.text, question.general_feedback)
    yield from (question.feedback_true, question.feedback_false)
    if kind_of(question.kind).rich_choices:
        yield from (choice.text for choice in question.choices)
    yield from (choice.feedback for choice in question.choices)
    yield from (number.feedback for number in question.numbers)
    yield from (pair.prompt for pair in question.pairs)


def _writer(question: Question, inline: bool) -> BlockWriter:
    return BlockWriter(question.text_format, question.general_feedback, inline)
