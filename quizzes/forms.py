"""Forms for the instructor's quiz pages: a quiz's settings, a question, a GIFT upload.

The forms parse what was typed; the rules (what makes settings or a question valid) are the
services' and `quizzes.validation`'s, asked here too so that every problem is reported at
once, beside its field, in the same words the API and the GIFT importer use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coursework.accounts.forms import strip
from coursework.errors import RuleViolation
from coursework.lengths import form_length
from quizzes import models, services
from quizzes.gift import describe_size
from quizzes.grading import GradingMethod, parse_number
from quizzes.kinds import kind_of
from quizzes.models import ReviewShows, ReviewWhen
from quizzes.spec import Kind, Question
from quizzes.validation import question_problems

# Blank rows offered for a new question; an edited one gets two more than it uses.
CHOICE_ROWS = 6
NUMBER_ROWS = 4
PAIR_ROWS = 6
DISTRACTOR_ROWS = 3
EXTRA_ROWS = 2


class NumberField(StringField):
    """A number as people type it ("70", "2.5", "2,5"); `data` is a float (an int when
    `whole`), or None when left empty."""

    def __init__(self, label=None, validators=None, *, whole: bool = False, message=None, **kw):
        kw.setdefault("render_kw", {"inputmode": "numeric" if whole else "decimal"})
        super().__init__(label, validators, **kw)
        self.whole = whole
        self.message = message or (
            "Enter a whole number, like 3." if whole else "Enter a number, like 8 or 2.5."
        )

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        number = parse_number(valuelist[0])
        if number is None or (self.whole and not number.is_integer()):
            self.data = None
            raise ValueError(self.message)
        self.data = int(number) if self.whole else number

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None or self.data == "":
            return ""
        return f"{self.data:.10g}"


def add_errors(form, errors: Mapping[str, Sequence[str]], aliases=None) -> list[str]:
    """Put a service's field errors on the form's fields; returns the messages that belong
    to no field (to show in the error summary)."""
    aliases = aliases or {}
    leftover = []
    for name, messages in errors.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is None or not hasattr(field, "errors") or isinstance(field, FieldList):
            leftover.extend(messages)
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.extend(m for m in messages if m not in field.errors)
    return leftover


# ---- quiz settings ----------------------------------------------------------------------

# Each level includes the ones before it; said in full, as radio buttons are read alone.
REVIEW_SHOWS = {
    ReviewShows.SCORE: "The score only",
    ReviewShows.CORRECTNESS: "The score, and which answers were right or wrong",
    ReviewShows.ANSWERS: "All of that, and the right answers",
    ReviewShows.FEEDBACK: "All of that, the right answers and the feedback on each answer",
}


class QuizSettingsForm(FlaskForm):
    target = SelectField(
        "Lesson",
        description="A quiz belongs to one lesson, or is the course's final quiz.",
        validate_choice=False,
        validators=[InputRequired("Choose the lesson the quiz is for.")],
    )
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Enter a title for the quiz."), form_length(models.Quiz.title)],
    )
    description = TextAreaField(
        "Description (optional)",
        filters=[strip],
        description="Shown to learners above the Start button.",
        validators=[Length(max=2000)],
    )
    passing_score = NumberField(
        "Passing score (%)",
        whole=True,
        default=70,
        description="The grade a learner needs to pass, from 0 to 100.",
        validators=[InputRequired("Enter a passing score from 0 to 100.")],
    )
    attempt_limit = NumberField(
        "Attempts allowed (optional)",
        whole=True,
        description="Leave it empty for no limit.",
        validators=[Optional()],
    )
    time_limit_minutes = NumberField(
        "Time limit in minutes (optional)",
        whole=True,
        description="Leave it empty for no time limit. The clock starts with each attempt.",
        validators=[Optional()],
    )
    grading_method = RadioField(
        "Grade across attempts",
        choices=[SelectChoice(method.value, method.label) for method in GradingMethod],
        default=GradingMethod.HIGHEST.value,
    )
    stop_after_pass = BooleanField("Stop offering attempts once the learner has passed")
    shuffle_questions = BooleanField("Shuffle the questions for each attempt")
    shuffle_choices = BooleanField("Shuffle the choices of choice questions")
    all_or_nothing = BooleanField(
        "Multiple choice is all or nothing",
        description="Full points only for exactly the right set of choices; otherwise each "
        "right choice earns its share and each wrong one takes its share away.",
    )
    review_shows = RadioField(
        "After submitting, learners see",
        choices=[SelectChoice(shows.value, REVIEW_SHOWS[shows]) for shows in ReviewShows],
        default=ReviewShows.FEEDBACK.value,
    )
    review_when = RadioField(
        "They see it",
        choices=[SelectChoice(when.value, when.label) for when in ReviewWhen],
        default=ReviewWhen.IMMEDIATELY.value,
    )
    required = BooleanField(
        "Required to complete the course",
        default=True,
        description="Learners must pass it for the course to count as completed.",
    )

    def validate_target(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError("Choose a lesson from the list.")

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        # The service's rule, asked now so that every problem shows at once.
        try:
            services.ensure_valid_settings(
                self.passing_score.data if self.passing_score.data is not None else 0,
                self.attempt_limit.data,
                self.time_limit_minutes.data,
            )
        except RuleViolation as error:
            add_errors(self, {k: v for k, v in error.errors.items() if not self[k].errors})
        return not self.errors

    def to_settings(self) -> services.QuizSettings:
        return services.QuizSettings(
            title=self.title.data,
            description=self.description.data or "",
            passing_score=self.passing_score.data,
            attempt_limit=self.attempt_limit.data,
            time_limit_minutes=self.time_limit_minutes.data,
            grading_method=self.grading_method.data,
            stop_after_pass=self.stop_after_pass.data,
            shuffle_questions=self.shuffle_questions.data,
            shuffle_choices=self.shuffle_choices.data,
            all_or_nothing=self.all_or_nothing.data,
            review_shows=self.review_shows.data,
            review_when=self.review_when.data,
            required=self.required.data,
        )


def target_value(course_id: int, lesson_id: int | None) -> str:
    return f"{course_id}:{lesson_id if lesson_id is not None else 'final'}"


def parse_target(value: str | None) -> tuple[int, int | None] | None:
    course, _, lesson = (value or "").partition(":")
    if not course.isdigit() or not (lesson == "final" or lesson.isdigit()):
        return None
    return int(course), None if lesson == "final" else int(lesson)


# ---- questions --------------------------------------------------------------------------


class ChoiceRow(Form):
    text = StringField("Text", filters=[strip])
    weight = NumberField("Worth (%)")
    feedback = StringField("Feedback", filters=[strip])


class NumberRow(Form):
    value = NumberField("Number")
    tolerance = NumberField("± tolerance")
    low = NumberField("Or a range from")
    high = NumberField("to")
    weight = NumberField("Worth (%)")
    feedback = StringField("Feedback", filters=[strip])


class PairRow(Form):
    prompt = StringField("Prompt", filters=[strip])
    answer = StringField("Answer", filters=[strip])


TEXT_FORMATS = [
    SelectChoice("plain", "Plain text"),
    SelectChoice("markdown", "Markdown"),
    SelectChoice("html", "HTML"),
]
# The row groups, and the field each group's first row links to from the error summary.
GROUPS = {
    "choices": "choices-0-text",
    "numbers": "numbers-0-value",
    "pairs": "pairs-0-prompt",
    "distractors": "distractors-0",
}


class QuestionForm(FlaskForm):
    """One form for every kind; a page shows the fields of its question's kind."""

    text = TextAreaField("Question text", render_kw={"rows": 4})
    text_format = RadioField(
        "Text format",
        choices=TEXT_FORMATS,
        default="plain",
        description="With HTML, the choices, matching prompts and feedback are HTML too, "
        "cleaned by the same rules as lessons. Otherwise they are shown as typed.",
    )
    title = StringField(
        "Title (optional)",
        filters=[strip],
        description="A short name for your own lists; learners do not see it.",
        validators=[form_length(models.Question.title)],
    )
    points = NumberField(
        "Points",
        default=1.0,
        description="What a fully right answer is worth.",
        validators=[InputRequired("Enter the points the question is worth.")],
    )
    general_feedback = TextAreaField(
        "General feedback (optional)",
        filters=[strip],
        description="Shown to every learner after they submit, whatever they answered.",
        render_kw={"rows": 3},
    )
    choices = FieldList(FormField(ChoiceRow), min_entries=CHOICE_ROWS)
    answer = RadioField(
        "The statement is",
        choices=[SelectChoice("true", "True"), SelectChoice("false", "False")],
        validators=[Optional()],
    )
    feedback_true = TextAreaField(
        "Feedback for a learner who answers “True” (optional)",
        filters=[strip],
        render_kw={"rows": 2},
    )
    feedback_false = TextAreaField(
        "Feedback for a learner who answers “False” (optional)",
        filters=[strip],
        render_kw={"rows": 2},
    )
    numbers = FieldList(FormField(NumberRow), min_entries=NUMBER_ROWS)
    pairs = FieldList(FormField(PairRow), min_entries=PAIR_ROWS)
    distractors = FieldList(
        StringField("Extra answer", filters=[strip]), min_entries=DISTRACTOR_ROWS
    )
    rubric = TextAreaField(
        "Rubric or model answer (optional)",
        filters=[strip],
        description="What a good answer says and how to score it. Graders see it beside each "
        "answer; learners never do.",
        render_kw={"rows": 6},
    )

    def __init__(self, *args, kind: Kind, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        # Messages about a whole group of rows ("Give at least two choices").
        self.group_errors: dict[str, list[str]] = {}
        self.other_errors: list[str] = []

    @property
    def errors(self):
        errors = dict(super().errors)
        errors.update(self.group_errors)
        if self.other_errors:
            errors["question"] = self.other_errors
        return errors

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        # The same rule the service applies, asked now so that every problem shows at once;
        # a field that already has a message (a number that is not one) keeps only that.
        self.add_problems(question_problems(self.to_question()), skip_flagged=True)
        return not self.errors

    def add_problems(self, problems: Mapping[str, Sequence[str]], skip_flagged=False) -> None:
        for name, messages in problems.items():
            if name in GROUPS:
                if skip_flagged and self[name].errors:
                    continue
                group = self.group_errors.setdefault(name, [])
                group.extend(m for m in messages if m not in group)
            elif name in self:
                if skip_flagged and self[name].errors:
                    continue
                self.other_errors.extend(add_errors(self, {name: messages}))
            else:
                self.other_errors.extend(messages)

    def summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in page order."""
        items: list[tuple[str, str]] = []
        for name, field in self._fields.items():
            if name == "csrf_token":
                continue
            if isinstance(field, FieldList):
                for number, entry in enumerate(field.entries, start=1):
                    subfields = entry.form if isinstance(entry, FormField) else [entry]
                    for sub in subfields:
                        where = f"{self.row_name(name)} {number}"
                        if isinstance(entry, FormField):
                            where += f", {sub.label.text.lower()}"
                        items.extend((sub.id, f"{where}: {message}") for message in sub.errors)
                items.extend((GROUPS[name], m) for m in self.group_errors.get(name, []))
            elif field.errors:
                anchor = f"{field.id}-0" if isinstance(field, RadioField) else field.id
                items.extend((anchor, message) for message in field.errors)
        items.extend(("text", message) for message in self.other_errors)
        return items

    def row_name(self, group: str) -> str:
        """What one row of a group is called on the page ("Choice", "Pair")."""
        if group == "choices":
            return kind_of(self.kind).choice_row
        return {"numbers": "Accepted number", "pairs": "Pair", "distractors": "Extra answer"}[group]

    def to_question(self) -> Question:
        """The question as typed; blank rows are left out. Never raises: a field that could
        not be read counts as empty, and validation says what is missing."""
        points = self.points.data if isinstance(self.points.data, int | float) else 0.0
        return Question(
            kind=self.kind,
            text=(self.text.data or "").strip(),
            title=self.title.data or "",
            points=float(points),
            general_feedback=self.general_feedback.data or "",
            text_format=self.text_format.data or "plain",
            **kind_of(self.kind).from_rows(self.data),
        )


# Each group of rows: the fewest shown, how many blank ones an edited question gets beyond
# those it uses, and a blank one.
ROWS = {
    "choices": (CHOICE_ROWS, EXTRA_ROWS, {}),
    "numbers": (NUMBER_ROWS, EXTRA_ROWS, {}),
    "pairs": (PAIR_ROWS, EXTRA_ROWS, {}),
    "distractors": (DISTRACTOR_ROWS, 1, ""),
}


def question_form_data(question: Question) -> dict:
    """What a question form shows for an existing question, with blank rows to add more."""
    data = {
        "text": question.text,
        "text_format": question.text_format,
        "title": question.title,
        "points": question.points,
        "general_feedback": question.general_feedback,
        **kind_of(question.kind).to_rows(question),
    }
    for group, (minimum, extra, blank) in ROWS.items():
        rows = data.get(group, [])
        data[group] = rows + [blank] * (max(minimum, len(rows) + extra) - len(rows))
    return data


# ---- grading essays -----------------------------------------------------------------------


class GradeForm(FlaskForm):
    """A grader's score and feedback for one essay; the score's range is the service's rule
    (0 to the question's points), asked again here so the message sits beside the field."""

    points = NumberField(
        "Score",
        validators=[InputRequired("Enter a score.")],
    )
    feedback = TextAreaField(
        "Feedback for the learner (optional)",
        filters=[strip],
        description="The learner reads it with their result.",
        validators=[Length(max=services.MAX_GRADER_FEEDBACK)],
        render_kw={"rows": 5},
    )

    def __init__(self, *args, top: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.top = top
        self.points.description = f"From 0 to {top:g} points; part points such as 1.5 are fine."

    def validate_points(self, field: NumberField) -> None:
        if field.data is not None and not 0 <= field.data <= self.top:
            raise ValidationError(f"Enter a score from 0 to {self.top:g}.")


# ---- GIFT -------------------------------------------------------------------------------


class GiftUploadForm(FlaskForm):
    file = FileField("GIFT file", validators=[FileRequired("Choose a GIFT file to upload.")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = describe_size(current_app.config["GIFT_MAX_BYTES"])
        self.file.description = (
            f"A .gift or .txt file in Moodle's GIFT format, UTF-8 or UTF-16, up to {limit}. "
            "It replaces every question of this quiz; if anything in it is wrong, nothing "
            "changes."
        )
