"""Account rules: creating people, checking credentials, granting roles, and the links
sent by email (password reset, address verification)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from coursework import mail
from coursework.accounts.models import AccountToken, TokenPurpose, User
from coursework.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_dummy,
    verify_password,
)
from coursework.config import public_url
from coursework.db import fold, folded, savepoint, utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.i18n import _, speaking
from coursework.lengths import too_long

log = logging.getLogger(__name__)

TOKEN_LIFETIMES = {
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.VERIFY_EMAIL: timedelta(days=7),
}
MAX_TOKEN_LENGTH = 200
ADDRESS_TAKEN = "An account with this email address already exists. Log in instead."
EMAIL_FORMAT = "Enter an email address in the right format, like name@example.com."
# Control and format characters (bidi overrides, zero-width joiners…) and line or paragraph
# separators: a name printed on a public certificate must read as it looks.
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Who must sign in through their organisation's identity provider rather than a password:
# a callable from a normalised address to that organisation's name (or None), registered
# by the single sign-on package in create_app (this layer does not import it).
SSO_GATE = "coursework.sso_gate"


# ---- addresses and names -----------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The one stored form of an address: NFC, lower case, the domain in IDNA (ASCII).

    Input that is not an address at all is still normalised as text, so a look-up with it
    simply finds nobody."""
    text = unicodedata.normalize("NFC", email.strip())
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return text.lower()
    return f"{unicodedata.normalize('NFC', valid.local_part).lower()}@{valid.ascii_domain}"


def checked_email(email: str, field: str = "email") -> str:
    """A valid address, normalised; a RuleViolation naming `field` otherwise."""
    try:
        validate_email(unicodedata.normalize("NFC", email.strip()), check_deliverability=False)
    except EmailNotValidError:
        raise RuleViolation(EMAIL_FORMAT, {field: [EMAIL_FORMAT]}) from None
    address = normalise_email(email)
    if message := too_long(address, User.email):
        raise RuleViolation(message, {field: [message]})
    return address


def name_problem(name: str) -> str | None:
    """Why a person's name is refused, or None."""
    if any(unicodedata.category(character) in UNPRINTABLE_CATEGORIES for character in name):
        return _("Use only letters, numbers, spaces and punctuation in the name.")
    if message := too_long(name, User.display_name):
        return _("The name is too long. %(message)s", message=message)
    return None


def checked_name(name: str, field: str = "display_name", *, required: bool = True) -> str:
    """A person's name, tidied (NFC, outer spaces removed); a RuleViolation otherwise."""
    name = unicodedata.normalize("NFC", name).strip()
    problem = name_problem(name) or (_("Enter your name.") if required and not name else None)
    if problem:
        raise RuleViolation(problem, {field: [problem]})
    return name


# ---- people ------------------------------------------------------------------------------


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such person."))
    return user


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    is_instructor: bool = False,
    is_admin: bool = False,
    verified: bool = True,
) -> User:
    """Create an account, refusing a weak password or an email already in use.

    Accounts made by operators (the CLI, demo data, fixtures) count as verified; sign-up
    goes through `register`, which asks the person to prove the address."""
    email = checked_email(email)
    display_name = checked_name(display_name)
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise RuleViolation(problem, {"password": [problem]})
    if find_by_email(email) is not None:
        raise Conflict(ADDRESS_TAKEN, {"email": [ADDRESS_TAKEN]})
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        is_instructor=is_instructor,
        is_admin=is_admin,
        email_verified_at=utcnow() if verified else None,
    )
    try:
        # A savepoint: a caller that takes the Conflict and carries on (sign-up does) keeps
        # the rest of its request.
        with savepoint(db.session):
            db.session.add(user)
    except IntegrityError:  # the same address, signed up at the same moment
        raise Conflict(ADDRESS_TAKEN, {"email": [ADDRESS_TAKEN]}) from None
    log.info("account created: user %s", user.id)
    return user


def create_linked_account(display_name: str, *, placeholder: str) -> User:
    """An account made for a person an LMS vouches for, who signs in through it. Its address
    is `placeholder`, one of ours that receives no mail: the address an LMS sends is never
    kept, since whoever controls a registration could plant someone else's and keep the
    account once its owner claimed it. Never finds an existing account. Does not commit."""
    return _vouched_for(placeholder, display_name)


