"""The GIFT reader and writer: pure, no app and no database.

The example files in data/ cover every kind the model supports; each test below says
exactly which questions a file must give. Malformed input must name the right line and
give back nothing; any input at all must end in a quiz or a GiftError, never a crash.
"""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.gift import GiftError, Problem, check_size, dump_gift, parse_gift, read_gift_file
from quizzes.kinds import kind_of
from quizzes.spec import BLANK, Choice, Kind, NumericAnswer, Pair, Question, QuizSpec

DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(DATA.glob("*.gift"))
MOODLE_FILES = sorted((DATA / "moodle").glob("*.txt"))  # written by Moodle: see its SOURCES.md


def read(name: str) -> tuple[Question, ...]:
    return parse_gift((DATA / name).read_text(encoding="utf-8")).questions


def problems_in(text: str) -> list[tuple[int, str]]:
    with pytest.raises(GiftError) as caught:
        parse_gift(text)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def single(text: str, *choices: Choice, **fields) -> Question:
    return Question(kind=Kind.SINGLE, text=text, choices=choices, **fields)


# --- each kind, from the example files -----------------------------------------------------


def test_single_and_multiple_choice():
    assert read("choices.gift") == (
        single(
            "Which planet is the largest in our solar system?",
            Choice("Jupiter", 1.0, "Yes, by a wide margin."),
            Choice("Saturn", 0.0, "Second largest."),
            Choice("Earth", 0.0),
            Choice("Neptune", 0.25, "Neptune is big, but not that big."),
            title="Largest planet",
            general_feedback="Jupiter has more mass than all the other planets together.",
        ),
        single(
            "Which of these is a primary colour\nin the RGB model?",
            Choice("Green", 1.0),
            Choice("Yellow", 0.0),
            Choice("Magenta", 0.0),
        ),
        Question(
            kind=Kind.MULTIPLE,
            title="Even numbers",
            text="Which of these numbers are even?",
            choices=(
                Choice("2", 0.5),
                Choice("14", 0.5),
                Choice("7", -1.0),
                Choice("9", -1.0, "9 is odd."),
            ),
        ),
        Question(
            kind=Kind.MULTIPLE,
            title="Primes",
            text="Which three are prime?",
            choices=(
                Choice("2", 0.3333333),
                Choice("3", 0.3333333),
                Choice("5", 0.3333333),
                Choice("4", -1.0),
            ),
            general_feedback="Three thirds, written to five decimals.",
        ),
    )


def test_true_false_feedback_follows_the_moodle_docs():
    # "The first is shown if the student gives the wrong answer. The second if the student
    # gives the right answer." So {FALSE#a#b}: a for answering true, b for answering false.
    def tf(title: str, text: str, answer: bool, **fields) -> Question:
        return Question(kind=Kind.TRUE_FALSE, title=title, text=text, answer=answer, **fields)

    assert read("true_false.gift") == (
        tf("Boiling", "Water boils at 100 °C at sea level.", True),
        tf("", "Light travels faster than sound.", True),
        tf("Moon", "The Moon gives off its own light.", False),
        tf(
            "Great Wall",
            "The Great Wall of China can be seen from the Moon with the naked eye.",
            False,
            feedback_true="It cannot: it is far too narrow.",
            feedback_false="Right, that is a myth.",
        ),
        tf(
            "Penguins",
            "Penguins live in the Arctic.",
            False,
            feedback_true="No: they live in the southern hemisphere.",
        ),
        tf(
            "Bats",
            "Bats are mammals.",
            True,
            feedback_true="Correct.",
            feedback_false="Wrong: they feed their young on milk.",
            general_feedback="Bats are the only mammals that truly fly.",
        ),
    )


def test_short_answer():
    assert read("short_answer.gift") == (
        Question(
            kind=Kind.SHORT_TEXT,
            title="Author",
            text='Who wrote "Pride and Prejudice"?',
            choices=(Choice("Jane Austen", 1.0), Choice("Austen", 1.0)),
        ),
        Question(
            kind=Kind.SHORT_TEXT,
            title="Capital of Australia",
            text="What is the capital of Australia?",
            choices=(
                Choice("Canberra", 1.0, "Correct."),
                Choice("Canberra ACT", 0.5, "Right city; just the name was wanted."),
                Choice("Sydney", 0.25, "The largest city, not the capital."),
            ),
            general_feedback="Canberra was chosen as a compromise between Sydney and Melbourne.",
        ),
        Question(
            kind=Kind.SHORT_TEXT,
            text="What colour do you get by mixing blue and yellow?",
            choices=(Choice("green", 1.0),),
        ),
    )


