from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length

from coursework.accounts.forms import strip
from coursework.accounts.models import User
from coursework.formatting import format_number
from coursework.i18n import _, lazy_gettext
from coursework.lengths import form_length
from coursework.sso.models import IdentityProvider
from coursework.sso.services import MAX_SECRET_LENGTH


class OrganisationSignInForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Your work email address"),
        filters=[strip],
        description=lazy_gettext("We use its domain to find your organisation's sign-in page."),
        validators=[
            InputRequired(lazy_gettext("Enter your work email address.")),
            Email("Enter an email address in the right format, like name@example.com."),
            form_length(User.email),
        ],
    )


class SettingsForm(FlaskForm):
    issuer = StringField(
        lazy_gettext("Issuer URL"),
        filters=[strip],
        description=lazy_gettext(
            "From your provider, such as https://login.example.com/realms/staff. We read its "
            "/.well-known/openid-configuration."
        ),
        validators=[
            InputRequired(lazy_gettext("Enter your provider's issuer URL.")),
            form_length(IdentityProvider.issuer),
        ],
    )
    client_id = StringField(
        lazy_gettext("Client ID"),
        filters=[strip],
        validators=[
            InputRequired(lazy_gettext("Enter the client ID your provider gave you.")),
            form_length(IdentityProvider.client_id),
        ],
    )
    client_secret = PasswordField(
        lazy_gettext("Client secret"),
        validators=[
            Length(
                max=MAX_SECRET_LENGTH,
                message=_(
                    "Use at most %(MAX_SECRET_LENGTH)s characters.",
                    MAX_SECRET_LENGTH=format_number(MAX_SECRET_LENGTH),
                ),
            )
        ],
    )
    domains = TextAreaField(
        lazy_gettext("Email domains"),
        description=lazy_gettext(
            "The domains of your people's addresses, one a line, such as example.com. A site "
            "admin confirms each domain before it is used."
        ),
        validators=[Length(max=6000, message=lazy_gettext("List fewer domains."))],
    )
    require_sso = BooleanField(
        lazy_gettext("Require single sign-on for people with these addresses"),
        description=lazy_gettext(
            "They can no longer sign in or reset a password with a password. Site admins "
            "always can. Possible after a test sign-in succeeds."
        ),
    )
