"""The search page, reached from the search box in the header."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from coursework.errors import RuleViolation
from coursework.policy import access
from coursework.search import services
from coursework.search.services import Hit

bp = Blueprint("search", __name__, template_folder="templates")


def hit_url(hit: Hit) -> str:
    """Where a result leads: the lesson, or the question in the quiz's authoring page."""
    if hit.kind == "lesson":
        return url_for("progress.lesson", slug=hit.course_slug, lesson_slug=hit.lesson_slug)
    return url_for("authoring.edit_question", quiz_id=hit.quiz_id, question_id=hit.question_id)


@bp.route("/search")
@access("learner")
def results():
    raw = request.args.get("q")
    page = request.args.get("page", 1, type=int)
    found, error = None, None
    if raw is not None:
        try:
            found = services.search(current_user, raw, page)
        except RuleViolation as problem:
            error = problem.message
    return render_template(
        "search/results.html",
        # Shown back in the box (escaped), cut so a huge query never fills the page.
        query=(raw or "")[: services.MAX_QUERY * 2],
        found=found,
        error=error,
        hit_url=hit_url,
        max_query=services.MAX_QUERY,
    ), 400 if error else 200