def test_numeric():
    def numeric(title: str, text: str, *numbers: NumericAnswer, **fields) -> Question:
        return Question(kind=Kind.NUMERIC, title=title, text=text, numbers=numbers, **fields)

    assert read("numeric.gift") == (
        numeric(
            "Speed of sound",
            "How fast does sound travel in air, in metres per second?",
            NumericAnswer(value=343.0, tolerance=5.0),
        ),
        numeric(
            "Dice", "Name a number a six-sided die can show.", NumericAnswer(low=1.0, high=6.0)
        ),
        numeric(
            "Freezing",
            "At what temperature in degrees Celsius does water freeze?",
            NumericAnswer(value=0.0),
        ),
        numeric("Negative", "What is 3 minus 10?", NumericAnswer(value=-7.0)),
        numeric(
            "Pi",
            "Give pi to two decimal places.",
            NumericAnswer(value=3.14, tolerance=0.005, feedback="Well done."),
            NumericAnswer(
                value=3.1, tolerance=0.05, weight=0.5, feedback="Close, but give two decimals."
            ),
            general_feedback="Pi starts 3.14159.",
        ),
        numeric(
            "Moon landing",
            "In which year did people first walk on the Moon?",
            NumericAnswer(value=1969.0, feedback="Yes, July 1969."),
            NumericAnswer(value=1969.0, tolerance=2.0, weight=0.5, feedback="Within two years."),
        ),
    )


def test_matching_with_a_distractor():
    assert read("matching.gift") == (
        Question(
            kind=Kind.MATCHING,
            title="Capitals",
            text="Match each country with its capital.",
            pairs=(Pair("France", "Paris"), Pair("Japan", "Tokyo"), Pair("Kenya", "Nairobi")),
            distractors=("Lagos",),
            general_feedback="Lagos is the largest city in Nigeria, not its capital.",
        ),
        Question(
            kind=Kind.MATCHING,
            text="Match the animal to its young.",
            pairs=(Pair("cat", "kitten"), Pair("dog", "puppy")),
        ),
    )


def test_missing_word_leaves_a_blank_where_the_block_was():
    assert read("missing_word.gift") == (
        single(
            f"Moodle costs {BLANK} to download.",
            Choice("lots of money"),
            Choice("nothing", 1.0),
            Choice("a small amount"),
        ),
        single(
            f"In the northern hemisphere the shortest day falls in {BLANK} each year.",
            Choice("June"),
            Choice("December", 1.0, "Around the 21st."),
            Choice("March"),
            title="Seasons",
        ),
        Question(
            kind=Kind.SHORT_TEXT,
            text=f"The chemical symbol for gold is {BLANK} in the periodic table.",
            choices=(Choice("Au", 1.0), Choice("au", 1.0)),
        ),
        Question(
            kind=Kind.SHORT_TEXT,
            text=f"{BLANK} is the capital of France.",
            choices=(Choice("Paris", 1.0),),
        ),
        Question(
            kind=Kind.TRUE_FALSE, text=f"It is {BLANK} that a week has seven days.", answer=True
        ),
    )


def test_categories_format_tags_and_escapes():
    arithmetic, code = "Maths/Arithmetic", "Code"
    assert read("formats_escapes_categories.gift") == (
        single(
            "What is **2 + 2**?",
            Choice("**4**", 1.0, "Yes, *four*."),
            Choice("3"),
            Choice("5"),
            title="Sum",
            text_format="markdown",
            category=arithmetic,
        ),
        single(
            "Which equation holds?",
            Choice("1 + 1 = 3"),
            Choice("2 + 2 = 4", 1.0, "Right: 2 + 2 = 4."),
            Choice("{1, 2} has 3 elements"),
            title="Equations",
            category=arithmetic,
        ),
        single(
            "In C, which characters open and close a <code>block</code>?",
            Choice("{ and }", 1.0, "<b>Yes.</b>"),
            Choice("( and )"),
            Choice("# and ~"),
            title="Braces: in C",
            text_format="html",
            general_feedback="Braces group statements.",
            category=code,
        ),
        Question(
            kind=Kind.TRUE_FALSE,
            title="Lines",
            text="This text has two lines:\nthe second starts here.",
            answer=True,
            category=code,
        ),
        Question(
            kind=Kind.TRUE_FALSE,
            title="Backslash",
            text="A Windows path such as C:\\Temp uses a backslash.",
            answer=True,
            category=code,
        ),
        single("A question back in the default category.", Choice("yes", 1.0), Choice("no")),
    )


