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

Both functions are pure: no Flask, no database. `parse_gift` is all or nothing: it reports
every problem in the file at once, with a line number each, and returns nothing if any.
"""

from __future__ import annotations

import codecs
import html
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain

from coursework.i18n import _
from lessons.rendering import render_markdown
from quizzes.kinds import kind_of
from quizzes.spec import BLANK, Choice, Kind, NumericAnswer, Pair, Question, QuizSpec
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
_ESCAPABLE = "\\~=#{}:"
# Stands in for an escaped character in `_Text.live`, so no search ever takes it for syntax.
_MASK = "\x00"
# Untagged text is in Moodle's "moodle" auto-format: HTML passes through, line breaks are kept.
# So it becomes HTML when it holds any markup, plain text otherwise (see _settle_formats).
_AUTO = "moodle"
_FORMAT_TAG = re.compile(r"\[(plain|moodle|markdown|html)\]")
_WRITTEN_FORMATS = ("plain", "markdown", "html")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# Positive weights of a multiple-answer question must make 100% (as Moodle insists); the same
# slack as quizzes/validation.py, so three answers of 33.333% pass.
_TOTAL_SLACK = 0.001
_INDENT = "    "
# A tag, a comment or a character reference: what makes Moodle's auto-format text HTML.
_HTML_LIKE = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?\s*>|<!--"
    r"|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a GIFT file: the 1-based line of the question (or the offending
    line inside it), or 0 for the file as a whole, and what an author should fix."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


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
            [
                Problem(
                    0,
                    _(
                        "the file is larger than the limit of %(limit)s",
                        limit=describe_size(max_bytes),
                    ),
                )
            ]
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
        raise GiftError([Problem(0, _("the file is UTF-32 text: save it as UTF-8"))])
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
            [
                Problem(
                    line,
                    _("the file is not valid %(encoding)s text: save it as UTF-8", encoding=label),
                )
            ]
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
        raise GiftError([Problem(line, _("a NUL character: save the file as plain text"))])
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
            problems.append(Problem(misplaced[0], _("put a blank line before $CATEGORY:")))
            continue
        question = _read_question(block, category, problems)
        if question is not None:
            questions.append(question)
    if not problems and not questions:
        problems.append(Problem(1, _("the file has no questions")))
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


_ESCAPE = re.compile(r"\\([\\~=#{}:n])")


def _unescape(match: re.Match) -> str:
    return "\n" if match.group(1) == "n" else match.group(1)


class _Text:
    """Question source with its escapes resolved.

    `plain` is the literal text; `live` is the same text with every escaped character masked,
    so searching `live` finds only characters that act as syntax; `lines` holds each
    character's line number. Slicing keeps the three aligned.
    """

    __slots__ = ("lines", "live", "plain")

    def __init__(self, plain: str, live: str, lines: tuple[int, ...]) -> None:
        self.plain = plain
        self.live = live
        self.lines = lines

    @classmethod
    def scan(cls, block: list[tuple[int, str]]) -> _Text:
        plain: list[str] = []
        live: list[str] = []
        lines: list[int] = []
        for index, (number, line) in enumerate(block):
            if index:
                plain.append("\n")
                live.append("\n")
                lines.append(number)
            if "\\" in line:
                # A backslash before anything else is kept as written, as in Moodle.
                live.append(_ESCAPE.sub(_MASK, line))
                line = _ESCAPE.sub(_unescape, line)
            else:
                live.append(line)
            plain.append(line)
            lines.extend([number] * len(line))
        return cls("".join(plain), "".join(live), tuple(lines))

    def __getitem__(self, key: slice) -> _Text:
        return _Text(self.plain[key], self.live[key], self.lines[key])

    def __len__(self) -> int:
        return len(self.live)

    def find(self, syntax: str, start: int = 0) -> int:
        return self.live.find(syntax, start)

    def strip(self) -> _Text:
        start = len(self.live) - len(self.live.lstrip())
        return self[start : max(start, len(self.live.rstrip()))]


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
            problem(start, _("the title has no closing '::'"))
            return None
        title = source.plain[2:end].strip()
        source = source[end + 2 :]

    opening, closing = source.find("{"), source.find("}")
    if opening == -1 and closing == -1:
        problem(
            start, _("no answer block { }: descriptions (text without answers) are not supported")
        )
        return None
    if closing != -1 and (opening == -1 or closing < opening):
        problem(source.lines[closing], _("'}' without an opening '{' (write \\} for a brace)"))
        return None
    if closing == -1:
        problem(source.lines[opening], _("'{' is never closed with '}'"))
        return None
    nested = source.find("{", opening + 1)
    if nested != -1 and nested < closing:
        problem(source.lines[nested], _("'{' inside an answer block (write \\{ for a brace)"))
        return None
    more = [at for at in (source.find("{", closing), source.find("}", closing + 1)) if at != -1]
    if more:
        problem(
            source.lines[min(more)],
            _("a second answer block: separate questions with a blank line"),
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
        problem(start, _("the question text is empty"))

    general_feedback = ""
    split = inner.live.rfind("####")
    if split != -1:
        general_feedback = _trim(inner.plain[split + 4 :])
        inner = inner[:split]
    answers = inner.strip()

    if not answers.live:
        # An essay: `{}`, or `{####general feedback}`. GIFT has no place for a rubric.
        fields = {"kind": Kind.ESSAY}
    elif answers.live.startswith("#"):
        fields = _read_numeric(answers[1:], start, problems)
    elif "~" in answers.live:
        fields = _read_choices(answers, start, problems)
    elif _is_matching(answers):
        fields = _read_matching(answers, start, problems)
    elif _true_false(answers) is not None:
        fields = _read_true_false(answers)
    else:
        fields = _read_short_text(answers, start, problems)

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


def _trim(text: str) -> str:
    """An answer or feedback as written, trimmed; its format tag stays for _settle_formats."""
    return text.strip()


def _untagged(text: str) -> str:
    """Text without the format tag Moodle allows before it (for an emptiness check, or where
    Moodle ignores formats: short answers)."""
    tag = _FORMAT_TAG.match(text)
    return text[tag.end() :].strip() if tag else text


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

    rich = question.kind in (Kind.SINGLE, Kind.MULTIPLE)
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


def _split(text: _Text, markers: str) -> tuple[_Text, list[tuple[str, int, _Text]]]:
    """Cut at every live marker: what comes before the first, then (marker, line, body)."""
    cuts = [index for index, char in enumerate(text.live) if char in markers]
    pieces = []
    for number, cut in enumerate(cuts):
        end = cuts[number + 1] if number + 1 < len(cuts) else len(text)
        pieces.append((text.live[cut], text.lines[cut], text[cut + 1 : end]))
    return text[: cuts[0] if cuts else len(text)], pieces


def _leading_text(lead: _Text) -> tuple[int, _Text] | None:
    """Text before the first marker, with its line, if there is any."""
    lead = lead.strip()
    return (lead.lines[0], lead) if lead.live else None


def _take_weight(
    body: _Text, default: float, line: int, problems: list[Problem]
) -> tuple[float, _Text]:
    """Split a leading `%n%` off an answer: n percent as a fraction of the question's points."""
    body = body.strip()
    end = body.find("%", 1) if body.live.startswith("%") else -1
    if end == -1:
        return default, body  # no weight (a lone % is ordinary text)
    raw = body.plain[1:end].strip()
    percent = _number(raw)
    if percent is None:
        problems.append(Problem(line, _("the weight %%%(raw)s%% is not a number", raw=raw)))
    elif not -100 <= percent <= 100:
        problems.append(Problem(line, _("the weight %(raw)s%% is outside -100..100", raw=raw)))
    else:
        # Moodle keeps fractions to 7 decimals; rounding makes %33.33333% exactly 0.3333333.
        return round(percent / 100, 7), body[end + 1 :]
    return default, body[end + 1 :]


