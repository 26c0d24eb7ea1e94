"""JSON shapes of quizzes.

Two families that never mix:

- author schemas (`Quiz…`, `AuthorQuestion…`) for instructors: they carry the answer key
  (weights, feedback, accepted answers, pairs);
- learner schemas (`Learner…`, `Result…`) for anyone taking a quiz: allow-lists of what a
  learner may see, so a field added to a question later stays hidden until it is listed here.

Input and output schemas are separate. Unknown fields are rejected (marshmallow's default,
RAISE); ids, owners, scores and timestamps are dump-only. Every string and list has a
bound, so a huge body is a 422 naming the field, never a database error.
"""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    validate,
    validates_schema,
)

from coursework.lengths import schema_length
from quizzes import models
from quizzes import spec as qspec
from quizzes.grading import GradingMethod, Outcome
from quizzes.kinds import kind_of
from quizzes.kinds.essay import MAX_ESSAY, MAX_RUBRIC
from quizzes.models import AttemptState, ReviewShows, ReviewWhen
from quizzes.services import MAX_GRADER_FEEDBACK
from quizzes.validation import MAX_TEXT

KINDS = [kind.value for kind in qspec.Kind]
TEXT_FORMATS = ["plain", "markdown", "html"]
MAX_FEEDBACK = 5000
MAX_SHORT = 1000  # a choice, a prompt, a matching answer
MAX_ANSWER = 500  # what a learner types (the services keep 500 characters)
# Above the request's own cap: GIFT_MAX_BYTES (config) is checked in the view, with a message.
MAX_GIFT = 4 * 1024 * 1024
MAX_ITEMS = 50
ATTEMPT_STATES = [state.value for state in AttemptState if state is not AttemptState.ABANDONED]


class StrictBoolean(fields.Boolean):
    """JSON true or false only: "yes", 1 or "on" are type errors, not answers."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Enter some text.")


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def _int(low: int, high: int, **kwargs) -> fields.Integer:
    # Bounded above as well, so that a huge number is a 422 rather than a database overflow.
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=high), **kwargs)


def _list(field: fields.Field, **kwargs) -> fields.List:
    return fields.List(field, validate=validate.Length(max=MAX_ITEMS), **kwargs)


# ---- authoring: quizzes -------------------------------------------------------------------


class QuizSettingsSchema(Schema):
    """A quiz's settings as an instructor sends them."""

    title = fields.String(
        required=True,
        validate=[schema_length(models.Quiz.title), _not_blank],
        metadata={"example": "Check"},
    )
    description = _text(MAX_FEEDBACK)
    passing_score = _int(0, 100, metadata={"description": "Percent needed to pass."})
    attempt_limit = _int(1, 1000, allow_none=True, metadata={"description": "null: no limit."})
    time_limit_minutes = _int(1, 10_080, allow_none=True, metadata={"description": "null: none."})
    grading_method = fields.String(validate=validate.OneOf([m.value for m in GradingMethod]))
    stop_after_pass = StrictBoolean()
    shuffle_questions = StrictBoolean()
    shuffle_choices = StrictBoolean()
    all_or_nothing = StrictBoolean(
        metadata={"description": "Multiple choice scores only an exactly right set."}
    )
    review_shows = fields.String(
        validate=validate.OneOf([s.value for s in ReviewShows]),
        metadata={"description": "What a learner sees after submitting; each includes the last."},
    )
    review_when = fields.String(validate=validate.OneOf([w.value for w in ReviewWhen]))
    required = StrictBoolean(metadata={"description": "Counts toward course completion."})


class QuizChangesSchema(QuizSettingsSchema):
    """PATCH: any of the settings; those left out keep their value."""

    title = fields.String(validate=[schema_length(models.Quiz.title), _not_blank])


class NewQuizSchema(QuizSettingsSchema):
    course = fields.String(
        required=True, validate=validate.Length(max=200), metadata={"description": "Course slug."}
    )
    lesson = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Lesson slug, or null for the course's final quiz."},
    )


