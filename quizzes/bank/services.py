"""A course's question bank and its quizzes' draw rules: reading the bank by category,
importing and exporting it as GIFT, adding and removing "N random from category C" rules,
and each bank question's statistics across every quiz that drew it.

Services take objects and values, never a request; they own their transactions. Only the
course's staff (and admins) may read or change a bank: it holds answer keys.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coursework.db import savepoint
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.i18n import _, ngettext
from coursework.lengths import too_long
from lessons import services as lessons
from lessons.services import Actor
from quizzes import checker, stats
from quizzes import spec as qspec
from quizzes.bank import rules
from quizzes.gift import dump_gift
from quizzes.models import (
    Attempt,
    AttemptState,
    BankQuestion,
    Question,
    Quiz,
    QuizDraw,
    Response,
)
from quizzes.services import ensure_complete, to_spec

log = logging.getLogger(__name__)

# A rule asks for at least one question and, to keep an attempt a quiz, at most this many.
MAX_DRAW = 200


@dataclass(frozen=True)
class Category:
    """One category of a bank, with its questions in the order they were added."""

    path: str
    questions: tuple[BankQuestion, ...]

    @property
    def label(self) -> str:
        return self.path or _("(no category)")


def _questions(course_id: int) -> list[BankQuestion]:
    return list(
        db.session.scalars(
            select(BankQuestion)
            .where(BankQuestion.course_id == course_id)
            .order_by(BankQuestion.category, BankQuestion.id)
        )
    )


def bank(course_id: int, by: Actor) -> list[Category]:
    """The course's bank by category, categories in path order: its staff only."""
    lessons.require_staff(course_id, by)
    grouped: dict[str, list[BankQuestion]] = defaultdict(list)
    for question in _questions(course_id):
        grouped[question.category].append(question)
    return [Category(path, tuple(grouped[path])) for path in sorted(grouped)]


def category_sizes(course_id: int) -> dict[str, int]:
    """How many questions each category of the course's bank holds, in one query."""
    rows = db.session.execute(
        select(BankQuestion.category, func.count(BankQuestion.id))
        .where(BankQuestion.course_id == course_id)
        .group_by(BankQuestion.category)
    )
    return dict(rows.tuples().all())


def spec_of(question: BankQuestion) -> qspec.Question:
    return qspec.question_from_dict(question.spec)


def bank_advice(course_id: int, by: Actor) -> dict[int, list[checker.Finding]]:
    """The item-writing checker's advice on each bank question (by id): never a refusal.
    Each is compared with the course's quiz questions and the bank questions before it
    (a near duplicate is reported once, on the later one), and true/false statements with
    the course's lessons."""
    lessons.require_staff(course_id, by)
    rows = db.session.execute(
        select(Question, Quiz.title)
        .join(Quiz, Question.quiz_id == Quiz.id)
        .where(Quiz.course_id == course_id)
        .options(selectinload(Question.choices))
        .order_by(Quiz.id, Question.position)
    ).all()
    others = [
        (_("question %(number)d of “%(quiz)s”", number=q.position, quiz=title), to_spec(q))
        for q, title in rows
    ]
    texts = [lesson.source_markdown for lesson in lessons.current_lessons(course_id)]
    advice: dict[int, list[checker.Finding]] = {}
    for question in _questions(course_id):
        spec = spec_of(question)
        context = checker.Context(others=list(others), lesson_texts=texts)
        advice[question.id] = checker.check_question(spec, context)
        label = _("bank question “%(title)s”", title=question.title or spec.text[:40])
        others.append((label, spec))
    return advice


# ---- importing and exporting ----------------------------------------------------------------


@dataclass(frozen=True)
class BankImport:
    added: int
    updated: int
    removed: int
    categories: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def _filed(question: qspec.Question) -> qspec.Question:
    return replace(question, category=rules.category_path(question.category))


