"""Sign up, log in, log out, the person's own account page, the links sent by email
(verify the address, reset the password), and the admin's list of people."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from coursework.accounts import services
from coursework.accounts.forms import (
    ChangePasswordForm,
    DisableForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    RolesForm,
    SignupForm,
)
from coursework.accounts.models import TokenPurpose, User
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import limiter
from coursework.i18n import _
from coursework.lengths import max_length
from coursework.policy import access

bp = Blueprint("accounts", __name__, template_folder="templates")
log = logging.getLogger(__name__)

LOGIN_FAILED = "The email address or password is not right."
RESET_SESSION_KEY = "reset_token"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_ACCOUNT"]


def _account_key() -> str:
    """Counts per account, whoever's address the attempts come from; an address with no
    account is counted just the same, so the limit says nothing about who has one."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _sign_in_failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


def _request_id() -> str:
    """The request's id (set by the request-id middleware, or sent by a proxy) for log
    lines; anything that does not look like an id is left out rather than logged."""
    candidate = str(g.get("request_id") or request.headers.get("X-Request-ID", ""))
    return candidate if REQUEST_ID.fullmatch(candidate) else "-"


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


def end_session() -> None:
    """Forget the person in this browser: the session and the remember cookie. Clearing
    the session first matters: `logout_user` leaves the instruction to delete the remember
    cookie in the session, where a later clear would lose it."""
    session.clear()
    logout_user()


def _form_errors(form, error: Conflict | RuleViolation) -> None:
    for field, messages in error.errors.items():
        getattr(form, field).errors.extend(messages)
    if not error.errors:
        flash(error.message, "error")


# ---- signing up and in -------------------------------------------------------------------


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
            services.register(
                form.email.data, form.display_name.data, form.password.data, safe_next("")
            )
        except (Conflict, RuleViolation) as error:
            _form_errors(form, error)
        else:
            return redirect(url_for("accounts.check_email", next=safe_next("") or None))
    status = 400 if form.errors else 200
    return render_template("accounts/signup.html", form=form), status


@bp.get("/signup/check-email")
@access("public")
def check_email():
    return render_template("accounts/check_email.html", next=safe_next("") or None)


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    scope="login-per-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("progress.my_learning")))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        result = services.check_credentials(form.email.data, form.password.data)
        if result.user is not None:
            start_session(result.user, remember=form.remember.data)
            log.info("sign-in succeeded: user %s (request %s)", result.user.id, _request_id())
            return redirect(safe_next(url_for("progress.my_learning")))
        failed = g.sign_in_failed = True
        log.warning(
            "sign-in failed: %s, user %s (request %s)",
            result.outcome,
            result.account_id or "-",
            _request_id(),
        )
        if result.sso_required:
            return render_template(
                "accounts/login.html",
                form=form,
                failed=True,
                message=services.sso_message(result.sso_required),
                sso_email=form.email.data,
            ), 400
    status = 400 if form.errors or failed else 200
    return render_template(
        "accounts/login.html", form=form, failed=failed, message=LOGIN_FAILED
    ), status


@bp.route("/logout", methods=["POST"])
@access("public")
def logout():
    """Log out ends the session on the server too: the account's session version moves
    on, so a copy of this session or remember cookie taken earlier is worthless."""
    return _sign_out(_("You have logged out."), url_for("progress.catalogue"))


