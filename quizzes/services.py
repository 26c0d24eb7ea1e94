"""Quiz rules: versions, starting, saving, submitting and reviewing attempts.

Services take objects and values, never a request; they own their transactions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, event, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import (
    Session,
    SessionTransaction,
    joinedload,
    lazyload,
    load_only,
    selectinload,
    undefer,
)
from sqlalchemy.orm.attributes import set_committed_value

from coursework.accounts.models import User
from coursework.db import insert_or_ignore, savepoint, upsert, utcnow
from coursework.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.lengths import too_long
from lessons import services as lessons
from lessons.services import Actor
from quizzes import grading, signals
from quizzes import spec as qspec
from quizzes.bank import rules as bank_rules
from quizzes.kinds import ShownQuestion, kind_of
from quizzes.models import (
    Attempt,
    AttemptState,
    BankQuestion,
    Choice,
    Question,
    Quiz,
    QuizVersion,
    Response,
    ReviewShows,
    ReviewWhen,
)
from quizzes.validation import question_problems

log = logging.getLogger(__name__)

# Answers arriving this soon after the deadline still count: networks are not instant.
GRACE = timedelta(seconds=30)
_random = secrets.SystemRandom()


# ---- questions as plain values ----------------------------------------------------------


def to_spec(question: Question) -> qspec.Question:
    details = question.details or {}
    return qspec.Question(
        kind=qspec.Kind(question.kind),
        text=question.text,
        title=question.title,
        points=question.points,
        general_feedback=question.general_feedback,
        choices=tuple(qspec.Choice(c.text, c.weight, c.feedback) for c in question.choices),
        answer=details.get("answer"),
        feedback_true=details.get("feedback_true", ""),
        feedback_false=details.get("feedback_false", ""),
        numbers=tuple(qspec.NumericAnswer(**n) for n in details.get("numbers", [])),
        pairs=tuple(qspec.Pair(p["prompt"], p["answer"]) for p in details.get("pairs", [])),
        distractors=tuple(details.get("distractors", [])),
        rubric=details.get("rubric", ""),
        text_format=question.text_format,
        category=question.category,
    )


def apply_spec(question: Question, source: qspec.Question) -> None:
    """Write a question's content from its plain form, replacing its choices."""
    data = qspec.question_to_dict(source)
    question.kind = source.kind.value
    question.title = source.title
    question.text = source.text
    question.text_format = source.text_format
    question.points = source.points
    question.general_feedback = source.general_feedback
    question.category = source.category
    question.details = {  # the choices have rows of their own
        key: data[key]
        for key in qspec.KIND_FIELDS
        if key != "choices" and data.get(key) not in (None, "", [])
    }
    question.choices = [
        Choice(position=i, text=c.text, weight=c.weight, feedback=c.feedback)
        for i, c in enumerate(source.choices, start=1)
    ]


# ---- versions ---------------------------------------------------------------------------


def bank_entry(question: BankQuestion) -> dict:
    """A bank question as snapshots hold it. Its choices have no rows of their own, so
    their ids are their places (answers name options by place anyway)."""
    return {
        "key": bank_rules.bank_key(question.id),
        "bank_id": question.id,
        "category": question.category,
        "choice_ids": list(range(1, len(question.spec.get("choices", [])) + 1)),
        "spec": question.spec,
    }


def _snapshot(quiz: Quiz) -> dict:
    """The quiz as attempts are graded against it: its own questions, then the bank
    questions its draw rules may pick (each attempt's layout says which it drew)."""
    categories = [draw.category for draw in quiz.draws]
    pool = (
        db.session.scalars(
            select(BankQuestion)
            .where(BankQuestion.course_id == quiz.course_id, BankQuestion.category.in_(categories))
            .order_by(BankQuestion.id)
        ).all()
        if categories
        else []
    )
    snapshot = {
        "all_or_nothing": quiz.all_or_nothing,
        "questions": [
            {
                "key": question.id,
                "choice_ids": [choice.id for choice in question.choices],
                "spec": qspec.question_to_dict(to_spec(question)),
            }
            for question in quiz.questions
        ]
        + [bank_entry(question) for question in pool],
    }
    if quiz.draws:
        snapshot["draws"] = [{"category": d.category, "count": d.count} for d in quiz.draws]
    return snapshot


