"""An item-writing checker: advice on how a question is written, never a refusal.

Each rule is a small pure function over a question's plain form (`quizzes.spec.Question`)
with an id, a title and a one-line explanation of why it matters. The rules are the
classic flaws that let a test-wise learner answer without knowing the material (Haladyna,
Downing and Rodriguez, "A review of multiple-choice item-writing guidelines", 2002):
the right option is the longest, "all of the above", absolute words only in the wrong
options, unemphasised negatives, words echoed from the stem, overlapping options,
near-duplicate questions, and true/false statements lifted from the lesson.

`check_question` runs every rule on one question; `check_questions` runs them over a
course's questions, each compared with the others for near duplicates. Nothing here
touches Flask or the database, so the authoring pages, the API, the GIFT import and the
test suite all call the same functions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from quizzes.kinds import kind_of
from quizzes.spec import Question

# ---- what a finding is --------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One piece of advice: which rule, what it saw, and where ("choice 2", "question text")."""

    rule: str
    message: str
    where: str = "question"
    question: str = ""  # which question, when a list of questions was checked

    @property
    def explanation(self) -> str:
        return RULES[self.rule].explanation

    @property
    def title(self) -> str:
        return RULES[self.rule].title


@dataclass(frozen=True)
class Context:
    """What a rule may compare a question with: the course's other questions (label and
    question) and the text of its lessons."""

    others: Sequence[tuple[str, Question]] = ()
    lesson_texts: Sequence[str] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    explanation: str
    check: Callable[[Question, Context], Iterable[Finding]] = field(repr=False)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, title: str, explanation: str):
    """Register a rule; the function yields its findings for one question."""

    def register(check: Callable[[Question, Context], Iterable[Finding]]):
        RULES[rule_id] = Rule(rule_id, title, explanation, check)
        return check

    return register


def check_question(question: Question, context: Context | None = None) -> list[Finding]:
    """Every rule's findings for one question (an empty list when it is well written)."""
    context = context or Context()
    return [finding for each in RULES.values() for finding in each.check(question, context)]


def check_questions(
    questions: Sequence[tuple[str, Question]], lesson_texts: Sequence[str] = ()
) -> list[Finding]:
    """Check labelled questions (a course's, say), each against the others for duplicates.

    A near-duplicate pair is reported once, on the later question."""
    findings: list[Finding] = []
    for index, (label, question) in enumerate(questions):
        context = Context(others=questions[:index], lesson_texts=lesson_texts)
        findings.extend(
            Finding(f.rule, f.message, f.where, label) for f in check_question(question, context)
        )
    return findings


# ---- words --------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Function words, and words any question about any subject may use, are never cues.
_STOPWORD_TEXT = """
    a an the and or but nor of to in on for with by at from as into onto about over under
    after before than then so if is are was were be been being am it its it's this that
    these those which what who whom whose when where why how do does did done has have had
    having can could may might will would should shall must not no yes their they them he
    she his her him you your we our us i me my one two three such other others each both any
    some more most also just own same very there here up out per via usually typically often
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_stemmer = snowballstemmer.stemmer("english")


def plain(text: str) -> str:
    """A question's text as a learner reads it: tags dropped, entities decoded."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def words(text: str) -> list[str]:
    return _WORD.findall(plain(text).lower().replace("\u2019", "'"))


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word.removesuffix("'s"))


def content_stems(text: str) -> set[str]:
    """The stems of a text's meaningful words ("documenting" and "documents" are one)."""
    return {_stem(word) for word in words(text) if word not in STOPWORDS}


def _quote(text: str, limit: int = 40) -> str:
    text = plain(text)
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


def _has_options(question: Question) -> bool:
    """The learner picks among options the author wrote (the rules on options apply)."""
    return kind_of(question.kind).picks_from_options


def _options(question: Question) -> bool:
    return _has_options(question) and len(question.choices) > 1


def _statement(question: Question) -> bool:
    return kind_of(question.kind).judges_a_statement


# ---- the rules ----------------------------------------------------------------------------