class QuizSchema(Schema):
    id = fields.Integer(dump_only=True)
    course = fields.String(dump_only=True, metadata={"description": "Course slug."})
    lesson = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Lesson slug; null if final."}
    )
    is_final = fields.Boolean(dump_only=True)
    published = fields.Boolean(dump_only=True)
    question_count = fields.Integer(
        attribute="asked", dump_only=True, metadata={"description": "Questions each attempt asks."}
    )
    total_points = fields.Float(dump_only=True)
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    passing_score = fields.Integer(dump_only=True)
    attempt_limit = fields.Integer(dump_only=True, allow_none=True)
    time_limit_minutes = fields.Integer(dump_only=True, allow_none=True)
    grading_method = fields.String(dump_only=True)
    stop_after_pass = fields.Boolean(dump_only=True)
    shuffle_questions = fields.Boolean(dump_only=True)
    shuffle_choices = fields.Boolean(dump_only=True)
    all_or_nothing = fields.Boolean(dump_only=True)
    review_shows = fields.String(dump_only=True)
    review_when = fields.String(dump_only=True)
    required = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


# ---- authoring: questions (these carry the answer key) ------------------------------------


class AuthorChoiceInSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=MAX_SHORT))
    weight = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=-1, max=1),
        metadata={"description": "Share of the points: 1 right, 0 wrong, negative takes away."},
    )
    feedback = _text(MAX_FEEDBACK, load_default="")


class AuthorNumberInSchema(Schema):
    value = fields.Float(load_default=None, allow_none=True)
    tolerance = fields.Float(load_default=0.0, validate=validate.Range(min=0))
    low = fields.Float(load_default=None, allow_none=True)
    high = fields.Float(load_default=None, allow_none=True)
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=1))
    feedback = _text(MAX_FEEDBACK, load_default="")


class AuthorPairInSchema(Schema):
    prompt = fields.String(required=True, validate=validate.Length(max=MAX_SHORT))
    answer = fields.String(required=True, validate=validate.Length(max=MAX_SHORT))


# The fields only some kinds have; each kind says which of them it uses.
_SPECIFIC = qspec.KIND_FIELDS


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


class AuthorQuestionInSchema(Schema):
    """A question as an instructor writes it; loads as a `quizzes.spec.Question`.

    single, multiple: `choices` with weights; short_text: `choices` are the accepted
    answers; true_false: `answer`; numeric: `numbers`; matching: `pairs` and `distractors`;
    ordering: `choices` are the items in their right order; essay: `rubric` (optional), the
    rubric or model answer graders read beside each answer and learners never see.
    """

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    text = fields.String(required=True, validate=validate.Length(max=MAX_TEXT))
    title = fields.String(load_default="", validate=schema_length(models.Question.title))
    text_format = fields.String(load_default="plain", validate=validate.OneOf(TEXT_FORMATS))
    points = fields.Float(
        load_default=1.0, validate=validate.Range(min=0, max=1000, min_inclusive=False)
    )
    general_feedback = _text(MAX_FEEDBACK, load_default="")
    category = fields.String(load_default="", validate=schema_length(models.Question.category))
    choices = _list(fields.Nested(AuthorChoiceInSchema), load_default=list)
    answer = StrictBoolean(load_default=None, allow_none=True)
    feedback_true = _text(MAX_FEEDBACK, load_default="")
    feedback_false = _text(MAX_FEEDBACK, load_default="")
    numbers = _list(fields.Nested(AuthorNumberInSchema), load_default=list)
    pairs = _list(fields.Nested(AuthorPairInSchema), load_default=list)
    distractors = _list(_text(MAX_SHORT), load_default=list)
    rubric = _text(
        MAX_RUBRIC,
        load_default="",
        metadata={"description": "essay: the rubric or model answer, for graders only."},
    )

    @validates_schema
    def only_fields_of_its_kind(self, data: dict, **kwargs) -> None:
        kind = qspec.Kind(data["kind"])
        used = kind_of(kind).spec_fields
        errors = {
            name: [f"{_article(kind.label)} {kind.label.lower()} question has no {name}."]
            for name in _SPECIFIC
            if data.get(name) not in (None, "", []) and name not in used
        }
        if errors:
            raise ValidationError(errors)

    @post_load
    def to_question(self, data: dict, **kwargs) -> qspec.Question:
        return qspec.Question(
            kind=qspec.Kind(data["kind"]),
            text=data["text"],
            title=data["title"],
            points=data["points"],
            general_feedback=data["general_feedback"],
            choices=tuple(qspec.Choice(**choice) for choice in data["choices"]),
            answer=data["answer"],
            feedback_true=data["feedback_true"],
            feedback_false=data["feedback_false"],
            numbers=tuple(qspec.NumericAnswer(**number) for number in data["numbers"]),
            pairs=tuple(qspec.Pair(**pair) for pair in data["pairs"]),
            distractors=tuple(data["distractors"]),
            rubric=data["rubric"],
            text_format=data["text_format"],
            category=data["category"],
        )


class AuthorChoiceSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True)
    weight = fields.Float(dump_only=True)
    feedback = fields.String(dump_only=True)


class AuthorNumberSchema(Schema):
    value = fields.Float(dump_only=True, allow_none=True)
    tolerance = fields.Float(dump_only=True)
    low = fields.Float(dump_only=True, allow_none=True)
    high = fields.Float(dump_only=True, allow_none=True)
    weight = fields.Float(dump_only=True)
    feedback = fields.String(dump_only=True)


class AuthorPairSchema(Schema):
    prompt = fields.String(dump_only=True)
    answer = fields.String(dump_only=True)


class AdviceSchema(Schema):
    """One finding of the item-writing checker: advice, never a reason to refuse."""

    rule = fields.String(dump_only=True, metadata={"description": "The rule's id."})
    title = fields.String(dump_only=True)
    where = fields.String(dump_only=True, metadata={"description": "e.g. `choice 2`."})
    message = fields.String(dump_only=True, metadata={"description": "What the rule saw."})
    explanation = fields.String(dump_only=True, metadata={"description": "Why it matters."})


class AuthorQuestionSchema(Schema):
    """A question as its authors see it: the row's own columns, its choices with their ids,
    and what only some kinds have from its plain form (`spec`)."""

    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": KINDS})
    title = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    text_format = fields.String(dump_only=True)
    points = fields.Float(dump_only=True)
    general_feedback = fields.String(dump_only=True)
    category = fields.String(dump_only=True)
    choices = fields.List(fields.Nested(AuthorChoiceSchema), dump_only=True)
    answer = fields.Boolean(attribute="spec.answer", dump_only=True, allow_none=True)
    feedback_true = fields.String(attribute="spec.feedback_true", dump_only=True)
    feedback_false = fields.String(attribute="spec.feedback_false", dump_only=True)
    numbers = fields.List(
        fields.Nested(AuthorNumberSchema), attribute="spec.numbers", dump_only=True
    )
    pairs = fields.List(fields.Nested(AuthorPairSchema), attribute="spec.pairs", dump_only=True)
    distractors = fields.List(fields.String(), attribute="spec.distractors", dump_only=True)
    advice = fields.List(
        fields.Nested(AdviceSchema),
        dump_only=True,
        metadata={"description": "The item-writing checker's suggestions (see the README)."},
    )
    rubric = fields.String(
        attribute="spec.rubric",
        dump_only=True,
        metadata={"description": "essay: for graders only."},
    )


class QuizDetailSchema(QuizSchema):
    questions = fields.List(fields.Nested(AuthorQuestionSchema), dump_only=True)


class MoveSchema(Schema):
    offset = fields.Integer(
        required=True,
        strict=True,
        validate=validate.OneOf([-1, 1]),
        metadata={"description": "-1 moves the question up, 1 down."},
    )


class GiftInSchema(Schema):
    gift = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_GIFT),
        metadata={"description": "The quiz's questions as GIFT text; replaces them all."},
    )


class GiftImportSchema(Schema):
    changed = fields.Boolean(dump_only=True)
    quiz = fields.Nested(QuizDetailSchema, dump_only=True)


# ---- grading essays (the course's staff) --------------------------------------------------


class EssayToGradeSchema(Schema):
    """One learner's answer to one essay question, with the rubric, as a grader sees it."""

    response_id = fields.Integer(attribute="response.id", dump_only=True)
    attempt_id = fields.Integer(attribute="attempt.id", dump_only=True)
    attempt_number = fields.Integer(attribute="attempt.number", dump_only=True)
    attempt_state = fields.String(
        attribute="attempt.state", dump_only=True, metadata={"enum": ATTEMPT_STATES}
    )
    submitted_at = fields.DateTime(attribute="attempt.submitted_at", dump_only=True)
    learner = fields.String(dump_only=True, metadata={"description": "The learner's name."})
    question_key = fields.Integer(attribute="question.key", dump_only=True)
    question_number = fields.Integer(attribute="question.number", dump_only=True)
    question_text = fields.String(attribute="question.spec.text", dump_only=True)
    max_points = fields.Float(attribute="question.spec.points", dump_only=True)
    rubric = fields.String(attribute="question.spec.rubric", dump_only=True)
    answer = fields.Function(
        lambda essay: essay.response.answer.get("text", ""),
        dump_only=True,
        metadata={"type": "string", "description": "What the learner wrote."},
    )
    graded = fields.Boolean(dump_only=True)
    points = fields.Function(
        lambda essay: essay.response.points if essay.graded else None,
        dump_only=True,
        metadata={"type": "number", "nullable": True, "description": "null until graded."},
    )
    feedback = fields.String(attribute="response.grader_feedback", dump_only=True)
    graded_at = fields.DateTime(attribute="response.graded_at", dump_only=True, allow_none=True)