def test_every_question_gets_one_point_and_the_quiz_no_title():
    quiz = parse_gift("Q? {=a ~b}")
    assert quiz == QuizSpec(questions=(single("Q?", Choice("a", 1.0), Choice("b")),))
    assert quiz.questions[0].points == 1.0


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Windows line endings and a byte-order mark
        ("\ufeff::T::Q?\r\n{=a ~b}\r\n\r\nR? {T}\r\n", ["Q?", "R?"]),
        # several blank lines, and blank lines made of spaces, between questions
        ("Q? {T}\n\n\n   \n\t\nR? {F}", ["Q?", "R?"]),
        # a category line straight before its question, with no blank line between
        ("$CATEGORY: c\nQ? {T}", ["Q?"]),
        # [moodle] is Moodle's default format: plain text
        ("[moodle]Q? {T}", ["Q?"]),
        # an unknown tag is just text, as in Moodle
        ("[latex]Q? {T}", ["[latex]Q?"]),
        # a backslash before an ordinary character stays
        ("50\\% off\\? {T}", ["50\\% off\\?"]),
        # "//" inside a line is not a comment
        ("See http://example.com {T}", ["See http://example.com"]),
    ],
)
def test_layout_variants(source, expected):
    questions = parse_gift(source).questions
    assert [question.text for question in questions] == expected
    assert {question.text_format for question in questions} == {"plain"}


def test_the_kind_of_a_choice_block_follows_moodle():
    kinds = [q.kind for q in parse_gift("A {=a ~b}\n\nB {~%100%a ~b}\n\nC {=a =b ~c}").questions]
    # any = makes single choice; with none, several answers may be ticked
    assert kinds == [Kind.SINGLE, Kind.MULTIPLE, Kind.SINGLE]


def test_short_answer_feedback_may_contain_an_arrow():
    (question,) = parse_gift("Q? {=a#see a -> b}").questions
    assert question.kind is Kind.SHORT_TEXT
    assert question.choices == (Choice("a", 1.0, "see a -> b"),)


# --- problems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("// a description only\nThe next questions are about maths.", 2, "description"),
        ("Q {=a ~b\n~c\n\nR {T}", 1, "never closed"),
        ("Q?\nmore text {=a ~b\n~c", 2, "never closed"),
        ("Q? =a ~b}", 1, "without an opening"),
        ("Q? {=a {~b}", 1, "inside an answer block"),
        ("Q? {=a ~b}\n// no blank line after it\nR? {T}", 3, "second answer block"),
        ("::Title Q? {T}", 1, "closing '::'"),
        ("::Title:: {=a ~b}", 1, "text is empty"),
        ("Q? {~a ~b ~c}", 1, "no answer is marked right"),
        ("Q? {\n=a\n~b\n~%150%c\n}", 4, "outside -100..100"),
        ("Q? {\n=a\n~%-100.5%b\n}", 3, "outside -100..100"),
        ("Q? {\n=a\n~%half%b\n}", 3, "not a number"),
        ("Q? {\n=a\n~%%b\n}", 3, "not a number"),
        ("Q? {\n=a\n~\n}", 3, "answer is empty"),
        ("Q? {text first =a ~b}", 1, "before the first answer"),
        ("Q? {~%100%a}", 1, "at least two answers"),
        ("Q? {=%50%a ~b}", 1, "full credit"),
        ("Q? {~%50%a ~%25%b ~c}", 1, "add up to 75%"),
        ("Q? {\n#\n=1..5\n=%50%9..2\n}", 4, "from high to low"),
        ("Q? {#\n=12\n=%50%twelve}", 3, "not a number"),
        ("Q? {#3:x}", 1, "not a number"),
        ("Q? {#3:-1}", 1, "negative"),
        ("Q? {#1..b}", 1, "range of two numbers"),
        ("Q? {#1e999}", 1, "not a number"),
        ("Q? {#}", 1, "no answer"),
        ("Q? {#=%50%3}", 1, "full credit"),
        # "any other answer" (~) is supported (issue 11); these forms of it are not
        ("Q? {#=3 ~%50%#close enough}", 1, "earns no credit"),
        ("Q? {#\n=3\n~4#four\n}", 3, "with no number"),
        ("Q? {#\n=3\n~#a\n~#b\n}", 4, "only one"),
        ("Q? {#\n~#first\n=3\n}", 3, "last"),
        ("Q? {\n=a -> 1\n=b -> 2\n=c\n}", 4, "=prompt -> answer"),
        ("Q? {=a -> 1 = -> 2}", 1, "at least two pairs"),
        ("Q? {a -> 1}", 1, "=prompt -> answer"),  # found by the read-write-read property
        ("Q? {=a -> 1 =b -> }", 1, "no answer after"),
        ("Q? {\n=a -> 1 #nice\n=b -> 2\n}", 2, "no feedback"),
        ("Q? {x =a -> 1 =b -> 2}", 1, "before the first pair"),
        ("Q? {#\n=3\n=%50%\n}", 3, "numeric answer is empty"),
        ("Q? {=}", 1, "answer is empty"),
        ("Q? {T}\n$CATEGORY: next", 2, "blank line before $CATEGORY"),
        ("Q? {=%50%a}", 1, "full credit"),
        ("", 1, "no questions"),
        ("// only a comment\n\n$CATEGORY: empty", 1, "no questions"),
    ],
)
def test_each_malformed_question_is_reported_at_its_line(source, line, message):
    problems = problems_in(source)
    assert len(problems) == 1, problems
    assert problems[0][0] == line
    assert message in problems[0][1]


