"""Pages: an organisation's settings (its time zone) and its LRS forwarding (where its
statements go, a test statement, and the delivery log). Managers only; thin views over
`services` and `lrs`. Saved credentials are never put back into a page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired

from coursework import timezones
from coursework.accounts.forms import EmptyForm, strip
from coursework.errors import RuleViolation
from coursework.extensions import db
from coursework.i18n import _, lazy_gettext
from coursework.organisations import lrs, services
from coursework.organisations.forms import add_errors
from coursework.organisations.models import Organisation
from coursework.organisations.tokens import organisation_from_request
from coursework.policy import access

bp = Blueprint(
    "org_settings", __name__, template_folder="templates", url_prefix="/organisations/<slug>"
)


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezones.names()]


class TimeZoneForm(FlaskForm):
    time_zone = SelectField(
        lazy_gettext("Time zone"),
        description=lazy_gettext(
            "Reminders reach your people on their own calendar day: in this zone, unless they "
            "choose another on their Preferences page."
        ),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose a time zone."))],
    )


class LrsForm(FlaskForm):
    endpoint = StringField(
        lazy_gettext("LRS address (xAPI endpoint)"),
        description=lazy_gettext(
            "As your LRS gives it, such as https://lrs.example.com/xAPI. Statements are sent to "
            "its /statements resource."
        ),
        filters=[strip],
        validators=[InputRequired(lazy_gettext("Enter the LRS's xAPI address."))],
    )
    key = StringField(lazy_gettext("Key (Basic authentication user name)"))
    secret = PasswordField(lazy_gettext("Secret (Basic authentication password)"))
    enabled = BooleanField(lazy_gettext("Forward new statements to this LRS"), default=True)


def _settings_page(organisation: Organisation, form: TimeZoneForm, status: int = 200):
    return render_template(
        "organisations/settings.html", organisation=organisation, form=form
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@access("manager")
def settings(slug: str):
    organisation = organisation_from_request(slug)
    form = TimeZoneForm()
    form.time_zone.choices = zone_choices()
    if not form.is_submitted():
        form.time_zone.data = organisation.time_zone
        return _settings_page(organisation, form)
    if not form.validate():
        return _settings_page(organisation, form, 400)
    try:
        services.set_time_zone(organisation, form.time_zone.data, current_user)
    except RuleViolation as error:
        add_errors(form, error.errors)
        return _settings_page(organisation, form, 400)
    flash(
        _("The time zone is now %(replace)s.", replace=organisation.time_zone.replace("_", " ")),
        "success",
    )
    return redirect(url_for(".settings", slug=organisation.slug), code=303)


def _lrs_page(organisation: Organisation, form: LrsForm, status: int = 200):
    # What was typed as credentials is never sent back, saved or not.
    form.key.data = form.secret.data = ""
    state = lrs.status(organisation)
    if state.forwarding is not None:
        form.key.description = _("Leave the key and secret blank to keep the saved ones.")
    body = render_template(
        "organisations/lrs.html",
        organisation=organisation,
        form=form,
        state=state,
        button=EmptyForm(),
    )
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/lrs", methods=["GET", "POST"])
@access("manager")
def forwarding(slug: str):
    organisation = organisation_from_request(slug)
    form = LrsForm()
    if not form.is_submitted():
        saved = lrs.forwarding_of(organisation)
        if saved is not None:
            form.endpoint.data, form.enabled.data = saved.endpoint, saved.enabled
        return _lrs_page(organisation, form)
    if not form.validate():
        return _lrs_page(organisation, form, 400)
    try:
        lrs.configure(
            organisation,
            current_user,
            endpoint=form.endpoint.data or "",
            key=form.key.data or "",
            secret=form.secret.data or "",
            enabled=form.enabled.data,
        )
    except RuleViolation as error:
        db.session.rollback()
        add_errors(form, error.errors)
        return _lrs_page(organisation, form, 400)
    flash(
        _("The LRS settings are saved.")
        + (
            _(" New statements will be forwarded.")
            if form.enabled.data
            else _(" Forwarding is off.")
        ),
        "success",
    )
    return redirect(url_for(".forwarding", slug=organisation.slug), code=303)


@bp.route("/lrs/check", methods=["POST"])
@access("manager")
def check(slug: str):
    organisation = organisation_from_request(slug)
    problem = lrs.check_connection(organisation)
    if problem is None:
        flash(_("The LRS accepted a test statement: the address and credentials work."), "success")
    else:
        flash(_("The test statement was not accepted. %(problem)s", problem=problem), "error")
    return redirect(url_for(".forwarding", slug=organisation.slug), code=303)


@bp.route("/lrs/remove", methods=["POST"])
@access("manager")
def remove(slug: str):
    organisation = organisation_from_request(slug)
    lrs.remove(organisation, current_user)
    flash(
        _("The LRS settings and credentials are deleted. Nothing more will be forwarded."),
        "success",
    )
    return redirect(url_for(".forwarding", slug=organisation.slug), code=303)