def _number(raw: str) -> float | None:
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _text_and_feedback(body: _Text) -> tuple[str, str]:
    """`answer #feedback`: everything after the first live # is feedback."""
    at = body.find("#")
    if at == -1:
        return _trim(body.plain), ""
    return _trim(body.plain[:at]), _trim(body.plain[at + 1 :])


def _read_choices(answers: _Text, start: int, problems: list[Problem]) -> dict:
    found_before = len(problems)
    lead, pieces = _split(answers, "~=")
    if leading := _leading_text(lead):
        problems.append(
            Problem(leading[0], _("text before the first answer: start each with = or ~"))
        )
    choices = []
    for marker, line, body in pieces:
        # Moodle reads a weight after ~ only; one after = is taken too rather than left in
        # the answer's text, where it is surely a slip.
        weight, body = _take_weight(body, 1.0 if marker == "=" else 0.0, line, problems)
        text, feedback = _text_and_feedback(body)
        if not _untagged(text):
            problems.append(Problem(line, _("an answer is empty")))
        choices.append(Choice(text=text, weight=weight, feedback=feedback))
    # As in Moodle: any = makes it single choice (partial weights allowed for near misses);
    # with none, learners may tick several and the weights share out the credit.
    single = any(marker == "=" for marker, _, _ in pieces)
    if len(problems) == found_before:
        positive = [choice.weight for choice in choices if choice.weight > 0]
        if len(choices) < 2:
            problems.append(Problem(start, _("a choice question needs at least two answers")))
        elif single and 1.0 not in positive:
            problems.append(
                Problem(start, _("no answer earns full credit: mark the right one with ="))
            )
        elif not positive:
            problems.append(
                Problem(start, _("no answer is marked right: use =, or weights such as ~%50%"))
            )
        elif not single and abs(sum(positive) - 1) > _TOTAL_SLACK:
            problems.append(
                Problem(
                    start,
                    _(
                        "the right answers' weights add up to %(total)s%%, not 100%%",
                        total=format(sum(positive) * 100, "g"),
                    ),
                )
            )
    return {"kind": Kind.SINGLE if single else Kind.MULTIPLE, "choices": tuple(choices)}


