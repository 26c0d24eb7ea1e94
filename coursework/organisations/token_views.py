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
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from coursework.errors import RuleViolation
from coursework.lengths import form_length
from coursework.organisations import tokens, xapi
from coursework.organisations.models import ApiToken, Organisation
from coursework.organisations.tokens import organisation_from_request
from coursework.policy import access

bp = Blueprint("tokens", __name__, template_folder="templates", url_prefix="/organisations/<slug>")

DOWNLOAD_PAGE = 500


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        description="Say what will use it, such as “HR reporting”, so you know which to "
        "revoke later.",
        validators=[
            InputRequired("Enter a name for the token."),
            form_length(ApiToken.name, "Use at most {limit} characters for the name."),
        ],
    )
    access = RadioField(
        "Access",
        choices=[
            SelectChoice(
                "read", "Read only: people, invitations, assignments, progress and statements"
            ),
            SelectChoice("write", "Read and write: also invite, remove and assign"),
        ],
        default="read",
        validators=[DataRequired("Choose what the token may do.")],
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
    if not form.validate_on_submit():
        return _page(organisation, form, status=400 if form.is_submitted() else 200)
    try:
        created = tokens.create_token(
            organisation, current_user, form.name.data, can_write=form.access.data == "write"
        )
    except RuleViolation as error:
        form.name.errors = [*form.name.errors, *error.errors.get("name", [error.message])]
        return _page(organisation, form, status=400)
    # Shown here, once, rather than after a redirect: the session is a cookie, and the
    # token must not travel in one.
    return _page(organisation, TokenForm(formdata=None), created=created, status=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@access("manager")
def revoke(slug: str, token_id: int):
    organisation = organisation_from_request(slug)
    token = tokens.revoke_token(organisation, token_id)
    flash(f"The token “{token.name}” ({token.prefix}…) is revoked and no longer works.", "success")
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
