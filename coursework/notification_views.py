"""Preferences (which notifications a person gets, their time zone and language), the
footer's language switcher, and the one-click unsubscribe link that every notification
carries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coursework import i18n, mail, timezones
from coursework.accounts.views import safe_next
from coursework.i18n import _
from coursework.policy import access, csrf_exempt

bp = Blueprint("notifications", __name__)


@bp.route("/account/preferences", methods=["GET", "POST"])
@access("learner")
def preferences():
    errors: dict[str, str] = {}
    if request.method == "POST":  # CSRF is checked for every unsafe request
        # No field: the zone (or language) is left as it is; empty: follow the default.
        zone = request.form.get("time_zone")
        locale = request.form.get("locale")
        if zone and not timezones.is_zone(zone):
            errors["time_zone"] = _("Choose a time zone from the list.")
        if locale and locale not in i18n.LANGUAGES:
            errors["locale"] = _("Choose a language from the list.")
        if not errors:
            wanted = set(request.form.getlist("kinds"))
            mail.set_switched_off(current_user.id, set(mail.NOTIFICATIONS) - wanted)
            if zone is not None:
                current_user.time_zone = zone or None
            if locale is not None:
                current_user.locale = locale or None
            # Said in the language just chosen, like the page it leads to.
            with i18n.force_locale(i18n.select_locale()):
                flash(_("Your preferences are saved."), "success")
            return redirect(url_for(".preferences"))
    off = mail.switched_off(current_user.id)
    return render_template(
        "preferences.html",
        kinds=sorted(mail.NOTIFICATIONS.items()),
        switched_off=off,
        zones=timezones.names(),
        chosen_zone=current_user.time_zone or "",
        default_zone=timezones.default_names([current_user.id])[current_user.id],
        chosen_locale=current_user.locale or "",
        errors=errors,
    ), (400 if errors else 200)


@bp.route("/language", methods=["POST"])
@access("public")
def switch_language():
    """The footer switcher: remember the language in a cookie (and in the profile of a
    signed-in person, whose profile choice would otherwise win), then go back."""
    locale = request.form.get("locale", "")
    if locale not in i18n.LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
    response = redirect(safe_next(url_for("progress.catalogue")))
    response.set_cookie(
        i18n.COOKIE,
        locale,
        max_age=i18n.COOKIE_MAX_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@access("public")
@csrf_exempt  # RFC 8058: mail clients POST here without a form; the signed token is the key
def unsubscribe(token: str):
    named = mail.read_unsubscribe_token(token)
    if named is None:
        abort(404)
    user_id, kind = named
    done = request.method == "POST"
    if done:
        mail.unsubscribe(user_id, kind)
    return render_template(
        "unsubscribe.html", label=mail.NOTIFICATIONS[kind], token=token, done=done
    )