def _read_numeric(body: _Text, start: int, problems: list[Problem]) -> dict:
    found_before = len(problems)
    tilde = body.find("~")
    other = None
    if tilde != -1:
        # `~#feedback`: Moodle's "any other answer", worth nothing, whose feedback is shown
        # when the number matched no answer. Moodle writes it last.
        other = _read_other_number(body[tilde + 1 :], body.lines[tilde], problems)
        body = body[:tilde]
    lead, pieces = _split(body, "=")
    entries = [(line, piece) for _, line, piece in pieces]
    if leading := _leading_text(lead):
        entries.insert(0, leading)  # `{#3:0.5}`: a single answer needs no =
    numbers = []
    for line, piece in entries:
        weight, piece = _take_weight(piece, 1.0, line, problems)
        text, feedback = _text_and_feedback(piece)
        answer = _numeric_answer(_untagged(text), line, problems)
        if answer is not None:
            numbers.append(NumericAnswer(**answer, weight=weight, feedback=feedback))
    if not entries and len(problems) == found_before:
        problems.append(Problem(start, _("the numeric block {#} has no answer")))
    elif len(problems) == found_before and not any(number.weight == 1 for number in numbers):
        problems.append(Problem(start, _("no numeric answer earns full credit")))
    return {"kind": Kind.NUMERIC, "numbers": (*numbers, *([other] if other else []))}


def _read_other_number(body: _Text, line: int, problems: list[Problem]) -> NumericAnswer | None:
    if body.find("~") != -1:
        problems.append(Problem(body.lines[body.find("~")], _("only one '~' (any other answer)")))
        return None
    if body.find("=") != -1:
        problems.append(
            Problem(body.lines[body.find("=")], _("put the '~' (any other answer) entry last"))
        )
        return None
    weight, body = _take_weight(body, 0.0, line, problems)
    text, feedback = _text_and_feedback(body)
    if weight != 0:
        problems.append(Problem(line, _("the '~' (any other answer) entry earns no credit")))
    elif _untagged(text) not in ("", "*"):
        problems.append(
            Problem(
                line,
                _(
                    "'~%(text)s': write '~#feedback' for any other answer, with no number",
                    text=text,
                ),
            )
        )
    else:
        return NumericAnswer(weight=0.0, feedback=feedback)
    return None