def test_every_problem_in_the_file_is_reported_and_nothing_is_returned():
    source = (
        "::Good:: Fine? {=yes ~no}\n"  # 1
        "\n"
        "Q? {~a ~b ~c}\n"  # 3
        "\n"
        "Q? {\n"  # 5
        "  ~%200%a\n"  # 6
        "  ~%x%b\n"  # 7
        "}\n"
        "\n"
        "Just a description.\n"  # 10
        "\n"
        "Also fine? {T}\n"
        "\n"
        "Range? {#9..1}\n"  # 14
    )
    with pytest.raises(GiftError) as caught:
        parse_gift(source)
    assert [problem.line for problem in caught.value.problems] == [3, 6, 7, 10, 14]
    assert str(caught.value).startswith("line 3: no answer is marked right")
    assert caught.value.problems[0] == Problem(
        3, "no answer is marked right: use =, or weights such as ~%50%"
    )


# --- writing -------------------------------------------------------------------------------


def test_dump_writes_canonical_gift():
    questions = (
        single(
            "Capital of France?",
            Choice("Paris", 1.0, "Yes."),
            Choice("Lyon", 0.25),
            title="Q1: capitals",
            category="Geo",
        ),
        Question(
            kind=Kind.TRUE_FALSE,
            text="2 + 2 = 4",
            answer=True,
            feedback_false="Count again.",
            category="Geo",
        ),
        Question(
            kind=Kind.NUMERIC,
            text=f"Pi is about {BLANK} here.",
            numbers=(NumericAnswer(value=3.14, tolerance=0.01),),
            text_format="markdown",
        ),
    )
    assert dump_gift(questions) == (
        "$CATEGORY: Geo\n"
        "\n"
        "::Q1\\: capitals::Capital of France? {\n"
        "    =Paris#Yes.\n"
        "    ~%25%Lyon\n"
        "}\n"
        "\n"
        "2 + 2 \\= 4 {TRUE#Count again.}\n"
        "\n"
        "$CATEGORY:\n"
        "\n"
        "[markdown]Pi is about {#3.14:0.01} here.\n"
    )
    assert parse_gift(dump_gift(questions)).questions == questions


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_files_survive_a_round_trip(path):
    quiz = parse_gift(path.read_text(encoding="utf-8"))
    assert parse_gift(dump_gift(quiz)) == quiz


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (single("Q?", Choice("a", 1.0)), "at least two choices"),
        (
            Question(kind=Kind.SHORT_TEXT, text="Q?", choices=(Choice("a -> b", 1.0),)),
            "read back as matching",
        ),
        (
            Question(kind=Kind.MATCHING, text="Q?", pairs=(Pair("a -> b", "c"), Pair("d", "e"))),
            "matching prompt",
        ),
        (Question(kind=Kind.TRUE_FALSE, text="Q?"), "needs an answer"),
        (Question(kind=Kind.NUMERIC, text="Q?"), "needs an answer"),
        # An entry without a number is "any other answer" (issue 11), so half a range it is.
        (
            Question(kind=Kind.NUMERIC, text="Q?", numbers=(NumericAnswer(low=1),)),
            "value or a range",
        ),
        (Question(kind=Kind.NUMERIC, text="Q?", numbers=(NumericAnswer(),)), "needs an answer"),
        (
            Question(
                kind=Kind.NUMERIC,
                text="Q?",
                numbers=(NumericAnswer(value=1), NumericAnswer(weight=0), NumericAnswer(weight=0)),
            ),
            "one 'any other answer'",
        ),
        (
            Question(
                kind=Kind.NUMERIC, text="Q?", numbers=(NumericAnswer(weight=0), NumericAnswer(1))
            ),
            "must come last",
        ),
        (single("Q?", Choice("a", 1.0), Choice("b"), text_format="rtf"), "text format"),
    ],
)
def test_dump_refuses_what_gift_cannot_say(question, message):
    with pytest.raises(ValueError, match=message):
        dump_gift([question])


