"""How each question of a quiz performs: pure functions over plain values, no Flask, no database.

The measures follow Moodle's quiz statistics report
(https://docs.moodle.org/dev/Quiz_statistics_calculations):

- facility index: the mean score on the question as a share of its points, in %. High means
  easy, low means hard.
- standard deviation: the spread of those scores, in % of the question's points.
- discrimination index: the correlation (Pearson's r, times 100) between the score on this
  question and the score on the rest of the test (the attempt's points on the other
  questions). Positive when learners who do well on the rest of the quiz also do well on this
  question; near zero or negative when the question does not tell strong learners from weak
  ones, which often means the answer key or the wording needs a look. Undefined (None) for
  fewer than two attempts, or when either score is the same in every attempt.

Which attempts count is the caller's choice: every submitted attempt (Moodle's default, "all
graded attempts"), or each learner's first (`first_attempts`).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from coursework.i18n import _

# Moodle's rule of thumb for the discrimination index, in %.
GOOD_DISCRIMINATION = 30
WEAK_DISCRIMINATION = 20
# Questions nearly everyone gets right (or wrong) tell you little about anyone.
VERY_EASY = 95
VERY_HARD = 5

# Spreadsheet programs run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ResponseScore:
    """One attempt's score on one question."""

    fraction: float  # 0..1 of the question's points
    points: float
    answered: bool = True


@dataclass(frozen=True)
class AttemptScore:
    """A submitted attempt, reduced to what the statistics need.

    `responses` holds only the questions this attempt counts towards (the caller leaves out
    questions that were different, or absent, in the version the learner was shown).
    """

    learner: int
    number: int
    points: float  # the attempt's total points, over every question it was shown
    percent: float
    responses: Mapping[int, ResponseScore] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionStats:
    key: int
    attempts: int  # attempts that were shown this question
    answered: int  # ... and gave an answer
    facility: float | None  # %
    spread: float | None  # standard deviation, % of the question's points
    discrimination: float | None  # %

    @property
    def notes(self) -> tuple[str, ...]:
        return question_notes(self)


@dataclass(frozen=True)
class Bin:
    low: int  # %
    high: int  # %, inclusive for the last bin only
    count: int

    @property
    def label(self) -> str:
        return _("%(low)s to %(high)s%%", low=self.low, high=self.high)


def first_attempts(attempts: Iterable[AttemptScore]) -> list[AttemptScore]:
    """Each learner's earliest submitted attempt."""
    first: dict[int, AttemptScore] = {}
    for attempt in attempts:
        kept = first.get(attempt.learner)
        if kept is None or attempt.number < kept.number:
            first[attempt.learner] = attempt
    return sorted(first.values(), key=lambda attempt: (attempt.learner, attempt.number))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient; None for fewer than two pairs or no variation."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys must be the same length")
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    # Below this, the "variation" is floating-point noise in equal scores.
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    r = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def discrimination_index(
    question_points: Sequence[float], rest_points: Sequence[float]
) -> float | None:
    """100 times the correlation between a question's score and the rest of the test's score."""
    r = pearson(question_points, rest_points)
    return None if r is None else 100 * r


def question_stats(keys: Sequence[int], attempts: Sequence[AttemptScore]) -> list[QuestionStats]:
    """The statistics of each question (by key, in the order given) over these attempts."""
    result = []
    for key in keys:
        scores = [(a, a.responses[key]) for a in attempts if key in a.responses]
        fractions = [score.fraction for _, score in scores]
        result.append(
            QuestionStats(
                key=key,
                attempts=len(scores),
                answered=sum(1 for _, score in scores if score.answered),
                facility=100 * statistics.fmean(fractions) if fractions else None,
                spread=100 * statistics.stdev(fractions) if len(fractions) > 1 else None,
                discrimination=discrimination_index(
                    [score.points for _, score in scores],
                    [attempt.points - score.points for attempt, score in scores],
                ),
            )
        )
    return result


def question_notes(stats: QuestionStats) -> tuple[str, ...]:
    """Plain-words hints on what the numbers suggest; empty when nothing stands out."""
    notes = []
    if stats.facility is not None and stats.attempts >= 2:
        if stats.facility >= VERY_EASY:
            notes.append(_("Very easy"))
        elif stats.facility <= VERY_HARD:
            notes.append(_("Very hard"))
    if stats.discrimination is not None:
        if stats.discrimination < 0:
            notes.append(_("Negative discrimination: check the answer key and wording"))
        elif stats.discrimination < WEAK_DISCRIMINATION:
            notes.append(_("Weak discrimination"))
    return tuple(notes)


def score_distribution(percents: Iterable[float], bins: int = 10) -> list[Bin]:
    """How many attempts scored in each band of 100/bins %; 100% falls in the last band."""
    width = 100 / bins
    counts = [0] * bins
    for value in percents:
        index = int(min(max(value, 0.0), 100.0) // width)
        counts[min(index, bins - 1)] += 1
    return [
        Bin(low=round(i * width), high=round((i + 1) * width), count=count)
        for i, count in enumerate(counts)
    ]


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will show as text rather than run: text starting with = + - @
    (or a tab or carriage return) gets a leading single quote. Numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False) -> str:
    """CSV text (RFC 4180 quoting: commas, quotes and line breaks inside cells are safe).
    With ``bom``, a byte-order mark first, as the organisation report has, so spreadsheets
    read the file as UTF-8 rather than mangle accented titles."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else csv_safe(cell) for cell in row])
    return out.getvalue()


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)
