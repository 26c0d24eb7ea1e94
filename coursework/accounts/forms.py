from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, ValidationError

from coursework.accounts.models import User
from coursework.accounts.passwords import password_problem
from coursework.accounts.services import name_problem
from coursework.i18n import lazy_gettext
from coursework.lengths import form_length


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


NEW_PASSWORD_HINT = "At least 8 characters. A few unrelated words make a strong password."


class SignupForm(FlaskForm):
    display_name = StringField(
        lazy_gettext("Your name"),
        filters=[strip],
        description=lazy_gettext("As it should appear on your certificates."),
        validators=[
            InputRequired(lazy_gettext("Enter your name.")),
            form_length(User.display_name),
        ],
    )
    email = EmailField(
        lazy_gettext("Email address"),
        filters=[strip],
        validators=[
            InputRequired(lazy_gettext("Enter your email address.")),
            Email("Enter an email address in the right format, like name@example.com."),
            form_length(User.email),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        description=NEW_PASSWORD_HINT,
        validators=[InputRequired(lazy_gettext("Choose a password."))],
    )

    def validate_display_name(self, field: StringField) -> None:
        problem = name_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_password(self, field: PasswordField) -> None:
        # Checked here too, so every problem with the form is reported at once.
        problem = password_problem(
            field.data or "", email=self.email.data or "", name=self.display_name.data or ""
        )
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email address"),
        filters=[strip],
        validators=[InputRequired(lazy_gettext("Enter your email address."))],
    )
    password = PasswordField(
        lazy_gettext("Password"), validators=[InputRequired(lazy_gettext("Enter your password."))]
    )
    remember = BooleanField(lazy_gettext("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email address"),
        filters=[strip],
        description=lazy_gettext("We will send a link to set a new password to this address."),
        validators=[
            InputRequired(lazy_gettext("Enter your email address.")),
            form_length(User.email),
        ],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        lazy_gettext("New password"),
        description=NEW_PASSWORD_HINT,
        validators=[InputRequired(lazy_gettext("Choose a new password."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("Current password"),
        validators=[InputRequired(lazy_gettext("Enter your current password."))],
    )
    new_password = PasswordField(
        lazy_gettext("New password"),
        description=NEW_PASSWORD_HINT + " Your other sessions will be signed out.",
        validators=[InputRequired(lazy_gettext("Choose a new password."))],
    )


class RolesForm(FlaskForm):
    is_instructor = BooleanField(lazy_gettext("Instructor"))
    is_admin = BooleanField(lazy_gettext("Site admin"))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post (log out, mark complete)."""


class DisableForm(FlaskForm):
    """Ticked: disable the account; unticked: enable it again."""

    disable = BooleanField(lazy_gettext("Disable"))
