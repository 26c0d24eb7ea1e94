"""Files written by Moodle itself (data/moodle/, GNU GPL v3+: see data/moodle/SOURCES.md).

Per file: exactly what imports (each question's kind, choices, weights and feedback) or is
refused, and a round trip (read, write, read) that gives the same questions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.gift import dump_gift, parse_gift
from quizzes.spec import BLANK, Choice, Kind, NumericAnswer, Pair, Question

MOODLE = Path(__file__).parent / "data" / "moodle"
FILES = sorted(MOODLE.glob("*.txt"))
# Both files open with Moodle's essay, `{}`: an essay graded by the course's staff.
ESSAY = Question(Kind.ESSAY, "How are you?", title="Q8")


def read(name: str) -> str:
    return (MOODLE / name).read_text(encoding="utf-8")


def test_the_sources_note_names_every_file_and_its_licence():
    sources = read("SOURCES.md")
    assert "GNU GPL v3 or later" in sources
    assert all(path.name in sources for path in FILES)


@pytest.mark.parametrize("name", ["questions.gift.txt", "exporter_output.gift.txt"])
def test_the_essay_imports_and_writes_back_as_an_empty_block(name):
    questions = parse_gift(read(name)).questions
    assert questions[0] == ESSAY
    assert dump_gift(questions).startswith("::Q8::How are you? {}\n")


ACTIVITIES = (
    Pair("An activity supporting asynchronous discussions.", "Forum"),
    Pair("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
    Pair("A bank of record entries which participants can add to.", "Database"),
    # [markdown] in an HTML question: rendered
    Pair("<p>A collection of web pages that anyone can add to or edit.</p>", "Wiki"),
)


def spectrum(title: str) -> Question:
    """The single-answer question both files hold; one [html] feedback makes it HTML, and
    its [plain] answer is escaped into it."""
    return Question(
        Kind.SINGLE,
        "What's between orange and green in the spectrum?",
        title=title,
        choices=(
            Choice("yellow", 1.0, "right; good!"),
            Choice("red", 0.0, "wrong, it's yellow"),
            Choice("blue", 0.0, "wrong, it's yellow"),
        ),
        text_format="html",
    )


def test_questions_gift_txt():
    questions = parse_gift(read("questions.gift.txt")).questions
    assert questions == (
        ESSAY,
        Question(
            Kind.MATCHING,
            "Match the <b>activity</b> to the description.",
            title="Moodle activities",
            pairs=ACTIVITIES,
            distractors=("Chat",),
            text_format="html",
        ),
        spectrum("Q2"),
        # Negative marks on a multiple-answer question
        Question(
            Kind.MULTIPLE,
            "What's between orange and green in the spectrum?",
            title="colours",
            choices=(
                Choice("yellow", 0.5, "right; good!"),
                Choice("red", -1.0, "wrong"),
                Choice("off-beige", 0.5, "right; good!"),
                Choice("blue", -1.0, "wrong"),
            ),
            text_format="html",
        ),
        # "Any other answer"; and the stray `";` after the block is text after the answer
        # block, which Moodle (and so this reader) makes a missing-word question.
        Question(
            Kind.NUMERIC,
            f'What is a number from 1 to 5? {BLANK}";',
            title="Q5",
            numbers=(
                NumericAnswer(3, 2),
                NumericAnswer(weight=0.0, feedback="Completely wrong"),
            ),
        ),
        Question(
            Kind.SHORT_TEXT,
            "Which is the best animal?",
            title="Shortanswer",
            choices=(
                Choice("Frog", 1.0, "Good!"),
                Choice("Cat", 0.5, "What is it with Moodlers and cats?"),
                Choice("*", 0.0, "Completely wrong"),
            ),
        ),
        Question(
            Kind.TRUE_FALSE,
            f'42 is the Absolute Answer to everything.{BLANK}";',
            title="Q1",
            answer=False,
            feedback_true="42 is the Ultimate Answer.",
            feedback_false="You gave the right answer.",
            general_feedback="This is, of course, a Hitchiker's Guide to the Galaxy reference.",
        ),
        Question(Kind.TRUE_FALSE, "TSL is blablabla.", title="2-08 TSL", answer=True),
        Question(Kind.TRUE_FALSE, "TSL is blablabla.", title="2-08 TSL", answer=True),
    )


def test_exporter_output_gift_txt():
    """What Moodle's own GIFT exporter writes (giftformat_test.php's expected output)."""
    questions = parse_gift(read("exporter_output.gift.txt")).questions
    assert questions == (
        ESSAY,
        Question(
            Kind.MATCHING,
            "Match the <b>activity</b> to the description.",
            title="Moodle activities",
            pairs=(
                Pair(
                    '<div class="frog">An activity supporting asynchronous discussions.</div>',
                    "Forum",
                ),
                *ACTIVITIES[1:],
            ),
            distractors=("Chat",),
            text_format="html",
        ),
        spectrum("Q8"),
        Question(
            Kind.MULTIPLE,
            "What's between orange and green in the spectrum?",
            title="Q8",
            choices=(
                Choice("yellow", 1.0, "right; good!"),
                Choice("red", -0.5, "wrong, it's yellow"),
                Choice("blue", -0.5, "wrong, it's yellow"),
            ),
        ),
        # The multi-line form Moodle writes for every numeric question with "any other answer"
        Question(
            Kind.NUMERIC,
            "What is a number from 1 to 5?",
            title="Q5",
            numbers=(NumericAnswer(3, 2), NumericAnswer(weight=0.0, feedback="Completely wrong")),
        ),
    )


def test_questions_in_category_gift_txt():
    category = "$course$/Default for New Features"
    questions = parse_gift(read("questions_in_category.gift.txt")).questions
    assert [(q.kind, q.title, q.category, q.text_format) for q in questions] == [
        (Kind.MATCHING, "Moodle activities", category, "html"),
        (Kind.SINGLE, "Greeting", category, "html"),
        (Kind.SHORT_TEXT, "Moodle user", category, "html"),
        (Kind.TRUE_FALSE, "Moodle acronym", category, "html"),
    ]
    greeting = questions[1]
    assert greeting.text.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
    )
    assert greeting.choices == (
        Choice("English", 0.0, "Sorry, listen again."),
        Choice("French", 1.0, "Yes, well done!"),
        Choice("German", 0.0, "Sorry, listen again."),
        Choice("Spanish", 0.0, "Sorry, listen again."),
    )
    assert questions[2].choices == (Choice("Moodler", 1.0, ""),)  # `=%100%Moodler#`
    assert questions[3].answer is True


def test_examples_txt():
    """Moodle's own examples file: 43 questions of every kind, all read."""
    questions = parse_gift(read("examples.txt")).questions
    kinds = [question.kind for question in questions]
    assert len(questions) == 43
    assert {kind: kinds.count(kind) for kind in Kind} == {
        Kind.SINGLE: 16,
        Kind.MULTIPLE: 2,
        Kind.TRUE_FALSE: 5,
        Kind.SHORT_TEXT: 9,
        Kind.NUMERIC: 8,
        Kind.MATCHING: 3,
        Kind.ORDERING: 0,  # GIFT has no syntax for it
        Kind.ESSAY: 0,  # none in this file
    }
    assert {question.text_format for question in questions} == {"plain", "markdown"}
    hometown = next(q for q in questions if q.title == "Jesus' hometown" and q.kind is Kind.SINGLE)
    assert [(c.text, c.weight) for c in hometown.choices] == [
        ("Jerusalem", 0.0),
        ("Bethlehem", 0.25),
        ("Galilee", 0.5),
        ("Nazareth", 1.0),
    ]
    penalties = [q for q in questions if q.kind is Kind.MULTIPLE][1]
    assert [c.weight for c in penalties.choices] == [-0.5, 0.5, 0.5, -0.5]


@pytest.mark.parametrize("path", FILES[1:], ids=lambda path: path.name)
def test_every_moodle_file_survives_a_round_trip(path):
    questions = parse_gift(path.read_text(encoding="utf-8")).questions
    assert parse_gift(dump_gift(questions)).questions == questions


def test_the_any_other_answer_entry_is_written_back_the_same_way():
    (question,) = parse_gift(
        "What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}"
    ).questions
    assert dump_gift([question]) == (
        "What is a number from 1 to 5? {#\n    =3:2\n    ~#Completely wrong\n}\n"
    )
