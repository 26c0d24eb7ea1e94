from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coursework.i18n import _, lazy_gettext
from lessons.models import StaffRole
from lessons.rendering import slugify


def _is_address(form, field) -> None:
    # The same rule that derives addresses from titles, so any address it makes is valid.
    if field.data != slugify(field.data):
        raise ValidationError(_("Use lower-case letters, digits and hyphens."))


class ImportCourseForm(FlaskForm):
    document = FileField(
        lazy_gettext("Course document"),
        description=lazy_gettext(
            "Markdown (.md) or plain text (.txt). Each section heading becomes a lesson."
        ),
        validators=[
            FileRequired(lazy_gettext("Choose a document to import.")),
            FileAllowed(
                ["md", "markdown", "txt"], lazy_gettext("Choose a .md, .markdown or .txt file.")
            ),
        ],
    )
    slug = StringField(
        lazy_gettext("Course address (optional)"),
        description=lazy_gettext(
            "Lower-case letters (of any alphabet), digits and hyphens. Leave it empty "
            "to derive it from the title; use an existing course's address to update that course."
        ),
        validators=[Optional(), _is_address],
    )
    replace = BooleanField(lazy_gettext("Replace the course if one is already at this address"))


class StaffForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Instructor's email address"),
        description=lazy_gettext("They need an instructor account on Coursework."),
        validators=[
            InputRequired(lazy_gettext("Enter the instructor's email address.")),
            Length(max=254, message=lazy_gettext("Use at most 254 characters.")),
        ],
    )
    role = RadioField(
        lazy_gettext("Role"),
        choices=[
            SelectChoice(
                StaffRole.OWNER.value,
                lazy_gettext("Owner: changes the course and chooses its staff"),
            ),
            SelectChoice(
                StaffRole.CO_INSTRUCTOR.value, lazy_gettext("Co-instructor: changes the course")
            ),
        ],
        default=StaffRole.CO_INSTRUCTOR.value,
        validators=[InputRequired(lazy_gettext("Choose a role."))],
    )