def import_bank(
    course_id: int, questions: Iterable[qspec.Question], by: Actor, *, replace_categories=False
) -> BankImport:
    """File questions (e.g. read from GIFT) in the course's bank under their `$CATEGORY`,
    Moodle's context prefixes dropped (`rules.category_path`).

    A titled question already in its category under that title is updated in place, so its
    identity (and its statistics) carry on; an untitled one identical to one there is
    skipped. With `replace_categories`, questions of the file's categories that the file no
    longer has leave the bank (attempts that drew them keep them in their snapshots).

    All or nothing: an incomplete question, or a bank that would leave a quiz's draw rule
    asking for more than its category holds, refuses the whole file.
    """
    lessons.require_staff(course_id, by)
    incoming = [_filed(question) for question in questions]
    ensure_complete(incoming)
    existing = _questions(course_id)
    by_title = {(q.category, q.title): q for q in existing if q.title}
    by_content = {(q.category, _frozen(q.spec)): q for q in existing}
    added = updated = 0
    kept: set[int] = set()
    for source in incoming:
        data = qspec.question_to_dict(source)
        match = (by_title.get((source.category, source.title)) if source.title else None) or (
            by_content.get((source.category, _frozen(data)))
        )
        if match is None:
            match = BankQuestion(course_id=course_id)
            db.session.add(match)
            added += 1
        elif match.spec != data:
            updated += 1
        if match.spec != data:
            _write(match, source, data)
        if match.id is not None:
            kept.add(match.id)
    categories = tuple(sorted({source.category for source in incoming}))
    removed = 0
    if replace_categories:
        for question in existing:
            if question.category in categories and question.id not in kept:
                db.session.delete(question)
                removed += 1
    db.session.flush()
    ensure_draws_fit(course_id)
    db.session.flush()
    log.info(
        "bank of course %s: %s added, %s updated, %s removed", course_id, added, updated, removed
    )
    return BankImport(added, updated, removed, categories)


