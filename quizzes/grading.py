"""Grading as pure functions: a registry of question kinds, one grader each.

No Flask and no database here. A grader takes a question (spec.Question) and the
learner's answer and returns a Grade. The rules, one line each:

- single choice: the chosen option's weight (1 right, 0 wrong, between for a near miss; a
  negative weight, as Moodle exports for negative marking, scores 0: never below zero).
- multiple choice: the sum of the chosen options' weights, clamped to [0, 1] — each right
  option adds its share, each wrong one takes its share away, never below zero; or, when
  the quiz says all-or-nothing, 1 only for exactly the right set.
- true/false: 1 when the answer matches, else 0.
- short text: the best weight among accepted answers that match after normalising case,
  width, spacing and the punctuation that carries no meaning (see `normalise_text`); `*`
  in an accepted answer matches any run of characters.
- numeric: the best weight among accepted numbers (value ± tolerance, or a range); a
  number that matches none scores 0 with the "any other answer" entry's feedback.
- matching: the share of prompts paired with their right answer.
- ordering: the share of adjacent pairs in the learner's order that are also adjacent, in
  that order, in the right one (n items make n - 1 pairs): all in order scores 1, exactly
  reversed scores 0, one item moved elsewhere loses the pairs it broke and made.
- essay: graded by a person. At submit an answered essay is pending (0 points so far) and
  an unanswered one scores 0; the grader's score, from 0 to the question's points, is the
  fraction `mark` turns it into.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from coursework.i18n import _
from quizzes.spec import Question


class Outcome(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    UNANSWERED = "unanswered"
    PENDING = "pending"  # waiting for a person to grade it (essays)


@dataclass(frozen=True)
class Grade:
    fraction: float  # 0..1 of the question's points
    points: float  # points awarded
    outcome: Outcome
    feedback: tuple[str, ...] = ()  # feedback for the answer given, per choice


def _grade(question: Question, fraction: float, feedback: Sequence[str] = ()) -> Grade:
    fraction = min(1.0, max(0.0, fraction))
    if math.isclose(fraction, 1.0):
        fraction, outcome = 1.0, Outcome.CORRECT
    elif fraction <= 0:
        fraction, outcome = 0.0, Outcome.INCORRECT
    else:
        outcome = Outcome.PARTIAL
    return Grade(
        fraction=fraction,
        points=round(fraction * question.points, 6),
        outcome=outcome,
        feedback=tuple(text for text in feedback if text),
    )


def _unanswered() -> Grade:
    return Grade(0.0, 0.0, Outcome.UNANSWERED)


def grade_single(question: Question, answer: Any, **_: Any) -> Grade:
    """`answer` is the index of the chosen option."""
    if not isinstance(answer, int) or isinstance(answer, bool):
        return _unanswered()
    if not 0 <= answer < len(question.choices):
        return _unanswered()
    choice = question.choices[answer]
    return _grade(question, choice.weight, [choice.feedback])


def grade_multiple(question: Question, answer: Any, *, all_or_nothing: bool = False) -> Grade:
    """`answer` is a collection of the chosen options' indices."""
    if not isinstance(answer, set | frozenset | list | tuple):
        return _unanswered()
    chosen = {i for i in answer if isinstance(i, int) and 0 <= i < len(question.choices)}
    if not chosen:
        return _unanswered()
    feedback = [question.choices[i].feedback for i in sorted(chosen)]
    if all_or_nothing:
        right = {i for i, choice in enumerate(question.choices) if choice.is_correct}
        return _grade(question, 1.0 if chosen == right else 0.0, feedback)
    return _grade(question, sum(question.choices[i].weight for i in chosen), feedback)


def grade_true_false(question: Question, answer: Any, **_: Any) -> Grade:
    if not isinstance(answer, bool):
        return _unanswered()
    feedback = question.feedback_true if answer else question.feedback_false
    return _grade(question, 1.0 if answer == question.answer else 0.0, [feedback])


# Punctuation that changes what an answer says, so it is kept: a sign before a number (-5
# is not 5), + and # anywhere (C++, C#, +1), and a point inside a number or a word (3.5,
# node.js). Every other run of punctuation, or of spaces, is one space.
_MEANINGFUL = re.compile(
    r"(?<![^\W_])[-+](?=\.?[0-9])"  # a sign: not after a letter or digit, before a number
    r"|(?<=[^\W_])\.(?=[^\W_])"  # a point between letters or digits
    r"|(?<![^\W_])(?<!\.)\.(?=[0-9])"  # a leading point: .5 (not the last of "...5")
    r"|[+#]"
    r"|[^\W_]+"
)
# Minus signs and dashes people type for a negative number, as the ASCII hyphen-minus.
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"})


def normalise_text(text: str) -> str:
    """Case, width, spacing and punctuation that carries no meaning stop mattering; signs,
    + and #, and points inside numbers and words stay (so "C" is not "C++", "5" not "-5")."""
    # NFKC again after casefold, which can undo it (so normalising twice changes nothing).
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    folded = folded.translate(_MINUS)
    words: list[str] = []
    end = -1
    for match in _MEANINGFUL.finditer(folded):
        # Adjacent pieces stay joined ("c++", "-5", "3.5"); a gap of anything else is a space.
        if match.start() == end and words:
            words[-1] += match.group()
        else:
            words.append(match.group())
        end = match.end()
    return " ".join(words)


