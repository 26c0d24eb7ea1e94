"""Pages: "Sign in with your organisation", the provider's return, and a manager's settings
and checklist. Thin: the rules are in services.py, the protocol in oidc.py.

Between sending a person to the provider and their return, state, nonce and PKCE verifier
wait in the session (signed, so they cannot be changed); taking them out at the return
makes a replayed return find nothing.
"""

from __future__ import annotations

import logging
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from coursework.accounts.forms import EmptyForm
from coursework.accounts.views import safe_next, start_session
from coursework.errors import Conflict, RuleViolation
from coursework.extensions import db, limiter
from coursework.i18n import _
from coursework.organisations import services as organisations
from coursework.organisations.models import Organisation
from coursework.policy import access
from coursework.sso import oidc, services
from coursework.sso.forms import OrganisationSignInForm, SettingsForm
from coursework.sso.models import IdentityProvider

bp = Blueprint("sso", __name__, template_folder="templates")
log = logging.getLogger(__name__)

PENDING_KEY = "sso-pending"
PENDING_SECONDS = 600  # time to sign in at the provider and come back
NO_PROVIDER = (
    "We could not find an organisation sign-in for this address. Log in with your password, "
    "or ask your organisation's manager whether it uses single sign-on."
)
UNREACHABLE = "Your organisation's sign-in cannot be reached just now. Try again in a few minutes."
FAILED = (
    "Your organisation's sign-in answered in a way we could not check, so you are not signed "
    "in. Try again; if it keeps happening, tell your organisation's manager."
)
EXPIRED = "This sign-in has expired or has already been used. Start again."


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


# ---- signing in --------------------------------------------------------------------------


@bp.route("/login/organisation", methods=["GET", "POST"])
@access("public")
@limiter.limit(_auth_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("progress.my_learning")))
    form = OrganisationSignInForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        provider = services.provider_for_email(form.email.data)
        if provider is None:
            form.email.errors.append(NO_PROVIDER)
        else:
            return _send_to_provider(provider, "sign-in", form.email.data, safe_next(""))
    status = 400 if form.errors else 200
    return render_template("sso/login.html", form=form), status


def _send_to_provider(provider: IdentityProvider, purpose: str, hint: str, next_path: str):
    """Keep what the return needs, and send the browser to the provider. A page that moves
    on by itself rather than a redirect: `form-action 'self'` forbids a form's redirect to
    another site, but not the page that follows it."""
    try:
        url, pending = oidc.authorization_request(services.client_for(provider), hint)
    except oidc.SignInFailed as error:
        log.warning(
            "single sign-on could not start for organisation %s: %s",
            provider.organisation_id,
            error.reason,
        )
        return _failed(UNREACHABLE, 503)
    session[PENDING_KEY] = {
        "provider": provider.id,
        "purpose": purpose,
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": next_path,
        "by": current_user.id if purpose == "test" else None,
        "started": int(time.time()),
    }
    return render_template("sso/redirect.html", url=url, purpose=purpose)


def _failed(message: str, status: int):
    return render_template("sso/failed.html", message=message), status


def _take_pending() -> dict | None:
    """What the last departure left, once: taken out whatever happens next."""
    pending = session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("started", 0)) > PENDING_SECONDS:
        return None
    return pending


@bp.get("/login/organisation/callback")
@access("public")
@limiter.limit(_auth_limit)
def callback():
    pending = _take_pending()
    returned = {key: request.args.get(key, "")[:2048] for key in ("state", "code", "error")}
    if pending is None or returned["state"] != pending["state"]:
        # Routine (a tab left open, the back button): not worth a warning.
        log.info("single sign-on return refused: no matching sign-in in this session")
        return _failed(EXPIRED, 400)
    provider = services.get_provider(int(pending["provider"]))
    if provider is None:
        return _failed(EXPIRED, 400)
    waiting = oidc.Pending(pending["state"], pending["nonce"], pending["verifier"])
    try:
        claims = oidc.finish(services.client_for(provider), waiting, returned)
    except oidc.ProviderUnreachable as error:
        log.warning(
            "single sign-on failed for organisation %s: %s", provider.organisation_id, error.reason
        )
        return _test_result(provider, pending, error.reason) or _failed(UNREACHABLE, 503)
    except oidc.SignInFailed as error:
        log.warning(
            "single sign-on refused for organisation %s: %s", provider.organisation_id, error.reason
        )
        return _test_result(provider, pending, error.reason) or _failed(FAILED, 400)
    if pending["purpose"] == "test":
        return _test_result(provider, pending, None, claims)
    try:
        user = services.sign_in(provider, claims)
    except services.SignInRefused as error:
        log.warning(
            "single sign-on refused for organisation %s: %s", provider.organisation_id, error.reason
        )
        return _failed(error.message, 403)
    except oidc.SignInFailed as error:
        log.warning(
            "single sign-on refused for organisation %s: %s", provider.organisation_id, error.reason
        )
        return _failed(FAILED, 400)
    start_session(user)
    log.info("sign-in succeeded through single sign-on: user %s", user.id)
    return redirect(safe_next_path(pending.get("next") or ""))


def safe_next_path(path: str) -> str:
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return url_for("progress.my_learning")


