"""The practice deck: questions enter it when a quiz misses them, come back when the
schedule says, and leave once remembered. A practice answer is graded by the question's
kind like a quiz answer, and recorded apart from quizzes: it never changes a grade."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select

from coursework import timezones
from coursework.accounts.models import User
from coursework.db import upsert, utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from quizzes import services as quizzes
from quizzes import spec as qspec
from quizzes.kinds import ShownQuestion, kind_of
from quizzes.models import Attempt, AttemptState, Quiz, QuizVersion, Response, ReviewShows
from quizzes.practice import schedule
from quizzes.practice.models import PracticeCard, PracticeReview

# A short daily session: at most this many reviews a day, the earliest due first.
SESSION_SIZE = 10


def today(user_id: int | None = None) -> date:
    """The learner's own date, in their time zone (UTC without a learner)."""
    if user_id is None:
        return timezones.today()
    return timezones.today_for(db.session.get(User, user_id))


# ---- entering the deck ------------------------------------------------------------------


def on_attempt_submitted(sender: Any = None, *, attempt: Attempt, **_: Any) -> None:
    add_missed(attempt)


def add_missed(attempt: Attempt, day: date | None = None) -> int:
    """Put each question the attempt did not answer fully right, or answered right but not
    sure, into its learner's deck, due the next day (a card already there starts again);
    the count added. Questions still waiting for a person's grade are left out."""
    day = day or today(attempt.user_id)
    missed = db.session.scalars(
        select(Response.question_key).where(
            Response.attempt_id == attempt.id,
            Response.fraction.is_not(None),
            (Response.fraction < 1) | Response.sure.is_(False),
        )
    ).all()
    kinds = {key: q.kind for key, q in quizzes.snapshot_questions(attempt.version).items()}
    keys = [key for key in missed if not kind_of(kinds[key]).graded_by_person]
    card = schedule.missed(day)
    upsert(
        db.session,
        PracticeCard,
        ("user_id", "quiz_id", "question_key"),
        [
            {
                "user_id": attempt.user_id,
                "quiz_id": attempt.quiz_id,
                "question_key": key,
                "version_id": attempt.version_id,
                "due_on": card.due_on,
                "interval_days": card.interval,
                "ease": card.ease,
                "repetitions": 0,
                "lapses": 0,
                "remembered_at": None,
                "layout": {},
                "created_at": utcnow(),
            }
            for key in sorted(keys)
        ],
    )
    return len(keys)


# ---- the daily session ------------------------------------------------------------------


def reviewed_today(user_id: int, day: date) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PracticeReview)
        .where(PracticeReview.user_id == user_id, PracticeReview.reviewed_on == day)
    )


def _due(user_id: int, day: date):
    return (
        select(PracticeCard)
        .join(Quiz, Quiz.id == PracticeCard.quiz_id)
        .where(
            PracticeCard.user_id == user_id,
            PracticeCard.due_on <= day,
            PracticeCard.remembered_at.is_(None),
            Quiz.published.is_(True),
        )
    )


def _servable(user_id: int, day: date) -> list[PracticeCard]:
    """Today's due cards, earliest first, of quizzes whose review policy lets this learner
    see by now whether an answer is right: practice must not give away what a quiz still
    withholds (a card waits, due, until the quiz shows it)."""
    cards = db.session.scalars(_due(user_id, day).order_by(PracticeCard.due_on, PracticeCard.id))
    user = db.session.get(User, user_id)
    allowed: dict[int, bool] = {}
    servable = []
    for card in cards:
        if card.quiz_id not in allowed:
            allowed[card.quiz_id] = shows(user, card.quiz).includes(ReviewShows.CORRECTNESS)
        if allowed[card.quiz_id]:
            servable.append(card)
    return servable


@dataclass(frozen=True)
class Session:
    """Today's practice for one learner: the cards still to come, earliest first, and how
    many were answered already."""

    cards: list[PracticeCard]
    done: int

    @property
    def left(self) -> int:
        return len(self.cards)

    @property
    def next(self) -> PracticeCard | None:
        return self.cards[0] if self.cards else None


def session_today(user_id: int, day: date | None = None) -> Session:
    """What today's session still holds: due cards up to SESSION_SIZE a day in all."""
    day = day or today(user_id)
    done = reviewed_today(user_id, day)
    room = SESSION_SIZE - done
    return Session(_servable(user_id, day)[:room] if room > 0 else [], done)


