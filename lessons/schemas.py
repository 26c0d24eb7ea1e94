from __future__ import annotations

from marshmallow import Schema, fields


class LessonSummarySchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    position = fields.Integer(dump_only=True)
    minutes = fields.Integer(dump_only=True)
    objectives = fields.List(fields.String(), dump_only=True)


class CourseSchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    lesson_count = fields.Integer(dump_only=True)
    minutes = fields.Integer(dump_only=True)


class CourseDetailSchema(CourseSchema):
    description_html = fields.String(dump_only=True)
    lessons = fields.List(fields.Nested(LessonSummarySchema), dump_only=True)
