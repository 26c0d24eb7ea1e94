"""What a question is, as plain values: no Flask, no database.

The GIFT reader produces these, the grader reads them, and an attempt keeps a snapshot
of them, so a quiz edited later never changes how an earlier attempt was graded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from coursework.i18n import _

# Where a missing-word question's answer goes in its text ("Paris is the _____ of France").
BLANK = "_____"


class Kind(StrEnum):
    SINGLE = "single"  # one choice; weights allow partial credit for near misses
    MULTIPLE = "multiple"  # any number of choices; partial credit (see grading.py)
    TRUE_FALSE = "true_false"
    SHORT_TEXT = "short_text"  # typed answer compared with accepted answers
    NUMERIC = "numeric"  # number within a tolerance or a range
    MATCHING = "matching"  # pair each prompt with an answer; extra answers distract
    ORDERING = "ordering"  # put items in order; `choices` hold them in the right order
    ESSAY = "essay"  # a written answer, graded by the course's staff against `rubric`

    @property
    def label(self) -> str:
        return {
            "single": _("Single choice"),
            "multiple": _("Multiple choice"),
            "true_false": _("True or false"),
            "short_text": _("Short answer"),
            "numeric": _("Numeric"),
            "matching": _("Matching"),
            "ordering": _("Ordering"),
            "essay": _("Essay"),
        }[self.value]


@dataclass(frozen=True)
class Choice:
    """An option (single, multiple) or an accepted answer (short text).

    `weight` is the share of the question's points it earns, from -1 to 1: 1 for a fully
    right answer, 0 for a wrong one, negative to take credit away (a question's score never
    goes below zero, as in Moodle).
    """

    text: str
    weight: float = 0.0
    feedback: str = ""

    @property
    def is_correct(self) -> bool:
        return self.weight > 0


@dataclass(frozen=True)
class NumericAnswer:
    """An accepted number: `value ± tolerance`, or the range `low..high` when both are set.

    With neither it is the "any other answer" entry (Moodle's `~#feedback`): worth nothing,
    it accepts no number, and its feedback is what a learner whose answer matched no other
    entry sees.
    """

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 1.0
    feedback: str = ""

    def __post_init__(self) -> None:
        # Always floats, whether written as 8 or 8.0 (JSON keeps the difference), so equal
        # answers compare equal and every writer sees one type.
        for name in ("value", "low", "high"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, float(value))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        object.__setattr__(self, "weight", float(self.weight))

    @property
    def is_other(self) -> bool:
        return self.value is None and self.low is None and self.high is None

    def accepts(self, number: float) -> bool:
        if self.low is not None and self.high is not None:
            return self.low <= number <= self.high
        if self.value is None:
            return False
        # A hair of slack so that 0.1 + 0.2 style rounding never fails an exact answer.
        return abs(number - self.value) <= self.tolerance + 1e-9 * max(1.0, abs(self.value))


@dataclass(frozen=True)
class Pair:
    prompt: str
    answer: str


@dataclass(frozen=True)
class Question:
    kind: Kind
    text: str
    title: str = ""
    points: float = 1.0
    general_feedback: str = ""
    # single, multiple, short_text; ordering: the items in their right order
    choices: tuple[Choice, ...] = ()
    # true_false
    answer: bool | None = None
    feedback_true: str = ""  # shown to a learner who answered "true"
    feedback_false: str = ""
    # numeric
    numbers: tuple[NumericAnswer, ...] = ()
    # matching
    pairs: tuple[Pair, ...] = ()
    distractors: tuple[str, ...] = ()
    # essay: the rubric or model answer, for graders only (never shown to learners)
    rubric: str = ""
    # presentation, as the author wrote it: "plain", "markdown" or "html"
    text_format: str = "plain"
    category: str = ""

    @property
    def answer_options(self) -> tuple[str, ...]:
        """Matching: every answer on offer (the pairs' answers, then distractors), unique."""
        seen: dict[str, None] = {}
        for answer in [pair.answer for pair in self.pairs] + list(self.distractors):
            seen.setdefault(answer, None)
        return tuple(seen)


# The fields of Question that only some kinds have (each kind names those it uses).
KIND_FIELDS = (
    "choices",
    "answer",
    "feedback_true",
    "feedback_false",
    "numbers",
    "pairs",
    "distractors",
    "rubric",
)


@dataclass(frozen=True)
class QuizSpec:
    """A whole quiz as read from a file: its questions, and any settings the file gives."""

    questions: tuple[Question, ...] = field(default_factory=tuple)
    title: str = ""


def question_to_dict(question: Question) -> dict:
    """A JSON-safe form of a question, for attempt snapshots and the API."""
    return {
        "kind": question.kind.value,
        "text": question.text,
        "title": question.title,
        "points": question.points,
        "general_feedback": question.general_feedback,
        "choices": [
            {"text": c.text, "weight": c.weight, "feedback": c.feedback} for c in question.choices
        ],
        "answer": question.answer,
        "feedback_true": question.feedback_true,
        "feedback_false": question.feedback_false,
        "numbers": [
            {
                "value": n.value,
                "tolerance": n.tolerance,
                "low": n.low,
                "high": n.high,
                "weight": n.weight,
                "feedback": n.feedback,
            }
            for n in question.numbers
        ],
        "pairs": [{"prompt": p.prompt, "answer": p.answer} for p in question.pairs],
        "distractors": list(question.distractors),
        "text_format": question.text_format,
        "category": question.category,
        # Only when there is one, so that the snapshots (and version hashes) of questions
        # written before essays existed stay as they were.
        **({"rubric": question.rubric} if question.rubric else {}),
    }


def question_from_dict(data: dict) -> Question:
    return Question(
        kind=Kind(data["kind"]),
        text=data["text"],
        title=data.get("title", ""),
        points=float(data.get("points", 1.0)),
        general_feedback=data.get("general_feedback", ""),
        choices=tuple(
            Choice(c["text"], float(c["weight"]), c.get("feedback", ""))
            for c in data.get("choices", [])
        ),
        answer=data.get("answer"),
        feedback_true=data.get("feedback_true", ""),
        feedback_false=data.get("feedback_false", ""),
        numbers=tuple(NumericAnswer(**n) for n in data.get("numbers", [])),
        pairs=tuple(Pair(p["prompt"], p["answer"]) for p in data.get("pairs", [])),
        distractors=tuple(data.get("distractors", [])),
        rubric=data.get("rubric", ""),
        text_format=data.get("text_format", "plain"),
        category=data.get("category", ""),
    )