def current_version(quiz: Quiz) -> QuizVersion:
    """The version attempts start on now: the last one, or a new one if the quiz changed.

    Editing a quiz never touches an existing version, so an attempt is always graded
    against the questions it was shown.
    """
    snapshot = _snapshot(quiz)
    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    latest = db.session.scalar(
        select(QuizVersion)
        .where(QuizVersion.quiz_id == quiz.id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )
    if latest is not None and latest.content_hash == digest:
        return latest
    number = (latest.number if latest else 0) + 1
    insert_or_ignore(
        db.session,
        QuizVersion,
        quiz_id=quiz.id,
        number=number,
        content_hash=digest,
        snapshot=snapshot,
        created_at=utcnow(),
    )
    # Another request may have made the same version at the same moment: read it back.
    return db.session.scalar(
        select(QuizVersion).where(QuizVersion.quiz_id == quiz.id, QuizVersion.number == number)
    )


@dataclass(frozen=True)
class _ParsedSnapshot:
    entries: dict[int, dict]  # by question key, in the snapshot's order
    questions: dict[int, qspec.Question]
    all_or_nothing: bool


# A version's snapshot never changes (editing a quiz makes a new version), so each process
# parses it once: the version's id and content hash name it, and saving or showing an
# attempt's answers then needs neither the snapshot's JSON nor its parsing again.
_PARSED_LIMIT = 256
_parsed_snapshots: dict[tuple[int, str], _ParsedSnapshot] = {}


def _parsed(version: QuizVersion) -> _ParsedSnapshot:
    key = (version.id, version.content_hash)
    found = _parsed_snapshots.get(key)
    if found is None:
        entries = {entry["key"]: entry for entry in version.snapshot["questions"]}
        questions = {k: qspec.question_from_dict(e["spec"]) for k, e in entries.items()}
        found = _ParsedSnapshot(entries, questions, version.snapshot.get("all_or_nothing", False))
        if len(_parsed_snapshots) >= _PARSED_LIMIT:
            _parsed_snapshots.clear()  # a bound, not an eviction policy: versions are few
        _parsed_snapshots[key] = found
    return found


def snapshot_questions(version: QuizVersion) -> dict[int, qspec.Question]:
    """The version's questions by key, parsed once per process (see `_parsed`)."""
    return _parsed(version).questions


def shown_questions(attempt: Attempt) -> list[ShownQuestion]:
    parsed = _parsed(attempt.version)
    layout = attempt.layout or {}
    return [
        shown_question(parsed.entries[key], number, layout, parsed.questions[key])
        for number, key in enumerate(layout.get("questions", list(parsed.entries)), start=1)
    ]


def shown_question(
    entry: dict, number: int, layout: Mapping[str, Any], question: qspec.Question | None = None
) -> ShownQuestion:
    """A snapshot's question as a learner sees it, in the order `layout` keeps for it (an
    attempt's, or practice's for one question: see `arranged`); the authored order without.
    `question` is the entry's spec already parsed, when the caller has it."""
    key = str(entry["key"])
    question = question or qspec.question_from_dict(entry["spec"])
    choice_ids = tuple(entry["choice_ids"])
    shown = tuple(layout.get("choices", {}).get(key, choice_ids))
    options = tuple(layout.get("options", {}).get(key, question.answer_options))
    return ShownQuestion(entry["key"], number, question, choice_ids, shown, options)


def arranged(entries: Iterable[dict], shuffle_choices: bool) -> dict:
    """The order each snapshot question's choices (and a kind's own options) are shown in,
    by question key, drawn afresh."""
    choices: dict[str, list[int]] = {}
    options: dict[str, list[str]] = {}
    for entry in entries:
        kind = kind_of(entry["spec"]["kind"])
        choices[str(entry["key"])] = kind.arrange(list(entry["choice_ids"]), shuffle_choices)
        shown = kind.shown_options(qspec.question_from_dict(entry["spec"]))
        if shown is not None:
            options[str(entry["key"])] = shown
    return {"choices": choices, "options": options}


def draw_random(quiz_id: int, user_id: int, number: int) -> random.Random:
    """Where an attempt's draw comes from: the system's randomness, or, when
    QUIZ_DRAW_SEED is set (tests, demos), a generator seeded by it and the attempt, so a
    draw can be repeated exactly."""
    seed = current_app.config.get("QUIZ_DRAW_SEED")
    if seed is None:
        return _random
    return random.Random(f"{seed}:{quiz_id}:{user_id}:{number}")


def sample_draw(quiz: Quiz) -> list[dict]:
    """Snapshot entries of the bank questions one attempt might draw now (for a preview)."""
    snapshot = _snapshot(quiz)
    entries = {entry["key"]: entry for entry in snapshot["questions"]}
    keys = _layout(quiz, QuizVersion(snapshot=snapshot))["questions"]
    return [entries[key] for key in keys if "bank_id" in entries[key]]


def _layout(quiz: Quiz, version: QuizVersion, rng: random.Random | None = None) -> dict:
    """Which questions this attempt asks, in which order: the quiz's own, then each draw
    rule's random pick from its category (stored, so grading and review stay exact)."""
    rng = rng or _random
    entries = version.snapshot["questions"]
    fixed = [entry["key"] for entry in entries if "bank_id" not in entry]
    rules = [
        (
            bank_rules.Rule(rule["category"], rule["count"]),
            [e["key"] for e in entries if "bank_id" in e and e["category"] == rule["category"]],
        )
        for rule in version.snapshot.get("draws", [])
    ]
    try:
        keys = bank_rules.draw(fixed, rules, rng, shuffle=quiz.shuffle_questions)
    except ValueError:
        raise Conflict(
            _("This quiz cannot draw its questions: a category of its bank has too few.")
        ) from None
    shown = set(keys)
    return {
        "questions": keys,
        **arranged([e for e in entries if e["key"] in shown], quiz.shuffle_choices),
    }


# ---- reading quizzes --------------------------------------------------------------------


def get_quiz(quiz_id: int, *, published_only: bool = True) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or (published_only and not quiz.published):
        raise NotFound(_("There is no quiz at this address."))
    return quiz


def course_quizzes(course_ids: Iterable[int], *, published_only: bool = True) -> list[Quiz]:
    """The courses' quizzes with their question counts; questions load only if asked for
    (progress needs ids, settings and counts, not question rows)."""
    ids = list(course_ids)
    if not ids:
        return []
    query = (
        select(Quiz)
        .where(Quiz.course_id.in_(ids))
        .options(lazyload(Quiz.questions), undefer(Quiz.question_count))
    )
    if published_only:
        query = query.where(Quiz.published.is_(True))
    return list(db.session.scalars(query.order_by(Quiz.course_id, Quiz.id)))


@dataclass(frozen=True)
class QuizStanding:
    """Where a learner stands on one quiz, from their submitted attempts."""

    quiz: Quiz
    attempts: tuple[Attempt, ...]  # submitted and graded, oldest first
    open_attempt: Attempt | None
    last_number: int = 0  # of any attempt, whatever its state
    # Submitted, with essays a person has still to grade: used, but no grade yet.
    awaiting: tuple[Attempt, ...] = ()

    @property
    def used(self) -> int:
        return len(self.attempts) + len(self.awaiting) + (1 if self.open_attempt else 0)

    @property
    def submitted(self) -> list[Attempt]:
        """Every submitted attempt, graded or awaiting grading, oldest first."""
        return sorted([*self.attempts, *self.awaiting], key=lambda attempt: attempt.number)

    @property
    def grade(self) -> float | None:
        return grading.overall_percent([a.percent or 0.0 for a in self.attempts], self.quiz.method)

    @property
    def best(self) -> float | None:
        return max((a.percent or 0.0 for a in self.attempts), default=None)

    @property
    def passed(self) -> bool:
        grade = self.grade
        return grade is not None and grade >= self.quiz.passing_score

    @property
    def attempts_left(self) -> int | None:
        if self.quiz.attempt_limit is None:
            return None
        return max(0, self.quiz.attempt_limit - self.used)

    @property
    def finished(self) -> bool:
        """No attempt is left to this learner, by the attempts they used and the pass rule.

        Whether the quiz is published now plays no part: closing a quiz for a while must not
        count as the learner's last attempt (it would show them the answer key).
        """
        if self.open_attempt is not None:
            return False
        return (self.quiz.stop_after_pass and self.passed) or self.attempts_left == 0

    def can_start(self) -> tuple[bool, str]:
        if self.open_attempt is not None:
            return True, ""
        if not self.quiz.published:
            return False, _("This quiz is closed.")
        if self.quiz.stop_after_pass and self.passed:
            return False, _("You have passed this quiz, so no more attempts are offered.")
        if self.attempts_left == 0:
            return False, _("You have used every attempt this quiz allows.")
        return True, ""


# What a standing needs of an attempt: no layout, answers or question snapshot.
_STANDING_COLUMNS = (
    Attempt.id,
    Attempt.quiz_id,
    Attempt.user_id,
    Attempt.number,
    Attempt.state,
    Attempt.started_at,
    Attempt.deadline_at,
    Attempt.submitted_at,
    Attempt.auto_submitted,
    Attempt.points,
    Attempt.max_points,
    Attempt.percent,
    Attempt.passed,
)


def standings(user_id: int, quizzes: list[Quiz], *, fresh: bool = False) -> dict[int, QuizStanding]:
    """Each quiz's standing for this learner, in one narrow query whatever the number of
    quizzes (the attempts' scores and states; versions and responses load only if used).
    `fresh` re-reads attempts already loaded in this transaction (after taking a lock)."""
    ids = [quiz.id for quiz in quizzes]
    rows: dict[int, list[Attempt]] = {quiz_id: [] for quiz_id in ids}
    if ids:
        for attempt in db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.quiz_id.in_(ids))
            .options(
                load_only(*_STANDING_COLUMNS),
                lazyload(Attempt.version),
                lazyload(Attempt.quiz),
                lazyload(Attempt.responses),
            )
            .order_by(Attempt.number)
            .execution_options(populate_existing=fresh)
        ):
            rows[attempt.quiz_id].append(attempt)
    result = {}
    for quiz in quizzes:
        attempts = rows[quiz.id]
        submitted = tuple(a for a in attempts if a.state == AttemptState.SUBMITTED.value)
        open_attempt = next((a for a in attempts if a.is_open), None)
        last = max((a.number for a in attempts), default=0)
        awaiting = tuple(a for a in attempts if a.awaiting_grading)
        result[quiz.id] = QuizStanding(quiz, submitted, open_attempt, last, awaiting)
    return result


