from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from coursework.i18n import lazy_gettext


class DeleteAccountForm(FlaskForm):
    # Checked by the service: a password for accounts that have one of their own, the
    # phrase for people who sign in through their organisation or LMS.
    password = PasswordField(
        lazy_gettext("Your password"), description=lazy_gettext("To be sure it is you.")
    )
    phrase = StringField(
        lazy_gettext("Type “delete my account”"),
        description=lazy_gettext(
            "You sign in through your organisation or your LMS, so this confirms it instead of a "
            "password."
        ),
    )