def due_today(user_id: int, day: date | None = None) -> int:
    """How many questions are left to practise today (what the session still has room for)."""
    return session_today(user_id, day).left


def next_card(user_id: int, day: date | None = None) -> PracticeCard | None:
    """The next card to practise today, or None when the session is over."""
    return session_today(user_id, day).next


def next_due_on(user_id: int) -> date | None:
    """When the deck next has something due, after today's session."""
    return db.session.scalar(
        select(func.min(PracticeCard.due_on)).where(
            PracticeCard.user_id == user_id, PracticeCard.remembered_at.is_(None)
        )
    )


def deck_size(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            PracticeCard.user_id == user_id, PracticeCard.remembered_at.is_(None)
        )
    )


def get_card(user_id: int, card_id: int) -> PracticeCard:
    card = db.session.get(PracticeCard, card_id)
    if card is None or card.user_id != user_id:
        raise NotFound(_("There is no practice question at this address."))
    return card


def _entry(card: PracticeCard) -> dict:
    return next(e for e in card.version.snapshot["questions"] if e["key"] == card.question_key)


def _shown(card: PracticeCard, layout: Mapping[str, Any]) -> ShownQuestion:
    return quizzes.shown_question(_entry(card), 1, layout)


def serve(card: PracticeCard) -> ShownQuestion:
    """The card's question, shuffled afresh for each review and kept until it is answered."""
    if not card.layout:
        card.layout = quizzes.arranged([_entry(card)], shuffle_choices=True)
        db.session.flush()
    return _shown(card, card.layout)


def answer(card: PracticeCard, values: Mapping[str, Any], day: date | None = None):
    """Grade an answer from the practice form and move the card on in the schedule."""
    day = day or today(card.user_id)
    # Locked, so a second click of the same button finds the card already moved on.
    locked = db.session.scalars(
        select(PracticeCard).where(PracticeCard.id == card.id).with_for_update()
    ).one()
    db.session.refresh(locked)
    if locked.remembered_at is not None or locked.due_on > day or not locked.layout:
        raise Conflict(_("This question is already answered; it comes back when it is due."))
    user = db.session.get(User, locked.user_id)
    if not shows(user, locked.quiz).includes(ReviewShows.CORRECTNESS):
        raise Conflict(
            _("This question's quiz does not show its marking yet; it waits until then.")
        )
    q = _shown(locked, locked.layout)
    typed = q.kind.from_form(q, values)
    if typed is None:
        raise RuleViolation(
            _("Answer the question first."), {"answer": [_("Answer the question.")]}
        )
    stored = q.kind.to_stored(typed)
    graded = q.grade(stored)
    quality = schedule.quality(graded.fraction, schedule.sure_from(values.get(f"{q.name}-sure")))
    moved = schedule.review(
        schedule.Card(
            locked.due_on, locked.interval_days, locked.ease, locked.repetitions, locked.lapses
        ),
        quality,
        day,
    )
    review = PracticeReview(
        card_id=locked.id,
        user_id=locked.user_id,
        quiz_id=locked.quiz_id,
        question_key=locked.question_key,
        reviewed_on=day,
        answer=stored,
        layout=locked.layout,
        fraction=graded.fraction,
        quality=quality,
        next_due_on=None if moved.remembered else moved.due_on,
    )
    locked.due_on = moved.due_on
    locked.interval_days = moved.interval
    locked.ease = moved.ease
    locked.repetitions = moved.repetitions
    locked.lapses = moved.lapses
    locked.layout = {}
    locked.remembered_at = utcnow() if moved.remembered else None
    db.session.add(review)
    db.session.flush()
    return review


def get_review(user_id: int, review_id: int) -> PracticeReview:
    review = db.session.get(PracticeReview, review_id)
    if review is None or review.user_id != user_id:
        raise NotFound(_("There is no practice answer at this address."))
    return review


def reviewed_question(review: PracticeReview) -> ShownQuestion:
    return _shown(review.card, review.layout)


def shows(user, quiz: Quiz) -> ReviewShows:
    """What practice may show of a question's marking: what its quiz's review policy lets
    this learner see today (cards of a quiz that shows less than right or wrong wait)."""
    return quizzes.shows_now(quiz, quizzes.standing(user, quiz))


