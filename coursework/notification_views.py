"""Preferences (which notifications a person gets, and their time zone) and the one-click
unsubscribe link that every notification carries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coursework import mail, timezones
from coursework.policy import access, csrf_exempt

bp = Blueprint("notifications", __name__)


@bp.route("/account/preferences", methods=["GET", "POST"])
@access("learner")
def preferences():
    zone_error = None
    if request.method == "POST":  # CSRF is checked for every unsafe request
        # No field: the zone is left as it is; empty: follow the organisation's.
        zone = request.form.get("time_zone")
        if zone and not timezones.is_zone(zone):
            zone_error = "Choose a time zone from the list."
        else:
            wanted = set(request.form.getlist("kinds"))
            mail.set_switched_off(current_user.id, set(mail.NOTIFICATIONS) - wanted)
            if zone is not None:
                current_user.time_zone = zone or None
            flash("Your preferences are saved.", "success")
            return redirect(url_for(".preferences"))
    off = mail.switched_off(current_user.id)
    return render_template(
        "preferences.html",
        kinds=sorted(mail.NOTIFICATIONS.items()),
        switched_off=off,
        zones=timezones.names(),
        chosen_zone=current_user.time_zone or "",
        default_zone=timezones.default_names([current_user.id])[current_user.id],
        zone_error=zone_error,
    ), (400 if zone_error else 200)


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