def standing(user: User, quiz: Quiz) -> QuizStanding:
    return standings(user.id, [quiz])[quiz.id]


# ---- attempts -------------------------------------------------------------------------


def get_attempt(attempt_id: int, user: User) -> Attempt:
    """The learner's own attempt; someone else's is as absent as a missing one."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound(_("There is no attempt at this address."))
    return attempt


# The attempt's own row, with its version's id and hash but not its snapshot's JSON: what
# saving answers needs (the questions come parsed from `_parsed`). The quiz, responses and
# snapshot load only if something reads them.
_ATTEMPT_ROW = (
    joinedload(Attempt.version).defer(QuizVersion.snapshot),
    # Grading reads the quiz's settings, never its question rows (the snapshot has them).
    lazyload(Attempt.quiz).lazyload(Quiz.questions),
    lazyload(Attempt.responses),
)


_ATTEMPT_COLUMNS = [column.key for column in Attempt.__mapper__.column_attrs]
_ATTEMPT_ROW_COLUMNS = [getattr(Attempt, key) for key in _ATTEMPT_COLUMNS]


def attempt_for_saving(attempt_id: int, user: User) -> Attempt:
    """`get_attempt` for saving answers into: the attempt's row only (see `_ATTEMPT_ROW`),
    not its quiz's questions, its responses or its snapshot.

    Saving and submitting lock the row (`lock_attempt`) anyway, so it is locked as it is
    read, and not read again: only the learner's own, never someone else's."""
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(*_ATTEMPT_ROW)
        .with_for_update(of=Attempt)
        .execution_options(populate_existing=True)
    )
    if attempt is None:
        raise NotFound(_("There is no attempt at this address."))
    _hold(attempt)
    return attempt


def start_attempt(user: User, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Resume the learner's open attempt, or start the next one if the rules allow.

    Attempt numbers are unique per learner and quiz in the database, so two requests
    racing to start the same attempt cannot both succeed, and the limit holds.
    """
    now = now or utcnow()
    current = standing(user, quiz)
    if current.open_attempt is not None:
        if expire_if_due(current.open_attempt, now):
            return start_attempt(user, quiz, now)
        return current.open_attempt
    allowed, reason = current.can_start()
    if not allowed:
        raise Conflict(reason)
    if not quiz.has_questions:
        raise Conflict(_("This quiz has no questions yet."))
    version = current_version(quiz)
    # The next number comes from the same read as the limit check; the unique constraint on
    # (quiz, learner, number) then refuses a second attempt racing for the same number.
    number = current.last_number + 1
    if quiz.attempt_limit is not None and number > quiz.attempt_limit:
        raise Conflict(_("You have used every attempt this quiz allows."))
    layout = _layout(quiz, version, draw_random(quiz.id, user.id, number))
    points = {entry["key"]: entry["spec"]["points"] for entry in version.snapshot["questions"]}
    attempt = Attempt(
        quiz_id=quiz.id,
        version_id=version.id,
        user_id=user.id,
        number=number,
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None,
        max_points=sum(points[key] for key in layout["questions"]),
        layout=layout,
    )
    try:
        # A savepoint, so losing the race undoes this insert and nothing else of the request.
        with savepoint(db.session):
            db.session.add(attempt)
    except IntegrityError:
        # A concurrent request took this number first; theirs is the attempt to use.
        again = standing(user, quiz)
        if again.open_attempt is not None:
            return again.open_attempt
        raise Conflict(_("Another attempt was started at the same moment. Try again.")) from None
    log.info("user %s started attempt %s of quiz %s", user.id, attempt.number, quiz.id)
    signals.attempt_started.send(attempt=attempt)
    return attempt


