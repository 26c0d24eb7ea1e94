"""JSON: authoring quizzes (instructors) and taking them (learners).

Two blueprints, so the OpenAPI document shows two groups. The learner side mirrors the HTML
flow in `views.py` and shows a question only through the allow-list helpers at the bottom
of this module: the answer key reaches a learner only in `_reviewed`, and only as far as the
quiz's review policy allows for that attempt.
"""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.dumping import Extended
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.policy import access
from lessons import services as lessons
from quizzes import kinds, services
from quizzes.advice import quiz_advice
from quizzes.gift import GiftError, check_size, dump_gift, parse_gift
from quizzes.models import Attempt, Question, Quiz, ReviewShows
from quizzes.schemas import (
    AttemptSummarySchema,
    AuthorQuestionInSchema,
    AuthorQuestionSchema,
    EssayToGradeSchema,
    GiftImportSchema,
    GiftInSchema,
    GradeInSchema,
    LearnerAttemptSchema,
    MoveSchema,
    NewQuizSchema,
    QuizChangesSchema,
    QuizDetailSchema,
    QuizSchema,
    QuizStandingSchema,
    ResultSchema,
    SaveAnswersSchema,
)
from quizzes.spec import question_to_dict

# Ids fit a 32-bit column: a larger one is a 404, not a database overflow.

authoring = Blueprint(
    "quiz-authoring-api",
    __name__,
    description="Instructors: write, publish, import and export quizzes. "
    "These shapes carry the answer key. A quiz is open only to its course's staff (owner and "
    "co-instructors) and to admins: anyone else gets 403, and lists show only their courses.",
)
taking = Blueprint(
    "quizzes-api",
    __name__,
    description="Learners: take quizzes. Nothing here shows an answer key before the quiz's "
    "review policy allows it.",
)


# ---- authoring ----------------------------------------------------------------------------


@authoring.route("/quizzes")
class Quizzes(MethodView):
    @access("instructor")
    @authoring.response(200, QuizSchema(many=True))
    def get(self):
        """Every quiz, by course, each lesson's quiz before the course's final quiz."""
        return _quiz_rows(services.all_quizzes(current_user))

    @access("instructor")
    @authoring.arguments(NewQuizSchema)
    @authoring.response(201, QuizDetailSchema)
    @authoring.alt_response(409, response="CONFLICT")
    def post(self, data: dict):
        """Create an unpublished quiz.

        For a lesson, or the course's final quiz when `lesson` is null. A lesson (and a
        course's final) has one quiz at most: 409 otherwise.
        """
        course_id, lesson_id = _place(data.pop("course"), data.pop("lesson"))
        settings = services.QuizSettings(**data)
        return _quiz_detail(services.create_quiz(course_id, lesson_id, settings, current_user))


@authoring.route("/quizzes/<int:quiz_id>")
class QuizDetail(MethodView):
    @access("instructor")
    @authoring.response(200, QuizDetailSchema)
    def get(self, quiz_id: int):
        """A quiz's settings and questions, answer key included."""
        return _quiz_detail(_authored(quiz_id))

    @access("instructor")
    @authoring.arguments(QuizChangesSchema)
    @authoring.response(200, QuizDetailSchema)
    def patch(self, changes: dict, quiz_id: int):
        """Change some settings; those left out keep their value."""
        quiz = _authored(quiz_id)
        services.update_settings(
            quiz,
            services.QuizSettings(**{**vars(services.settings_of(quiz)), **changes}),
            current_user,
        )
        return _quiz_detail(quiz)


@authoring.route("/quizzes/<int:quiz_id>/publish")
class PublishQuiz(MethodView):
    @access("instructor")
    @authoring.response(200, QuizDetailSchema)
    def post(self, quiz_id: int):
        """Offer the quiz to learners (it needs a question first: 422 otherwise)."""
        quiz = _authored(quiz_id)
        return _quiz_detail(services.set_published(quiz, True, current_user))


@authoring.route("/quizzes/<int:quiz_id>/unpublish")
class UnpublishQuiz(MethodView):
    @access("instructor")
    @authoring.response(200, QuizDetailSchema)
    def post(self, quiz_id: int):
        """Withdraw the quiz; attempts already made are kept."""
        quiz = _authored(quiz_id)
        return _quiz_detail(services.set_published(quiz, False, current_user))