def test_a_single_choice_without_full_credit_is_written_so_the_reader_objects():
    # Written as ~%50% ~ it would quietly read back as multiple answers.
    text = dump_gift([single("Q?", Choice("a", 0.5), Choice("b"))])
    assert "=%50%a" in text
    assert problems_in(text) == [(1, "no answer earns full credit: mark the right one with =")]


def test_a_single_choice_with_every_choice_right_keeps_its_kind():
    question = single("Q?", Choice("a", 1.0), Choice("b", 1.0))
    assert "~%100%b" in dump_gift([question])
    assert parse_gift(dump_gift([question])).questions == (question,)


# --- properties ----------------------------------------------------------------------------

# Texts mix GIFT's special characters, escapes-in-waiting, newlines and non-ASCII letters.
# Tags and character references too: plain text that looks like HTML must read back plain.
ALPHABET = "abyzAZ09 .,?!'\"()_-/<>&;%[]~=#{}:\\\n\téßçΩπ中"
TRICKY_STARTS = ["", "", "", "[html]", "[plain] ", "//", "%", "%50%", "::", "$CATEGORY:", "="]
TRICKY_STARTS += ["<b>", "&amp;", "[moodle]<p>"]


def _canonical(text: str) -> str:
    return text.strip()


texts = st.builds(
    lambda start, body: _canonical(start + body),
    st.sampled_from(TRICKY_STARTS),
    st.text(ALPHABET, min_size=1, max_size=12),
).filter(bool)
optional_texts = st.one_of(st.just(""), texts)
arrow_free = texts.filter(lambda text: "->" not in text)
question_texts = st.one_of(
    texts,
    st.builds(lambda a, b: _canonical(f"{a} {BLANK}{b}"), texts, texts),  # missing word
    st.builds(lambda a: _canonical(f"{BLANK} {a}"), texts),
    st.builds(lambda a: _canonical(f"{a} {BLANK}"), texts),  # a blank at the very end
)


def _percent(value: str) -> float:
    return round(float(value) / 100, 7)  # exactly as the reader computes a weight


CHOICE_WEIGHTS = st.sampled_from([_percent(p) for p in ("0", "0", "100", "50", "-50", "12.345")])
PARTITIONS = [("100",), ("50", "50"), ("25", "75"), ("20", "30", "50"), ("33.33333",) * 3]
PENALTIES = ["0", "0", "-100", "-50", "-33.33333", "-12.5"]
finite = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
)


@st.composite
def weighted_choices(draw, texts=texts, kind=Kind.SINGLE):
    if kind is Kind.MULTIPLE:
        weights = [_percent(p) for p in draw(st.sampled_from(PARTITIONS))]
        weights += [_percent(p) for p in draw(st.lists(st.sampled_from(PENALTIES), max_size=3))]
        weights = draw(st.permutations(weights + [0.0] * (len(weights) < 2)))
    else:
        weights = draw(st.lists(CHOICE_WEIGHTS, min_size=2 if kind is Kind.SINGLE else 1))
        weights[draw(st.integers(0, len(weights) - 1))] = 1.0  # something earns full credit
        if kind is Kind.SHORT_TEXT:
            weights = [abs(weight) for weight in weights]  # a typed answer takes nothing away
    # Distinct texts: the reader reports two choices with the same text, as the form does.
    unique = draw(
        st.lists(texts, min_size=len(weights), max_size=len(weights), unique_by=str.strip)
    )
    return tuple(
        Choice(text, weight, draw(optional_texts))
        for text, weight in zip(unique, weights, strict=True)
    )


