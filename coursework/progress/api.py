"""JSON: the signed-in learner's own progress."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.dumping import Extended
from coursework.policy import access
from coursework.progress import services
from coursework.progress.schemas import CompletionSchema, CourseProgressSchema
from lessons import services as lessons

blp = Blueprint("progress-api", __name__, description="The signed-in learner's progress.")


def _progress(progress: services.CourseProgress) -> Extended:
    """A learner's progress through a course, each lesson with its state."""
    return Extended(
        progress,
        lessons=[Extended(lesson, state=progress.state_of(lesson)) for lesson in progress.lessons],
    )


@blp.route("/me/courses")
class MyCourses(MethodView):
    @access("learner")
    @blp.response(200, CourseProgressSchema(many=True))
    def get(self):
        """The courses I am enrolled in, most recently active first."""
        return [_progress(progress) for progress in services.my_courses(current_user)]


@blp.route("/me/courses/<slug>")
class MyCourse(MethodView):
    @access("learner")
    @blp.response(200, CourseProgressSchema)
    def get(self, slug: str):
        """My progress through one course."""
        return _progress(services.course_progress(current_user, lessons.get_course(slug)))


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
        return Extended(lesson, newly_completed=newly, progress=_progress(progress))