class GradeInSchema(Schema):
    """A grader's score for one essay, from 0 to the question's points, and feedback."""

    points = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "From 0 to the question's points (max_points)."},
    )
    feedback = _text(
        MAX_GRADER_FEEDBACK,
        load_default="",
        metadata={"description": "For the learner, shown with their result."},
    )


# ---- learners: allow-lists ----------------------------------------------------------------


class LearnerOptionSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True)


def _question_html(shown) -> str:
    from quizzes.views import question_text  # the pages' own rendering of question text

    return str(question_text(shown.spec.text, shown.spec.text_format))


class _Presented(fields.List):
    """A list a question's kind presents to learners (options, prompts), read from the kind."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj.kind.presented(obj).get(attr, missing)


class LearnerQuestionSchema(Schema):
    """A question as a learner sees it while answering: never weights, feedback, accepted
    answers, or which answer goes with which prompt."""

    key = fields.Integer(dump_only=True, metadata={"description": "Names the question in answers."})
    number = fields.Integer(dump_only=True)
    kind = fields.String(attribute="spec.kind", dump_only=True, metadata={"enum": KINDS})
    text = fields.String(attribute="spec.text", dump_only=True)
    text_format = fields.String(
        attribute="spec.text_format", dump_only=True, metadata={"enum": TEXT_FORMATS}
    )
    text_html = fields.Function(
        _question_html,
        dump_only=True,
        metadata={"type": "string", "description": "Rendered and sanitised."},
    )
    points = fields.Float(attribute="spec.points", dump_only=True)
    # What the kind offers to answer with (quizzes.kinds: `presented`); absent when it has none.
    options = _Presented(
        fields.Nested(LearnerOptionSchema),
        dump_only=True,
        metadata={
            "description": "single, multiple, ordering: the options in this attempt's order."
        },
    )
    prompts = _Presented(
        fields.String(),
        dump_only=True,
        metadata={"description": 'matching: answer prompt i as pairs["i"].'},
    )
    answer_options = _Presented(
        fields.String(), dump_only=True, metadata={"description": "matching: answers on offer."}
    )


class AnswerInSchema(Schema):
    """One answer; exactly one field, the one its question's kind takes."""

    choice = fields.Integer(strict=True, metadata={"description": "single: an option id."})
    choices = _list(fields.Integer(strict=True), metadata={"description": "multiple: option ids."})
    value = StrictBoolean(metadata={"description": "true_false."})
    text = _text(
        MAX_ESSAY,
        metadata={
            "description": f"short_text and numeric (the first {MAX_ANSWER} characters are "
            f"kept); essay (at most {MAX_ESSAY:,} characters)."
        },
    )
    order = _list(
        fields.Integer(strict=True),
        metadata={"description": "ordering: every option id, in the learner's order."},
    )
    pairs = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$")),
        values=_text(MAX_SHORT),
        validate=validate.Length(max=MAX_ITEMS),
        metadata={"description": "matching: prompt index -> chosen answer text."},
    )

    @validates_schema
    def exactly_one(self, data: dict, **kwargs) -> None:
        if len(data) != 1:
            raise ValidationError(
                "Give exactly one of choice, choices, value, text, pairs or order.", "_schema"
            )


class SaveAnswersSchema(Schema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=20)),
        values=fields.Nested(AnswerInSchema, allow_none=True),
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "Question key -> answer, or null to clear it."},
    )


class AnswerSchema(Schema):
    choice = fields.Integer(dump_only=True)
    choices = fields.List(fields.Integer(), dump_only=True)
    value = fields.Boolean(dump_only=True)
    text = fields.String(dump_only=True)
    pairs = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    order = fields.List(fields.Integer(), dump_only=True)


