"""The kind interface, the registry, and reading a whole attempt's answers through it."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from coursework.errors import RuleViolation
from quizzes import grading
from quizzes import spec as qspec
from quizzes.gift_syntax import BlockWriter, Problems, Text

# Longest typed answer kept; longer text is cut, as the input's maxlength does in a browser.
MAX_TYPED = 500

Add = Callable[[str, str], None]
_random = secrets.SystemRandom()


class AnswerProblem(ValueError):
    """An answer that does not fit its question; the message says why, for the learner."""


@dataclass(frozen=True)
class ShownQuestion:
    """A question as one attempt shows it: its key, plain form and choice order."""

    key: int
    number: int
    spec: qspec.Question
    choice_ids: tuple[int, ...]  # in the snapshot's (authored) order
    shown_choice_ids: tuple[int, ...]  # in the order this learner sees them
    shown_answer_options: tuple[str, ...]  # matching: answers in this learner's order

    @property
    def kind(self) -> QuestionKind:
        return kind_of(self.spec.kind)

    @property
    def name(self) -> str:
        """The question's name in the attempt form."""
        return f"q{self.key}"

    def choice(self, choice_id: int) -> qspec.Choice:
        return self.spec.choices[self.choice_ids.index(choice_id)]

    # Learners name options by their place in the order they were shown (1, 2, …), never
    # by choice id: ids follow the authored order, which would undo the shuffling.
    @property
    def options(self) -> list[tuple[int, str]]:
        return [(n, self.choice(cid).text) for n, cid in enumerate(self.shown_choice_ids, 1)]

    def choice_for_option(self, option: Any) -> int | None:
        if isinstance(option, str) and option.isdigit():
            option = int(option)
        is_number = isinstance(option, int) and not isinstance(option, bool)
        if is_number and 1 <= option <= len(self.shown_choice_ids):
            return self.shown_choice_ids[option - 1]
        return None

    def option_for_choice(self, choice_id: int) -> int | None:
        if choice_id in self.shown_choice_ids:
            return self.shown_choice_ids.index(choice_id) + 1
        return None

    def read(self, stored: dict | None) -> Any:
        """A stored answer as its kind's typed answer; None when there is none."""
        return self.kind.from_stored(self, stored) if stored else None

    def public_answer(self, stored: dict | None) -> dict:
        """A stored answer as the learner's side names it (options, not choice ids)."""
        answer = self.read(stored)
        return self.kind.public(self, answer) if answer is not None else {}

    def grade(self, stored: dict | None, *, all_or_nothing: bool = False) -> grading.Grade:
        return self.kind.grade(
            self.spec, self.kind.grader_input(self, self.read(stored)), all_or_nothing
        )


