"""The learner's quiz pages: overview, the attempt form, and the result."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from coursework.accounts.forms import EmptyForm
from coursework.errors import Conflict
from coursework.policy import access
from lessons import services as lessons
from lessons.rendering import render_markdown, sanitise_html
from quizzes import kinds, services
from quizzes.models import ReviewShows
from quizzes.practice import schedule

bp = Blueprint("quizzes", __name__, template_folder="templates")
# Templates draw a question through its kind's own template, found in the registry.
bp.add_app_template_global(kinds.kind_of, "question_kind")


@bp.route("/quizzes/<int:quiz_id>")
@access("learner")
def overview(quiz_id: int):
    quiz = services.get_quiz(quiz_id)
    current = services.standing(current_user, quiz)
    if current.open_attempt is not None and services.expire_if_due(current.open_attempt):
        current = services.standing(current_user, quiz)
    course = lessons.get_course_by_id(quiz.course_id)
    return render_template(
        "quizzes/overview.html", quiz=quiz, standing=current, course=course, form=EmptyForm()
    )


@bp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"])
@access("learner")
def start(quiz_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    quiz = services.get_quiz(quiz_id)
    try:
        attempt = services.start_attempt(current_user, quiz)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("quizzes.overview", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@access("learner")
def attempt(attempt_id: int):
    # Saving and submitting need the attempt's row, not its quiz's questions.
    find = services.attempt_for_saving if request.method == "POST" else services.get_attempt
    current = find(attempt_id, current_user)
    if services.expire_if_due(current):
        flash("Time is up. Your attempt was submitted with the answers saved so far.", "info")
    if not current.is_open:
        return redirect(url_for("quizzes.result", attempt_id=current.id))
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.save_answers(
                current,
                _form_answers(current),
                sure=_form_sure(services.shown_questions(current)),
            )
        except Conflict as error:
            flash(error.message, "info")
            return redirect(url_for("quizzes.result", attempt_id=current.id))
        if request.form.get("action") != "submit":
            flash("Your answers are saved. You can come back and finish later.", "success")
            course = lessons.get_course_by_id(current.quiz.course_id)
            return redirect(url_for("progress.course", slug=course.slug))
        if request.form.get("confirm") == "yes" or not services.unanswered(current):
            services.submit_attempt(current)
            # The id from the address: the commit expired `current`, and reading its id
            # would load it again with its quiz.
            return redirect(url_for("quizzes.result", attempt_id=attempt_id))
        # The confirmation is a page of its own, reached by GET once the answers are saved, so
        # reloading it cannot post the old form again over answers given since.
        return redirect(url_for("quizzes.attempt", attempt_id=current.id, confirm="unanswered"))
    confirm_unanswered = (
        services.unanswered(current) if request.args.get("confirm") == "unanswered" else []
    )
    answers = {response.question_key: response.answer for response in current.responses}
    return render_template(
        "quizzes/attempt.html",
        attempt=current,
        quiz=current.quiz,
        questions=services.shown_questions(current),
        answers=answers,
        sure={response.question_key: response.sure for response in current.responses},
        confirm_unanswered=confirm_unanswered,
        form=form,
    )


@bp.route("/attempts/<int:attempt_id>/answers", methods=["POST"])
@access("learner")
def autosave(attempt_id: int):
    """Saves answers as the learner goes (sent by the page's script), so a closed tab or a
    crash loses nothing."""
    current = services.attempt_for_saving(attempt_id, current_user)
    shown = services.shown_questions(current)
    try:
        answered = services.save_answers(
            current, kinds.answers_from_form(shown, request.form), sure=_form_sure(shown)
        )
    except Conflict as error:
        return {"saved": False, "message": error.message}, 409
    return {"saved": True, "answered": answered}


def _form_answers(current) -> dict:
    return kinds.answers_from_form(services.shown_questions(current), request.form)


def _form_sure(shown) -> dict[int, bool | None]:
    """The optional "How sure are you?" of each question on the form."""
    return {q.key: schedule.sure_from(request.form.get(f"{q.name}-sure")) for q in shown}


@bp.route("/attempts/<int:attempt_id>/result")
@access("learner")
def result(attempt_id: int):
    current = services.get_attempt(attempt_id, current_user)
    services.expire_if_due(current)
    if current.is_open:
        return redirect(url_for("quizzes.attempt", attempt_id=current.id))
    now_standing = services.standing(current_user, current.quiz)
    level = services.review_level(current, now_standing)
    course = lessons.get_course_by_id(current.quiz.course_id)
    return render_template(
        "quizzes/result.html",
        attempt=current,
        quiz=current.quiz,
        standing=now_standing,
        level=level,
        Shows=ReviewShows,
        reviewed=services.review(current) if level is not ReviewShows.SCORE else [],
        course=course,
        form=EmptyForm(),
    )


@bp.app_template_filter("question_text")
def question_text(text: str, text_format: str = "plain") -> Markup:
    """Question text as the author wrote it: plain text escaped, Markdown and HTML rendered
    and sanitised by the same allow-list as lessons."""
    if text_format == "plain":
        return Markup("<p>{}</p>").format(text).replace("\n", Markup("<br>"))
    if text_format == "markdown":
        return Markup(render_markdown(text))
    return Markup(sanitise_html(text))


_LONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.DOTALL)


@bp.app_template_filter("answer_text")
def answer_text(text: str, text_format: str = "plain") -> Markup:
    """A choice, a matching prompt or feedback, by the same rule as the question's text: in an
    HTML question it is HTML, sanitised by the lessons' allow-list; otherwise it is plain text
    and escaped. (Markdown questions keep their answers plain, as they always have.) A lone
    paragraph is unwrapped, since these texts sit inside labels, list items and paragraphs."""
    if text_format != "html":
        return Markup.escape(text)
    clean = sanitise_html(text).strip()
    lone = _LONE_PARAGRAPH.fullmatch(clean)
    return Markup(lone.group(1) if lone else clean)