def expire_if_due(attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit an attempt whose time is up, with the answers saved so far."""
    now = now or utcnow()
    if attempt.is_open and attempt.deadline_at and now > attempt.deadline_at + GRACE:
        submit_attempt(attempt, now=now, auto=True)
        return True
    return False


def save_answers(
    attempt: Attempt,
    answers: Mapping[int, Any],
    now: datetime | None = None,
    *,
    sure: Mapping[int, bool | None] | None = None,
) -> int:
    """Save typed answers by question key (None clears one; questions left out keep theirs,
    keys the attempt does not have are ignored); returns how many questions now have an
    answer. Refused once the attempt is closed. Read answers with `kinds.answers_from_form`
    or `kinds.answers_from_json`. `sure`, when given, says how sure the learner was of
    each answer it names (the page's optional question; None: not said).

    The attempt's row is locked as in `submit_attempt`, so a save racing the submission
    either lands before the grading (and is graded) or finds the attempt submitted (and is
    refused): a stored answer never contradicts its grade. Each answer is one upsert on
    the (attempt, question) key, so concurrent first saves of an answer do not collide.
    """
    now = now or utcnow()
    locked = lock_attempt(attempt)
    if locked is not None and expire_if_due(locked, now):
        raise Conflict(
            _("Time is up: your attempt was submitted with the answers saved so far."), keep=True
        )
    if locked is None or not locked.is_open:
        raise Conflict(_("This attempt has already been submitted."))
    answered, cleared = [], []
    for question in shown_questions(locked):
        if question.key not in answers:
            continue
        answer = answers[question.key]
        if answer is not None:
            row = {
                "attempt_id": locked.id,
                "question_key": question.key,
                "answer": question.kind.to_stored(answer),
                "saved_at": now,
            }
            if sure is not None:
                row["sure"] = sure.get(question.key)
            answered.append(row)
        else:
            cleared.append(question.key)
    upsert(db.session, Response, ("attempt_id", "question_key"), answered)
    if cleared:  # keep their rows (if any) with no answer; create none
        db.session.execute(
            update(Response)
            .where(Response.attempt_id == locked.id, Response.question_key.in_(cleared))
            .values(answer={}, saved_at=now, sure=None)
        )
    # Counted before the commit, from the answers alone: after it the attempt would load
    # again with its quiz and version.
    answered_now = sum(
        1
        for answer in db.session.scalars(
            select(Response.answer).where(Response.attempt_id == locked.id)
        )
        if answer
    )
    db.session.flush()
    return answered_now


def unanswered(attempt: Attempt) -> list[ShownQuestion]:
    answered = {r.question_key for r in attempt.responses if r.answer}
    return [q for q in shown_questions(attempt) if q.key not in answered]


# The attempts whose rows this session has locked, each with the transaction (or
# savepoint) that took the lock; forgotten when that transaction ends.
_LOCKED = "quizzes.locked_attempts"


def lock_attempt(attempt: Attempt) -> Attempt | None:
    """The attempt, re-read with its row locked until the transaction ends (None when it
    is gone). Saving and submitting both take this lock, so they queue behind each other.

    An attempt already locked by this transaction (saving the last answers, then
    submitting, in one request) is not read again: no one else can have changed its row
    since, and this transaction's own moves set what they wrote (see `_move`)."""
    db.session.flush()
    state = inspect(attempt)
    held = db.session.info.get(_LOCKED, {})
    # Its identity, not `attempt.id`: reading that would load an expired attempt first.
    locked = state.identity is not None and state.identity[0] in held
    if not locked or set(_ATTEMPT_COLUMNS) & state.unloaded:
        try:
            # Only the row's own columns: the quiz and version do not change under the
            # lock, and FOR UPDATE then locks the attempt's row alone (other learners
            # submit in parallel).
            db.session.refresh(attempt, _ATTEMPT_COLUMNS, with_for_update=True)
        except InvalidRequestError:  # deleted meanwhile (the learner's account, say)
            return None
        _hold(attempt)
    # Its responses are read again after the lock, when needed.
    db.session.expire(attempt, ["responses"])
    return attempt


def _hold(attempt: Attempt) -> None:
    """Note that this transaction (or savepoint) has just locked the attempt's row."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_LOCKED, {})[attempt.id] = transaction


@event.listens_for(Session, "after_transaction_end")
def _locks_released(session: Session, transaction: SessionTransaction) -> None:
    # A commit or rollback releases the row locks; so does rolling back a savepoint that
    # took them. A savepoint released into its parent keeps them, but forgetting those too
    # only costs one more read.
    held = session.info.get(_LOCKED)
    if held:
        for attempt_id in [key for key, taken in held.items() if taken is transaction]:
            del held[attempt_id]


def submit_attempt(attempt: Attempt, *, now: datetime | None = None, auto: bool = False) -> Attempt:
    """Grade and close the attempt, once: a second submission (double click, replay, a
    second tab) changes nothing and returns the same result.

    The attempt row is locked first, so concurrent submissions queue behind each other
    and find it already submitted; all of it happens in one transaction. An attempt with
    an answered essay is closed as awaiting grading: its other answers are graded now, and
    `complete_attempt` gives it its grade once a person has graded the last essay.
    """
    now = now or utcnow()
    locked = lock_attempt(attempt)
    if locked is None or not locked.is_open:
        db.session.refresh(attempt)
        return attempt
    if not auto and locked.deadline_at and now > locked.deadline_at + GRACE:
        auto = True
    # Read after the lock, overwriting any copy read before another request's save committed.
    responses = {
        response.question_key: response
        for response in db.session.scalars(
            select(Response)
            .where(Response.attempt_id == locked.id)
            .execution_options(populate_existing=True)
        )
    }
    pending = False
    for question in shown_questions(locked):
        response = responses.get(question.key)
        if response is None:
            response = Response(
                attempt_id=locked.id, question_key=question.key, answer={}, saved_at=now
            )
            db.session.add(response)
            responses[question.key] = response
        result = question.grade(
            response.answer,
            all_or_nothing=_parsed(locked.version).all_or_nothing,
        )
        response.fraction = result.fraction
        response.points = result.points
        response.outcome = result.outcome.value
        pending = pending or result.outcome is grading.Outcome.PENDING
    closed = {"submitted_at": now, "auto_submitted": auto}
    if pending:
        db.session.flush()
        changed = _move(locked, AttemptState.IN_PROGRESS, AttemptState.AWAITING_GRADING, closed)
    else:
        # Every response of the attempt is in hand, just graded: its total needs no query.
        total = math.fsum(response.points or 0.0 for response in responses.values())
        changed = complete_attempt(locked, AttemptState.IN_PROGRESS, closed, total=total)
    if not changed:
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt
    db.session.flush()
    log.info("attempt %s submitted: %s", locked.id, locked.state)
    return locked


def _move(attempt: Attempt, before: AttemptState, after: AttemptState, values: dict) -> bool:
    """One conditional UPDATE from one state to the next: True for the one request that
    made the move, False for any other that raced it.

    The row the UPDATE wrote comes back by RETURNING and becomes the attempt's loaded
    state, so the attempt is not read again (nor its quiz and version with it)."""
    row = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == before.value)
        .values(state=after.value, **values)
        .returning(*_ATTEMPT_ROW_COLUMNS)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return False
    db.session.flush()
    for key, value in zip(_ATTEMPT_COLUMNS, row, strict=True):
        set_committed_value(attempt, key, value)
    return True


def _totals(attempt: Attempt, total: float | None = None) -> dict:
    """The attempt's points, percent and pass from its responses' points: `total`, their
    sum, when the caller has every response in hand (a submission, just graded), or else
    summed as stored (after a person grades an essay, when not all are loaded)."""
    if total is None:
        total = db.session.scalar(
            select(func.coalesce(func.sum(Response.points), 0.0)).where(
                Response.attempt_id == attempt.id
            )
        )
    percent = grading.percent(total, attempt.max_points)
    return {
        "points": round(total, 6),
        "percent": percent,
        "passed": percent >= attempt.quiz.passing_score,
    }


def complete_attempt(
    locked: Attempt,
    before: AttemptState,
    values: dict | None = None,
    *,
    total: float | None = None,
) -> bool:
    """Give a locked attempt whose every response is graded its grade, and tell the layers
    above (learning events, progress, certificate): at submit for a quiz graded by the
    machine, or once the last essay is graded. The conditional UPDATE makes it happen once
    whoever races it. `total` is the sum of its responses' points when the caller has them
    all (see `_totals`). The caller commits."""
    db.session.flush()
    totals = _totals(locked, total)
    if not _move(locked, before, AttemptState.SUBMITTED, {**(values or {}), **totals}):
        return False
    signals.attempt_submitted.send(attempt=locked)
    log.info("attempt %s graded: %s%%", locked.id, locked.percent)
    return True


# ---- review -----------------------------------------------------------------------------


def review_level(attempt: Attempt, current: QuizStanding) -> ReviewShows:
    """How much of the marking this learner may see for this attempt now."""
    if attempt.is_open:
        raise PermissionDenied(_("Submit the attempt to see how you did."))
    return shows_now(attempt.quiz, current)


def shows_now(quiz: Quiz, current: QuizStanding) -> ReviewShows:
    """How much of the quiz's marking its review policy lets this learner see today (the
    same for practice of its questions, so practice never gives away an answer key)."""
    when = quiz.when
    if when is ReviewWhen.IMMEDIATELY:
        return quiz.shows
    if when is ReviewWhen.AFTER_PASSING and current.passed:
        return quiz.shows
    if when is ReviewWhen.AFTER_LAST_ATTEMPT and current.finished:
        return quiz.shows
    return ReviewShows.SCORE


@dataclass(frozen=True)
class ReviewedQuestion:
    shown: ShownQuestion
    answer: dict
    points: float
    outcome: str
    feedback: tuple[str, ...]
    # A grader's feedback to the learner (essays), once graded.
    grader_feedback: str = ""


def review(attempt: Attempt) -> list[ReviewedQuestion]:
    """Each question of a submitted attempt with the learner's answer and its marking."""
    responses = {r.question_key: r for r in attempt.responses}
    result = []
    for question in shown_questions(attempt):
        response = responses.get(question.key)
        answer = response.answer if response else {}
        graded = question.grade(
            answer, all_or_nothing=attempt.version.snapshot.get("all_or_nothing", False)
        )
        result.append(
            ReviewedQuestion(
                question,
                answer,
                response.points if response and response.points is not None else 0.0,
                response.outcome if response and response.outcome else graded.outcome.value,
                graded.feedback,
                response.grader_feedback or "" if response and response.graded_at else "",
            )
        )
    return result


def ensure_valid_settings(
    passing_score: int, attempt_limit: int | None, time_limit: int | None
) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 <= passing_score <= 100:
        errors["passing_score"] = [_("Enter a passing score from 0 to 100.")]
    if attempt_limit is not None and attempt_limit < 1:
        errors["attempt_limit"] = [_("Allow at least one attempt, or leave it empty for no limit.")]
    if time_limit is not None and time_limit < 1:
        errors["time_limit_minutes"] = [_("Enter at least 1 minute, or leave it empty.")]
    if errors:
        raise RuleViolation(_("The quiz settings are not valid."), errors)


# ---- authoring --------------------------------------------------------------------------


@dataclass
class QuizSettings:
    title: str
    passing_score: int = 70
    attempt_limit: int | None = None
    time_limit_minutes: int | None = None
    grading_method: str = grading.GradingMethod.HIGHEST.value
    stop_after_pass: bool = False
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    all_or_nothing: bool = False
    review_shows: str = ReviewShows.FEEDBACK.value
    review_when: str = ReviewWhen.IMMEDIATELY.value
    required: bool = True
    description: str = ""

    def apply(self, quiz: Quiz) -> bool:
        if message := too_long(self.title, Quiz.title):
            raise RuleViolation(
                _("The title is too long. %(problem)s", problem=message), {"title": [message]}
            )
        ensure_valid_settings(self.passing_score, self.attempt_limit, self.time_limit_minutes)
        changed = False
        for key, value in vars(self).items():
            if getattr(quiz, key) != value:
                setattr(quiz, key, value)
                changed = True
        return changed


def find_quiz(course_id: int, lesson_id: int | None) -> Quiz | None:
    query = select(Quiz).where(Quiz.course_id == course_id)
    query = query.where(
        Quiz.lesson_id == lesson_id if lesson_id is not None else Quiz.lesson_id.is_(None)
    )
    return db.session.scalar(query)


def replace_questions(quiz: Quiz, questions: Iterable[qspec.Question]) -> bool:
    """Make the quiz's questions these, in this order; False when they already were.

    Earlier attempts are untouched: they are graded from their version's snapshot.
    """
    wanted = list(questions)
    if [to_spec(question) for question in quiz.questions] == wanted:
        return False
    quiz.questions.clear()
    db.session.flush()
    for position, source in enumerate(wanted, start=1):
        question = Question(position=position)
        apply_spec(question, source)
        quiz.questions.append(question)
    return True


@dataclass(frozen=True)
class QuizImport:
    quiz: Quiz
    created: bool
    changed: bool


def import_quiz(
    course_id: int,
    lesson_id: int | None,
    questions: Iterable[qspec.Question],
    settings: QuizSettings,
    *,
    by: Actor,
    publish: bool = False,
) -> QuizImport:
    """Create or update the quiz of a lesson (or the course's final quiz) from questions,
    e.g. read from a GIFT file. Importing the same content again changes nothing."""
    lessons.require_staff(course_id, by)
    questions = list(questions)
    ensure_complete(questions)
    quiz = find_quiz(course_id, lesson_id)
    created = quiz is None
    if quiz is None:
        quiz = Quiz(course_id=course_id, lesson_id=lesson_id, title=settings.title)
        db.session.add(quiz)
    changed = settings.apply(quiz)
    changed = replace_questions(quiz, questions) or changed
    if publish and not quiz.published:
        quiz.published = changed = True
    db.session.flush()
    return QuizImport(quiz, created, changed or created)


def ensure_complete(questions: list[qspec.Question]) -> None:
    """Refuse a whole import when any of its questions is not complete, naming each."""
    problems = {
        f"question {number}": [
            f"{field}: {message}" for field, messages in found.items() for message in messages
        ]
        for number, found in (
            (number, question_problems(question)) for number, question in enumerate(questions, 1)
        )
        if found
    }
    if problems:
        raise RuleViolation(_("Some questions are not complete; nothing was imported."), problems)


def check_question(source: qspec.Question) -> None:
    problems = question_problems(source)
    if problems:
        raise RuleViolation(_("The question is not complete."), problems)


def all_quizzes(by: Actor) -> list[Quiz]:
    """The quizzes of every course `by` teaches (admins: every quiz), grouped by course,
    lesson quizzes before final ones."""
    query = (
        select(Quiz)
        .options(selectinload(Quiz.draws))  # their sizes are shown
        .order_by(Quiz.course_id, Quiz.lesson_id.is_(None), Quiz.lesson_id)
    )
    course_ids = lessons.staffed_course_ids(by)
    if course_ids is not None:
        query = query.where(Quiz.course_id.in_(course_ids))
    return list(db.session.scalars(query))


def quiz_to_author(quiz_id: int, by: Actor) -> Quiz:
    """A quiz, published or not, with its answer key: for its course's staff only."""
    quiz = get_quiz(quiz_id, published_only=False)
    lessons.require_staff(quiz.course_id, by)
    return quiz


def create_quiz(course_id: int, lesson_id: int | None, settings: QuizSettings, by: Actor) -> Quiz:
    """A new, unpublished quiz for a lesson (or the course's final quiz)."""
    lessons.require_staff(course_id, by)
    if find_quiz(course_id, lesson_id) is not None:
        message = (
            _("This lesson already has a quiz. Edit that one instead.")
            if lesson_id
            else _("This course already has a quiz. Edit that one instead.")
        )
        raise Conflict(message, {"lesson_id": [message]})
    quiz = Quiz(course_id=course_id, lesson_id=lesson_id, title=settings.title)
    settings.apply(quiz)
    db.session.add(quiz)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("That lesson already has a quiz.")) from None
    log.info("quiz %s created for course %s lesson %s", quiz.id, course_id, lesson_id)
    return quiz