def _test_result(provider: IdentityProvider, pending: dict, problem: str | None, claims=None):
    """A manager's test sign-in: nobody is signed in or linked; the checklist says how it
    went. None when this was not a test (or not the same manager)."""
    if pending.get("purpose") != "test":
        return None
    if not current_user.is_authenticated or current_user.id != pending.get("by"):
        return _failed(EXPIRED, 400)
    organisation = services.organisation_for(current_user, _slug_of(provider))
    if problem is None:
        services.record_test(provider, claims)
        verified = claims.get("email_verified") in (True, "true")
        email = str(claims.get("email") or "")[:254]
        if verified:
            sent = _("Your provider sent a verified email address: %(email)s.", email=email)
        else:
            sent = _("Your provider sent an unverified email address: %(email)s.", email=email)
        flash(_("The test sign-in passed every check.") + " " + sent, "success")
    else:
        flash(_("The test sign-in failed: %(problem)s.", problem=problem), "error")
    return redirect(url_for("sso.checklist", slug=organisation.slug))


def _slug_of(provider: IdentityProvider) -> str:
    organisation = db.session.get(Organisation, provider.organisation_id)
    if organisation is None:
        abort(404)
    return organisation.slug


# ---- the manager's pages -----------------------------------------------------------------


def _organisation(slug: str) -> Organisation:
    return services.organisation_for(current_user._get_current_object(), slug)


def _manages(organisation: Organisation) -> bool:
    return any(item.id == organisation.id for item in organisations.managed_by(current_user))


@bp.get("/organisations/<slug>/sso")
@access("manager")
def checklist(slug: str):
    organisation = _organisation(slug)
    return render_template(
        "sso/checklist.html",
        organisation=organisation,
        provider=services.provider_of(organisation),
        manages=_manages(organisation),
        redirect_uri=services.redirect_uri(),
        scopes=oidc.SCOPES,
        claims=oidc.REQUIRED_CLAIMS,
        discovery_url=oidc.discovery_url,
        button=EmptyForm(),
    )


@bp.route("/organisations/<slug>/sso/settings", methods=["GET", "POST"])
@access("manager")
def settings(slug: str):
    organisation = _organisation(slug)
    provider = services.provider_of(organisation)
    form = SettingsForm()
    if request.method == "GET" and provider is not None:
        form.issuer.data = provider.issuer
        form.client_id.data = provider.client_id
        form.domains.data = "\n".join(item.domain for item in provider.domains)
        form.require_sso.data = provider.require_sso
    if form.validate_on_submit():
        try:
            services.save_settings(
                organisation,
                current_user._get_current_object(),
                services.Settings(
                    issuer=form.issuer.data,
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data or "",
                    domains=form.domains.data or "",
                    require_sso=form.require_sso.data,
                ),
            )
        except (RuleViolation, Conflict) as error:
            for field, messages in error.errors.items():
                getattr(form, field).errors.extend(messages)
        else:
            flash(_("Single sign-on settings saved."), "success")
            return redirect(url_for("sso.checklist", slug=organisation.slug))
    form.client_secret.data = ""  # never shown back, not even as it was typed
    form.client_secret.description = (
        _("Set, and stored encrypted. Leave empty to keep it; a new one needs a new test sign-in.")
        if provider is not None
        else _("Stored encrypted and never shown again.")
    )
    return render_template(
        "sso/settings.html",
        organisation=organisation,
        provider=provider,
        manages=_manages(organisation),
        form=form,
        button=EmptyForm(),
    ), (400 if form.errors else 200)


def _provider_or_back(organisation: Organisation) -> IdentityProvider:
    if not EmptyForm().validate_on_submit():
        abort(400)
    provider = services.provider_of(organisation)
    if provider is None:
        abort(404)
    return provider


@bp.post("/organisations/<slug>/sso/discovery")
@access("manager")
def check_discovery(slug: str):
    organisation = _organisation(slug)
    provider = services.check_discovery(_provider_or_back(organisation))
    if provider.discovery_ok:
        flash(_("Your provider's discovery document and keys can be read."), "success")
    else:
        flash(
            _(
                "Your provider's discovery document could not be used: %(discovery_error)s.",
                discovery_error=provider.discovery_error,
            ),
            "error",
        )
    return redirect(url_for("sso.checklist", slug=organisation.slug))


@bp.post("/organisations/<slug>/sso/test")
@access("manager")
def test_sign_in(slug: str):
    organisation = _organisation(slug)
    provider = _provider_or_back(organisation)
    return _send_to_provider(provider, "test", "", "")


@bp.post("/admin/sso/domains/<int:domain_id>/confirm")
@access("admin")
def confirm_domain(domain_id: int):
    """An admin's action, at an admin's address: no organisation's manager pages hold it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    item, organisation = services.confirm_domain(domain_id, current_user._get_current_object())
    flash(
        _("%(domain)s is confirmed as %(name)s's.", domain=item.domain, name=organisation.name),
        "success",
    )
    return redirect(url_for("sso.checklist", slug=organisation.slug))


@bp.get("/admin/sso")
@access("admin")
def every_organisation():
    return render_template("sso/admin.html", rows=services.every_provider())


@bp.post("/organisations/<slug>/sso/remove")
@access("manager")
def remove(slug: str):
    organisation = _organisation(slug)
    _provider_or_back(organisation)
    services.remove_provider(organisation, current_user._get_current_object())
    flash(_("Single sign-on is removed. Members sign in with their passwords again."), "success")
    return redirect(url_for("sso.checklist", slug=organisation.slug))