def _sign_out(message: str, destination: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.end_all_sessions(current_user._get_current_object())
    end_session()
    flash(message, "success")
    return redirect(destination)


# ---- the person's own account ------------------------------------------------------------


@bp.get("/account")
@access("learner")
def account():
    return _account_page(ChangePasswordForm())


def _account_page(form: ChangePasswordForm):
    status = 400 if form.errors else 200
    return render_template("accounts/account.html", form=form, button=EmptyForm()), status


@bp.post("/account/password")
@access("learner")
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except RuleViolation as error:
            _form_errors(form, error)
        else:
            # The version moved on, so this browser signs in again with the new one.
            start_session(user, remember=remembered)
            flash(
                _("Your password has been changed. Your other sessions are signed out."), "success"
            )
            return redirect(url_for("accounts.account"))
    return _account_page(form)


@bp.post("/account/sign-out-everywhere")
@access("learner")
def sign_out_everywhere():
    return _sign_out(
        _("You are signed out everywhere, on this device too."), url_for("accounts.login")
    )


@bp.post("/account/verification")
@access("learner")
@limiter.limit(_auth_limit)
def resend_verification():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.send_verification(current_user._get_current_object())
    flash(_("We have sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.account"))


# ---- links sent by email -----------------------------------------------------------------


@bp.get("/verify-email/<token>")
@access("public")
@limiter.limit(_auth_limit)
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except NotFound:
        return render_template("accounts/link_invalid.html", purpose="verify"), 404
    next_path = safe_next(url_for("progress.my_learning"))
    signed_in_here = current_user.is_authenticated and current_user.id == user.id
    return render_template(
        "accounts/verified.html", user=user, signed_in_here=signed_in_here, next=next_path
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], scope="reset-per-account")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        if organisation := services.sso_required_for(form.email.data):
            # Said of the domain, whoever asks: it tells nothing about who has an account.
            flash(services.sso_message(organisation), "info")
            return redirect(url_for("accounts.login"))
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If %(data)s has an account, we have sent it a link to set a new password. The "
                "link works for one hour.",
                data=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.get("/reset-password/<token>")
@access("public")
def reset_password_link(token: str):
    """Move the secret from the address into the session, so it is in no page, no later
    Referer and no access-log line but this one."""
    session[RESET_SESSION_KEY] = token[: services.MAX_TOKEN_LENGTH]
    return redirect(url_for("accounts.reset_password"))


@bp.route("/reset-password", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
def reset_password():
    token = session.get(RESET_SESSION_KEY, "")
    try:
        services.check_link(token, TokenPurpose.RESET_PASSWORD)
    except NotFound:
        return render_template("accounts/link_invalid.html", purpose="reset"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except NotFound:
            return render_template("accounts/link_invalid.html", purpose="reset"), 404
        except RuleViolation as error:
            _form_errors(form, error)
        else:
            end_session()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form), status


# ---- the admin's list of people ----------------------------------------------------------


@bp.route("/admin/people")
@access("admin")
def people():
    where = _people_place(request.args)
    found = services.find_people(where.get("q", ""), int(where.get("page", 1)))
    return render_template(
        "accounts/people.html",
        found=found,
        where=where,
        search=where.get("q", ""),
        search_limit=max_length(User.email),
    )


def _people_place(args) -> dict[str, str]:
    """Where the admin is in the list of people (search and page), as query arguments: the
    list links and forms carry it, so saving a row comes back to the same rows. Anything
    odd in a hand-edited address falls back to the default."""
    where = {}
    search = args.get("q", "").strip()[: max_length(User.email)]
    if search:
        where["q"] = search
    page = args.get("page", "")
    if page.isascii() and page.isdigit() and len(page) <= 6 and int(page) > 1:
        where["page"] = str(int(page))
    return where


def _back_to_person(user: User):
    return redirect(
        url_for("accounts.people", **_people_place(request.args), _anchor=f"person-{user.id}")
    )


@bp.route("/admin/people/<int:user_id>/roles", methods=["POST"])
@access("admin")
def set_roles(user_id: int):
    user = services.get_user(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id and not form.is_admin.data:
        flash(_("You cannot remove your own admin role."), "error")
        return _back_to_person(user)
    services.set_roles(user, instructor=form.is_instructor.data, admin=form.is_admin.data)
    flash(_("Roles updated for %(display_name)s.", display_name=user.display_name), "success")
    return _back_to_person(user)


@bp.route("/admin/people/<int:user_id>/access", methods=["POST"])
@access("admin")
def set_disabled(user_id: int):
    user = services.get_user(user_id)
    form = DisableForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_disabled(user, form.disable.data, by=current_user._get_current_object())
    except RuleViolation as error:
        flash(error.message, "error")
        return _back_to_person(user)
    if user.is_disabled:
        state = "disabled: their sessions and API tokens no longer work"
    else:
        state = "enabled again"
    flash(
        _(
            "The account of %(display_name)s is %(state)s.",
            display_name=user.display_name,
            state=state,
        ),
        "success",
    )
    return _back_to_person(user)