@rule(
    "longest-answer",
    "The right answer is the longest option",
    "Writers qualify the right answer until it is exactly true, so it grows longer than the "
    "rest; learners know this and pick the longest option. Give the options similar lengths.",
)
def _longest_answer(question: Question, context: Context) -> Iterable[Finding]:
    if not _options(question):
        return
    right = [c for c in question.choices if c.is_correct]
    wrong = [c for c in question.choices if not c.is_correct]
    if not right or not wrong:
        return
    shortest_right = min(len(plain(c.text)) for c in right)
    longest_wrong = max(len(plain(c.text)) for c in wrong)
    if kind_of(question.kind).picks_one:
        best = max(c.weight for c in right)
        right = [c for c in right if c.weight == best]
        if len(right) == 1 and len(plain(right[0].text)) > longest_wrong:
            yield Finding(
                "longest-answer",
                f"The right answer {_quote(right[0].text)} is longer than every other option.",
                f"choice {question.choices.index(right[0]) + 1}",
            )
    elif shortest_right > longest_wrong:
        yield Finding(
            "longest-answer", "Every right option is longer than every wrong one.", "choices"
        )


_ABOVE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|those)\b", re.IGNORECASE)


@rule(
    "all-or-none-of-the-above",
    "“All of the above” or “None of the above”",
    "A learner who spots two right options knows “all of the above” is right without "
    "knowing the third, and “none of the above” tests only what is wrong. Write real options.",
)
def _all_or_none(question: Question, context: Context) -> Iterable[Finding]:
    if not _has_options(question):
        return
    for number, choice in enumerate(question.choices, start=1):
        if _ABOVE.search(plain(choice.text)):
            yield Finding(
                "all-or-none-of-the-above",
                f"The option {_quote(choice.text)} refers to the other options.",
                f"choice {number}",
            )


_ABSOLUTE_TEXT = """
    always never all none every everyone everything nothing nobody only must completely
    entirely totally guaranteed impossible invariably absolutely
"""
ABSOLUTE_WORDS = frozenset(_ABSOLUTE_TEXT.split())


def _absolutes(text: str) -> list[str]:
    return sorted({word for word in words(text) if word in ABSOLUTE_WORDS})


@rule(
    "absolute-words",
    "Absolute words only in wrong answers",
    "Few things are always or never so, and learners know it: when words such as always, "
    "never, only or must appear only in the wrong options, or in a false statement, they "
    "give the answer away. Use them in right answers too, or not at all.",
)
def _absolute_words(question: Question, context: Context) -> Iterable[Finding]:
    if _statement(question):
        found = _absolutes(question.text)
        if question.answer is False and found:
            yield Finding(
                "absolute-words",
                f"The statement is false and says “{'”, “'.join(found)}”.",
                "question text",
            )
        return
    if not _options(question):
        return
    right = [c for c in question.choices if c.is_correct]
    if any(_absolutes(c.text) for c in right):
        return
    for number, choice in enumerate(question.choices, start=1):
        found = _absolutes(choice.text)
        if not choice.is_correct and found:
            yield Finding(
                "absolute-words",
                f"Only a wrong option says “{'”, “'.join(found)}”: {_quote(choice.text)}.",
                f"choice {number}",
            )


# "at least" is a minimum, not a negative.
_NEGATIVE = re.compile(r"\b(not|except|(?<!at )least|cannot|\w+n['\u2019]t)\b", re.IGNORECASE)
# Emphasis an author may give a negative: a tag, or Markdown's ** and __.
_EMPHASIS = re.compile(
    r"<(strong|b|em|u|mark)\b[^>]*>.*?</\1>|\*\*.+?\*\*|__.+?__", re.IGNORECASE | re.DOTALL
)


@rule(
    "negative-stem",
    "A negative without emphasis",
    "Readers skim past “not” and “except” and answer the opposite question. Ask it the "
    "positive way, or make the negative stand out: NOT in capitals, or in bold.",
)
def _negative_stem(question: Question, context: Context) -> Iterable[Finding]:
    unemphasised = _EMPHASIS.sub(" ", question.text)
    if question.text_format == "html" or "<" in unemphasised:
        unemphasised = html.unescape(_TAG.sub(" ", unemphasised))
    for match in _NEGATIVE.finditer(unemphasised):
        word = match.group(0)
        if word != word.upper():
            yield Finding(
                "negative-stem",
                f"“{word}” is easy to miss: write it in capitals or bold, or ask positively.",
                "question text",
            )
            return


