"""LTI pages: the protocol's end points (key set, login initiation, launch, deep-linking
picker) and the manager's registration pages under /organisations/<slug>/lti."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coursework import frames
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.lti import services
from coursework.lti.forms import PlatformForm
from coursework.organisations.forms import add_errors
from coursework.organisations.models import Organisation
from coursework.organisations.tokens import organisation_from_request
from coursework.policy import access, csrf_exempt

if TYPE_CHECKING:
    from coursework.lti import tool

log = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, template_folder="templates", url_prefix="/lti")
admin_bp = Blueprint(
    "lti_admin", __name__, template_folder="templates", url_prefix="/organisations/<slug>/lti"
)
DEEP_LINK_KEY = "lti_deep_link"


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("lti/refused.html", message=message), status


# ---- the protocol ---------------------------------------------------------------------


@bp.get("/jwks.json")
@access("public")
def jwks():
    response = Response(json.dumps(services.tool_key_set()), mimetype="application/jwk-set+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@csrf_exempt
def login():
    """OIDC third-party login initiation: the LMS names itself; we send the browser to its
    authorisation end point with a fresh state (in a cookie) and nonce (in the database)."""
    from pylti1p3.exception import LtiException, OIDCException

    from coursework.lti import tool

    tool_conf = tool.DatabaseToolConf()
    try:
        response = tool.oidc_login(tool_conf).redirect(services.tool_urls()["launch"])
    except (OIDCException, LtiException) as error:
        log.info("LTI login initiation refused: %s", error)
        db.session.rollback()
        return _refused(
            _(
                "This LMS is not registered with Coursework, or the request was incomplete. Ask "
                "your organisation's manager to check the LTI registration."
            )
        )
    return response


@bp.post("/launch")
@access("public")
@csrf_exempt
def launch():
    """The LMS posts the signed id_token here. It is checked (pylti1p3 and `tool.Launch`),
    the person is signed in to their linked account, and the resource opens."""
    from pylti1p3.exception import LtiException

    from coursework.lti import tool

    tool_conf = tool.DatabaseToolConf()
    message = tool.message_launch(tool_conf)
    try:
        message.validate()
        outcome = services.complete_launch(message, tool_conf.platform)
    except (LtiException, KeyError, ValueError, TypeError) as error:
        db.session.rollback()
        log.info("LTI launch refused: %s", error)
        return _refused(f"The launch was refused: {error}")
    except IntegrityError:
        db.session.rollback()
        return _refused(_("Two launches for one new person crossed. Launch again."), 409)
    session.clear()  # nothing of an earlier session carries into this one
    login_user(outcome.user)
    frames.enter_frame(outcome.platform.frame_origin)
    log.info("LTI launch signed in user %s from platform %s", outcome.user.id, outcome.platform.id)
    if outcome.deep_link:
        session[DEEP_LINK_KEY] = message.get_launch_id()
        return redirect(url_for("lti.deep_link", launch_id=message.get_launch_id()), code=303)
    return redirect(services.resource_path(outcome.resource), code=303)


def _deep_link_launch(launch_id: str) -> tool.Launch:
    from pylti1p3.exception import LtiException

    from coursework.lti import tool

    if session.get(DEEP_LINK_KEY) != launch_id:
        raise NotFound(_("This content picker has expired. Open it again from your LMS."))
    try:
        return tool.restored_launch(launch_id, tool.DatabaseToolConf())
    except LtiException:
        raise NotFound(_("This content picker has expired. Open it again from your LMS.")) from None


@bp.route("/deep-link/<launch_id>", methods=["GET", "POST"])
@access("learner")
def deep_link(launch_id: str):
    """Deep Linking: the teacher picks a course, lesson or quiz; the LMS gets it back as a
    signed content item."""
    from pylti1p3.exception import LtiException

    message = _deep_link_launch(launch_id)
    error = None
    if request.method == "POST":
        choice = request.form.get("resource", "")
        try:
            reply = services.deep_link_reply(message, choice)
        except (NotFound, LtiException):
            error = _("Choose a course, a lesson or a quiz.")
        else:
            session.pop(DEEP_LINK_KEY, None)
            frames.allow_form_action(services.origin_of(reply.return_url))
            return render_template("lti/return.html", reply=reply)
    return (
        render_template(
            "lti/deep_link.html",
            courses=services.pickable(),
            launch_id=launch_id,
            error=error,
        ),
        400 if error else 200,
    )


# ---- registration (managers) ----------------------------------------------------------


def _organisation(slug: str) -> Organisation:
    """The organisation, for its managers (and for admins)."""
    if current_user.is_authenticated and current_user.is_admin:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise NotFound(_("There is no organisation at this address."))
        return organisation
    return organisation_from_request(slug)


def _submit(form: PlatformForm, save) -> tuple[object | None, list[str]]:
    """Validate the form and hand its fields to `save`: (what it saved, None) or (None,
    the messages for the error summary)."""
    if not form.validate():
        return None, []
    try:
        return save(form.fields()), []
    except (RuleViolation, Conflict) as error:
        return None, add_errors(form, error.errors)


@admin_bp.route("", methods=["GET", "POST"])
@access("manager")
def platforms(slug: str):
    organisation = _organisation(slug)
    form = PlatformForm()
    summary: list[str] = []
    status = 200
    if form.is_submitted():
        platform, summary = _submit(
            form, lambda fields: services.register_platform(organisation, fields)
        )
        if platform is not None:
            flash(
                _("%(name)s is registered. Paste these details into it.", name=platform.name),
                "success",
            )
            return redirect(
                url_for(".platform", slug=organisation.slug, platform_id=platform.id), code=303
            )
        status = 400
    return (
        render_template(
            "lti/platforms.html",
            organisation=organisation,
            platforms=services.platforms_of(organisation),
            form=form,
            summary=summary,
            urls=services.tool_urls(),
        ),
        status,
    )


@admin_bp.route("/<int:platform_id>", methods=["GET", "POST"])
@access("manager")
def platform(slug: str, platform_id: int):
    """The checklist of what to paste where, the registration's details and its rosters."""
    organisation = _organisation(slug)
    registered = services.get_platform(organisation, platform_id)
    form = PlatformForm()
    summary: list[str] = []
    status = 200
    if form.is_submitted():
        saved, summary = _submit(form, lambda fields: services.update_platform(registered, fields))
        if saved is not None:
            flash(_("The registration is saved."), "success")
            return redirect(url_for(".platform", slug=slug, platform_id=platform_id), code=303)
        status = 400
    else:
        form.fill(registered)
    return (
        render_template(
            "lti/platform.html",
            organisation=organisation,
            platform=registered,
            form=form,
            summary=summary,
            urls=services.tool_urls(),
            contexts=services.contexts_of(registered),
            key_set=json.dumps({"keys": [json.loads(registered.tool_public_jwk)]}, indent=2),
        ),
        status,
    )


