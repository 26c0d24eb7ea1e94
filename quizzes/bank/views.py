"""The instructor's bank page: a course's questions by category, with how each performed in
every quiz that drew it; GIFT files in and out. Thin: parse, call a service, render."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from coursework.errors import RuleViolation
from coursework.i18n import _, ngettext
from coursework.policy import access
from lessons import services as lessons
from quizzes.bank import services
from quizzes.bank.forms import BankUploadForm
from quizzes.gift import GiftError, read_gift_file
from quizzes.long_work import gift_problems, question_problems_of

bp = Blueprint("bank", __name__, url_prefix="/teach/courses")


def _page(slug: str, form: BankUploadForm | None = None, problems=(), status: int = 200):
    course = lessons.get_course(slug)
    categories = services.bank(course.id, current_user)
    performance = {
        row.question.id: row for row in services.bank_statistics(course.id, current_user)
    }
    return render_template(
        "quizzes/bank/index.html",
        course=course,
        categories=categories,
        performance=performance,
        advice=services.bank_advice(course.id, current_user),
        form=form or BankUploadForm(formdata=None),
        problems=problems,
    ), status


@bp.get("/<slug>/bank")
@access("instructor")
def index(slug: str):
    return _page(slug)


@bp.post("/<slug>/bank/gift")
@access("instructor")
def import_gift(slug: str):
    """File a GIFT file's questions in the bank, all or nothing."""
    course_id = lessons.get_course(slug).id
    lessons.require_staff(course_id, current_user)
    form = BankUploadForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        limit = current_app.config["GIFT_MAX_BYTES"]
        try:
            questions = list(read_gift_file(form.file.data.read(limit + 1), limit).questions)
            result = services.import_bank(course_id, questions, current_user)
        except GiftError as error:
            problems = gift_problems(error)
        except RuleViolation as error:
            problems = question_problems_of(error, questions)
            if "bank" in error.errors:
                problems = [(_("Bank"), message) for message in error.errors["bank"]]
        else:
            flash(
                ngettext(
                    "%(num)d question added to the bank, %(updated)d updated.",
                    "%(num)d questions added to the bank, %(updated)d updated.",
                    result.added,
                    updated=result.updated,
                ),
                "success",
            )
            return redirect(url_for("bank.index", slug=slug))
        form.file.errors.append(
            ngettext(
                "The file was not imported: fix the problem listed below. Nothing was changed.",
                "The file was not imported: fix the %(num)d problems listed below. "
                "Nothing was changed.",
                len(problems),
            )
        )
    return _page(slug, form, problems, 400)


@bp.get("/<slug>/bank.gift")
@access("instructor")
def export_gift(slug: str):
    text = services.export_bank(lessons.get_course(slug).id, current_user)
    response = Response(text, content_type="text/plain; charset=utf-8")
    response.headers.set("Content-Disposition", "attachment", filename=f"{slug}-bank.gift")
    return response
