"""The person's own data, from their account page: download it, or delete the account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from coursework.accounts.views import end_session
from coursework.db import utcnow
from coursework.errors import Conflict, RuleViolation
from coursework.i18n import _
from coursework.policy import access
from coursework.privacy import services
from coursework.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/account/data")
@access("learner")
def download():
    """Everything held about the signed-in person, as a JSON file."""
    data = services.export(current_user._get_current_object())
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    name = f"coursework-my-data-{utcnow():%Y-%m-%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@access("learner")
def delete():
    form = DeleteAccountForm()
    user = current_user._get_current_object()
    problems = services.blockers(user)
    status = 200
    if form.validate_on_submit() and not problems:
        try:
            services.delete_account(user, form.password.data or "", form.phrase.data or "")
        except RuleViolation as error:
            for name, messages in error.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *messages]
        except Conflict as error:  # became an only manager or owner meanwhile
            problems = [error.message]
        else:
            end_session()
            flash(_("Your account has been deleted. Thank you for learning with us."), "success")
            return redirect(url_for("progress.catalogue"))
    if form.errors:
        status = 400
    elif problems and form.is_submitted():
        status = 409
    return (
        render_template(
            "privacy/delete.html",
            form=form,
            problems=problems,
            by_phrase=services.signs_in_elsewhere(user),
        ),
        status,
    )