def update_settings(quiz: Quiz, settings: QuizSettings, by: Actor) -> Quiz:
    lessons.require_staff(quiz.course_id, by)
    settings.apply(quiz)
    db.session.flush()
    return quiz


def get_question(quiz: Quiz, question_id: int) -> Question:
    question = next((q for q in quiz.questions if q.id == question_id), None)
    if question is None:
        raise NotFound(_("This quiz has no such question."))
    return question


def add_question(quiz: Quiz, source: qspec.Question, by: Actor) -> Question:
    lessons.require_staff(quiz.course_id, by)
    check_question(source)
    question = Question(position=len(quiz.questions) + 1)
    apply_spec(question, source)
    quiz.questions.append(question)
    db.session.flush()
    return question


def update_question(question: Question, source: qspec.Question, by: Actor) -> Question:
    """Change a question. Attempts already made keep the version they were shown."""
    lessons.require_staff(question.quiz.course_id, by)
    check_question(source)
    apply_spec(question, source)
    db.session.flush()
    return question


def delete_question(question: Question, by: Actor) -> None:
    quiz = question.quiz
    lessons.require_staff(quiz.course_id, by)
    quiz.questions.remove(question)
    _renumber(quiz)
    if quiz.published and not quiz.has_questions:
        quiz.published = False
    db.session.flush()


