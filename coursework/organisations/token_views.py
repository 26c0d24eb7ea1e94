"""Pages: an organisation's API tokens, and its learning records as an xAPI download."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from coursework import sealing
from coursework.errors import RuleViolation
from coursework.i18n import N_, _, lazy_gettext
from coursework.lengths import form_length
from coursework.organisations import tokens, xapi
from coursework.organisations.models import ApiToken, Organisation
from coursework.organisations.tokens import organisation_from_request
from coursework.policy import access

bp = Blueprint("tokens", __name__, template_folder="templates", url_prefix="/organisations/<slug>")

DOWNLOAD_PAGE = 500
# A new token waits in the session for the one page that shows it; a session this old that
# still holds one (a copied cookie, a tab left open) shows nothing.
NEW_TOKEN_KEY = "new-api-token"
SHOW_WITHIN_SECONDS = 300
SEAL_PURPOSE = "new api token"


class TokenForm(FlaskForm):
    name = StringField(
        lazy_gettext("Token name"),
        description=lazy_gettext(
            "Say what will use it, such as “HR reporting”, so you know which to revoke later."
        ),
        validators=[
            InputRequired(lazy_gettext("Enter a name for the token.")),
            form_length(ApiToken.name, N_("Use at most %(limit)s characters for the name.")),
        ],
    )
    access = RadioField(
        lazy_gettext("Access"),
        choices=[
            SelectChoice(
                "read", "Read only: people, invitations, assignments, progress and statements"
            ),
            SelectChoice("write", "Read and write: also invite, remove and assign"),
        ],
        default="read",
        validators=[DataRequired(lazy_gettext("Choose what the token may do."))],
    )


def _page(organisation: Organisation, form: TokenForm, created=None, status: int = 200):
    body = render_template(
        "organisations/tokens.html",
        organisation=organisation,
        form=form,
        listings=tokens.tokens_of(organisation),
        created=created,
    )
    response = Response(body, status=status)
    if created is not None:
        # The token is on this page only: no cache may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@access("manager")
def index(slug: str):
    organisation = organisation_from_request(slug)
    form = TokenForm()
    if not form.is_submitted():
        created = _take_new_token(organisation)
        return _page(organisation, form, created=created)
    if not form.validate():
        return _page(organisation, form, status=400)
    try:
        created = tokens.create_token(
            organisation, current_user, form.name.data, can_write=form.access.data == "write"
        )
    except RuleViolation as error:
        form.name.errors = [*form.name.errors, *error.errors.get("name", [error.message])]
        return _page(organisation, form, status=400)
    # POST/redirect/GET, so reloading the page cannot make a second token. The session is a
    # signed cookie that anyone holding it can read, so the secret rides in it encrypted.
    session[NEW_TOKEN_KEY] = {
        "organisation": organisation.id,
        "sealed": sealing.seal(SEAL_PURPOSE, created.secret),
    }
    return redirect(url_for("tokens.index", slug=organisation.slug), code=303)


def _take_new_token(organisation: Organisation) -> tokens.NewToken | None:
    """The token just made for this organisation, once: taking it removes it from the
    session, so the next load of the page no longer shows it."""
    held = session.get(NEW_TOKEN_KEY)
    if not isinstance(held, dict) or held.get("organisation") != organisation.id:
        return None
    del session[NEW_TOKEN_KEY]
    try:
        secret = sealing.unseal(SEAL_PURPOSE, str(held["sealed"]), ttl=SHOW_WITHIN_SECONDS)
    except (sealing.Unsealable, KeyError):
        return None
    token = tokens.find_live_token(secret)
    if token is None or token.organisation_id != organisation.id:
        return None
    return tokens.NewToken(token, secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@access("manager")
def revoke(slug: str, token_id: int):
    organisation = organisation_from_request(slug)
    token = tokens.revoke_token(organisation, token_id)
    flash(
        _(
            "The token “%(name)s” (%(prefix)s…) is revoked and no longer works.",
            name=token.name,
            prefix=token.prefix,
        ),
        "success",
    )
    return redirect(url_for("tokens.index", slug=organisation.slug))


@bp.route("/statements.json")
@access("manager")
def statements(slug: str):
    """Every learning record of the organisation as one JSON array of xAPI statements,
    streamed a page at a time so a large organisation needs no large memory."""
    organisation = organisation_from_request(slug)
    public_url = current_app.config["PUBLIC_URL"]
    headers = {
        "Content-Disposition": f'attachment; filename="{organisation.slug}-statements.json"',
        "X-Experience-API-Version": xapi.VERSION,
        "Cache-Control": "no-store",
    }
    return Response(
        stream_with_context(_statements_json(organisation, public_url)),
        mimetype="application/json",
        headers=headers,
    )


def _statements_json(organisation: Organisation, public_url: str) -> Iterator[str]:
    yield "["
    after, first = 0, True
    while True:
        page = xapi.load_page(organisation, public_url, after=after, limit=DOWNLOAD_PAGE)
        for item in page.statements:
            yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
            first = False
        if not page.more:
            break
        after = xapi.decode_cursor(page.cursor)
    yield "]\n"
