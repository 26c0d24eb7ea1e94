"""When a practised question comes back: the SM-2 algorithm of SuperMemo 2.

P. A. Wozniak, "Optimization of learning" (1990), chapter 3.2, "Application of a computer
to improve the results obtained in working with the SuperMemo method"; the algorithm is
published at https://super-memory.com/english/ol/sm2.htm. Each review gets a quality from 0
(blackout) to 5 (perfect); a quality below 3 starts the item again from a one-day interval
and leaves its easiness factor alone; otherwise the factor is adjusted (never below 1.3) and
the intervals run 1 day, 6 days, then the previous interval times the factor, rounded up.

Our additions: how a review's quality is read from a graded answer (`quality`); when a
question counts as remembered (`REMEMBERED_AFTER` right answers in a row, so a card leaves
the deck after right answers about 1, 6 and 16 days apart); and a question missed in a quiz
first comes back the next day. SM-2's step 7 (repeat the same day whatever scored below 4)
is left out: a daily session stays short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

FIRST_EASE = 2.5
LOWEST_EASE = 1.3
REMEMBERED_AFTER = 3  # right answers in a row, each after its own interval


@dataclass(frozen=True)
class Card:
    """A question's place in the schedule."""

    due_on: date
    interval: int = 0  # days from the last review to `due_on`
    ease: float = FIRST_EASE
    repetitions: int = 0  # right answers in a row
    lapses: int = 0  # times it was forgotten after being answered right

    @property
    def remembered(self) -> bool:
        return self.repetitions >= REMEMBERED_AFTER


# The answers to the pages' optional "How sure are you?" (anything else: not said).
SAID_SURE = {"sure": True, "unsure": False}


def sure_from(text: object) -> bool | None:
    return SAID_SURE.get(text) if isinstance(text, str) else None


def quality(fraction: float, sure: bool | None = None) -> int:
    """SM-2's 0 to 5 grade for an answer worth `fraction` of the question: a full answer is 5
    when the learner was sure, 3 when unsure (right, "with serious difficulty"), else 4; a
    part-right answer is 2 and a wrong one 1 (both start again)."""
    if fraction >= 1:
        return {True: 5, False: 3}.get(sure, 4)
    return 2 if fraction > 0 else 1


def missed(today: date) -> Card:
    """A question just missed in a quiz: first shown again the next day."""
    return Card(due_on=today + timedelta(days=1), interval=1)


def review(card: Card, grade: int, today: date) -> Card:
    """The card after a review of quality `grade` (0 to 5) on `today`."""
    if not 0 <= grade <= 5:
        raise ValueError("an SM-2 quality runs from 0 to 5")
    if grade < 3:
        lapses = card.lapses + (1 if card.repetitions else 0)
        return replace(card, due_on=today + timedelta(days=1), interval=1, repetitions=0,
                       lapses=lapses)  # fmt: skip
    ease = max(LOWEST_EASE, card.ease + 0.1 - (5 - grade) * (0.08 + (5 - grade) * 0.02))
    repetitions = card.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        interval = math.ceil(card.interval * ease)
    return replace(card, due_on=today + timedelta(days=interval), interval=interval,
                   ease=ease, repetitions=repetitions)  # fmt: skip
