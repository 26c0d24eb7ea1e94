"""The learner's Practice page: today's short session, one question at a time."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coursework.accounts.forms import EmptyForm
from coursework.errors import Conflict, RuleViolation
from coursework.policy import access
from quizzes.models import ReviewShows
from quizzes.practice import services

bp = Blueprint("practice", __name__)


@bp.get("/practice")
@access("learner")
def index():
    day = services.today(current_user.id)
    session_ = services.session_today(current_user.id, day)
    return _page(session_.next, session_, day)


def _page(card, session_: services.Session, day, error: str | None = None, status: int = 200):
    question = services.serve(card) if card is not None else None
    return (
        render_template(
            "quizzes/practice/index.html",
            card=card,
            question=question,
            left=session_.left,
            done=session_.done,
            deck=services.deck_size(current_user.id),
            next_due=services.next_due_on(current_user.id),
            session_size=services.SESSION_SIZE,
            today=day,
            error=error,
            form=EmptyForm(),
        ),
        status,
    )


@bp.post("/practice/<int:card_id>")
@access("learner")
def answer(card_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    card = services.get_card(current_user.id, card_id)
    day = services.today(current_user.id)
    try:
        review = services.answer(card, request.form, day)
    except Conflict as error:
        flash(error.message, "info")
        return redirect(url_for("practice.index"))
    except RuleViolation as error:
        session_ = services.session_today(current_user.id, day)
        return _page(card, session_, day, error=error.message, status=422)
    return redirect(url_for("practice.review", review_id=review.id), code=303)


@bp.get("/practice/answers/<int:review_id>")
@access("learner")
def review(review_id: int):
    found = services.get_review(current_user.id, review_id)
    return render_template(
        "quizzes/practice/review.html",
        review=found,
        question=services.reviewed_question(found),
        feedback=services.feedback(found),
        level=services.shows(current_user, found.card.quiz),
        Shows=ReviewShows,
        left=services.due_today(current_user.id),
    )
