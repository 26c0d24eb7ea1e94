"""Single sign-on rules: an organisation's provider settings and email domains, and who a
sign-in through the provider is.

Who a sign-in is (the linking rules):

1. An identity already linked (the provider's issuer and `sub`) is that account, whatever
   the email claim says now.
2. Otherwise the email claim is used only when the provider says `email_verified: true`,
   and only when the address's domain is one the organisation claims and a site admin has
   confirmed. Anything else is refused with a message.
3. No account has the address: one is made (just in time), verified by the provider.
4. An account has the address: it is linked. If that account never proved its address,
   whoever made it may not own it, so its password and sessions stop working.
5. A disabled account stays disabled; a membership a manager removed stays removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coursework import sealing
from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.config import public_url
from coursework.db import utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.formatting import format_number
from coursework.i18n import _
from coursework.lengths import fit, max_length, too_long
from coursework.organisations import services as organisations
from coursework.organisations.models import Organisation
from coursework.sso import oidc
from coursework.sso.models import EmailDomain, ExternalIdentity, IdentityProvider

log = logging.getLogger(__name__)

SEAL_PURPOSE = "sso client secret"
CALLBACK_PATH = "/login/organisation/callback"
MAX_SECRET_LENGTH = 1000
MAX_DOMAINS = 20

UNVERIFIED = (
    "Your organisation's sign-in did not confirm that your email address is verified, so we "
    "cannot use it to find or create your account. Ask your organisation's administrator."
)
NO_EMAIL = (
    "Your organisation's sign-in did not tell us your email address. Ask your organisation's "
    "administrator to release the email claim to Coursework."
)
OTHER_DOMAIN = (
    "Your organisation's sign-in vouched for an address outside the domains it has "
    "registered with Coursework, so we cannot use it. Ask your organisation's manager."
)
DISABLED = "This account is disabled. Ask the site's administrators if you think it should not be."


class SignInRefused(Exception):
    """The provider signed the person in, but the linking rules refuse them."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


# ---- settings ----------------------------------------------------------------------------


def redirect_uri() -> str:
    return public_url(CALLBACK_PATH)


def organisation_for(user: User, slug: str) -> Organisation:
    """The organisation whose sign-in settings this person may see: one they manage, or
    any for a site admin. Anything else is as absent as one that does not exist."""
    if user.is_admin:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise NotFound(_("There is no organisation at this address."))
        return organisation
    return organisations.get_managed(user, slug)


def provider_of(organisation: Organisation) -> IdentityProvider | None:
    return db.session.scalar(
        select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id)
    )


