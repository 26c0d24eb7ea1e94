"""The item-writing checker: each rule with a question that breaks it and one that does not."""

from __future__ import annotations

import pytest

from quizzes.checker import RULES, Context, check_question, check_questions
from quizzes.objectives import objective_ids, objective_tags
from quizzes.spec import Choice, Kind, Pair, Question


def single(text: str, right: str, *wrong: str) -> Question:
    return Question(
        Kind.SINGLE, text, choices=(Choice(right, 1.0), *(Choice(w, 0.0) for w in wrong))
    )


def statement(text: str, answer: bool) -> Question:
    return Question(Kind.TRUE_FALSE, text, answer=answer)


def rules_of(question: Question, context: Context | None = None) -> set[str]:
    return {finding.rule for finding in check_question(question, context)}


LESSON = (
    "## Planning\n\nA **generalist project manager** can lead a project of *any* type, and "
    "looks after the schedule, the resources and the budget."
)

# rule id -> (a question that breaks it, a question that does not), with any context.
EXAMPLES: dict[str, tuple[Question, Question, Context]] = {
    "longest-answer": (
        single("Which planet is largest?", "Jupiter, the gas giant", "Mars", "Venus"),
        single("Which planet is largest?", "Jupiter", "Mars, the red one", "Venus"),
        Context(),
    ),
    "all-or-none-of-the-above": (
        single("Which are planets?", "All of the above", "Mars", "Venus"),
        single("Which is a planet?", "Mars", "The Moon", "The Sun"),
        Context(),
    ),
    "absolute-words": (
        single("When does a cat sleep?", "In the day", "Never at all", "Only at noon"),
        single("When does a cat sleep?", "In the day", "At dawn", "At twilight"),
        Context(),
    ),
    "negative-stem": (
        single("Which of these is not a planet?", "Pluto", "Mars", "Venus"),
        single("Which of these is NOT a planet?", "Pluto", "Mars", "Venus"),
        Context(),
    ),
    "stem-cue": (
        single(
            "Which document shows the cost?", "The cost estimate", "The system diagram", "The plan"
        ),
        single("Which document shows the price?", "The estimate", "The system diagram", "The plan"),
        Context(),
    ),
    "overlapping-options": (
        single("How long?", "Five years", "Five years or more", "Two years"),
        single("How long?", "Five years", "Eleven years", "Two years"),
        Context(),
    ),
    "duplicate-question": (
        single("Which planet has the great red spot?", "Jupiter", "Mercury", "Venus"),
        single("Which planet has rings you can see?", "Saturn", "Mercury", "Venus"),
        Context(
            others=[("question 1", single("Which planet has a great red spot?", "Jupiter", "X"))]
        ),
    ),
    "copied-statement": (
        statement("A generalist project manager can lead a project of any type.", True),
        statement("A generalist is free to run projects in every field.", True),
        Context(lesson_texts=[LESSON]),
    ),
}


def test_every_rule_has_an_example_and_an_explanation():
    assert set(EXAMPLES) == set(RULES)
    for each in RULES.values():
        assert each.title and each.explanation.endswith(".")


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_a_rule_finds_the_flaw_and_leaves_the_good_question_alone(rule_id):
    bad, good, context = EXAMPLES[rule_id]
    assert rule_id in rules_of(bad, context)
    assert rules_of(good, context) == set()


def test_a_finding_says_where_and_why():
    finding = next(
        f
        for f in check_question(single("Which is largest?", "Jupiter, a giant", "Mars", "Venus"))
        if f.rule == "longest-answer"
    )
    assert finding.where == "choice 1"
    assert "Jupiter" in finding.message
    assert finding.explanation == RULES["longest-answer"].explanation


def test_longest_answer_in_multiple_choice_looks_at_every_right_option():
    bad = Question(
        Kind.MULTIPLE,
        "Which are gas giants?",
        choices=(
            Choice("Jupiter, the largest", 0.5),
            Choice("Saturn, with its rings", 0.5),
            Choice("Mars", 0.0),
        ),
    )
    good = Question(
        Kind.MULTIPLE,
        "Which are gas giants?",
        choices=(Choice("Jupiter", 0.5), Choice("Saturn", 0.5), Choice("Mars, the red one", 0)),
    )
    assert "longest-answer" in rules_of(bad)
    assert "longest-answer" not in rules_of(good)


def test_absolute_words_in_a_false_statement_give_it_away():
    assert rules_of(statement("Cats always sleep at night.", False)) == {"absolute-words"}
    assert rules_of(statement("Cats always need water.", True)) == set()
    # In a right answer too, the word is no longer a cue.
    both = single("When?", "Always in the day", "Never at night", "At dawn")
    assert "absolute-words" not in rules_of(both)


def test_negatives_in_bold_html_or_markdown_count_as_emphasised():
    for text in (
        "Which is <strong>not</strong> a planet?",
        "Which is **not** a planet?",
        "Which planet does NOT have rings?",
    ):
        assert "negative-stem" not in rules_of(single(text, "Mars", "Saturn", "Uranus")), text
    assert "negative-stem" not in rules_of(statement("It needs at least a telescope.", True))
    for text in ("All of these are planets except which?", "Which planet doesn't have rings?"):
        assert "negative-stem" in rules_of(single(text, "Mars", "Saturn", "Uranus")), text


def test_a_cue_word_is_no_cue_when_a_wrong_option_repeats_it_too():
    question = single(
        "Which document shows the cost?", "The cost estimate", "The cost plan", "The diagram"
    )
    assert "stem-cue" not in rules_of(question)
    # Word forms count as one word: "documenting" echoes "documents".
    echo = single("Who documents components?", "The one documenting", "The buyer", "The seller")
    assert "stem-cue" in rules_of(echo)


def test_near_duplicates_are_reported_once_on_the_later_question():
    first = single("Which planet has a great red spot?", "Jupiter", "Mercury")
    again = single("Which planet has the great red spot?", "Jupiter", "Mercury")
    other = Question(Kind.MATCHING, "Match.", pairs=(Pair("Red", "Mars"), Pair("Ring", "Saturn")))
    findings = check_questions([("q1", first), ("q2", again), ("q3", other)])
    assert [(f.rule, f.question) for f in findings] == [("duplicate-question", "q2")]
    assert "q1" in findings[0].message


def test_copied_statements_are_read_through_the_lessons_markup():
    bad, _, context = EXAMPLES["copied-statement"]
    (finding,) = check_question(bad, context)
    assert "a generalist project manager can lead a project of any type" in finding.message


def test_the_checker_reads_html_questions_as_learners_see_them():
    question = single(
        "<p>Which planet is <em>largest</em>?</p>", "<b>Jupiter</b>", "Mars, a small one", "Venus"
    )
    assert rules_of(question) == set()


# ---- objectives in GIFT comments ------------------------------------------------------------


def test_objective_tags_belong_to_the_question_below_them():
    text = (
        "// Lesson quiz\n\n"
        "// [tag:objective-1.2]\n::First::\nQ? {T}\n\n"
        "// [tag:objective-2.1] [tag:objective-2.3]\n::Second::\nQ? {F}\n\n"
        "// [tag:objective-3.1]\n\n::Third::\nQ? {T}\n"
    )
    assert objective_tags(text) == {
        "First": ["1.2"],
        "Second": ["2.1", "2.3"],
        "Third": [],  # a blank line ends the comment's question block
    }


def test_objective_ids_number_each_lessons_objectives_from_one():
    assert objective_ids([(1, ["Know A", "Know B"]), (2, ["Know C"])]) == {
        "1.1": "Know A",
        "1.2": "Know B",
        "2.1": "Know C",
    }