def _numeric_answer(text: str, line: int, problems: list[Problem]) -> dict | None:
    """`value`, `value:tolerance` or `low..high`, as NumericAnswer fields."""
    low, dots, high = text.partition("..")
    if dots:
        bounds = _number(low.strip()), _number(high.strip())
        if bounds[0] is None or bounds[1] is None:
            problems.append(Problem(line, _("'%(text)s' is not a range of two numbers", text=text)))
        elif bounds[0] > bounds[1]:
            problems.append(Problem(line, _("the range %(text)s runs from high to low", text=text)))
        else:
            return {"low": bounds[0], "high": bounds[1]}
        return None
    value, colon, margin = text.partition(":")
    number = _number(value.strip())
    tolerance = _number(margin.strip()) if colon else 0.0
    if not text:
        problems.append(Problem(line, _("a numeric answer is empty")))
    elif number is None or tolerance is None:
        problems.append(
            Problem(line, _("'%(text)s' is not a number (or number:tolerance)", text=text))
        )
    elif tolerance < 0:
        problems.append(Problem(line, _("the tolerance in '%(text)s' is negative", text=text)))
    else:
        return {"value": number, "tolerance": tolerance}
    return None


def _is_matching(answers: _Text) -> bool:
    # Moodle takes any = with any -> for matching; looking only before each feedback's # lets
    # a short answer's feedback say "->".
    if "=" not in answers.live:
        return False
    lead, pieces = _split(answers, "=")
    return any("->" in part.live.split("#", 1)[0] for part in [lead, *(p for _, _, p in pieces)])


def _read_matching(answers: _Text, start: int, problems: list[Problem]) -> dict:
    found_before = len(problems)
    lead, pieces = _split(answers, "=")
    if leading := _leading_text(lead):
        problems.append(Problem(leading[0], _("text before the first pair: start each with =")))
    pairs, distractors = [], []
    for _marker, line, body in pieces:
        arrow = body.find("->")
        if body.find("#") != -1:
            problems.append(Problem(line, _("matching pairs take no feedback (write \\# for #)")))
        elif arrow == -1:
            problems.append(Problem(line, _("a matching pair needs the form =prompt -> answer")))
        elif not body.plain[arrow + 2 :].strip():
            problems.append(Problem(line, _("a matching pair has no answer after '->'")))
        else:
            # Moodle reads a format tag before the prompt, not before the answer.
            prompt, answer = _trim(body.plain[:arrow]), body.plain[arrow + 2 :].strip()
            if _untagged(prompt):
                pairs.append(Pair(prompt=prompt, answer=answer))
            else:
                distractors.append(answer)  # `= -> answer`: offered, matches nothing
    # Moodle's page asks for three pairs, its reader for two: two is enough to be a question.
    if len(problems) == found_before and len(pairs) < 2:
        problems.append(Problem(start, _("a matching question needs at least two pairs")))
    return {"kind": Kind.MATCHING, "pairs": tuple(pairs), "distractors": tuple(distractors)}


def _true_false(answers: _Text) -> bool | None:
    return _TRUE_FALSE.get(answers.live.split("#", 1)[0].strip())


def _read_true_false(answers: _Text) -> dict:
    # Moodle's docs: "For true-false questions, there can be one or two feedback strings. The
    # first is shown if the student gives the wrong answer. The second if the student gives
    # the right answer." So in {TRUE#a#b} `a` is for a learner who answered false, and in
    # {FALSE#a#b} it is for one who answered true. Moodle's reader does the same
    # (split_truefalse_comment). A third # belongs to the second feedback.
    answer = _true_false(answers)
    hashes = [index for index, char in enumerate(answers.live) if char == "#"][:2]
    ends = [*hashes[1:], len(answers)][: len(hashes)]
    feedback = [_trim(answers.plain[at + 1 : end]) for at, end in zip(hashes, ends, strict=True)]
    wrong, right = [*feedback, "", ""][:2]
    return {
        "kind": Kind.TRUE_FALSE,
        "answer": answer,
        "feedback_true": right if answer else wrong,
        "feedback_false": wrong if answer else right,
    }