def move_question(question: Question, offset: int, by: Actor) -> None:
    """Move a question up (-1) or down (+1) in its quiz."""
    quiz = question.quiz
    lessons.require_staff(quiz.course_id, by)
    order = list(quiz.questions)
    index = order.index(question)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    quiz.questions[:] = order
    _renumber(quiz)
    db.session.flush()


def _renumber(quiz: Quiz) -> None:
    for position, question in enumerate(quiz.questions, start=1):
        question.position = position


def set_published(quiz: Quiz, published: bool, by: Actor) -> Quiz:
    lessons.require_staff(quiz.course_id, by)
    if published and not quiz.has_questions:
        raise RuleViolation(_("Add at least one question before publishing."))
    quiz.published = published
    db.session.flush()
    return quiz


# ---- reading attempts, for instructors ---------------------------------------------------


def submitted_counts(quiz_ids: list[int]) -> dict[int, int]:
    """Submitted attempts per quiz, in one query whatever the number of quizzes."""
    if not quiz_ids:
        return {}
    rows = db.session.execute(
        select(Attempt.quiz_id, func.count(Attempt.id))
        .where(Attempt.quiz_id.in_(quiz_ids), Attempt.state == AttemptState.SUBMITTED.value)
        .group_by(Attempt.quiz_id)
    )
    return dict(rows.tuples().all())


