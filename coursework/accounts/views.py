"""Sign up, log in, log out, and the admin's list of people."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from coursework.accounts import services
from coursework.accounts.forms import EmptyForm, LoginForm, RolesForm, SignupForm
from coursework.errors import Conflict, RuleViolation
from coursework.extensions import limiter
from coursework.policy import access

bp = Blueprint("accounts", __name__, template_folder="templates")

LOGIN_FAILED = "The email address or password is not right."


def _auth_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_AUTH"]


def safe_next(default: str) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def start_session(user, remember: bool = False) -> None:
    # A fresh session at sign-in: nothing set before it (and no fixed token) carries over.
    session.clear()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("progress.my_learning"))
    form = SignupForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]  # from an invitation link
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.display_name.data, form.password.data)
        except (Conflict, RuleViolation) as error:
            for field, messages in error.errors.items():
                getattr(form, field).errors.extend(messages)
        else:
            start_session(user)
            flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
            return redirect(safe_next(url_for("progress.catalogue")))
    status = 400 if form.errors else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("progress.my_learning")))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect(safe_next(url_for("progress.my_learning")))
        failed = True
    status = 400 if form.errors or failed else 200
    return render_template(
        "accounts/login.html", form=form, failed=failed, message=LOGIN_FAILED
    ), status


@bp.route("/logout", methods=["POST"])
@access("public")
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    session.clear()
    flash("You have logged out.", "success")
    return redirect(url_for("progress.catalogue"))


@bp.route("/admin/people")
@access("admin")
def people():
    return render_template("accounts/people.html", people=services.list_users(), form=RolesForm())


@bp.route("/admin/people/<int:user_id>/roles", methods=["POST"])
@access("admin")
def set_roles(user_id: int):
    user = services.get_user(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id and not form.is_admin.data:
        flash("You cannot remove your own admin role.", "error")
        return redirect(url_for("accounts.people"))
    services.set_roles(user, instructor=form.is_instructor.data, admin=form.is_admin.data)
    flash(f"Roles updated for {user.display_name}.", "success")
    return redirect(url_for("accounts.people"))
