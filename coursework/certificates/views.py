"""Certificate pages: the learner's list, public verification, PDF, credential, keys."""

from __future__ import annotations

import functools
import json
import re

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coursework.certificates import credentials, services
from coursework.db import utcnow
from coursework.errors import NotFound, PermissionDenied, RuleViolation
from coursework.extensions import limiter
from coursework.formatting import format_number
from coursework.i18n import _, lazy_gettext
from coursework.policy import access

bp = Blueprint("certificates", __name__, template_folder="templates")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Reason for revoking"),
        description=lazy_gettext("Shown to anyone who checks this certificate."),
        validators=[InputRequired(lazy_gettext("Give a reason for revoking.")), Length(max=1000)],
    )


# A credential of ours is a few KB; the API takes the same at most.
MAX_CREDENTIAL_CHARS = 20000


class VerifyForm(FlaskForm):
    credential = TextAreaField(
        lazy_gettext("Signed credential"),
        description=lazy_gettext(
            "Paste the credential (a long text in three parts separated by dots)."
        ),
        validators=[
            Optional(),
            Length(
                max=MAX_CREDENTIAL_CHARS,
                message=_(
                    "A credential is at most %(MAX_CREDENTIAL_CHARS)s characters.",
                    MAX_CREDENTIAL_CHARS=format_number(MAX_CREDENTIAL_CHARS),
                ),
            ),
        ],
    )
    upload = FileField(
        lazy_gettext("Or choose the downloaded credential file"),
        description=lazy_gettext("The .jwt file from the certificate's page."),
        validators=[
            FileAllowed(["jwt", "txt"], lazy_gettext("Choose the credential's .jwt file."))
        ],
    )

    def token(self) -> str | None:
        """The credential to check, from the upload or the text, once the form validates;
        each problem is put beside the field it belongs to."""
        pasted = (self.credential.data or "").strip()
        upload = self.upload.data
        if pasted and upload:
            self.upload.errors.append(_("Paste a credential or choose a file, not both."))
            return None
        if upload:
            data = upload.read(MAX_CREDENTIAL_CHARS + 1)
            if len(data) > MAX_CREDENTIAL_CHARS:
                self.upload.errors.append(
                    _(
                        "That file is too large for a credential (over %(MAX_CREDENTIAL_CHARS)s "
                        "bytes).",
                        MAX_CREDENTIAL_CHARS=format_number(MAX_CREDENTIAL_CHARS),
                    )
                )
                return None
            try:
                text = data.decode("utf-8-sig").strip()
            except UnicodeDecodeError:
                text = ""
            if not text:
                self.upload.errors.append(_("That file does not hold a credential."))
                return None
            return text
        if not pasted:
            self.credential.errors.append(_("Paste a credential or choose its file to check."))
            return None
        return pasted


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY"]


def _owned_or_staff(certificate) -> bool:
    return current_user.is_authenticated and (
        certificate.user_id == current_user.id or services.can_revoke(certificate, current_user)
    )


@bp.route("/my-certificates")
@access("learner")
def mine():
    items = services.for_learner(current_user.id)
    now = utcnow()
    return render_template(
        "certificates/mine.html",
        certificates=items,
        now=now,
        expires_soon=services.expires_soon,
    )


@bp.route("/certificates/<code>")
@access("public")
@limiter.limit(_verify_limit)
def show(code: str):
    try:
        certificate = services.get_by_code(code)
    except NotFound:
        # The same answer for every unknown code, whatever it looks like.
        return render_template("certificates/not_found.html"), 404
    verify_url = services.public_url(url_for("certificates.show", code=certificate.code))
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        status=services.public_status(certificate),
        verify_url=verify_url,
        qr_svg=qr_svg(verify_url),
        can_manage=_owned_or_staff(certificate),
        is_owner=current_user.is_authenticated and certificate.user_id == current_user.id,
        can_revoke=current_user.is_authenticated and services.can_revoke(certificate, current_user),
        form=RevokeForm(),
    )


@bp.route("/certificates/<anything:anything>")
@access("public")
@limiter.limit(_verify_limit)
def unknown(anything: str):
    """Any other address under /certificates/ gets the same answer as an unknown code."""
    return render_template("certificates/not_found.html"), 404