def submitted_attempts(quiz: Quiz, by: Actor) -> list[Attempt]:
    """Every submitted attempt of a quiz, with its version and responses (two queries), for
    its statistics: its course's staff only."""
    lessons.require_staff(quiz.course_id, by)
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.SUBMITTED.value)
            .order_by(Attempt.user_id, Attempt.number)
        ).unique()
    )


def latest_version(quiz: Quiz) -> QuizVersion | None:
    """The newest version attempts were made on, or None before any attempt."""
    return db.session.scalar(
        select(QuizVersion)
        .where(QuizVersion.quiz_id == quiz.id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )


def settings_of(quiz: Quiz) -> QuizSettings:
    """A quiz's current settings, as the services take them."""
    return QuizSettings(**{f.name: getattr(quiz, f.name) for f in fields(QuizSettings)})


# ---- grading essays, for the course's staff ----------------------------------------------

MAX_GRADER_FEEDBACK = 5000


@dataclass(frozen=True)
class EssayToGrade:
    """One learner's answer to one essay question, as a grader sees it."""

    response: Response
    attempt: Attempt
    question: ShownQuestion
    learner: str  # the learner's display name

    @property
    def graded(self) -> bool:
        return self.response.graded_at is not None


@dataclass(frozen=True)
class GradingCounts:
    """A quiz's essays: answered ones still to grade, and ones graded."""

    pending: int = 0
    graded: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.graded

    @property
    def graded_share(self) -> float | None:
        return round(100 * self.graded / self.total, 1) if self.total else None


def grading_counts(quiz_ids: list[int]) -> dict[int, GradingCounts]:
    """Essays to grade and graded per quiz, in one query whatever the number of quizzes."""
    if not quiz_ids:
        return {}
    pending = func.sum(case((Response.outcome == grading.Outcome.PENDING.value, 1), else_=0))
    graded = func.sum(case((Response.graded_at.is_not(None), 1), else_=0))
    rows = db.session.execute(
        select(Attempt.quiz_id, pending, graded)
        .join(Response, Response.attempt_id == Attempt.id)
        .where(
            Attempt.quiz_id.in_(quiz_ids),
            Attempt.state.in_([AttemptState.AWAITING_GRADING.value, AttemptState.SUBMITTED.value]),
            or_(
                Response.outcome == grading.Outcome.PENDING.value,
                Response.graded_at.is_not(None),
            ),
        )
        .group_by(Attempt.quiz_id)
    )
    return {quiz_id: GradingCounts(int(p or 0), int(g or 0)) for quiz_id, p, g in rows}


def _essays(quiz: Quiz, condition, order, limit: int | None = None) -> list[EssayToGrade]:
    query = (
        select(Response, Attempt, User.display_name)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, condition)
        .order_by(*order)
        .options(lazyload(Attempt.responses))
    )
    if limit is not None:
        query = query.limit(limit)
    result = []
    for response, attempt, name in db.session.execute(query):
        by_key = {q.key: q for q in shown_questions(attempt)}
        if response.question_key in by_key:
            result.append(EssayToGrade(response, attempt, by_key[response.question_key], name))
    return result