def _accepted_pattern(accepted: str) -> re.Pattern[str]:
    parts = [normalise_text(part) for part in accepted.split("*")]
    return re.compile(".*".join(re.escape(part) for part in parts))


def short_text_matches(accepted: str, typed: str) -> bool:
    if "*" in accepted:
        return _accepted_pattern(accepted).fullmatch(normalise_text(typed)) is not None
    return normalise_text(accepted) == normalise_text(typed)


def grade_short_text(question: Question, answer: Any, **_: Any) -> Grade:
    if not isinstance(answer, str) or not answer.strip():
        return _unanswered()
    matches = [c for c in question.choices if short_text_matches(c.text, answer)]
    if not matches:
        return _grade(question, 0.0)
    best = max(matches, key=lambda choice: choice.weight)
    return _grade(question, best.weight, [best.feedback])


# How learners in the interface's languages may write a number, to the plain form: the
# Arabic decimal and thousands separators, the minus sign, and the direction marks a
# right-to-left keyboard or a paste leaves around digits. Arabic-Indic digits themselves
# need nothing: Python reads every decimal digit.
_NUMBER_SIGNS = str.maketrans(
    {"\u066b": ".", "\u066c": None, "\u2212": "-"}
    | dict.fromkeys(["\u200e", "\u200f", "\u061c", "\u2066", "\u2067", "\u2068", "\u2069"])
)


def parse_number(text: Any) -> float | None:
    """A learner's number: '3', ' 3.50 ', '-2', '1e3', '3,5' (a lone comma as the decimal
    point), '12 345,5' (any space groups digits), 3.5 in Arabic-Indic digits with the Arabic
    decimal separator; None when it is not a number."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) if math.isfinite(text) else None
    if not isinstance(text, str):
        return None
    cleaned = "".join(text.translate(_NUMBER_SIGNS).split())
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def grade_numeric(question: Question, answer: Any, **_: Any) -> Grade:
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return _unanswered()
    number = parse_number(answer)
    accepted = [n for n in question.numbers if number is not None and n.accepts(number)]
    if not accepted:
        # Nothing matched: Moodle's "any other answer" entry, if there is one, says why.
        return _grade(question, 0.0, [n.feedback for n in question.numbers if n.is_other])
    best = max(accepted, key=lambda n: n.weight)
    return _grade(question, best.weight, [best.feedback])


def grade_matching(question: Question, answer: Any, **_: Any) -> Grade:
    """`answer` maps each prompt's index to the answer text chosen for it."""
    if not isinstance(answer, Mapping) or not question.pairs:
        return _unanswered()
    given = {int(k): v for k, v in answer.items() if str(k).isdigit() and isinstance(v, str) and v}
    if not given:
        return _unanswered()
    right = sum(given.get(i) == pair.answer for i, pair in enumerate(question.pairs))
    return _grade(question, right / len(question.pairs))


def grade_ordering(question: Question, answer: Any, **_: Any) -> Grade:
    """`answer` is the items' authored (right) positions in the order the learner put them."""
    size = len(question.choices)
    if not isinstance(answer, list | tuple) or size < 2:
        return _unanswered()
    if sorted(i for i in answer if isinstance(i, int) and not isinstance(i, bool)) != list(
        range(size)
    ):
        return _unanswered()
    kept = sum(1 for first, second in pairwise(answer) if second == first + 1)
    return _grade(question, kept / (size - 1))


def grade_essay(question: Question, answer: Any, **_: Any) -> Grade:
    """`answer` is the essay's text. Only a person can grade it: pending until they do."""
    if not isinstance(answer, str) or not answer.strip():
        return _unanswered()
    return Grade(0.0, 0.0, Outcome.PENDING)


def mark(question: Question, points: float) -> Grade:
    """A grader's score for a question (an essay): from 0 to its points, as a Grade."""
    if not (math.isfinite(points) and 0 <= points <= question.points):
        raise ValueError(f"a score from 0 to {question.points:g}")
    return _grade(question, points / question.points)


Grader = Callable[..., Grade]


def grade(question: Question, answer: Any, *, all_or_nothing: bool = False) -> Grade:
    """Grade one answer to one question with its kind's grader; never raises for a malformed
    answer. (Each kind in quizzes/kinds/ names its grader among the functions above.)"""
    from quizzes.kinds import kind_of  # the kinds import the graders, not the other way

    return kind_of(question.kind).grade(question, answer, all_or_nothing)


class GradingMethod(StrEnum):
    HIGHEST = "highest"
    LATEST = "latest"
    FIRST = "first"
    AVERAGE = "average"

    @property
    def label(self) -> str:
        return {
            "highest": _("Highest attempt"),
            "latest": _("Latest attempt"),
            "first": _("First attempt"),
            "average": _("Average of attempts"),
        }[self.value]


def overall_percent(percents: Sequence[float], method: GradingMethod) -> float | None:
    """The quiz grade across submitted attempts (in the order they were made)."""
    if not percents:
        return None
    if method is GradingMethod.HIGHEST:
        return max(percents)
    if method is GradingMethod.LATEST:
        return percents[-1]
    if method is GradingMethod.FIRST:
        return percents[0]
    return statistics.fmean(percents)


def percent(points: float, max_points: float) -> float:
    return round(100 * points / max_points, 2) if max_points > 0 else 0.0