def _read_short_text(answers: _Text, start: int, problems: list[Problem]) -> dict:
    found_before = len(problems)
    lead, pieces = _split(answers, "=")
    entries = [(line, piece) for _, line, piece in pieces]
    if leading := _leading_text(lead):
        entries.insert(0, leading)  # the docs allow one answer written without =
    choices = []
    for line, piece in entries:
        weight, piece = _take_weight(piece, 1.0, line, problems)
        text, feedback = _text_and_feedback(piece)
        if not _untagged(text):
            problems.append(Problem(line, _("an accepted answer is empty")))
        elif "->" in text:
            # Only `{a -> b}`, with no =, gets here; with an = it is matching. No GIFT can
            # write such an answer back, so it is refused rather than half-supported.
            problems.append(
                Problem(line, _("'->' belongs to matching pairs: write each as =prompt -> answer"))
            )
        choices.append(Choice(text=text, weight=weight, feedback=feedback))
    if len(problems) == found_before and not any(choice.weight == 1 for choice in choices):
        problems.append(Problem(start, _("no accepted answer earns full credit")))
    return {"kind": Kind.SHORT_TEXT, "choices": tuple(choices)}


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


_ESCAPES = str.maketrans(
    {char: "\\" + char for char in _ESCAPABLE} | {"\n": "\\n", "\r": ""},
)


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _write_question(question: Question) -> str:
    if not kind_of(question.kind).in_gift:
        raise ValueError(
            _(
                "GIFT has no syntax for %(kind)s questions; "
                "remove them or move them to a quiz of their own to export the rest",
                kind=question.kind.label.lower(),
            )
        )
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
        body = _escape(text[:cut]) + _write_block(question, inline=True) + _escape(after)
    else:
        body = f"{_escape(text)} {_write_block(question, inline=False)}"
    return title + tag + body


def _formatted_texts(question: Question) -> Iterator[str]:
    """Every text Moodle reads in the question's format (see _settle_formats)."""
    yield from (question.text, question.general_feedback)
    yield from (question.feedback_true, question.feedback_false)
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        yield from (choice.text for choice in question.choices)
    yield from (choice.feedback for choice in question.choices)
    yield from (number.feedback for number in question.numbers)
    yield from (pair.prompt for pair in question.pairs)