@rule(
    "stem-cue",
    "The right answer repeats a word of the question",
    "When the right option shares a word with the question and no wrong option does, the "
    "learner can match words instead of knowing the answer. Reword the option, or let a "
    "wrong option use the word too.",
)
def _stem_cue(question: Question, context: Context) -> Iterable[Finding]:
    if not _options(question):
        return
    stem = content_stems(question.text)
    wrong = [content_stems(c.text) for c in question.choices if not c.is_correct]
    if not wrong:
        return
    echoed_by_wrong = set().union(*wrong)
    for number, choice in enumerate(question.choices, start=1):
        if not choice.is_correct:
            continue
        cues = sorted((content_stems(choice.text) & stem) - echoed_by_wrong)
        if cues:
            shared = [w for w in words(choice.text) if _stem(w) in cues]
            yield Finding(
                "stem-cue",
                f"Only the right answer repeats “{'”, “'.join(dict.fromkeys(shared))}” "
                "from the question.",
                f"choice {number}",
            )


@rule(
    "overlapping-options",
    "One option contains another",
    "When one option says everything another says and more, both are right or the longer "
    "one is, and learners can reason from the options alone. Make the options exclusive.",
)
def _overlapping(question: Question, context: Context) -> Iterable[Finding]:
    if not _options(question):
        return
    texts = [" ".join(words(c.text)) for c in question.choices]
    for i, inner in enumerate(texts):
        if not content_stems(inner):
            continue
        for j, outer in enumerate(texts):
            if i != j and inner != outer and f" {inner} " in f" {outer} ":
                yield Finding(
                    "overlapping-options",
                    f"Choice {j + 1} {_quote(question.choices[j].text)} contains choice "
                    f"{i + 1} {_quote(question.choices[i].text)}.",
                    f"choice {j + 1}",
                )
        if texts.count(inner) > 1 and texts.index(inner) < i:
            yield Finding(
                "overlapping-options",
                f"Choice {i + 1} repeats choice {texts.index(inner) + 1}.",
                f"choice {i + 1}",
            )


# Two questions are near duplicates when this share of their meaningful words is common.
DUPLICATE_SIMILARITY = 0.7


def _signature(question: Question) -> set[str]:
    """What a question asks and answers, as stems: its text and its right answers."""
    stems = content_stems(question.text)
    for choice in question.choices:
        if choice.is_correct:
            stems |= content_stems(choice.text)
    for pair in question.pairs:
        stems |= content_stems(f"{pair.prompt} {pair.answer}")
    return stems


def similarity(first: Question, second: Question) -> float:
    a, b = _signature(first), _signature(second)
    if len(a) < 3 or len(b) < 3:
        return 1.0 if a == b and a else 0.0
    return len(a & b) / len(a | b)


@rule(
    "duplicate-question",
    "A duplicate or near-duplicate question",
    "Two questions asking the same thing test memory of the first, not understanding, and "
    "a second attempt turns into a recall test. Ask about another fact, or in another way.",
)
def _duplicate(question: Question, context: Context) -> Iterable[Finding]:
    for label, other in context.others:
        score = similarity(question, other)
        if score >= DUPLICATE_SIMILARITY:
            yield Finding(
                "duplicate-question",
                f"It asks much the same as {label} ({score:.0%} of their words are shared).",
            )


# A true/false statement sharing this many words in a row with a lesson was copied from it.
COPIED_RUN = 7
_MARKUP = re.compile(r"[*_`#>|\[\]()]|^-{3}.*?^-{3}", re.MULTILINE | re.DOTALL)


def _lesson_words(text: str) -> list[str]:
    return words(_MARKUP.sub(" ", text))


def longest_shared_run(statement: str, lesson: str) -> list[str]:
    """The longest run of words a statement shares, in order, with a lesson."""
    said, taught = words(statement), _lesson_words(lesson)
    best: list[str] = []
    # Dynamic programming over the two word lists; a statement is a sentence, so it is cheap.
    previous = [0] * (len(taught) + 1)
    for i in range(1, len(said) + 1):
        current = [0] * (len(taught) + 1)
        for j in range(1, len(taught) + 1):
            if said[i - 1] == taught[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > len(best):
                    best = said[i - current[j] : i]
        previous = current
    return best


@rule(
    "copied-statement",
    "A true/false statement copied from the lesson",
    "A statement lifted from the lesson is recognised, not understood: a learner who "
    "remembers the sentence's sound answers it. Say it in new words, or as a case.",
)
def _copied(question: Question, context: Context) -> Iterable[Finding]:
    if not _statement(question):
        return
    for lesson in context.lesson_texts:
        run = longest_shared_run(question.text, lesson)
        if len(run) >= COPIED_RUN:
            yield Finding(
                "copied-statement",
                f"{len(run)} words in a row come from a lesson: “{' '.join(run)}”.",
                "question text",
            )
            return