class LearnerAttemptSchema(Schema):
    id = fields.Integer(dump_only=True)
    quiz_id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": ATTEMPT_STATES})
    started_at = fields.DateTime(dump_only=True)
    deadline_at = fields.DateTime(dump_only=True, allow_none=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    auto_submitted = fields.Boolean(dump_only=True)
    answered = fields.Integer(dump_only=True)
    questions = fields.List(fields.Nested(LearnerQuestionSchema), dump_only=True)
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(AnswerSchema),
        dump_only=True,
        metadata={"description": "My saved answers by question key."},
    )


class AttemptSummarySchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    state = fields.String(
        dump_only=True,
        metadata={
            "enum": ATTEMPT_STATES,
            "description": "awaiting_grading: submitted, with written answers the course's "
            "staff have still to grade; points, percent and passed are null until then.",
        },
    )
    started_at = fields.DateTime(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    auto_submitted = fields.Boolean(dump_only=True)
    points = fields.Float(dump_only=True, allow_none=True)
    max_points = fields.Float(dump_only=True)
    percent = fields.Float(dump_only=True, allow_none=True)
    passed = fields.Boolean(dump_only=True, allow_none=True)


class QuizStandingSchema(Schema):
    """A published quiz and where I stand on it."""

    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    lesson = fields.String(dump_only=True, allow_none=True)
    is_final = fields.Boolean(dump_only=True)
    question_count = fields.Integer(dump_only=True)
    passing_score = fields.Integer(dump_only=True)
    attempt_limit = fields.Integer(dump_only=True, allow_none=True)
    time_limit_minutes = fields.Integer(dump_only=True, allow_none=True)
    grading_method = fields.String(dump_only=True)
    required = fields.Boolean(dump_only=True)
    attempts_used = fields.Integer(dump_only=True)
    attempts_left = fields.Integer(dump_only=True, allow_none=True)
    grade = fields.Float(dump_only=True, allow_none=True)
    passed = fields.Boolean(dump_only=True)
    can_start = fields.Boolean(dump_only=True)
    reason = fields.String(dump_only=True, metadata={"description": "Why I cannot start."})
    open_attempt = fields.Integer(dump_only=True, allow_none=True)
    awaiting_grading = fields.Integer(
        dump_only=True,
        metadata={"description": "My submitted attempts whose essays are still to be graded."},
    )


class AcceptedNumberSchema(Schema):
    value = fields.Float(dump_only=True, allow_none=True)
    tolerance = fields.Float(dump_only=True)
    low = fields.Float(dump_only=True, allow_none=True)
    high = fields.Float(dump_only=True, allow_none=True)


class CorrectAnswerSchema(Schema):
    choices = fields.List(fields.Integer(), dump_only=True)
    value = fields.Boolean(dump_only=True)
    texts = fields.List(fields.String(), dump_only=True)
    numbers = fields.List(fields.Nested(AcceptedNumberSchema), dump_only=True)
    pairs = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    order = fields.List(fields.Integer(), dump_only=True)


class ResultQuestionSchema(LearnerQuestionSchema):
    """A submitted question; the fields after `your_answer` appear only when the quiz's
    review policy allows them."""

    awarded = fields.Float(dump_only=True)
    outcome = fields.String(
        dump_only=True,
        metadata={
            "enum": [outcome.value for outcome in Outcome],
            "description": "pending: an essay the course's staff have still to grade.",
        },
    )
    your_answer = fields.Nested(AnswerSchema, dump_only=True)
    correct = fields.Nested(
        CorrectAnswerSchema, dump_only=True, metadata={"description": "review 'answers' and up."}
    )
    feedback = fields.List(
        fields.String(), dump_only=True, metadata={"description": "review 'feedback' only."}
    )
    general_feedback = fields.String(dump_only=True)
    grader_feedback = fields.String(
        dump_only=True, metadata={"description": "essay: the grader's feedback, once graded."}
    )


class ResultSchema(AttemptSummarySchema):
    quiz_id = fields.Integer(dump_only=True)
    passing_score = fields.Integer(dump_only=True)
    review_level = fields.String(
        dump_only=True,
        metadata={
            "enum": [s.value for s in ReviewShows],
            "description": "score: no questions; correctness: outcomes; answers: + the right "
            "answers; feedback: + feedback.",
        },
    )
    questions = fields.List(fields.Nested(ResultQuestionSchema), dump_only=True)
