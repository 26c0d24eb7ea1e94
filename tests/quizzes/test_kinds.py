"""The question kinds' registry: every kind implements all of the interface, and each one's
pieces agree with each other (what it stores it reads back, its right answer earns full marks,
its template has both macros)."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

import quizzes
from quizzes import gift_syntax, kinds
from quizzes.forms import QuestionForm, question_form_data
from quizzes.gift import dump_gift, parse_gift
from quizzes.grading import Outcome
from quizzes.kinds import KINDS, AnswerProblem, QuestionKind, ShownQuestion, kind_of
from quizzes.spec import Choice, Kind, Question
from quizzes.validation import question_problems
from tests.support.quizkit import EVERY_KIND

ABSTRACT = sorted(QuestionKind.__abstractmethods__)
# input/review: the learner's page and result; rows/key: the author's form and answer key.
MACROS = ("input", "review", "rows", "key")
ATTRIBUTES = ("kind", "answer_type", "template", "json_shape", "grader")


def shown(question, key=7) -> ShownQuestion:
    ids = tuple(range(100, 100 + len(question.choices)))
    return ShownQuestion(key, 1, question, ids, ids[::-1], question.answer_options[::-1])


ORDERING = Question(
    Kind.ORDERING,
    "Put the planets in order from the Sun.",
    choices=(Choice("Mercury", 1), Choice("Venus", 1), Choice("Earth", 1), Choice("Mars", 1)),
)
ESSAY = Question(
    Kind.ESSAY,
    "Explain why a project needs a sponsor.",
    rubric="Names who decides, who funds, and who removes blockers.",
)
EXAMPLES = {question.kind: question for question in (*EVERY_KIND, ORDERING, ESSAY)}


def test_every_kind_is_registered_once_under_its_own_kind():
    assert set(KINDS) == set(Kind)
    for kind, implementation in KINDS.items():
        assert implementation.kind is kind and kind_of(kind.value) is implementation


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kind_implements_all_of_the_interface(kind):
    implementation = kind_of(kind)
    assert not inspect.isabstract(type(implementation))
    for name in ABSTRACT:
        assert getattr(type(implementation), name) is not getattr(QuestionKind, name), name
    for name in ATTRIBUTES:
        assert getattr(implementation, name, None), name
    assert dataclasses.is_dataclass(implementation.answer_type)
    assert implementation.answer_type.__dataclass_params__.frozen


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kinds_template_has_an_input_and_a_review(app, kind):
    template = app.jinja_env.get_template(kind_of(kind).template)
    module = template.make_module({})
    for macro in MACROS:
        assert callable(getattr(module, macro, None)), macro


def test_no_template_branches_on_the_kind():
    """Pages draw a question through its kind's template (found in the registry), so a new
    kind needs no edit to any page."""
    root = Path(quizzes.__file__).parent / "templates"
    branching = re.compile(r"kind(\.value)?\s*(==|!=|in\s*\(|is\s)")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if branching.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_a_kinds_answer_survives_storing_and_the_json_round_trip(kind):
    q = shown(EXAMPLES[kind])
    right = q.kind.right_answer(q)
    assert isinstance(right, q.kind.answer_type)
    stored = q.kind.to_stored(right)
    assert q.read(stored) == right
    assert q.kind.from_json(q, q.kind.public(q, right)) == right
    if q.kind.graded_by_person:
        # No text earns marks by itself: an answered essay waits for a grader.
        assert q.grade(stored).outcome is Outcome.PENDING
    else:
        assert q.grade(stored).fraction == 1.0
    wrong = q.kind.wrong_answer(q)
    if wrong is not None:
        assert q.grade(q.kind.to_stored(wrong)).fraction == 0.0


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_a_json_answer_of_the_wrong_shape_is_a_problem_naming_the_shape(kind):
    q = shown(EXAMPLES[kind])
    with pytest.raises(AnswerProblem, match="looks like"):
        q.kind.from_json(q, {"nonsense": 1})


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_a_form_that_names_a_question_without_an_answer_clears_it(kind):
    q = shown(EXAMPLES[kind])
    assert kinds.answers_from_form([q], MultiDict({f"{q.name}-present": "1"})) == {q.key: None}
    assert kinds.answers_from_form([q], MultiDict({"q8": "1"})) == {}


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_validation_asks_the_kind(kind):
    assert question_problems(EXAMPLES[kind]) == {}
    empty = dataclasses.replace(
        EXAMPLES[kind], choices=(), pairs=(), numbers=(), answer=None, distractors=()
    )
    if kind is Kind.ESSAY:
        # An essay needs nothing beyond its text (GIFT's `{}` carries no rubric); a rubric
        # over its limit is what the kind refuses.
        assert question_problems(empty) == {}
        empty = dataclasses.replace(empty, rubric="x" * 10_001)
    assert question_problems(empty)


def test_typed_answers_are_trimmed_and_cut_as_the_page_cuts_them():
    q = shown(EXAMPLES[Kind.SHORT_TEXT])
    answer = q.kind.from_form(q, MultiDict({q.name: "  " + "x" * 600}))
    assert answer.text == "x" * 500
    with pytest.raises(AnswerProblem):
        q.kind.from_json(q, {"text": 5})


# ---- the rest of what a kind owns: its GIFT block, authoring rows, templates, statistics ----


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kind_writes_a_gift_block_that_reads_back_as_itself(kind):
    question = EXAMPLES[kind]
    if not kind_of(kind).in_gift:
        with pytest.raises(ValueError, match=f"GIFT has no syntax for {kind.label.lower()}"):
            dump_gift([question])
        return
    written = dump_gift([question])
    (read,) = parse_gift(written).questions
    # GIFT has no place for points or a rubric; weights come back as Moodle's 7 decimals.
    assert read.kind is kind
    assert dump_gift([read]) == written
    assert read.text == question.text and read.points == 1


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kind_reads_no_block_written_for_another_before_that_kinds_reader(kind):
    """The reader asks the kinds in `gift_rank` order: a block written by a kind must be
    claimed by no kind asked earlier (else that kind would read it as its own)."""
    question = EXAMPLES[kind]
    if not kind_of(kind).in_gift:
        assert not kind_of(kind).reads_gift(gift_syntax.Text.scan([(1, "=a ~b")]))
        return
    block = kind_of(kind).write_gift(question, gift_syntax.BlockWriter("plain", "", False))
    lines = [line.strip() for line in block[1:-1].split("\n")]
    answers = gift_syntax.Text.scan([(n, line) for n, line in enumerate(lines, 1) if line])
    readers = sorted(KINDS.values(), key=lambda k: k.gift_rank)
    first = next(k for k in readers if k.reads_gift(answers))
    assert first.kind is kind


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kinds_authoring_rows_give_back_the_question(app, kind):
    question = EXAMPLES[kind]
    with app.test_request_context():
        form = QuestionForm(kind=kind, data=question_form_data(question), meta={"csrf": False})
        typed = form.to_question()
        # Worth is typed in %: 1/3 comes back as 33.33…/100, a hair away.
        weights = [choice.weight for choice in typed.choices]
        assert weights == pytest.approx([choice.weight for choice in question.choices])
        assert dataclasses.replace(typed, choices=question.choices) == question
        assert [(c.text, c.feedback) for c in typed.choices] == [
            (c.text, c.feedback) for c in question.choices
        ]
        assert form.row_name("choices") == kind_of(kind).choice_row


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kinds_template_renders_every_macro(app, kind):
    """The learner's inputs and review (with and without an answer), the author's rows and
    the answer key all render, so a page that asks the registry for them never breaks."""
    question = EXAMPLES[kind]
    q = shown(question)
    right = q.kind.to_stored(q.kind.right_answer(q))
    with app.test_request_context():
        module = app.jinja_env.get_template(q.kind.template).make_module({})
        for answer in ({}, right):
            assert str(module.input(q, answer, False)).strip()
            assert str(module.input(q, answer, True)).strip()
            assert str(module.review(q, answer, True)).strip()
            assert str(module.review(q, answer, False)).strip()
        form = QuestionForm(kind=kind, data=question_form_data(question), meta={"csrf": False})
        assert str(module.rows(form, None)).strip()
        assert str(module.key(question)).strip()


@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_every_kind_says_how_the_statistics_read_it(kind):
    bands = kind_of(kind).score_bands()
    assert bands is None or (isinstance(bands, int) and bands > 1)
    assert kind_of(kind).grade(EXAMPLES[kind], None).fraction == 0


def test_no_module_outside_the_kinds_names_a_kind():
    """Adding a kind is its module in quizzes/kinds/, its template and its name in the Kind
    enum: nothing else names one kind, so nothing else needs an edit."""
    root = Path(quizzes.__file__).parent.parent
    named = re.compile(r"\bKind\.(" + "|".join(kind.name for kind in Kind) + r")\b")
    allowed = {Path("quizzes/spec.py")}
    found = [
        f"{path.relative_to(root)}:{number}"
        for package in ("coursework", "lessons", "quizzes")
        for path in (root / package).rglob("*.py")
        if "kinds" not in path.relative_to(root).parts and path.relative_to(root) not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if named.search(line)
    ]
    assert found == []