@admin_bp.post("/<int:platform_id>/remove")
@access("manager")
def remove(slug: str, platform_id: int):
    organisation = _organisation(slug)
    registered = services.get_platform(organisation, platform_id)
    name = registered.name
    services.remove_platform(registered)
    flash(_("%(name)s is no longer registered; its launches stop working.", name=name), "success")
    return redirect(url_for(".platforms", slug=slug), code=303)


@admin_bp.post("/<int:platform_id>/contexts/<int:context_id>/roster")
@access("manager")
def roster(slug: str, platform_id: int, context_id: int):
    """Names and Role Provisioning: fill the organisation's people from the LMS course."""
    organisation = _organisation(slug)
    registered = services.get_platform(organisation, platform_id)
    context = services.get_context(registered, context_id)
    try:
        result = services.sync_roster(registered, context)
    except RuleViolation as error:
        flash(error.message, "error")
    else:
        counts = {
            "created": result.created,
            "linked": result.linked,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
        }
        if result.skipped:
            read = _(
                "Roster read: %(created)s new people, %(linked)s joined, %(unchanged)s already "
                "members, %(skipped)s left out (inactive or removed).",
                **counts,
            )
        else:
            read = _(
                "Roster read: %(created)s new people, %(linked)s joined, %(unchanged)s already "
                "members.",
                **counts,
            )
        flash(read, "success")
    return redirect(url_for(".platform", slug=slug, platform_id=platform_id), code=303)
