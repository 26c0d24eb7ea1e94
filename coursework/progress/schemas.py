from __future__ import annotations

from marshmallow import Schema, fields


class LessonProgressSchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.String(
        dump_only=True, metadata={"enum": ["not_started", "in_progress", "completed"]}
    )


class CourseProgressSchema(Schema):
    course_slug = fields.String(dump_only=True)
    course_title = fields.String(dump_only=True)
    state = fields.String(dump_only=True)
    percent = fields.Integer(dump_only=True)
    completed = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    next_lesson = fields.String(dump_only=True, allow_none=True)
    enrolled_at = fields.DateTime(dump_only=True, allow_none=True)
    last_activity_at = fields.DateTime(dump_only=True, allow_none=True)
    lessons = fields.List(fields.Nested(LessonProgressSchema), dump_only=True)


class CompletionSchema(Schema):
    lesson = fields.String(dump_only=True)
    newly_completed = fields.Boolean(dump_only=True)
    progress = fields.Nested(CourseProgressSchema, dump_only=True)
