from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class DeleteAccountForm(FlaskForm):
    # Checked by the service: a password for accounts that have one of their own, the
    # phrase for people who sign in through their organisation or LMS.
    password = PasswordField("Your password", description="To be sure it is you.")
    phrase = StringField(
        "Type “delete my account”",
        description="You sign in through your organisation or your LMS, so this confirms it "
        "instead of a password.",
    )
