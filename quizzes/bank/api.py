"""JSON: a course's question bank and its quizzes' draw rules, for the course's staff.

Anyone else gets 403 (an instructor of another course included), and a missing course or
quiz 404. Views stay thin: the rules live in `quizzes.bank.services`.
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.policy import access
from lessons import services as lessons
from quizzes import services as quizzes
from quizzes.api import _parse_gift
from quizzes.bank import services
from quizzes.bank.schemas import (
    BankGiftInSchema,
    BankImportSchema,
    BankQuestionStatsSchema,
    CategorySchema,
    DrawInSchema,
    DrawSchema,
)

bank = Blueprint(
    "question-bank-api",
    __name__,
    description="Instructors: a course's question bank by category, and quizzes' "
    '"N random questions from category C" rules. These shapes carry the answer key: open '
    "only to the course's staff and to admins.",
)


def _course_id(slug: str) -> int:
    course = lessons.get_course(slug)
    lessons.require_staff(course.id, current_user)
    return course.id


def _category(category: services.Category, advice: dict) -> dict:
    return {
        "path": category.path,
        "count": len(category.questions),
        "questions": [
            {
                **question.spec,
                "id": question.id,
                "key": -question.id,
                "advice": advice.get(question.id, []),
                "category": question.category,
                "choices": [
                    {"id": number, **choice}
                    for number, choice in enumerate(question.spec.get("choices", []), start=1)
                ],
            }
            for question in category.questions
        ],
    }


@bank.route("/courses/<slug>/bank")
class Bank(MethodView):
    @access("instructor")
    @bank.response(200, CategorySchema(many=True))
    def get(self, slug: str):
        """The course's bank, by category in path order."""
        course_id = _course_id(slug)
        advice = services.bank_advice(course_id, current_user)
        return [_category(c, advice) for c in services.bank(course_id, current_user)]


@bank.route("/courses/<slug>/bank/gift")
class BankGift(MethodView):
    @access("instructor")
    @bank.response(200, {"type": "string"}, content_type="text/plain")
    def get(self, slug: str):
        """The bank as GIFT, each category written as `$course$/top/<path>` for Moodle."""
        text = services.export_bank(_course_id(slug), current_user)
        return Response(text, mimetype="text/plain")

    @access("instructor")
    @bank.arguments(BankGiftInSchema)
    @bank.response(200, BankImportSchema)
    def put(self, data: dict, slug: str):
        """File a GIFT file's questions in the bank.

        All or nothing: a problem in the file is a 422 under `errors.json.gift`, and a file
        that would leave a quiz drawing more questions than its category holds is a 422
        under `errors.json.bank`.
        """
        course_id = _course_id(slug)
        questions = _parse_gift(data["gift"])
        result = services.import_bank(
            course_id, questions, current_user, replace_categories=data["replace"]
        )
        return {**vars(result), "categories": list(result.categories)}


@bank.route("/courses/<slug>/bank/stats")
class BankStatistics(MethodView):
    @access("instructor")
    @bank.response(200, BankQuestionStatsSchema(many=True))
    def get(self, slug: str):
        """Each bank question's statistics over every submitted attempt, of any quiz of the
        course, that drew it (facility, spread and discrimination in %, as for a quiz)."""
        return services.bank_statistics(_course_id(slug), current_user)


@bank.route("/quizzes/<int:quiz_id>/draws")
class Draws(MethodView):
    @access("instructor")
    @bank.response(200, DrawSchema(many=True))
    def get(self, quiz_id: int):
        """The quiz's rules, in the order attempts draw them."""
        return quizzes.quiz_to_author(quiz_id, current_user).draws

    @access("instructor")
    @bank.arguments(DrawInSchema)
    @bank.response(201, DrawSchema)
    @bank.alt_response(409, response="CONFLICT")
    def post(self, data: dict, quiz_id: int):
        """Add "draw `count` random questions from `category`".

        A category holding fewer questions than asked is a 422 naming `count`; a second
        rule for the same category a 409.
        """
        quiz = quizzes.quiz_to_author(quiz_id, current_user)
        return services.add_draw(quiz, data["category"], data["count"], current_user)


@bank.route("/quizzes/<int:quiz_id>/draws/<int:draw_id>")
class DrawDetail(MethodView):
    @access("instructor")
    @bank.response(204)
    def delete(self, quiz_id: int, draw_id: int):
        """Remove a rule (a published quiz left with no questions at all is closed)."""
        services.remove_draw(quizzes.quiz_to_author(quiz_id, current_user), draw_id, current_user)