def normalise_domain(text: str) -> str:
    """The one stored form of a domain (lower case, IDNA), as email addresses store it."""
    text = text.strip().lstrip("@").rstrip(".")
    try:
        return validate_email(f"x@{text}", check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError:
        raise RuleViolation(
            _("“%(text)s” is not a domain name, like example.com.", text=text[:80]),
            {"domains": [_("“%(text)s” is not a domain name, like example.com.", text=text[:80])]},
        ) from None


def parse_domains(text: str) -> list[str]:
    """Domains separated by commas, spaces or lines, each checked, without repeats."""
    found: list[str] = []
    for item in text.replace(",", " ").split():
        if message := too_long(item, EmailDomain.domain):
            raise RuleViolation(
                message, {"domains": [_("A domain is too long. %(message)s", message=message)]}
            )
        domain = normalise_domain(item)
        if domain not in found:
            found.append(domain)
    if len(found) > MAX_DOMAINS:
        message = _("List at most %(MAX_DOMAINS)s domains.", MAX_DOMAINS=MAX_DOMAINS)
        raise RuleViolation(message, {"domains": [message]})
    return found


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str  # empty: keep the one stored
    domains: str
    require_sso: bool


def save_settings(organisation: Organisation, by: User, settings: Settings) -> IdentityProvider:
    """Register or change the organisation's provider. A new issuer, client or secret must be
    tested again, so "require single sign-on" switches off until it is. Domains a site admin
    enters are confirmed at once; a manager's wait for an admin."""
    issuer = settings.issuer.strip()
    client_id = settings.client_id.strip()
    errors: dict[str, list[str]] = {}
    if problem := oidc.issuer_problem(issuer) or too_long(issuer, IdentityProvider.issuer):
        errors["issuer"] = [problem]
    if not client_id:
        errors["client_id"] = [_("Enter the client ID your provider gave you.")]
    elif problem := too_long(client_id, IdentityProvider.client_id):
        errors["client_id"] = [problem]
    if len(settings.client_secret) > MAX_SECRET_LENGTH:
        errors["client_secret"] = [
            _(
                "Use at most %(MAX_SECRET_LENGTH)s characters.",
                MAX_SECRET_LENGTH=format_number(MAX_SECRET_LENGTH),
            )
        ]
    provider = provider_of(organisation)
    if provider is None and not settings.client_secret:
        errors["client_secret"] = [_("Enter the client secret your provider gave you.")]
    if errors:
        raise RuleViolation(next(iter(errors.values()))[0], errors)
    domains = parse_domains(settings.domains)
    _refuse_domains_of_others(domains, provider)

    changed = provider is None or (
        provider.issuer != issuer or provider.client_id != client_id or bool(settings.client_secret)
    )
    if settings.require_sso and (changed or provider is None or provider.tested_at is None):
        message = _("Run a test sign-in that succeeds before you require single sign-on.")
        raise RuleViolation(message, {"require_sso": [message]})
    if provider is None:
        provider = IdentityProvider(organisation_id=organisation.id, issuer=issuer)
        db.session.add(provider)
    provider.issuer = issuer
    provider.client_id = client_id
    if settings.client_secret:
        provider.client_secret_sealed = sealing.seal(SEAL_PURPOSE, settings.client_secret)
    if changed:
        provider.tested_at = None
        provider.discovery_checked_at = None
        provider.discovery_error = None
    provider.require_sso = settings.require_sso
    _set_domains(provider, domains, confirmed=by.is_admin)
    provider.updated_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # another organisation claimed a domain at the same moment
        db.session.rollback()
        message = _("Another organisation has already claimed one of these domains.")
        raise Conflict(message, {"domains": [message]}) from None
    log.info("single sign-on settings of organisation %s saved by user %s", organisation.id, by.id)
    return provider


def _refuse_domains_of_others(domains: list[str], provider: IdentityProvider | None) -> None:
    if not domains:
        return
    taken = db.session.scalars(
        select(EmailDomain.domain).where(
            EmailDomain.domain.in_(domains),
            EmailDomain.provider_id != (provider.id if provider and provider.id else -1),
        )
    ).all()
    if taken:
        message = _(
            "Another organisation has already claimed %(value)s. Ask the site's administrators if "
            "it is yours.",
            value=", ".join(sorted(taken)),
        )
        raise Conflict(message, {"domains": [message]})


def _set_domains(provider: IdentityProvider, domains: list[str], *, confirmed: bool) -> None:
    kept = {item.domain: item for item in provider.domains}
    for domain, item in kept.items():
        if domain not in domains:
            provider.domains.remove(item)
        elif confirmed and item.confirmed_at is None:
            item.confirmed_at = utcnow()
    for domain in domains:
        if domain not in kept:
            provider.domains.append(
                EmailDomain(domain=domain, confirmed_at=utcnow() if confirmed else None)
            )


def confirm_domain(domain_id: int, by: User) -> tuple[EmailDomain, Organisation]:
    """A site admin confirms that an organisation owns a domain it claims."""
    row = db.session.execute(
        select(EmailDomain, Organisation)
        .join(IdentityProvider, IdentityProvider.id == EmailDomain.provider_id)
        .join(Organisation, Organisation.id == IdentityProvider.organisation_id)
        .where(EmailDomain.id == domain_id)
    ).first()
    if row is None:
        raise NotFound(_("No organisation has claimed that domain."))
    item, organisation = row
    if item.confirmed_at is None:
        item.confirmed_at = utcnow()
        db.session.flush()
        log.info(
            "domain %s of organisation %s confirmed by user %s", item.id, organisation.id, by.id
        )
    return item, organisation


def remove_provider(organisation: Organisation, by: User) -> None:
    """Stop single sign-on: settings and domains go; linked identities stay, so signing in
    works again for the same people if the provider is registered again."""
    provider = provider_of(organisation)
    if provider is not None:
        db.session.delete(provider)
        db.session.flush()
        log.info("single sign-on of organisation %s removed by user %s", organisation.id, by.id)


def check_discovery(provider: IdentityProvider) -> IdentityProvider:
    """Read the provider's discovery document now and record whether it works."""
    try:
        metadata = oidc.discover(provider.issuer, refresh=True)
        oidc.key_set(metadata["jwks_uri"], refresh=True)
    except oidc.SignInFailed as error:
        provider.discovery_error = fit(error.reason, IdentityProvider.discovery_error)
    else:
        provider.discovery_error = None
    provider.discovery_checked_at = utcnow()
    db.session.flush()
    return provider


def client_for(provider: IdentityProvider) -> oidc.Client:
    return oidc.Client(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=sealing.unseal(SEAL_PURPOSE, provider.client_secret_sealed),
        redirect_uri=redirect_uri(),
    )


def record_test(provider: IdentityProvider, claims: dict[str, Any]) -> None:
    provider.tested_at = utcnow()
    provider.discovery_checked_at = provider.discovery_checked_at or utcnow()
    provider.discovery_error = None
    db.session.flush()
    log.info(
        "test sign-in through the provider of organisation %s passed",
        provider.organisation_id,
    )


def every_provider() -> list[tuple[Organisation, IdentityProvider]]:
    """Every organisation's provider (with its domains), those with a domain waiting for a
    site admin's confirmation first, then by organisation name."""
    rows = db.session.execute(
        select(Organisation, IdentityProvider)
        .join(IdentityProvider, IdentityProvider.organisation_id == Organisation.id)
        .order_by(Organisation.name, Organisation.id)
    ).tuples()
    return sorted(
        rows, key=lambda row: all(item.confirmed_at is not None for item in row[1].domains)
    )


def get_provider(provider_id: int) -> IdentityProvider | None:
    return db.session.get(IdentityProvider, provider_id)


# ---- which provider, and who must use it -------------------------------------------------


def _domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The provider of the organisation that claims (with an admin's confirmation) the
    domain of this address."""
    domain = _domain_of(accounts.normalise_email(email))
    if not domain or len(domain) > max_length(EmailDomain.domain):
        return None
    return db.session.scalar(
        select(IdentityProvider)
        .join(EmailDomain, EmailDomain.provider_id == IdentityProvider.id)
        .where(EmailDomain.domain == domain, EmailDomain.confirmed_at.is_not(None))
    )


def sso_required_organisation(email: str) -> str | None:
    """The name of the organisation that requires its people (by the address's confirmed
    domain) to sign in through its provider; registered as the accounts' SSO gate."""
    domain = _domain_of(email)
    if not domain or len(domain) > max_length(EmailDomain.domain):
        return None
    return db.session.scalar(
        select(Organisation.name)
        .join(IdentityProvider, IdentityProvider.organisation_id == Organisation.id)
        .join(EmailDomain, EmailDomain.provider_id == IdentityProvider.id)
        .where(
            EmailDomain.domain == domain,
            EmailDomain.confirmed_at.is_not(None),
            IdentityProvider.require_sso.is_(True),
        )
    )


# ---- who a sign-in is --------------------------------------------------------------------


def sign_in(provider: IdentityProvider, claims: dict[str, Any]) -> User:
    """The account the provider's checked claims stand for, made or linked by the rules
    above, and a member of the organisation. Two first sign-ins of one person at the same
    moment: the second finds what the first made."""
    try:
        return _sign_in(provider, claims)
    except IntegrityError:
        db.session.rollback()
        return _sign_in(provider, claims)


def _sign_in(provider: IdentityProvider, claims: dict[str, Any]) -> User:
    subject = claims.get("sub")
    if not isinstance(subject, str) or too_long(subject, ExternalIdentity.subject):
        raise oidc.SignInFailed("claim sub: not a string of at most 255 characters")
    identity = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == provider.issuer, ExternalIdentity.subject == subject
        )
    )
    email = _verified_email(claims)
    confirmed = {item.domain for item in provider.domains if item.confirmed_at is not None}
    in_domain = email is not None and _domain_of(email) in confirmed
    if identity is None:
        user = _first_sign_in(provider, claims, email, in_domain)
        identity = ExternalIdentity(
            user_id=user.id,
            organisation_id=provider.organisation_id,
            issuer=provider.issuer,
            subject=subject,
        )
        db.session.add(identity)
    else:
        user = db.session.get(User, identity.user_id)
    if user is None or user.is_disabled:
        db.session.rollback()
        raise SignInRefused(DISABLED, "disabled")
    if in_domain:
        organisations.join_through_sign_on(provider.organisation_id, user)
    identity.last_sign_in_at = user.last_login_at = utcnow()
    db.session.flush()
    return user