@bp.route("/certificates/<code>/certificate.pdf")
@access("public")
@limiter.limit(_verify_limit)
def download_pdf(code: str):
    """Drawn once and stored; a client holding the current copy (`If-None-Match`) gets
    304 without the bytes being read."""
    certificate = _or_404(code)
    verify_url = services.public_url(url_for("certificates.show", code=certificate.code))
    document = services.pdf_document(certificate, verify_url)
    etag = services.pdf_etag(document)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        filename = _filename(certificate.course_title) + "-certificate.pdf"
        response = Response(
            services.pdf_bytes(certificate, document),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    response.set_etag(etag)
    return response


@bp.route("/certificates/<code>/credential.jwt")
@access("public")
@limiter.limit(_verify_limit)
def download_credential(code: str):
    certificate = _or_404(code)
    filename = _filename(certificate.course_title) + "-credential.jwt"
    return Response(
        certificate.credential,
        mimetype="application/jwt",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/certificates/<code>/status")
@access("public")
@limiter.limit(_verify_limit)
def status(code: str):
    """Machine-readable status, referred to by each credential's `credentialStatus`."""
    certificate = _or_404(code)
    current = services.public_status(certificate)
    status_url = services.public_url(url_for("certificates.status", code=certificate.code))
    credential_id = services.public_url(url_for("certificates.show", code=certificate.code))
    revoked = [(credential_id, certificate.revoked_reason)] if certificate.revoked_at else []
    # The 1EdTech revocation list that the credential's `credentialStatus` points at.
    document = credentials.revocation_list(status_url, services.public_url("/issuer"), revoked)
    return {
        **document,
        "status": current.status,
        "revoked_at": current.revoked_at.isoformat() if current.revoked_at else None,
    }


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@access("instructor")
def revoke(code: str):
    certificate = _or_404(code)
    # Refused before the form is read, so someone else's course answers the same 403
    # whatever they send; `services.revoke` checks again.
    if not services.can_revoke(certificate, current_user):
        raise PermissionDenied(_("Only the staff of this certificate's course can revoke it."))
    form = RevokeForm()
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(message, "error")
        return redirect(url_for("certificates.show", code=certificate.code))
    try:
        services.revoke(certificate, current_user, form.reason.data)
    except RuleViolation as error:
        flash(error.message, "error")
    else:
        flash(_("The certificate is revoked. Anyone who checks it now sees that."), "success")
    return redirect(url_for("certificates.show", code=certificate.code))


@bp.route("/certificates/verify", methods=["GET", "POST"])
@access("public")
@limiter.limit(_verify_limit, methods=["POST"])
def verify():
    form = VerifyForm()
    result = summary = None
    if form.validate_on_submit() and (token := form.token()) is not None:
        result = services.verify_credential(token)
        if result.credential is not None:
            summary = credentials.summarise(result.credential)
    status_code = 400 if form.errors else 200
    return render_template(
        "certificates/verify.html", form=form, result=result, summary=summary
    ), status_code


@bp.route("/.well-known/jwks.json")
@access("public")
def jwks():
    return _jose_json(services.published_keys(), "application/jwk-set+json")


@bp.route("/issuer/keys/<kid>")
@access("public")
def key(kid: str):
    """The one key a credential's ``kid`` (this URL) names: a JWK, as OB 3.0 asks of kid."""
    for jwk in services.published_keys()["keys"]:
        if jwk["kid"] == services.public_url(url_for("certificates.key", kid=kid)):
            return _jose_json(jwk, "application/jwk+json")
    abort(404)


def _jose_json(document: dict, media_type: str) -> Response:
    # The media types RFC 7517 registers; clients that only want JSON still parse it.
    return Response(json.dumps(document), mimetype=media_type)


@bp.route("/issuer")
@access("public")
def issuer():
    """The issuer's profile, as Open Badges expects at the credential's issuer id."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": services.public_url("/issuer"),
        "type": ["Profile"],
        "name": services.ISSUER_NAME,
        "url": services.public_url("/"),
    }


@functools.lru_cache(maxsize=4096)
def qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code (drawn by us, so safe to embed).

    Drawing one took most of the verify page's time; the same URL always draws the same
    code, so each process keeps the recent ones (a few KB each)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, dark="#1b1f24", light="#ffffff", omitsize=False))


def _or_404(code: str):
    try:
        return services.get_by_code(code)
    except NotFound:
        abort(404)


def _filename(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "certificate"


def announce(sender=None, *, certificate, **_) -> None:
    """Congratulate the learner on the page they land on next, the one where they finished
    (nothing to say outside a request: a command or a background job)."""
    # Not to a grader whose grading completed someone else's course.
    if has_request_context() and getattr(current_user, "id", None) == certificate.user_id:
        link = url_for("certificates.show", code=certificate.code)
        flash(
            Markup(
                "You have completed “{}” and earned your certificate. "
                '<a href="{}">View and download it</a>.'
            ).format(certificate.course_title, link),
            "success",
        )