@st.composite
def numeric_answers(draw):
    weight = draw(st.sampled_from([1.0, 0.5, 0.0, _percent("12.5")]))
    feedback = draw(optional_texts)
    if draw(st.booleans()):
        low, high = sorted([draw(finite), draw(finite)])
        return NumericAnswer(low=low, high=high, weight=weight, feedback=feedback)
    tolerance = draw(st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e6)))
    return NumericAnswer(value=draw(finite), tolerance=tolerance, weight=weight, feedback=feedback)


@st.composite
def questions(draw):
    # Only the kinds GIFT can write (it has no syntax for ordering, and says so).
    kind = draw(st.sampled_from([kind for kind in Kind if kind_of(kind).in_gift]))
    fields: dict = {}
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        fields["choices"] = draw(weighted_choices(kind=kind))
    elif kind is Kind.SHORT_TEXT:
        fields["choices"] = draw(weighted_choices(texts=arrow_free, kind=kind))
    elif kind is Kind.TRUE_FALSE:
        fields["answer"] = draw(st.booleans())
        fields["feedback_true"] = draw(optional_texts)
        fields["feedback_false"] = draw(optional_texts)
    elif kind is Kind.ESSAY:
        pass  # an empty block; GIFT has no place for a rubric
    elif kind is Kind.NUMERIC:
        numbers = draw(st.lists(numeric_answers(), min_size=1, max_size=3))
        numbers[0] = replace(numbers[0], weight=1.0)  # something earns credit
        fields["numbers"] = tuple(numbers)
    else:
        fields["pairs"] = tuple(
            draw(
                st.lists(
                    st.builds(Pair, arrow_free, texts),
                    min_size=2,
                    max_size=4,
                    unique_by=lambda pair: pair.prompt.strip(),  # as the reader insists
                )
            )
        )
        fields["distractors"] = tuple(draw(st.lists(texts, max_size=2)))
    return Question(
        kind=kind,
        text=draw(question_texts),
        title=draw(optional_texts),
        general_feedback=draw(optional_texts),
        text_format=draw(st.sampled_from(["plain", "markdown", "html"])),
        category=draw(st.one_of(st.sampled_from(["", "", "Unit 1/Basics"]), texts)),
        **fields,
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(questions(), min_size=1, max_size=4))
def test_whatever_is_dumped_reads_back_equal(generated):
    assert parse_gift(dump_gift(generated)).questions == tuple(generated)


def _reads_or_reports(text: str) -> None:
    try:
        quiz = parse_gift(text)
    except GiftError as error:
        assert error.problems
        assert all(problem.line >= 1 for problem in error.problems)
    else:
        assert quiz.questions
        # and whatever is read can be written back, and reads the same (issue 11)
        assert parse_gift(dump_gift(quiz)) == quiz


GIFTISH = "{}~=#:%->.\\\n\n TF0129ab[]/$" + "CATEGORY"


@FAST
@given(st.one_of(st.text(), st.text(GIFTISH)))
def test_any_text_reads_or_reports_problems(text):
    _reads_or_reports(text)


TOKENS = ["{", "}", "~", "=", "#", "####", ":", "::", "->", "..", "%", "%50%", "\\", "\n\n", "//"]


@FAST
@given(
    st.sampled_from(EXAMPLES + MOODLE_FILES),
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert", "repeat"]), st.floats(0, 1), st.integers(1, 6)
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(TOKENS),
)
def test_mutated_example_files_read_or_report_problems(path, mutations, token):
    text = path.read_text(encoding="utf-8")
    for operation, where, size in mutations:
        at = int(where * len(text))
        if operation == "delete":
            text = text[:at] + text[at + size :]
        elif operation == "insert":
            text = text[:at] + token + text[at:]
        else:
            text = text[:at] + text[at : at + size] * 2 + text[at + size :]
    _reads_or_reports(text)


# --- issue 11: GIFT as Moodle writes it ----------------------------------------------------