class QuestionKind(ABC):
    """What one kind of question is. Subclasses set the class attributes and implement every
    abstract method; `register` puts an instance in the registry under `kind`."""

    kind: ClassVar[qspec.Kind]
    # The typed answer: a frozen dataclass whose fields are the stored form's keys.
    answer_type: ClassVar[type]
    # A template with the macros `input(q, answer, disabled)` and `review(q, answer, show_key)`;
    # `answer` is the stored form (a dict, empty when there is no answer).
    template: ClassVar[str]
    # How a JSON body writes the answer, for error messages and the API's documentation.
    json_shape: ClassVar[str]
    # The learner's inputs carry a hint (`q<key>-hint`) that describes the whole question.
    has_hint: ClassVar[bool] = False
    # The question's fields (of spec.Question) that only some kinds have and this one uses.
    spec_fields: ClassVar[frozenset[str]]
    # GIFT can write it (the GIFT writer refuses a kind that it cannot).
    in_gift: ClassVar[bool] = True
    # The GIFT reader asks the kinds in this order whether an answer block is in their
    # syntax (`reads_gift`), and the first that says yes reads it: the more particular
    # syntax first (an empty block, `{#`, `~`, `->`, TRUE), the catch-all (short text) last.
    gift_rank: ClassVar[int] = 100
    # Its choices' texts are formatted text a learner reads (choice questions), as the
    # question's text is; otherwise they are what a learner types, kept as written.
    rich_choices: ClassVar[bool] = False
    # The quiz's "shuffle choices" setting reorders this kind's choices for each attempt.
    shuffles_choices: ClassVar[bool] = False
    # A person grades it after submit (essays): the attempt waits for them.
    graded_by_person: ClassVar[bool] = False
    # Its pure grader in grading.py: (question, grader_input, all_or_nothing=) -> Grade.
    grader: ClassVar[grading.Grader]
    # What the item-writing checker (checker.py) asks of its shape: the learner picks among
    # options the author wrote; picks only one of them; or judges a statement.
    picks_from_options: ClassVar[bool] = False
    picks_one: ClassVar[bool] = False
    judges_a_statement: ClassVar[bool] = False

    def grade(
        self, question: qspec.Question, answer: Any, all_or_nothing: bool = False
    ) -> grading.Grade:
        """Grade an answer in the grader's form; never raises for a malformed answer."""
        return type(self).grader(question, answer, all_or_nothing=all_or_nothing)

    def arrange(self, choice_ids: list[int], shuffle: bool) -> list[int]:
        """The choices' order for one attempt; `shuffle` is the quiz's setting."""
        arranged = list(choice_ids)
        if shuffle and self.shuffles_choices:
            _random.shuffle(arranged)
        return arranged

    def shown_options(self, question: qspec.Question) -> list[str] | None:
        """Answers on offer in the order one attempt shows them, when the kind has its own
        (kept in the attempt's layout); None when it has none."""
        return None

    @property
    def label(self) -> str:
        return self.kind.label

    def presented(self, q: ShownQuestion) -> dict:
        """What a learner is offered to answer with, beyond the question's text (options,
        prompts), for the API; an allow-list, never weights or feedback."""
        return {}

    @abstractmethod
    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> Any:
        """The answer in the attempt form's values, or None when it is blank. Values that do
        not belong to the question (an option it does not have) are dropped."""

    @abstractmethod
    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> Any:
        """The answer in a JSON body, or None when it is empty; AnswerProblem when it does
        not fit the question."""

    @abstractmethod
    def from_stored(self, q: ShownQuestion, stored: dict) -> Any:
        """The typed answer from its stored (JSON column) form."""

    def to_stored(self, answer: Any) -> dict:
        return {name: _plain(getattr(answer, name)) for name in answer.__dataclass_fields__}

    @abstractmethod
    def public(self, q: ShownQuestion, answer: Any) -> dict:
        """The answer as the learner's side names it, in the JSON body's shape."""

    @abstractmethod
    def grader_input(self, q: ShownQuestion, answer: Any) -> Any:
        """The answer in the form the kind's pure grader (grading.py) takes."""

    @abstractmethod
    def answer_key(self, q: ShownQuestion) -> dict:
        """The right answer, in the shape a learner's answer takes, for the review."""

    @abstractmethod
    def right_answer(self, q: ShownQuestion) -> Any:
        """A typed answer that earns full marks (demo data and tests answer with it)."""

    @abstractmethod
    def wrong_answer(self, q: ShownQuestion) -> Any:
        """A typed answer that earns nothing, or None when the kind has no such answer."""

    @abstractmethod
    def check(self, question: qspec.Question, add: Add) -> None:
        """Report what is wrong with a question of this kind through `add(field, message)`."""

    # ---- GIFT: the answer block between { and }, in and out (quizzes/gift.py does the file)

    @abstractmethod
    def reads_gift(self, answers: Text) -> bool:
        """Whether a GIFT answer block (general feedback taken off, trimmed) is written in
        this kind's syntax."""

    @abstractmethod
    def read_gift(self, answers: Text, start: int, problems: Problems) -> dict:
        """The question's fields of this kind (spec_fields) from its answer block; what is
        wrong goes to `problems` with its line (`start` is the question's)."""

    @abstractmethod
    def write_gift(self, question: qspec.Question, writer: BlockWriter) -> str:
        """The answer block that `read_gift` reads back equal; ValueError when GIFT cannot
        say the question without changing its meaning."""

    # ---- authoring: the question form's rows (quizzes/forms.py) and the statistics page

    @abstractmethod
    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        """The question's fields of this kind from the question form's data (blank rows
        left out); never raises, as validation says what is missing."""

    @abstractmethod
    def to_rows(self, question: qspec.Question) -> dict:
        """The question form's data for this kind's fields of an existing question."""

    # What one row of the form's `choices` is called on the page.
    choice_row: ClassVar[str] = "Choice"

    def score_bands(self) -> int | None:
        """In how many bands the statistics page spreads this kind's scores, question by
        question; None when the facility index says enough (scores a grader gives, in
        any part of the points, are worth seeing spread)."""
        return None


def no_gift_syntax(kind: QuestionKind) -> ValueError:
    return ValueError(
        f"GIFT has no syntax for {kind.label.lower()} questions; "
        "remove them or move them to a quiz of their own to export the rest"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)  # an order, kept
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


KINDS: dict[qspec.Kind, QuestionKind] = {}


def register(cls: type[QuestionKind]) -> type[QuestionKind]:
    KINDS[cls.kind] = cls()
    return cls


def kind_of(kind: qspec.Kind | str) -> QuestionKind:
    return KINDS[qspec.Kind(kind)]


def _mentions(q: ShownQuestion, values: Mapping[str, Any]) -> bool:
    name = q.name
    return any(key == name or key.startswith(name + "-") for key in values)


def answers_from_form(questions: Iterable[ShownQuestion], values: Mapping[str, Any]) -> dict:
    """Question key -> typed answer (None to clear it) for each question the form names;
    questions it does not name are left out, so they keep their saved answers. An answer
    the page would never send (an essay over its limit) is a RuleViolation naming it."""
    answers: dict[int, Any] = {}
    errors: dict[str, list[str]] = {}
    for q in questions:
        if not _mentions(q, values):
            continue
        try:
            answers[q.key] = q.kind.from_form(q, values)
        except AnswerProblem as problem:
            errors[q.name] = [f"Question {q.number}: {problem}"]
    if errors:
        raise RuleViolation("Some answers do not fit their questions.", {"answers": errors})
    return answers


def answers_from_json(questions: Iterable[ShownQuestion], body: Mapping[str, Any]) -> dict:
    """Question key -> typed answer (None clears) from a JSON body's answers by key. Every
    answer is checked against its question, and any problem is a RuleViolation naming the
    key, so nothing a learner sends is silently dropped."""
    by_key = {str(q.key): q for q in questions}
    answers: dict[int, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        q = by_key.get(key)
        if q is None:
            errors[key] = ["This attempt has no question with this key."]
            continue
        try:
            answers[q.key] = None if value is None else q.kind.from_json(q, value)
        except AnswerProblem as problem:
            errors[key] = [str(problem)]
    if errors:
        raise RuleViolation("Some answers do not fit their questions.", {"answers": errors})
    return answers


def shape_problem(kind: QuestionKind) -> AnswerProblem:
    return AnswerProblem(f"A {kind.label.lower()} answer looks like {kind.json_shape}.")


def typed_text(value: Any) -> str:
    """A typed answer as kept: trimmed, and cut at MAX_TYPED characters."""
    return value.strip()[:MAX_TYPED] if isinstance(value, str) else ""
