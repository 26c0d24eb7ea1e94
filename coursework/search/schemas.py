from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from coursework.dumping import Grouped
from coursework.errors import RuleViolation
from coursework.search import services


class SearchArgsSchema(Schema):
    q = fields.String(
        required=True,
        metadata={"description": 'Words to find; "quoted words" must appear together.'},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=services.MAX_PAGE))

    @validates("q")
    def _query(self, value: str, **kwargs) -> None:
        try:
            services.check_query(value)
        except RuleViolation as error:
            raise ValidationError(error.message) from None


class SearchCourseSchema(Schema):
    """Read from the hit's own course fields."""

    slug = fields.String(attribute="course_slug", dump_only=True)
    title = fields.String(attribute="course_title", dump_only=True)


class SearchHitSchema(Schema):
    """Read from a `search.services.Hit` and its `url`."""

    kind = fields.String(
        dump_only=True, metadata={"description": "`lesson`, or `question` (staff only)"}
    )
    title = fields.String(dump_only=True)
    snippet_html = fields.String(
        attribute="snippet",
        dump_only=True,
        metadata={"description": "Escaped text around the matches, each in `<mark>`."},
    )
    course = Grouped(SearchCourseSchema)
    lesson_slug = fields.String(dump_only=True, allow_none=True)
    quiz_id = fields.Integer(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, metadata={"description": "The page that shows it."})


class SearchResultsSchema(Schema):
    query = fields.String(dump_only=True)
    total = fields.Integer(dump_only=True)
    page = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    results = fields.List(fields.Nested(SearchHitSchema), attribute="hits", dump_only=True)