def test_numeric_any_other_answer_in_both_of_moodles_forms():
    other = NumericAnswer(weight=0.0, feedback="Completely wrong")
    for source in (
        "How many? {#3:2~#Completely wrong}",
        "How many? {#\n\t=%100%3:2#\n\t~#Completely wrong\n}",
        "How many? {#=3:2 ~*#Completely wrong}",
    ):
        (question,) = parse_gift(source).questions
        assert question.numbers == (NumericAnswer(3, 2), other), source
        assert other.is_other and not other.accepts(3)


def test_negative_marks_on_a_single_answer_question_import():
    (question,) = parse_gift("Q? {\n=right\n~%-33.33333%wrong#It costs you\n~other\n}").questions
    assert question.kind is Kind.SINGLE
    assert question.choices[1] == Choice("wrong", -0.3333333, "It costs you")


def formats_of(source: str) -> tuple[str, Question]:
    (question,) = parse_gift(source).questions
    return question.text_format, question


@pytest.mark.parametrize(
    ("source", "text_format", "choice", "feedback"),
    [
        # Moodle's exporter: answers and feedback as HTML, untagged (the question's format)
        ("Colour? {=<p>yellow</p>#<p>Right</p> ~red}", "html", "<p>yellow</p>", "<p>Right</p>"),
        ("[html]Colour? {=yellow#Right ~red}", "html", "yellow", "Right"),
        # untagged text is Moodle's auto-format: markup passes through, references too
        ("Colour &amp; shade? {=yellow ~red}", "html", "yellow", ""),
        ("Colour? {=yellow#[html]<b>Right</b> ~red}", "html", "yellow", "<b>Right</b>"),
        # [plain] (or no markup at all) stays plain text, escaped when shown
        ("[plain]Colour? {=<p>yellow</p> ~red}", "plain", "<p>yellow</p>", ""),
        ("Is a < b? {=yes#since 1 < 2 ~no}", "plain", "yes", "since 1 < 2"),
        # a [plain] answer in an HTML question is escaped into HTML
        (
            "[html]Tag? {=[plain]<b> & <i>#[plain]x < y ~none}",
            "html",
            "&lt;b&gt; &amp; &lt;i&gt;",
            "x &lt; y",
        ),
        # [markdown] in an HTML question is rendered; [moodle] keeps its line breaks
        ("[html]Q? {=[markdown]*yes* ~no}", "html", "<p><em>yes</em></p>", ""),
        ("[html]Q? {=[moodle]one\\ntwo ~no}", "html", "one<br>\ntwo", ""),
    ],
)
def test_html_text_follows_moodle(source, text_format, choice, feedback):
    found, question = formats_of(source)
    assert found == text_format
    assert (question.choices[0].text, question.choices[0].feedback) == (choice, feedback)


def test_an_html_question_converts_its_plain_and_markdown_texts():
    found, question = formats_of("[markdown]Is *this* right?{FALSE#[plain]No <b>#[html]<p>Yes</p>}")
    assert found == "html"
    assert question.text == "<p>Is <em>this</em> right?</p>"
    assert (question.feedback_true, question.feedback_false) == ("No &lt;b&gt;", "<p>Yes</p>")


def test_what_learners_type_or_pick_from_a_list_is_never_html():
    _, short = formats_of("[html]<p>Colour?</p> {=<b>yellow</b>#<p>Yes</p>}")
    assert short.choices == (Choice("<b>yellow</b>", 1.0, "<p>Yes</p>"),)
    _, matching = formats_of("Match {=<i>a</i> -> <b>1</b> =b -> 2}")
    assert matching.text_format == "html"
    assert matching.pairs == (Pair("<i>a</i>", "<b>1</b>"), Pair("b", "2"))


def test_plain_text_that_looks_like_html_is_written_as_plain():
    question = single("Which tag makes bold?", Choice("<b>", 1.0), Choice("<i>", 0.0, "&amp;"))
    text = dump_gift([question])
    assert text.startswith("[plain]Which tag")
    assert parse_gift(text).questions == (question,)


