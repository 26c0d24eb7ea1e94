from __future__ import annotations

from marshmallow import Schema, fields


class LessonProgressSchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.String(
        dump_only=True, metadata={"enum": ["not_started", "in_progress", "completed"]}
    )


class CourseProgressSchema(Schema):
    """Read from `progress.services.CourseProgress`."""

    course_slug = fields.String(attribute="course.slug", dump_only=True)
    course_title = fields.String(attribute="course.title", dump_only=True)
    state = fields.String(attribute="summary.state", dump_only=True)
    percent = fields.Integer(attribute="summary.percent", dump_only=True)
    completed = fields.Integer(attribute="summary.completed", dump_only=True)
    total = fields.Integer(attribute="summary.total", dump_only=True)
    # Null when there is none (a path through None reads as missing: the default says null).
    next_lesson = fields.String(
        attribute="next_lesson.slug", dump_only=True, allow_none=True, dump_default=None
    )
    enrolled_at = fields.DateTime(
        attribute="enrolment.enrolled_at", dump_only=True, allow_none=True, dump_default=None
    )
    last_activity_at = fields.DateTime(
        attribute="enrolment.last_activity_at", dump_only=True, allow_none=True, dump_default=None
    )
    lessons = fields.List(fields.Nested(LessonProgressSchema), dump_only=True)


class CompletionSchema(Schema):
    """Read from the lesson completed."""

    lesson = fields.String(attribute="slug", dump_only=True)
    newly_completed = fields.Boolean(dump_only=True)
    progress = fields.Nested(CourseProgressSchema, dump_only=True)