def _write_block(question: Question, inline: bool) -> str:
    """The answer block; `inline` keeps it on one line, for the middle of a sentence."""

    def text(value: str) -> str:
        # Answers and feedback may start with a format tag, which the reader drops: protect
        # a text that starts like one with the question's own format.
        value = _escape(value)
        return f"[{question.text_format}]{value}" if _FORMAT_TAG.match(value) else value

    def feedback(value: str) -> str:
        return f"#{text(value)}" if value else ""

    general = f"####{text(question.general_feedback)}" if question.general_feedback else ""
    kind = question.kind
    if kind is Kind.ESSAY:
        # Moodle writes an essay as an empty block; its rubric has no GIFT syntax.
        return "{" + general + "}"
    if kind is Kind.TRUE_FALSE:
        if question.answer is None:
            raise ValueError(_("a true-false question needs an answer"))
        # See _read_true_false: the first feedback is for a wrong answer, the second a right.
        right, wrong = (
            (question.feedback_true, question.feedback_false)
            if question.answer
            else (question.feedback_false, question.feedback_true)
        )
        inner = "TRUE" if question.answer else "FALSE"
        if wrong or right:
            inner += "#" + text(wrong)
        if right:
            inner += "#" + text(right)
        return "{" + inner + general + "}"

    if kind is Kind.NUMERIC:
        numbers = [number for number in question.numbers if not number.is_other]
        others = [number for number in question.numbers if number.is_other]
        if not numbers:
            raise ValueError(_("a numeric question needs an answer"))
        if len(others) > 1:
            raise ValueError(_("a numeric question has one 'any other answer' entry at most"))
        if others and others != list(question.numbers[-1:]):
            raise ValueError(_("the 'any other answer' entry must come last"))
        only = numbers[0]
        if question.numbers == (only,) and only.weight == 1 and not only.feedback and not general:
            return "{#" + _numeric_text(only) + "}"
        lines = [
            f"={_weight(number.weight, 1.0)}{_numeric_text(number)}{feedback(number.feedback)}"
            for number in numbers
        ]
        lines += [f"~{feedback(other.feedback)}" for other in others]
    elif kind in (Kind.SINGLE, Kind.MULTIPLE):
        lines = [
            f"{marker}{text(choice.text)}{feedback(choice.feedback)}"
            for marker, choice in zip(_choice_markers(question), question.choices, strict=True)
        ]
    elif kind is Kind.SHORT_TEXT:
        if any("->" in choice.text for choice in question.choices):
            raise ValueError(_("a short answer containing '->' would read back as matching"))
        lines = [
            f"={_weight(choice.weight, 1.0, choice.text)}{text(choice.text)}"
            f"{feedback(choice.feedback)}"
            for choice in question.choices
        ]
    elif kind is Kind.MATCHING:
        if any("->" in pair.prompt or not pair.prompt.strip() for pair in question.pairs):
            raise ValueError(_("a matching prompt must be non-empty and free of '->'"))
        lines = [f"={text(pair.prompt)} -> {_escape(pair.answer)}" for pair in question.pairs]
        lines += [f"= -> {_escape(answer)}" for answer in question.distractors]
    else:  # pragma: no cover - every Kind is handled above
        raise ValueError(f"unknown kind {kind!r}")
    lines += [general] if general else []
    opening = "{#" if kind is Kind.NUMERIC else "{"
    if inline:
        return opening + " ".join(lines) + "}"
    return opening + "\n" + "".join(f"{_INDENT}{line}\n" for line in lines) + "}"


def _choice_markers(question: Question) -> list[str]:
    """`=`, `~` or `~%n%` before each choice, so that the kind reads back the same."""
    choices = question.choices
    if question.kind is Kind.MULTIPLE:
        # Never =, which would make it single choice.
        return ["~" + _weight(choice.weight, 0.0, choice.text) for choice in choices]
    if len(choices) < 2:
        raise ValueError(_("a single-choice question needs at least two choices"))
    full = [index for index, choice in enumerate(choices) if choice.weight == 1]
    # One = is needed to read as single choice: with no full-credit choice, the first gets
    # =%n% (the reader then reports it, rather than quietly finding multiple answers).
    first = full[0] if full else 0
    # And one ~ is needed to read as a choice at all: if every choice is right, all but the
    # first are written ~%100%.
    every_one_right = len(full) == len(choices)
    markers = []
    for index, choice in enumerate(choices):
        if index == first or (choice.weight == 1 and not every_one_right):
            markers.append("=" + _weight(choice.weight, 1.0, choice.text))
        else:
            markers.append("~" + _weight(choice.weight, 0.0, choice.text))
    return markers


def _weight(weight: float, default: float, text: str = "") -> str:
    """`%n%` for a weight other than the marker's default, or before a text starting with %
    (which would otherwise be read as a weight)."""
    if weight == default and not text.startswith("%"):
        return ""
    percent = f"{weight * 100:.5f}".rstrip("0").rstrip(".")
    return f"%{'0' if percent == '-0' else percent}%"


def _numeric_text(number: NumericAnswer) -> str:
    if number.low is not None and number.high is not None:
        return f"{_format_number(number.low)}..{_format_number(number.high)}"
    if number.value is None:
        raise ValueError(_("a numeric answer needs a value or a range"))
    tolerance = f":{_format_number(number.tolerance)}" if number.tolerance else ""
    return _format_number(number.value) + tolerance


def _format_number(value: float) -> str:
    # Whole numbers without ".0"; anything else as repr, which reads back exactly.
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))