@authoring.route("/quizzes/<int:quiz_id>/questions")
class Questions(MethodView):
    @access("instructor")
    @authoring.response(200, AuthorQuestionSchema(many=True))
    def get(self, quiz_id: int):
        """The quiz's questions in order, answer key included."""
        quiz = _authored(quiz_id)
        advice = quiz_advice(quiz)
        return [_author_question(question, advice) for question in quiz.questions]

    @access("instructor")
    @authoring.arguments(AuthorQuestionInSchema)
    @authoring.response(201, AuthorQuestionSchema)
    def post(self, source, quiz_id: int):
        """Add a question at the end. An incomplete question is a 422 naming its fields."""
        quiz = _authored(quiz_id)
        return _author_question(services.add_question(quiz, source, current_user))


@authoring.route("/quizzes/<int:quiz_id>/questions/<int:question_id>")
class QuestionDetail(MethodView):
    @access("instructor")
    @authoring.response(200, AuthorQuestionSchema)
    def get(self, quiz_id: int, question_id: int):
        """One question, answer key included."""
        return _author_question(_question(quiz_id, question_id))

    @access("instructor")
    @authoring.arguments(AuthorQuestionInSchema)
    @authoring.response(200, AuthorQuestionSchema)
    def put(self, source, quiz_id: int, question_id: int):
        """Replace a question. Attempts already made keep the version they were shown."""
        question = _question(quiz_id, question_id)
        return _author_question(services.update_question(question, source, current_user))

    @access("instructor")
    @authoring.response(204)
    def delete(self, quiz_id: int, question_id: int):
        """Remove a question (a published quiz left with none is unpublished)."""
        services.delete_question(_question(quiz_id, question_id), current_user)


@authoring.route("/quizzes/<int:quiz_id>/questions/<int:question_id>/move")
class MoveQuestion(MethodView):
    @access("instructor")
    @authoring.arguments(MoveSchema)
    @authoring.response(200, AuthorQuestionSchema(many=True))
    def post(self, data: dict, quiz_id: int, question_id: int):
        """Move a question up (-1) or down (1); answers the questions in their new order."""
        question = _question(quiz_id, question_id)
        services.move_question(question, data["offset"], current_user)
        advice = quiz_advice(question.quiz)
        return [_author_question(q, advice) for q in question.quiz.questions]


@authoring.route("/quizzes/<int:quiz_id>/gift")
class QuizGift(MethodView):
    @access("instructor")
    @authoring.response(200, {"type": "string"}, content_type="text/plain")
    @authoring.alt_response(409, response="CONFLICT")
    def get(self, quiz_id: int):
        """The questions as a GIFT file (GIFT has no points: each reads back as 1)."""
        quiz = _authored(quiz_id)
        return Response(_gift(quiz), mimetype="text/plain", headers=_attachment(quiz))

    @access("instructor")
    @authoring.arguments(GiftInSchema)
    @authoring.response(200, GiftImportSchema)
    def put(self, data: dict, quiz_id: int):
        """Replace the questions with those of a GIFT file.

        All or nothing: any problem is a 422 listing every one with its line number under
        `errors.json.gift`, and the quiz is left as it was.
        """
        quiz = _authored(quiz_id)
        questions = _parse_gift(data["gift"])
        imported = services.import_quiz(
            quiz.course_id, quiz.lesson_id, questions, services.settings_of(quiz), by=current_user
        )
        return Extended(imported, quiz=_quiz_detail(imported.quiz))


# ---- grading essays -------------------------------------------------------------------------


@authoring.route("/quizzes/<int:quiz_id>/grading")
class GradingQueue(MethodView):
    @access("instructor")
    @authoring.response(200, EssayToGradeSchema(many=True))
    def get(self, quiz_id: int):
        """The quiz's essays awaiting grading, oldest submission first, each with its rubric.

        An attempt with essays is `awaiting_grading` after submit; grading its last essay
        gives it its grade, and the learner their result, progress and certificate.
        """
        return services.grading_queue(_authored(quiz_id), current_user)


@authoring.route("/quizzes/<int:quiz_id>/grading/<int:response_id>")
class GradeEssay(MethodView):
    @access("instructor")
    @authoring.response(200, EssayToGradeSchema)
    def get(self, quiz_id: int, response_id: int):
        """One answered essay of the quiz, graded or not."""
        return services.essay_to_grade(_authored(quiz_id), response_id, current_user)

    @access("instructor")
    @authoring.arguments(GradeInSchema)
    @authoring.response(200, EssayToGradeSchema)
    def put(self, data: dict, quiz_id: int, response_id: int):
        """Grade an essay, or grade it again (the attempt's grade is recomputed).

        A score outside 0 to the question's points is a 422 naming `points`.
        """
        quiz = _authored(quiz_id)
        services.grade_essay(quiz, response_id, data["points"], data["feedback"], current_user)
        return services.essay_to_grade(quiz, response_id, current_user)


