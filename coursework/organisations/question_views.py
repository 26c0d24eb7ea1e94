"""The manager's page of the questions their people miss most, per assigned course."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from coursework.organisations import services
from coursework.organisations.models import Membership
from coursework.policy import access
from lessons import services as lessons
from quizzes import services as quizzes
from quizzes.practice import services as practice

bp = Blueprint("org_questions", __name__, url_prefix="/organisations/<slug>")


@bp.get("/questions")
@access("manager")
def index(slug: str):
    organisation = services.get_managed(current_user, slug)
    course_ids = list(dict.fromkeys(a.course_id for a in services.assignments(organisation)))
    courses = [lessons.get_course_by_id(course_id) for course_id in course_ids]
    chosen = request.args.get("course", "")
    course = next((c for c in courses if str(c.id) == chosen), courses[0] if courses else None)
    report = None
    if course is not None:
        people = select(Membership.user_id).where(
            Membership.organisation_id == organisation.id, Membership.removed_at.is_(None)
        )
        quiz_ids = [quiz.id for quiz in quizzes.course_quizzes([course.id])]
        report = practice.missed_most(people.scalar_subquery(), quiz_ids)
    return render_template(
        "organisations/questions.html",
        organisation=organisation,
        courses=courses,
        course=course,
        report=report,
        small_group=practice.SMALL_GROUP,
    )
