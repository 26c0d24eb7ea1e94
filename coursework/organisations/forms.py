"""Forms of the organisation pages. They check shape only (a date is a date, a file is
text); the rules (a valid address, people in the organisation) are the services'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coursework.accounts.forms import strip
from coursework.i18n import N_, _, lazy_gettext
from coursework.lengths import form_length
from coursework.organisations.models import Invitation, Organisation, Role

MAX_LIST_BYTES = 512 * 1024
ROLE_CHOICES = [
    SelectChoice(Role.MEMBER.value, "Member: takes the courses assigned to them"),
    SelectChoice(
        Role.MANAGER.value,
        "Manager: also invites people, assigns courses and sees everyone's progress",
    ),
]


def add_errors(form: FlaskForm, errors: Mapping[str, Sequence[str]]) -> list[str]:
    """Put a service's field errors beside the form's fields; returns the messages that
    belong to no field of this form (for the error summary)."""
    leftover = []
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            leftover.extend(messages)
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.extend(m for m in messages if m not in field.errors)
    return leftover


def _to_id(value) -> int:
    """A submitted id; anything that is not one becomes 0, which matches nobody, so the
    service answers with its own message rather than a parsing error."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


class DueDateField(DateField):
    """An HTML date input (yyyy-mm-dd) with a message a person can act on."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Enter a real date, for example 2026-12-31.") from None
        if not 2000 <= self.data.year <= 2100:
            self.data = None
            raise ValueError("Enter a due date between the years 2000 and 2100.")


class OrganisationForm(FlaskForm):
    name = StringField(
        lazy_gettext("Organisation name"),
        filters=[strip],
        description=lazy_gettext("As your staff know it. You become its manager."),
        validators=[
            InputRequired(lazy_gettext("Enter the organisation's name.")),
            form_length(Organisation.name, N_("Keep the name to %(limit)s characters or fewer.")),
        ],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email address"),
        filters=[strip],
        description=lazy_gettext("The invitation works only for this address."),
        validators=[
            InputRequired(lazy_gettext("Enter the email address of the person to invite.")),
            form_length(
                Invitation.email, N_("Enter an email address of %(limit)s characters or fewer.")
            ),
        ],
    )
    name = StringField(
        lazy_gettext("Name (optional)"),
        filters=[strip],
        description=lazy_gettext("Used to greet them in the invitation."),
        validators=[
            form_length(Invitation.name, N_("Keep the name to %(limit)s characters or fewer."))
        ],
    )
    role = RadioField(lazy_gettext("Role"), choices=ROLE_CHOICES, default=Role.MEMBER.value)


class BulkInviteForm(FlaskForm):
    people = TextAreaField(
        lazy_gettext("Paste a list"),
        description=lazy_gettext(
            "One person a line: their email address, then optionally a comma and their name. A "
            "header row is fine."
        ),
        validators=[Length(max=MAX_LIST_BYTES, message=lazy_gettext("The list is too long."))],
    )
    file = FileField(
        lazy_gettext("Or upload a CSV file"),
        description=lazy_gettext(
            "Email address in the first column, name (optional) in the second; saved as UTF-8."
        ),
    )

    def list_text(self) -> str:
        """The list to invite, from the pasted text or the uploaded file (once validated)."""
        return self._text

    def validate(self, extra_validators=None) -> bool:
        self._text = ""
        if not super().validate(extra_validators):
            return False
        upload = self.file.data
        has_file = bool(upload and getattr(upload, "filename", ""))
        pasted = (self.people.data or "").strip()
        if has_file and pasted:
            self.people.errors.append(_("Paste a list or upload a file, not both."))
            return False
        if not has_file and not pasted:
            self.people.errors.append(_("Paste a list of email addresses, or upload a CSV file."))
            return False
        if pasted:
            self._text = pasted
            return True
        try:
            self._text = self._read(upload)
        except ValidationError as error:
            self.file.errors = [str(error)]
            return False
        return True

    @staticmethod
    def _read(upload) -> str:
        name = upload.filename.lower()
        if not name.endswith((".csv", ".txt")):
            raise ValidationError(_("The file must be a CSV file (ending in .csv)."))
        raw = upload.stream.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            raise ValidationError(
                _(
                    "The file must be smaller than %(MAX_LIST_BYTES)s KB.",
                    MAX_LIST_BYTES=MAX_LIST_BYTES // 1024,
                )
            )
        if not raw.strip():
            raise ValidationError(_("The file is empty."))
        if b"\x00" in raw:
            raise ValidationError(_("The file is not a CSV text file."))
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file could not be read as text. Save it as “CSV UTF-8” and try again.")
            ) from None


class RoleForm(FlaskForm):
    role = SelectField(
        lazy_gettext("Role"),
        choices=[SelectChoice(r.value, r.value) for r in Role],
        validators=[InputRequired()],
    )


class AssignForm(FlaskForm):
    course = SelectField(
        lazy_gettext("Course"),
        coerce=_to_id,
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose a course."))],
    )
    audience = RadioField(
        lazy_gettext("Assign it to"),
        choices=[
            SelectChoice(
                "everyone", "Everyone in the organisation, including people who join later"
            ),
            SelectChoice("chosen", "Chosen people"),
        ],
        default="everyone",
    )
    people = SelectMultipleField(lazy_gettext("People"), coerce=_to_id, validate_choice=False)
    due_on = DueDateField(
        lazy_gettext("Due date (optional)"),
        description=lazy_gettext(
            "People who have not completed the course by then show as overdue. They can still "
            "finish it."
        ),
        validators=[Optional()],
    )
    # Unticked posts nothing, so the box says "off": a form posted without it keeps reminders.
    no_reminders = BooleanField(lazy_gettext("Do not send due-date reminders for this assignment"))

    def validate_course(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_("Choose a course from the list."))

    def validate_people(self, field) -> None:
        # Said here too, so that every problem with the form is reported at once; whether
        # the people are in the organisation is the service's to say.
        if self.audience.data == "chosen" and not field.data:
            raise ValidationError(_("Choose at least one person."))

    def user_ids(self) -> list[int] | None:
        return list(self.people.data or []) if self.audience.data == "chosen" else None


class DueDateForm(FlaskForm):
    due_on = DueDateField(lazy_gettext("Due date"), validators=[Optional()])


class RemindersForm(FlaskForm):
    # A button per assignment: it posts "y" to turn reminders on, nothing to turn them off.
    on = BooleanField(lazy_gettext("Send due-date reminders"))


def is_past(day: date | None, today: date) -> bool:
    return day is not None and day < today