def _frozen(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def _write(question: BankQuestion, source: qspec.Question, data: dict) -> None:
    question.category = source.category
    question.kind = source.kind.value
    question.title = source.title
    question.spec = data


def export_bank(course_id: int, by: Actor) -> str:
    """The whole bank as GIFT, each category written as `$course$/top/<path>` so Moodle files
    it in the course's bank too (and `import_bank` reads it back to the same path)."""
    lessons.require_staff(course_id, by)
    return dump_gift(
        replace(spec_of(question), category=rules.exported_category(question.category))
        for question in _questions(course_id)
    )


def delete_question(course_id: int, question_id: int, by: Actor) -> None:
    """Take a question out of the bank; refused when a quiz's rule then asks for too many."""
    lessons.require_staff(course_id, by)
    question = db.session.get(BankQuestion, question_id)
    if question is None or question.course_id != course_id:
        raise NotFound(_("The bank has no such question."))
    db.session.delete(question)
    db.session.flush()
    ensure_draws_fit(course_id)
    db.session.flush()


# ---- draw rules -------------------------------------------------------------------------------


def _shortfall_messages(course_id: int, draws: Iterable[QuizDraw | rules.Rule]) -> list[str]:
    wanted = [rules.Rule(d.category, d.count) for d in draws]
    return [
        ngettext(
            "“%(category)s” holds %(held)d question, fewer than the %(count)d asked for.",
            "“%(category)s” holds %(held)d questions, fewer than the %(count)d asked for.",
            held,
            category=rule.category or _("(no category)"),
            held=held,
            count=rule.count,
        )
        for rule, held in rules.shortfalls(wanted, category_sizes(course_id))
    ]


def ensure_draws_fit(course_id: int) -> None:
    """Refuse (and undo) a change to the bank that leaves any quiz of the course asking for
    more questions from a category than it holds."""
    draws = db.session.scalars(
        select(QuizDraw).join(Quiz, Quiz.id == QuizDraw.quiz_id).where(Quiz.course_id == course_id)
    ).all()
    if problems := _shortfall_messages(course_id, draws):
        db.session.rollback()
        raise RuleViolation(
            _("A quiz draws more questions than the bank would hold; nothing was changed."),
            {"bank": problems},
        )


def _check_rule(quiz: Quiz, category: str, count: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if message := too_long(category, QuizDraw.category):
        errors["category"] = [message]
    elif "\x00" in category:  # PostgreSQL refuses NUL in text; no category can hold one
        errors["category"] = [_("The course's bank has no such category.")]
    if not 1 <= count <= MAX_DRAW:
        errors["count"] = [_("Draw from 1 to %(most)d questions.", most=MAX_DRAW)]
    elif not errors and (
        problems := _shortfall_messages(quiz.course_id, [rules.Rule(category, count)])
    ):
        errors["count"] = problems
    return errors


def add_draw(quiz: Quiz, category: str, count: int, by: Actor) -> QuizDraw:
    """Add "draw `count` random questions from `category`" to the quiz. Refused when the
    category holds fewer, or the quiz already draws from it (change that rule instead)."""
    lessons.require_staff(quiz.course_id, by)
    category = rules.category_path(category)
    if errors := _check_rule(quiz, category, count):
        raise RuleViolation(_("The rule was not added."), errors)
    message = _("This quiz already draws from this category. Remove that rule first.")
    if any(draw.category == category for draw in quiz.draws):
        raise Conflict(message, {"category": [message]})
    draw = QuizDraw(category=category, count=count, position=len(quiz.draws) + 1)
    quiz.draws.append(draw)
    try:
        with savepoint(db.session):
            db.session.flush()
    except IntegrityError:  # the same rule added at the same moment, in another request
        raise Conflict(message, {"category": [message]}) from None
    log.info("quiz %s draws %s from %r", quiz.id, count, category)
    return draw


def get_draw(quiz: Quiz, draw_id: int) -> QuizDraw:
    draw = next((d for d in quiz.draws if d.id == draw_id), None)
    if draw is None:
        raise NotFound(_("This quiz has no such rule."))
    return draw


def remove_draw(quiz: Quiz, draw_id: int, by: Actor) -> None:
    """Remove a rule. A published quiz left with no questions at all is closed."""
    lessons.require_staff(quiz.course_id, by)
    quiz.draws.remove(get_draw(quiz, draw_id))
    for position, draw in enumerate(quiz.draws, start=1):
        draw.position = position
    if quiz.published and not quiz.has_questions:
        quiz.published = False
    db.session.flush()


def set_draws(quiz: Quiz, wanted: Iterable[rules.Rule], by: Actor) -> bool:
    """Make the quiz's rules these, in this order (a course's files at the shell); False
    when they already were. The caller commits."""
    lessons.require_staff(quiz.course_id, by)
    wanted = [rules.Rule(rules.category_path(r.category), r.count) for r in wanted]
    if [rules.Rule(d.category, d.count) for d in quiz.draws] == wanted:
        return False
    errors = {}
    for rule in wanted:
        errors.update(_check_rule(quiz, rule.category, rule.count))
    if errors:
        raise RuleViolation(_("The quiz's draw rules cannot be met."), errors)
    quiz.draws.clear()
    db.session.flush()
    for position, rule in enumerate(wanted, start=1):
        quiz.draws.append(QuizDraw(category=rule.category, count=rule.count, position=position))
    return True


# ---- statistics across quizzes -----------------------------------------------------------------


@dataclass(frozen=True)
class BankQuestionStats:
    question: BankQuestion
    result: stats.QuestionStats
    quizzes: tuple[str, ...]  # titles of the quizzes whose attempts drew it


def bank_statistics(course_id: int, by: Actor) -> list[BankQuestionStats]:
    """Each bank question's statistics over every submitted attempt, of any quiz of the
    course, that drew it (its key in a snapshot is `-id`, whatever the quiz or version).

    The discrimination index compares a question with the rest of the attempt it was drawn
    in. Two queries whatever the number of attempts: the responses, and the bank."""
    lessons.require_staff(course_id, by)
    rows = db.session.execute(
        select(
            Attempt.id,
            Attempt.user_id,
            Attempt.number,
            Attempt.points,
            Attempt.percent,
            Quiz.title,
            Response.question_key,
            Response.fraction,
            Response.points,
            Response.answer,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Quiz.course_id == course_id,
            Attempt.state == AttemptState.SUBMITTED.value,
            Response.question_key < 0,
            Response.fraction.is_not(None),
        )
        .order_by(Attempt.id)
    ).all()
    attempts: dict[int, tuple[tuple, dict[int, stats.ResponseScore]]] = {}
    drew: dict[int, set[str]] = defaultdict(set)
    for attempt_id, user, number, points, percent, title, key, fraction, got, answer in rows:
        _head, responses = attempts.setdefault(attempt_id, ((user, number, points, percent), {}))
        responses[key] = stats.ResponseScore(fraction, got or 0.0, bool(answer))
        drew[key].add(title)
    scores = [
        stats.AttemptScore(user, number, points or 0.0, percent or 0.0, responses)
        for (user, number, points, percent), responses in attempts.values()
    ]
    questions = _questions(course_id)
    results = stats.question_stats([rules.bank_key(q.id) for q in questions], scores)
    return [
        BankQuestionStats(q, result, tuple(sorted(drew.get(result.key, ()))))
        for q, result in zip(questions, results, strict=True)
    ]
