"""JSON: the signed-in learner's own progress."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.policy import access
from coursework.progress import services
from coursework.progress.schemas import CompletionSchema, CourseProgressSchema
from lessons import services as lessons

blp = Blueprint("progress-api", __name__, description="The signed-in learner's progress.")


def serialise(progress: services.CourseProgress) -> dict:
    enrolment = progress.enrolment
    following = progress.next_lesson
    return {
        "course_slug": progress.course.slug,
        "course_title": progress.course.title,
        "state": progress.summary.state.value,
        "percent": progress.summary.percent,
        "completed": progress.summary.completed,
        "total": progress.summary.total,
        "next_lesson": following.slug if following else None,
        "enrolled_at": enrolment.enrolled_at if enrolment else None,
        "last_activity_at": enrolment.last_activity_at if enrolment else None,
        "lessons": [
            {"slug": lesson.slug, "title": lesson.title, "state": progress.state_of(lesson).value}
            for lesson in progress.lessons
        ],
    }


@blp.route("/me/courses")
class MyCourses(MethodView):
    @access("learner")
    @blp.response(200, CourseProgressSchema(many=True))
    def get(self):
        """The courses I am enrolled in, most recently active first."""
        return [serialise(progress) for progress in services.my_courses(current_user)]


@blp.route("/me/courses/<slug>")
class MyCourse(MethodView):
    @access("learner")
    @blp.response(200, CourseProgressSchema)
    def get(self, slug: str):
        """My progress through one course."""
        return serialise(services.course_progress(current_user, lessons.get_course(slug)))


@blp.route("/me/courses/<slug>/lessons/<lesson_slug>/completion")
class LessonCompletion(MethodView):
    @access("learner")
    @blp.response(200, CompletionSchema)
    def put(self, slug: str, lesson_slug: str):
        """Mark a lesson complete. Idempotent: repeating it changes nothing."""
        course = lessons.get_course(slug)
        lesson = lessons.get_lesson(course, lesson_slug)
        newly = services.complete_lesson(current_user, lesson)
        progress = services.course_progress(current_user, course)
        return {"lesson": lesson.slug, "newly_completed": newly, "progress": serialise(progress)}
