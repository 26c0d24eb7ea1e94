"""Shapes of the bank's JSON API. Author shapes: they carry answer keys, and only a course's
staff (and admins) ever receive them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coursework.lengths import schema_length
from quizzes.bank.services import MAX_DRAW
from quizzes.models import QuizDraw
from quizzes.schemas import MAX_GIFT, AuthorQuestionSchema


class BankQuestionSchema(AuthorQuestionSchema):
    """A bank question with its answer key. Its `key` is what attempts, responses and
    practice cards that drew it name it by."""

    key = fields.Integer(dump_only=True)


class CategorySchema(Schema):
    path = fields.String(dump_only=True, metadata={"description": "As GIFT's $CATEGORY: a/b."})
    count = fields.Integer(dump_only=True)
    questions = fields.List(fields.Nested(BankQuestionSchema), dump_only=True)


class BankGiftInSchema(Schema):
    gift = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_GIFT),
        metadata={
            "description": "Questions as GIFT text, filed by their $CATEGORY lines (Moodle's "
            "`$course$/top/` prefix is dropped). A titled question already in its category "
            "under that title is updated in place."
        },
    )
    replace = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also remove the questions of the file's categories that it no "
            "longer has."
        },
    )


class BankImportSchema(Schema):
    added = fields.Integer(dump_only=True)
    updated = fields.Integer(dump_only=True)
    removed = fields.Integer(dump_only=True)
    categories = fields.List(fields.String(), dump_only=True)


class BankQuestionStatsSchema(Schema):
    id = fields.Integer(attribute="question.id", dump_only=True)
    key = fields.Integer(attribute="result.key", dump_only=True)
    category = fields.String(attribute="question.category", dump_only=True)
    title = fields.String(attribute="question.title", dump_only=True)
    attempts = fields.Integer(attribute="result.attempts", dump_only=True)
    answered = fields.Integer(attribute="result.answered", dump_only=True)
    facility = fields.Float(attribute="result.facility", dump_only=True, allow_none=True)
    spread = fields.Float(attribute="result.spread", dump_only=True, allow_none=True)
    discrimination = fields.Float(
        attribute="result.discrimination", dump_only=True, allow_none=True
    )
    quizzes = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "Titles of the quizzes whose attempts drew the question."},
    )


class DrawSchema(Schema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    category = fields.String(dump_only=True)
    count = fields.Integer(dump_only=True)


class DrawInSchema(Schema):
    category = fields.String(
        required=True,
        validate=schema_length(QuizDraw.category),
        metadata={"description": "A category of the course's bank, as its page lists it."},
    )
    count = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_DRAW),
        metadata={"description": "How many questions each attempt draws from it."},
    )