def test_the_question_rules_are_reported_at_the_question_line():
    long = "x" * 5001
    source = (
        "Fine {T}\n\n"  # 1
        "Pick {=A ~A}\n\n"  # 3
        "Match {=a -> 1 =a -> 2}\n\n"  # 5
        f"{long} {{T}}\n\n"  # 7
        f"::{'t' * 201}:: Titled {{T}}\n\n"  # 9
        "Single {=a ~b ~b}\n"  # 11
    )
    assert problems_in(source) == [
        (3, "Two choices have the same text."),
        (5, "Two prompts have the same text."),
        (7, "Keep the question under 5000 characters."),
        (9, "The title is too long. Use at most 200 characters (this has 201)."),
        (11, "Two choices have the same text."),
    ]


GOOD = "::T:: Capital of France? {=Paris ~Lyon}\n\nSpider legs? {#8}\n"


@pytest.mark.parametrize(
    "encoded",
    [
        GOOD.encode("utf-8"),
        GOOD.encode("utf-8-sig"),
        GOOD.encode("utf-16"),  # with a byte-order mark
        codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"),
        GOOD.encode("utf-16-le"),  # no byte-order mark
        GOOD.encode("utf-16-be"),
        ("Château? {T}\n\n" + GOOD).encode("utf-16-le"),  # not only ASCII
    ],
)
def test_utf8_and_utf16_files_read_alike(encoded):
    assert read_gift_file(encoded, 1 << 20).questions[-2:] == parse_gift(GOOD).questions


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"Caf\xe9? {=a ~b}", Problem(1, "the file is not valid UTF-8 text: save it as UTF-8")),
        (b"Q? {T}\n\nR\xff? {T}", Problem(3, "the file is not valid UTF-8 text: save it as UTF-8")),
        (GOOD.encode("utf-32"), Problem(0, "the file is UTF-32 text: save it as UTF-8")),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            Problem(0, "the file is not text (it holds zero bytes)"),
        ),
        (b"Q? {T}\n\nR\x00? {T}", Problem(0, "the file is not text (it holds zero bytes)")),
    ],
)
def test_other_encodings_and_binary_files_are_refused_with_a_message(data, problem):
    with pytest.raises(GiftError) as caught:
        read_gift_file(data, 1 << 20)
    assert caught.value.problems == [problem]


def test_a_nul_character_is_refused_at_its_line():
    assert problems_in("Q? {T}\n\nR\x00? {T}") == [
        (3, "a NUL character: save the file as plain text")
    ]


def test_a_file_over_the_size_cap_is_refused_before_it_is_read():
    limit = 1 << 20
    at_the_cap = (GOOD + "\n" * (limit - len(GOOD))).encode()
    assert len(at_the_cap) == limit and read_gift_file(at_the_cap, limit).questions
    with pytest.raises(GiftError) as caught:
        read_gift_file(at_the_cap + b"\n", limit)
    assert caught.value.problems == [Problem(0, "the file is larger than the limit of 1 MiB")]
    assert str(caught.value) == "the file is larger than the limit of 1 MiB"
    with pytest.raises(GiftError, match="limit of 1,000 bytes"):
        check_size(1001, 1000)


def test_utf16_without_a_byte_order_mark_may_mix_scripts():
    text = "::Ā:: Āā Latin Extended, ASCII and 中文? {=yes ~no}\n" * 3
    for encoding in ("utf-16-le", "utf-16-be"):
        questions = read_gift_file(text.replace("\n", "\n\n").encode(encoding), 1 << 20).questions
        assert [q.title for q in questions] == ["Ā"] * 3


# --- essays --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text", "general"),
    [
        ("// intro\n\nWrite about it. {}", "Write about it.", ""),
        ("::Sponsor:: Why a sponsor? {\n}", "Why a sponsor?", ""),
        ("Why? {####A sponsor owns the reason.}", "Why?", "A sponsor owns the reason."),
        ("A project needs {} to start.", "A project needs _____ to start.", ""),
    ],
)
def test_an_empty_block_is_an_essay_and_writes_back_as_one(source, text, general):
    (question,) = parse_gift(source).questions
    assert question.kind is Kind.ESSAY
    assert (question.text, question.general_feedback, question.rubric) == (text, general, "")
    written = dump_gift([question])
    assert "{}" in written or "{####" in written
    assert parse_gift(written).questions == (question,)


def test_an_essays_rubric_has_no_gift_syntax_so_export_leaves_it_out():
    question = Question(Kind.ESSAY, "Why a sponsor?", rubric="Names who decides.")
    assert dump_gift([question]) == "Why a sponsor? {}\n"
    assert parse_gift(dump_gift([question])).questions[0].rubric == ""