# ---- taking -------------------------------------------------------------------------------


@taking.route("/courses/<slug>/quizzes")
class CourseQuizzes(MethodView):
    @access("learner")
    @taking.response(200, QuizStandingSchema(many=True))
    def get(self, slug: str):
        """The course's published quizzes, each with where I stand on it."""
        course = lessons.get_course(slug)
        quizzes = services.course_quizzes([course.id])
        return _standing_rows(course.id, quizzes, services.standings(current_user.id, quizzes))


@taking.route("/quizzes/<int:quiz_id>/attempts")
class QuizAttempts(MethodView):
    @access("learner")
    @taking.response(200, AttemptSummarySchema(many=True))
    def get(self, quiz_id: int):
        """My attempts at a quiz, oldest first (an open one last); an attempt with essays
        not yet graded has the state `awaiting_grading` and no score."""
        standing = services.standing(current_user, services.get_quiz(quiz_id))
        return [*standing.submitted, *([standing.open_attempt] if standing.open_attempt else [])]

    @access("learner")
    @taking.response(201, LearnerAttemptSchema)
    @taking.alt_response(200, schema=LearnerAttemptSchema, description="Resumed", success=True)
    @taking.alt_response(409, response="CONFLICT")
    def post(self, quiz_id: int):
        """Start my next attempt (201), or resume my open one (200).

        The questions come in my order, with nothing of the answer key. 409 with the reason
        when no attempt may start (limit used up, passed with stop-after-pass, no questions).
        """
        quiz = services.get_quiz(quiz_id)
        before = services.standing(current_user, quiz).open_attempt
        attempt = services.start_attempt(current_user, quiz)
        return _attempt(attempt), 200 if before is not None and before.id == attempt.id else 201


@taking.route("/attempts/<int:attempt_id>")
class AttemptDetail(MethodView):
    @access("learner")
    @taking.response(200, LearnerAttemptSchema)
    def get(self, attempt_id: int):
        """My attempt: its questions in my order and my saved answers."""
        attempt = services.get_attempt(attempt_id, current_user)
        services.expire_if_due(attempt)
        return _attempt(attempt)


@taking.route("/attempts/<int:attempt_id>/answers")
class AttemptAnswers(MethodView):
    @access("learner")
    @taking.arguments(SaveAnswersSchema)
    @taking.response(200, LearnerAttemptSchema)
    @taking.alt_response(409, response="CONFLICT")
    def put(self, data: dict, attempt_id: int):
        """Save answers by question key.

        Each answer replaces that question's answer, null clears it, questions left out keep
        theirs. An answer that does not fit its question is a 422 naming the key under
        `errors.json.answers`. 409 once the attempt is submitted or its time is up.
        """
        attempt = services.get_attempt(attempt_id, current_user)
        services.save_answers(
            attempt, kinds.answers_from_json(services.shown_questions(attempt), data["answers"])
        )
        return _attempt(attempt)


@taking.route("/attempts/<int:attempt_id>/submit")
class SubmitAttempt(MethodView):
    @access("learner")
    @taking.response(200, ResultSchema)
    def post(self, attempt_id: int):
        """Submit for grading.

        Idempotent: submitting again grades nothing and returns the same result.
        """
        attempt = services.get_attempt(attempt_id, current_user)
        return _result(services.submit_attempt(attempt))


@taking.route("/attempts/<int:attempt_id>/result")
class AttemptResult(MethodView):
    @access("learner")
    @taking.response(200, ResultSchema)
    @taking.alt_response(403, response="FORBIDDEN")
    def get(self, attempt_id: int):
        """My score, and each question's marking as far as the review policy allows now.

        `review_level` says how far: score (no questions), correctness (outcomes),
        answers (+ the correct answers), feedback (+ feedback). An open attempt is a 403.
        """
        attempt = services.get_attempt(attempt_id, current_user)
        services.expire_if_due(attempt)
        return _result(attempt)


# ---- authoring helpers --------------------------------------------------------------------


def _place(course_slug: str, lesson_slug: str | None) -> tuple[int, int | None]:
    """Course and lesson ids from slugs in a body: an unknown one is a 422 naming the field."""
    try:
        course = lessons.get_course(course_slug)
    except NotFound as error:
        raise RuleViolation(error.message, {"course": [error.message]}) from None
    if lesson_slug is None:
        return course.id, None
    try:
        return course.id, lessons.get_lesson(course, lesson_slug).id
    except NotFound as error:
        raise RuleViolation(error.message, {"lesson": [error.message]}) from None