def create_external_user(email: str, display_name: str) -> User:
    """An account for someone an identity provider vouches for: the address is verified
    by the provider, and the password is a random one nobody knows (a reset link can set
    one, where the organisation allows passwords). The caller commits."""
    return _vouched_for(checked_email(email), display_name)


def _vouched_for(address: str, display_name: str) -> User:
    """An account with a verified address and a random password nobody knows."""
    user = User(
        email=address,
        display_name=checked_name(display_name),
        password_hash=hash_password(secrets.token_urlsafe(32)),
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def take_over_unverified(user: User) -> None:
    """An identity provider proved this address, which the account never did: whoever
    signed up with it may not be its owner, so their password and sessions stop working.
    The caller commits."""
    user.email_verified_at = utcnow()
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.session_version = User.session_version + 1
    log.info("unverified account of user %s taken over by its verified owner", user.id)


def register(email: str, display_name: str, password: str, next_path: str = "") -> None:
    """Sign-up. A new address gets an account and a link to verify it; an address that
    already has an account gets a note telling its owner. The caller cannot tell which
    happened (neither can whoever is signing up): same answer, same work, same time."""
    email = checked_email(email)
    display_name = checked_name(display_name)
    existing = find_by_email(email)
    if existing is None:
        try:
            user = create_user(email, display_name, password, verified=False)
        except Conflict:
            existing = find_by_email(email)  # made by a request at the same moment
        else:
            send_verification(user, next_path)
            return
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise RuleViolation(problem, {"password": [problem]})
    hash_password(password)  # the time a new account's hash would take
    with speaking(existing):
        mail.send(
            existing.email,
            _("Someone tried to sign up with your address"),
            _(
                "Hello %(name)s,\n\n"
                "Someone (perhaps you) tried to create a Coursework account with this email "
                "address, which already has one. Nothing has changed.\n\n"
                "To use your account, log in:\n%(login)s\n\n"
                "If you have forgotten your password, set a new one:\n%(forgot)s\n",
                name=existing.display_name,
                login=public_url("/login"),
                forgot=public_url("/forgot-password"),
            ),
        )
    db.session.flush()
    log.info("sign-up attempted for the existing account of user %s", existing.id)


def sso_message(organisation: str) -> str:
    return (
        f"{organisation} asks its people to sign in through its own sign-in, not with a "
        "password. Use “Sign in with your organisation”."
    )


def sso_required_for(email: str) -> str | None:
    """The organisation whose sign-in people with this address must use, or None. It
    depends on the address's domain alone, so it says nothing about who has an account."""
    gate = current_app.extensions.get(SSO_GATE)
    return gate(normalise_email(email)) if gate is not None else None


@dataclass(frozen=True)
class SignIn:
    user: User | None  # only when the sign-in succeeded
    outcome: str  # "success", "unknown", "wrong-password", "disabled", "sso-required"
    account_id: int | None = None  # whose account was tried, for the log
    # The organisation whose sign-in this address must use instead of a password.
    sso_required: str | None = None


def authenticate(email: str, password: str) -> User | None:
    """The person these credentials belong to, or None; every failure looks alike."""
    return check_credentials(email, password).user


def check_credentials(email: str, password: str) -> SignIn:
    """Check credentials. Every failure looks alike to the caller's caller and takes the
    time of a real check; `outcome` is for the log only.

    Where the address's organisation requires single sign-on, every answer but a site
    admin's success carries `sso_required` (admins are never locked out of their site)."""
    required = sso_required_for(email)
    user = find_by_email(email)
    if user is None:
        verify_dummy(password)
        return SignIn(None, "unknown", sso_required=required)
    if not verify_password(user.password_hash, password):
        return SignIn(None, "wrong-password", user.id, required)
    if user.is_disabled:
        return SignIn(None, "disabled", user.id, required)
    if required and not user.is_admin:
        return SignIn(None, "sso-required", user.id, required)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return SignIn(user, "success", user.id)


def end_all_sessions(user: User) -> None:
    """Every session and remember cookie of this person stops working at once."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(user)
    log.info("all sessions of user %s ended", user.id)


def change_password(user: User, current: str, new: str) -> None:
    """A new password, given the current one; every session is ended (the caller signs
    the current one in again)."""
    if not verify_password(user.password_hash, current):
        message = _("Your current password is not right.")
        raise RuleViolation(message, {"current_password": [message]})
    _set_password(user, new, field="new_password")
    log.info("password changed by user %s", user.id)


def _set_password(user: User, password: str, field: str) -> None:
    problem = password_problem(password, email=user.email, name=user.display_name)
    if problem:
        raise RuleViolation(problem, {field: [problem]})
    user.password_hash = hash_password(password)
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user)


def set_roles(user: User, *, instructor: bool | None = None, admin: bool | None = None) -> User:
    if instructor is not None:
        user.is_instructor = instructor
    if admin is not None:
        user.is_admin = admin
    db.session.flush()
    log.info("roles of user %s: instructor=%s admin=%s", user.id, user.is_instructor, user.is_admin)
    return user


def set_disabled(user: User, disabled: bool, by: User) -> User:
    """Disable (or enable again) an account. Disabling ends its sessions at once; its API
    tokens stop because the token check looks at the account too."""
    if user.id == by.id:
        raise RuleViolation(_("You cannot disable your own account."))
    if disabled and user.disabled_at is None:
        user.disabled_at = utcnow()
        user.session_version = User.session_version + 1
    elif not disabled:
        user.disabled_at = None
    db.session.flush()
    db.session.refresh(user)
    log.info("user %s %s by user %s", user.id, "disabled" if disabled else "enabled", by.id)
    return user


PEOPLE_PER_PAGE = 50


@dataclass(frozen=True)
class PeoplePage:
    people: list[User]
    total: int  # everyone who matches the search, on every page
    page: int  # the page shown: the one asked for, or the last when that is past the end
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def find_people(search: str = "", page: int = 1, per_page: int = PEOPLE_PER_PAGE) -> PeoplePage:
    """One page of accounts by name, those whose name or email holds `search` (any case)."""
    query = select(User)
    needle = fold(search.strip())
    if needle:
        query = query.where(
            or_(
                folded(User.display_name).contains(needle, autoescape=True),
                folded(User.email).contains(needle, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    people = db.session.scalars(
        query.order_by(User.display_name, User.id).limit(per_page).offset((page - 1) * per_page)
    )
    return PeoplePage(list(people), total, page, per_page)


def ensure_user(
    email: str,
    display_name: str,
    password: str,
    *,
    is_instructor: bool = False,
    is_admin: bool = False,
) -> tuple[User, bool]:
    """The account with this email, created if missing; True when it was created."""
    existing = find_by_email(email)
    if existing is not None:
        return existing, False
    return (
        create_user(email, display_name, password, is_instructor=is_instructor, is_admin=is_admin),
        True,
    )


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries a version so old cookies stop working, and a
    disabled account has no session."""
    user_id, _colon, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or user.is_disabled:
        return None
    return user


# ---- links sent by email -----------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(user: User, purpose: TokenPurpose, now: datetime) -> str:
    """A new link secret; earlier unused links of the same kind stop working."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=hash_token(secret),
            created_at=now,
            expires_at=now + TOKEN_LIFETIMES[purpose],
        )
    )
    return secret


def _live_link(secret: str, purpose: TokenPurpose, now: datetime) -> AccountToken:
    """The unused, unexpired link with this secret, for an account that is not disabled.
    Unknown, used, expired and disabled-account links look alike."""
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(secret[:MAX_TOKEN_LENGTH]),
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    )
    user = db.session.get(User, token.user_id) if token is not None else None
    if token is None or user is None or user.is_disabled:
        raise NotFound(_("This link is not valid: it may have been used already, or expired."))
    return token


def _redeem(secret: str, purpose: TokenPurpose, now: datetime) -> User:
    """Use a link once: the conditional UPDATE lets exactly one of two simultaneous
    requests through."""
    token = _live_link(secret, purpose, now)
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise NotFound(_("This link is not valid: it may have been used already, or expired."))
    return db.session.get(User, token.user_id)


def check_link(secret: str, purpose: TokenPurpose, now: datetime | None = None) -> None:
    """Whether a link would still work, without using it (to show its form or not)."""
    _live_link(secret, purpose, now or utcnow())


def send_verification(user: User, next_path: str = "", now: datetime | None = None) -> None:
    """Email a link that proves the person reads mail at their address."""
    if user.is_verified:
        return
    now = now or utcnow()
    secret = _issue(user, TokenPurpose.VERIFY_EMAIL, now)
    link = public_url(f"/verify-email/{secret}")
    if next_path:
        link += "?" + urlencode({"next": next_path})
    with speaking(user):
        mail.send(
            user.email,
            _("Confirm your email address"),
            _(
                "Hello %(name)s,\n\n"
                "Confirm that this is your email address by opening this link (it works "
                "once, for 7 days):\n%(link)s\n\n"
                "If you did not create a Coursework account, ignore this message.\n",
                name=user.display_name,
                link=link,
            ),
            link=link,
        )
    db.session.flush()


def verify_email(secret: str, now: datetime | None = None) -> User:
    now = now or utcnow()
    user = _redeem(secret, TokenPurpose.VERIFY_EMAIL, now)
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.session.flush()
    log.info("email address of user %s verified", user.id)
    return user


def request_password_reset(email: str, now: datetime | None = None) -> None:
    """Email a reset link when the address has a working account; otherwise do nothing.
    The caller answers the same either way."""
    user = find_by_email(email)
    if user is None or user.is_disabled:
        log.info("password reset asked for an address without a working account")
        return
    if sso_required_for(user.email) and not user.is_admin:
        log.info("password reset refused for user %s: single sign-on required", user.id)
        return
    now = now or utcnow()
    secret = _issue(user, TokenPurpose.RESET_PASSWORD, now)
    link = public_url(f"/reset-password/{secret}")
    with speaking(user):
        mail.send(
            user.email,
            _("Set a new Coursework password"),
            _(
                "Hello %(name)s,\n\n"
                "Someone (we hope you) asked to set a new password for your Coursework "
                "account. Choose one here (the link works once, for one hour):\n%(link)s\n\n"
                "If it was not you, ignore this message: your password stays as it is.\n",
                name=user.display_name,
                link=link,
            ),
            link=link,
        )
    db.session.flush()
    log.info("password reset link sent to user %s", user.id)


def reset_password(secret: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through an emailed link. It proves the address, so it also
    verifies it, and it ends every session: whoever held the account before is out."""
    now = now or utcnow()
    problem = password_problem(password)
    if problem:  # before the link is used up, so the person can try again
        raise RuleViolation(problem, {"password": [problem]})
    holder = db.session.get(User, _live_link(secret, TokenPurpose.RESET_PASSWORD, now).user_id)
    if (organisation := sso_required_for(holder.email)) and not holder.is_admin:
        message = sso_message(organisation)
        raise RuleViolation(message, {"password": [message]})
    # Checked against the holder before the link is used up, so a refused password leaves
    # it unused without undoing anything.
    problem = password_problem(password, email=holder.email, name=holder.display_name)
    if problem:
        raise RuleViolation(problem, {"password": [problem]})
    user = _redeem(secret, TokenPurpose.RESET_PASSWORD, now)
    if user.email_verified_at is None:
        user.email_verified_at = now
    _set_password(user, password, field="password")
    log.info("password reset by link for user %s", user.id)
    return user


def anonymous_email(user: User) -> str:
    """The address a deleted account keeps: unique, and one no mail can reach."""
    return f"deleted-{user.id}@deleted.invalid"


DELETED_NAME = "Deleted account"


def anonymise(user: User) -> None:
    """Remove what identifies the person from their account and close it for good: no
    sign-in (no usable password, disabled), every session ended, no links outstanding.
    Their learning record stays, under this anonymous account. Does not commit."""
    user.email = anonymous_email(user)
    user.display_name = DELETED_NAME
    # Not a hash of any password: nothing can sign in with it.
    user.password_hash = "!deleted"
    user.is_instructor = user.is_admin = False
    user.email_verified_at = user.last_login_at = None
    user.time_zone = user.locale = None
    user.disabled_at = utcnow()
    user.session_version = User.session_version + 1
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
