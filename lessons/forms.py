from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from lessons.models import StaffRole
from lessons.rendering import slugify


def _is_address(form, field) -> None:
    # The same rule that derives addresses from titles, so any address it makes is valid.
    if field.data != slugify(field.data):
        raise ValidationError("Use lower-case letters, digits and hyphens.")


class ImportCourseForm(FlaskForm):
    document = FileField(
        "Course document",
        description="Markdown (.md) or plain text (.txt). Each section heading becomes a lesson.",
        validators=[
            FileRequired("Choose a document to import."),
            FileAllowed(["md", "markdown", "txt"], "Choose a .md, .markdown or .txt file."),
        ],
    )
    slug = StringField(
        "Course address (optional)",
        description="Lower-case letters (of any alphabet), digits and hyphens. Leave it empty "
        "to derive it from the title; use an existing course's address to update that course.",
        validators=[Optional(), _is_address],
    )
    replace = BooleanField("Replace the course if one is already at this address")


class StaffForm(FlaskForm):
    email = EmailField(
        "Instructor's email address",
        description="They need an instructor account on Coursework.",
        validators=[
            InputRequired("Enter the instructor's email address."),
            Length(max=254, message="Use at most 254 characters."),
        ],
    )
    role = RadioField(
        "Role",
        choices=[
            SelectChoice(StaffRole.OWNER.value, "Owner: changes the course and chooses its staff"),
            SelectChoice(StaffRole.CO_INSTRUCTOR.value, "Co-instructor: changes the course"),
        ],
        default=StaffRole.CO_INSTRUCTOR.value,
        validators=[InputRequired("Choose a role.")],
    )