def grading_queue(quiz: Quiz, by: Actor) -> list[EssayToGrade]:
    """The quiz's answered essays still to grade, oldest submission first: its course's
    staff only."""
    lessons.require_staff(quiz.course_id, by)
    return _essays(
        quiz,
        (Response.outcome == grading.Outcome.PENDING.value)
        & (Attempt.state == AttemptState.AWAITING_GRADING.value),
        (Attempt.submitted_at, Attempt.id, Response.question_key),
    )


def graded_essays(quiz: Quiz, by: Actor, limit: int = 50) -> list[EssayToGrade]:
    """The quiz's graded essays, most recently graded first (to regrade one)."""
    lessons.require_staff(quiz.course_id, by)
    return _essays(
        quiz, Response.graded_at.is_not(None), (Response.graded_at.desc(), Response.id), limit
    )


def essay_to_grade(quiz: Quiz, response_id: int, by: Actor) -> EssayToGrade:
    """One answered essay of the quiz, graded or not; NotFound for anything else."""
    lessons.require_staff(quiz.course_id, by)
    found = _essays(quiz, Response.id == response_id, (Response.id,))
    if not found or not found[0].question.kind.graded_by_person or not found[0].response.answer:
        raise NotFound(_("This quiz has no such answer to grade."))
    if found[0].attempt.state not in (
        AttemptState.AWAITING_GRADING.value,
        AttemptState.SUBMITTED.value,
    ):
        raise NotFound(_("This quiz has no such answer to grade."))
    return found[0]


def grade_essay(
    quiz: Quiz,
    response_id: int,
    points: float,
    feedback: str,
    by: User,
    now: datetime | None = None,
) -> Attempt:
    """Score one essay (0 to its question's points) with feedback for the learner. Grading
    the last essay of an attempt completes it, through the same `complete_attempt` as a
    machine-graded submit; grading an essay again recomputes an attempt already complete.

    The attempt's row is locked first, as for saving and submitting, so two graders saving
    at once queue: whichever grades last finds nothing left pending and completes it, once.
    """
    now = now or utcnow()
    essay = essay_to_grade(quiz, response_id, by)
    if essay.attempt.user_id == getattr(by, "id", None) and not getattr(by, "is_admin", False):
        # A member of the course's staff taking their own quiz would pass themselves.
        raise PermissionDenied(_("Someone else on the course's staff grades your own answers."))
    errors: dict[str, list[str]] = {}
    try:
        result = grading.mark(essay.question.spec, points)
    except ValueError:
        top = f"{essay.question.spec.points:g}"
        errors["points"] = [_("Enter a score from 0 to %(top)s.", top=top)]
    if len(feedback) > MAX_GRADER_FEEDBACK:
        errors["feedback"] = [
            _(
                "Keep the feedback under %(limit)s characters.",
                limit=format(MAX_GRADER_FEEDBACK, ","),
            )
        ]
    if errors:
        raise RuleViolation(_("The grade was not saved."), errors)
    locked = lock_attempt(essay.attempt)
    if locked is None:
        raise NotFound(_("This quiz has no such answer to grade."))
    db.session.execute(
        update(Response)
        .where(Response.id == response_id)
        .values(
            fraction=result.fraction,
            points=result.points,
            outcome=result.outcome.value,
            graded_by_id=by.id,
            graded_at=now,
            grader_feedback=feedback,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(essay.response)
    left = db.session.scalar(
        select(func.count(Response.id)).where(
            Response.attempt_id == locked.id,
            Response.outcome == grading.Outcome.PENDING.value,
        )
    )
    if locked.awaiting_grading and not left:
        complete_attempt(locked, AttemptState.AWAITING_GRADING)
    elif locked.state == AttemptState.SUBMITTED.value:
        # A regrade of a complete attempt: its grade follows, and so may a certificate.
        before = locked.passed
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == locked.id)
            .values(**_totals(locked))
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(locked)
        signals.attempt_regraded.send(attempt=locked, passed_before=before)
    db.session.flush()
    log.info("user %s graded response %s of attempt %s", by.id, response_id, locked.id)
    return locked


def next_essay(quiz: Quiz, by: Actor, after: int | None = None) -> EssayToGrade | None:
    """The next essay to grade after the one just saved (the queue's first otherwise)."""
    queue = grading_queue(quiz, by)
    return next((e for e in queue if e.response.id != after), None)