def _quiz_rows(quizzes: list[Quiz]) -> list[Extended]:
    """Quizzes with their course and lesson slugs, in two queries whatever their number."""
    courses = {course.id: course.slug for course, _, _ in lessons.list_courses()}
    lesson_slugs = {
        lesson.id: lesson.slug
        for lesson in lessons.current_lessons(sorted({quiz.course_id for quiz in quizzes}))
    }
    return [
        Extended(quiz, course=courses.get(quiz.course_id), lesson=lesson_slugs.get(quiz.lesson_id))
        for quiz in quizzes
    ]


def _quiz_detail(quiz: Quiz) -> Extended:
    advice = quiz_advice(quiz)
    return Extended(
        _quiz_rows([quiz])[0],
        questions=[_author_question(question, advice) for question in quiz.questions],
    )


def _author_question(question: Question, advice: dict | None = None) -> Extended:
    """A question with its answer key (its plain form's JSON, `spec`, which leaves out a
    rubric there is none of) and the item-writing checker's advice on it."""
    advice = quiz_advice(question.quiz) if advice is None else advice
    spec = question_to_dict(services.to_spec(question))
    return Extended(question, spec=spec, advice=advice.get(question.id, []))


def _authored(quiz_id: int) -> Quiz:
    return services.quiz_to_author(quiz_id, current_user)


def _question(quiz_id: int, question_id: int) -> Question:
    return services.get_question(_authored(quiz_id), question_id)


def _gift(quiz: Quiz) -> str:
    try:
        return dump_gift(services.to_spec(question) for question in quiz.questions)
    except ValueError as error:
        raise Conflict(f"This quiz cannot be written as GIFT: {error}") from None


def _attachment(quiz: Quiz) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="quiz-{quiz.id}.gift"'}


def _parse_gift(text: str):
    try:
        # The same limit as an uploaded file, in bytes as it would be saved (UTF-8).
        check_size(len(text.encode("utf-8", "surrogatepass")), current_app.config["GIFT_MAX_BYTES"])
        return parse_gift(text).questions
    except GiftError as error:
        raise RuleViolation(
            "The GIFT file has problems; nothing was imported.",
            {"gift": [str(problem) for problem in error.problems]},
        ) from None


# ---- learner helpers: the only way a question reaches a learner ---------------------------


def _standing_rows(course_id: int, quizzes: list[Quiz], standings: dict) -> list[Extended]:
    lesson_slugs = {lesson.id: lesson.slug for lesson in lessons.current_lessons(course_id)}
    rows = []
    for quiz in quizzes:
        if not quiz.is_final and quiz.lesson_id not in lesson_slugs:
            continue  # the quiz of a retired lesson, as the course page leaves it out
        standing = standings[quiz.id]
        can_start, reason = standing.can_start()
        rows.append(
            Extended(
                quiz,
                lesson=lesson_slugs.get(quiz.lesson_id),
                question_count=quiz.question_count,
                attempts_used=standing.used,
                attempts_left=standing.attempts_left,
                grade=standing.grade,
                passed=standing.passed,
                can_start=can_start,
                reason=reason,
                open_attempt=standing.open_attempt.id if standing.open_attempt else None,
                awaiting_grading=len(standing.awaiting),
            )
        )
    return rows


def _attempt(attempt: Attempt) -> Extended:
    shown = services.shown_questions(attempt)
    by_key = {question.key: question for question in shown}
    answers = {
        str(r.question_key): by_key[r.question_key].public_answer(r.answer)
        for r in attempt.responses
        if r.answer and r.question_key in by_key
    }
    return Extended(attempt, answered=len(answers), questions=shown, answers=answers)


def _result(attempt: Attempt) -> Extended:
    level = services.review_level(attempt, services.standing(current_user, attempt.quiz))
    reviewed = services.review(attempt) if level is not ReviewShows.SCORE else []
    return Extended(
        attempt,
        passing_score=attempt.quiz.passing_score,
        review_level=level.value,
        questions=[_reviewed(item, level) for item in reviewed],
    )


def _reviewed(item: services.ReviewedQuestion, level: ReviewShows) -> Extended:
    """A submitted question, with as much of its marking as `level` allows."""
    shown = item.shown
    marking: dict = {}
    if level.includes(ReviewShows.ANSWERS):
        marking["correct"] = shown.kind.answer_key(shown)
    if level.includes(ReviewShows.FEEDBACK):
        marking["feedback"] = list(item.feedback)
        marking["general_feedback"] = shown.spec.general_feedback
    if item.grader_feedback:
        marking["grader_feedback"] = item.grader_feedback
    return Extended(
        shown,
        awarded=item.points,
        outcome=item.outcome,
        your_answer=shown.public_answer(item.answer),
        **marking,
    )
