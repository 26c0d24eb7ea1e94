"""The learner's pages: catalogue, course, lesson, and "My learning".

They combine courses (lessons layer) with the learner's progress, so they live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from coursework import timezones
from coursework.accounts.forms import EmptyForm
from coursework.certificates import services as certificates
from coursework.i18n import _
from coursework.organisations import services as organisations
from coursework.organisations.services import AssignedCourse
from coursework.policy import access
from coursework.progress import services
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes.practice import services as practice

bp = Blueprint("progress", __name__, template_folder="templates")


def _signed_in_user():
    return current_user if current_user.is_authenticated else None


@bp.route("/")
@access("public")
def catalogue():
    courses = lessons.list_courses()
    summaries = services.summaries_for(_signed_in_user(), [course.id for course, *_ in courses])
    return render_template("progress/catalogue.html", courses=courses, summaries=summaries)


@bp.route("/courses/<slug>")
@access("public")
def course(slug: str):
    user = _signed_in_user()
    progress = services.course_progress(user, lessons.get_course(slug))
    certificate = certificates.find_for(user.id, progress.course.id) if user else None
    if user and certificate is None and progress.summary.is_complete:
        certificate = certificates.issue_missing(user.id, progress.course.id)
    return render_template(
        "progress/course.html",
        progress=progress,
        rule=certificates.completion_rule(progress),
        certificate=certificate,
        teaches=user is not None
        and user.is_instructor
        and lessons.can_change(progress.course.id, user),
    )


@bp.route("/courses/<slug>/assets/<path:name>")
@access("public")
def asset(slug: str, name: str):
    """A course's stored image, as public as the course page that may show it."""
    found = lessons.find_asset(lessons.get_course(slug), name)
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(found.sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.route("/courses/<slug>/lessons/<lesson_slug>")
@access("learner")
def lesson(slug: str, lesson_slug: str):
    current = lessons.find_lesson_page(slug, lesson_slug)
    progress = services.visit_lesson(current_user, current)
    previous, following = progress.neighbours(current)
    return render_template(
        "progress/lesson.html",
        progress=progress,
        lesson=current,
        state=progress.state_of(current),
        previous=previous,
        following=following,
        form=EmptyForm(),
    )


@bp.route("/courses/<slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@access("learner")
def complete(slug: str, lesson_slug: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    course = lessons.get_course(slug)
    current = lessons.get_lesson(course, lesson_slug)
    services.complete_lesson(current_user, current)
    progress = services.course_progress(current_user, course)
    quiz = progress.quiz_for(current)
    standing = progress.standings.get(quiz.id) if quiz else None
    if quiz is not None and not (standing and standing.passed):
        target = url_for("quizzes.overview", quiz_id=quiz.id)
    elif progress.next_lesson is not None:
        target = url_for("progress.lesson", slug=course.slug, lesson_slug=progress.next_lesson.slug)
    elif progress.next_quiz is not None:
        target = url_for("quizzes.overview", quiz_id=progress.next_quiz.id)
    else:
        if certificates.find_for(current_user.id, course.id) is None:  # else it was announced
            flash(_("You have completed every lesson of this course. Well done!"), "success")
        return redirect(url_for("progress.course", slug=course.slug))
    flash(_("“%(title)s” is complete.", title=current.title), "success")
    return redirect(target)


@dataclass(frozen=True)
class AssignedCard:
    """A course an organisation assigned to the learner, with their progress on it (None
    until they start it; then `course`, `lessons` and `minutes` describe it)."""

    assigned: AssignedCourse
    progress: services.CourseProgress | None
    course: Course | None = None
    first_lesson: Lesson | None = None
    lessons: int = 0
    minutes: int = 0


@bp.route("/my-learning")
@access("learner")
def my_learning():
    earned = {c.course_id: c for c in certificates.for_learner(current_user.id)}
    enrolled = services.my_courses(current_user)
    by_course = {progress.course.id: progress for progress in enrolled}
    assigned = organisations.assigned_to(current_user)
    not_started = [a.course_id for a in assigned if a.course_id not in by_course]
    # Courses assigned but not opened yet: two queries for all of them.
    catalogue = {c.id: (c, n, m) for c, n, m in lessons.list_courses()} if not_started else {}
    first = {}
    for lesson in lessons.current_lessons(not_started):
        first.setdefault(lesson.course_id, lesson)
    cards = []
    for entry in assigned:
        progress = by_course.get(entry.course_id)
        if progress is not None:
            cards.append(AssignedCard(entry, progress))
        elif entry.course_id in catalogue:
            course, count, minutes = catalogue[entry.course_id]
            cards.append(AssignedCard(entry, None, course, first.get(course.id), count, minutes))
    shown = {card.assigned.course_id for card in cards}
    return render_template(
        "progress/my_learning.html",
        assigned=cards,
        courses=[progress for progress in enrolled if progress.course.id not in shown],
        earned=earned,
        today=timezones.today_for(current_user),
        practice_due=practice.due_today(current_user.id),
    )
