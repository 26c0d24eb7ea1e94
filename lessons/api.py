"""JSON: the course catalogue."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from coursework.dumping import Extended
from coursework.policy import access
from lessons import services
from lessons.schemas import CourseDetailSchema, CourseSchema

blp = Blueprint("courses-api", __name__, description="The course catalogue.")


@blp.route("/courses")
class Courses(MethodView):
    @access("public")
    @blp.response(200, CourseSchema(many=True))
    def get(self):
        """Every course, with its number of lessons and reading time."""
        return [
            Extended(course, lesson_count=count, minutes=minutes)
            for course, count, minutes in services.list_courses()
        ]


@blp.route("/courses/<slug>")
class CourseDetail(MethodView):
    @access("public")
    @blp.response(200, CourseDetailSchema)
    def get(self, slug: str):
        """One course with its current lessons in order."""
        course = services.get_course(slug)
        current = services.current_lessons(course.id)
        return Extended(
            course,
            lessons=current,
            lesson_count=len(current),
            minutes=sum(lesson.minutes for lesson in current),
        )
