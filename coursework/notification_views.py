"""Preferences (which notifications a person gets) and the one-click unsubscribe link that
every notification carries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coursework import mail
from coursework.extensions import db
from coursework.policy import access, csrf_exempt

bp = Blueprint("notifications", __name__)


@bp.route("/account/preferences", methods=["GET", "POST"])
@access("learner")
def preferences():
    if request.method == "POST":  # CSRF is checked for every unsafe request
        wanted = set(request.form.getlist("kinds"))
        mail.set_switched_off(current_user.id, set(mail.NOTIFICATIONS) - wanted)
        db.session.commit()
        flash("Your preferences are saved.", "success")
        return redirect(url_for(".preferences"))
    off = mail.switched_off(current_user.id)
    return render_template(
        "preferences.html", kinds=sorted(mail.NOTIFICATIONS.items()), switched_off=off
    )


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
        db.session.commit()
    return render_template(
        "unsubscribe.html", label=mail.NOTIFICATIONS[kind], token=token, done=done
    )