def _first_sign_in(
    provider: IdentityProvider, claims: dict[str, Any], email: str | None, in_domain: bool
) -> User:
    if claims.get("email_verified") not in (True, "true"):
        raise SignInRefused(UNVERIFIED, "email not verified")
    if email is None:
        raise SignInRefused(NO_EMAIL, "no usable email claim")
    if not in_domain:
        raise SignInRefused(OTHER_DOMAIN, "email outside the confirmed domains")
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_external_user(email, _display_name(claims, email))
        log.info("account created through single sign-on: user %s", user.id)
        return user
    if user.is_disabled:
        raise SignInRefused(DISABLED, "disabled")
    if not user.is_verified:
        accounts.take_over_unverified(user)
    log.info("user %s linked to the provider of organisation %s", user.id, provider.organisation_id)
    return user


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The address, normalised, when the provider vouches for it; None otherwise."""
    email = claims.get("email")
    if claims.get("email_verified") not in (True, "true") or not isinstance(email, str):
        return None
    try:
        return accounts.checked_email(email)
    except RuleViolation:
        return None


def _display_name(claims: dict[str, Any], email: str) -> str:
    candidates = [
        claims.get("name"),
        " ".join(str(claims.get(part) or "") for part in ("given_name", "family_name")),
        email.partition("@")[0],
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            name = fit(candidate.strip(), User.display_name)
            if accounts.name_problem(name) is None:
                return name
    return "Member"