def feedback(review: PracticeReview) -> tuple[str, ...]:
    """What the question's author wrote for the answer given, and for the question."""
    q = reviewed_question(review)
    graded = q.grade(review.answer)
    texts = [text for text in graded.feedback if text]
    if q.spec.general_feedback:
        texts.append(q.spec.general_feedback)
    return tuple(texts)


# ---- for managers: the questions people miss most ----------------------------------------

# Below this many people, a question's figures are withheld: they could point at someone.
SMALL_GROUP = 5


@dataclass(frozen=True)
class MissedQuestion:
    quiz_title: str
    text: str
    people: int  # who answered it, in quizzes or practice
    missed_by: int  # who missed it at least once
    practice_misses: int  # wrong practice answers

    @property
    def miss_rate(self) -> int:
        return round(100 * self.missed_by / self.people) if self.people else 0


@dataclass(frozen=True)
class MissedReport:
    questions: list[MissedQuestion]
    withheld: int  # questions answered by fewer than SMALL_GROUP people


def missed_most(user_ids, quiz_ids: list[int], limit: int = 20) -> MissedReport:
    """The questions of these quizzes that these people miss most, from their submitted
    attempts and their practice; `user_ids` is a subquery of the people (an organisation's
    members). Questions fewer than SMALL_GROUP people answered are only counted."""
    if not quiz_ids:
        return MissedReport([], 0)
    in_quizzes = (
        select(
            Attempt.quiz_id.label("quiz_id"),
            Response.question_key.label("question_key"),
            Attempt.user_id.label("user_id"),
            (Response.fraction < 1).label("missed"),
            func.cast(0, db.Integer).label("practice_miss"),
        )
        .join(Response, Response.attempt_id == Attempt.id)
        .where(
            Attempt.quiz_id.in_(quiz_ids),
            Attempt.user_id.in_(user_ids),
            Attempt.state == AttemptState.SUBMITTED.value,
            Response.fraction.is_not(None),
        )
    )
    in_practice = select(
        PracticeReview.quiz_id,
        PracticeReview.question_key,
        PracticeReview.user_id,
        (PracticeReview.fraction < 1).label("missed"),
        func.cast(PracticeReview.fraction < 1, db.Integer).label("practice_miss"),
    ).where(PracticeReview.quiz_id.in_(quiz_ids), PracticeReview.user_id.in_(user_ids))
    answers = in_quizzes.union_all(in_practice).subquery()
    rows = db.session.execute(
        select(
            answers.c.quiz_id,
            answers.c.question_key,
            func.count(distinct(answers.c.user_id)).label("people"),
            func.count(
                distinct(
                    func.nullif(func.cast(answers.c.missed, db.Integer) * answers.c.user_id, 0)
                )
            ).label("missed_by"),
            func.sum(answers.c.practice_miss).label("practice_misses"),
        ).group_by(answers.c.quiz_id, answers.c.question_key)
    ).all()
    shown = [row for row in rows if row.people >= SMALL_GROUP and row.missed_by]
    shown.sort(key=lambda r: (-r.missed_by / r.people, -r.missed_by, r.quiz_id, r.question_key))
    shown = shown[:limit]
    texts = _question_texts({(r.quiz_id, r.question_key) for r in shown})
    return MissedReport(
        [
            MissedQuestion(
                *texts[(r.quiz_id, r.question_key)], r.people, r.missed_by, r.practice_misses or 0
            )
            for r in shown
        ],
        withheld=sum(1 for row in rows if row.people < SMALL_GROUP),
    )


def _question_texts(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str]]:
    """(quiz title, question text) for each (quiz, key), from the quiz's newest version
    that asks it."""
    quiz_ids = {quiz_id for quiz_id, _ in pairs}
    if not quiz_ids:
        return {}
    found: dict[tuple[int, int], tuple[str, str]] = {}
    versions = db.session.execute(
        select(QuizVersion, Quiz.title)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(QuizVersion.quiz_id.in_(quiz_ids))
        .order_by(QuizVersion.number.desc())
    ).all()
    for version, title in versions:
        for entry in version.snapshot["questions"]:
            pair = (version.quiz_id, entry["key"])
            if pair in pairs and pair not in found:
                found[pair] = (title, qspec.question_from_dict(entry["spec"]).text)
    return found
