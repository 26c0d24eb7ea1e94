"""API tokens: a manager's key for pulling an organisation's reports into other systems.

A token is shown once, when it is made; only its SHA-256 is stored, with a short prefix to
tell tokens apart in lists. It belongs to one organisation, is read-only unless made
read-write, and acts for the manager who made it: it stops working when it is revoked or
the moment that person no longer manages the organisation (removed, or made a member), and
is revoked then, so managing it again later does not bring it back.

`authenticate` is the callable that `coursework.policy` runs for the "manager" policy when
an API request carries `Authorization: Bearer <token>`; `organisation_from_request` is how
every organisation-scoped view finds its organisation, with a token or a session alike.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, request
from flask_login import current_user
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased

from coursework.accounts.models import User
from coursework.db import utcnow
from coursework.errors import NotFound, PermissionDenied, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.lengths import too_long
from coursework.organisations import services
from coursework.organisations.models import ApiToken, Membership, Organisation, Role

log = logging.getLogger(__name__)

TOKEN_PREFIX = "cw_"
PREFIX_LENGTH = 10  # "cw_" and 7 characters: enough to tell a handful of tokens apart
MAX_TOKEN_LENGTH = 200
# Recording every use would write to the database on every request; once a minute says
# "in use" just as well.
TOUCH_INTERVAL = timedelta(minutes=1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# ---- services ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once and never stored


@dataclass(frozen=True)
class TokenListing:
    token: ApiToken
    created_by: User | None
    state: str  # active | revoked | inactive (its maker no longer manages the organisation)

    @property
    def access(self) -> str:
        return "read-write" if self.token.can_write else "read-only"


def create_token(
    organisation: Organisation, by: User, name: str, *, can_write: bool = False
) -> NewToken:
    """A new token for the organisation, acting for `by` (who must manage it)."""
    name = " ".join(name.split())
    if not name:
        message = _("Enter a name for the token, such as the system that will use it.")
        raise RuleViolation(message, {"name": [message]})
    if message := too_long(name, ApiToken.name):
        raise RuleViolation(message, {"name": [message]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation_id=organisation.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=services.hash_token(secret),
        can_write=can_write,
        created_by_id=by.id,
    )
    db.session.add(token)
    db.session.flush()
    log.info(
        "API token %s (%s) created for organisation %s by user %s",
        token.id,
        "read-write" if can_write else "read-only",
        organisation.id,
        by.id,
    )
    return NewToken(token, secret)


def tokens_of(organisation: Organisation) -> list[TokenListing]:
    """Every token of the organisation, newest first, with who made it and whether it
    still works; one query."""
    maker = aliased(User)
    rows = db.session.execute(
        select(ApiToken, maker, Membership)
        .outerjoin(maker, maker.id == ApiToken.created_by_id)
        .outerjoin(
            Membership,
            and_(
                Membership.organisation_id == ApiToken.organisation_id,
                Membership.user_id == ApiToken.created_by_id,
            ),
        )
        .where(ApiToken.organisation_id == organisation.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).tuples()
    listings = []
    for token, user, membership in rows:
        if token.revoked_at is not None:
            state = "revoked"
        elif membership is None or not membership.is_manager:
            state = "inactive"
        else:
            state = "active"
        listings.append(TokenListing(token, user, state))
    return listings


def revoke_token(organisation: Organisation, token_id: int) -> ApiToken:
    """Stop a token working at once; revoking it again changes nothing."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organisation_id == organisation.id)
    )
    if token is None:
        raise NotFound(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        log.info("API token %s of organisation %s revoked", token.id, organisation.id)
    return token


def find_live_token(secret: str) -> ApiToken | None:
    """The token with this secret if it still works: not revoked, its maker's account not
    disabled, and its maker still manages its organisation."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        select(ApiToken)
        .join(
            Membership,
            and_(
                Membership.organisation_id == ApiToken.organisation_id,
                Membership.user_id == ApiToken.created_by_id,
            ),
        )
        .join(User, User.id == ApiToken.created_by_id)
        .where(
            ApiToken.token_hash == services.hash_token(secret),
            ApiToken.revoked_at.is_(None),
            Membership.role == Role.MANAGER.value,
            Membership.removed_at.is_(None),
            # A disabled account's tokens stop with its sessions.
            User.disabled_at.is_(None),
        )
    )


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, at most once a minute; the conditional UPDATE keeps
    simultaneous requests from all writing."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
    )
    db.session.flush()


# ---- the request side ----------------------------------------------------------------------


def authenticate(secret: str) -> bool:
    """The "manager" policy's check of a bearer token (registered in `create_app`).

    False for an unknown, revoked or orphaned token (the policy answers 401). A read-only
    token used to change something is refused here, before any view runs (403).
    """
    token = find_live_token(secret)
    if token is None:
        return False
    if request.method not in SAFE_METHODS and not token.can_write:
        raise PermissionDenied(
            _("This API token is read-only. Create a read-write token to make changes.")
        )
    g.api_token = token
    g.api_organisation_id = token.organisation_id
    touch(token)
    return True


def organisation_from_request(slug: str) -> Organisation:
    """The organisation an organisation-scoped request may use: the API token's own (and
    the address must name it), or one the signed-in person manages. Never a request field.
    Anything else is as absent as an organisation that does not exist."""
    cached = g.get("_organisation_for")
    if cached is not None and cached[0] == slug:
        return cached[1]
    if g.get("api_token") is not None:
        organisation = db.session.get(Organisation, g.api_organisation_id)
        if organisation is None or organisation.slug != slug:
            raise NotFound(_("There is no organisation at this address."))
    elif current_user.is_authenticated:
        organisation = services.get_managed(current_user, slug)
    else:
        raise NotFound(_("There is no organisation at this address."))
    g._organisation_for = (slug, organisation)
    return organisation


def acting_user() -> User:
    """Who a change is made by: the maker of the API token in use, or the signed-in person."""
    token = g.get("api_token")
    if token is not None:
        user = db.session.get(User, token.created_by_id)
        if user is None:  # pragma: no cover - such a token does not authenticate
            raise NotFound(_("There is no organisation at this address."))
        return user
    return current_user._get_current_object()


def organisations_for_request() -> list[Organisation]:
    """The organisations this request may see: the token's own, or those the signed-in
    person manages."""
    if g.get("api_token") is not None:
        organisation = db.session.get(Organisation, g.api_organisation_id)
        return [organisation] if organisation is not None else []
    return services.managed_by(current_user)
