from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coursework.db import utcnow
from coursework.extensions import db


class IdentityProvider(db.Model):
    """An organisation's OpenID Connect provider (one per organisation)."""

    __tablename__ = "sso_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    # Sealed with coursework.sealing (purpose "sso client secret"); never shown back.
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    require_sso: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The last look at <issuer>/.well-known/openid-configuration, and what went wrong.
    discovery_checked_at: Mapped[datetime | None]
    discovery_error: Mapped[str | None] = mapped_column(String(255))
    # When a manager's test sign-in last went through every check.
    tested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[EmailDomain]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EmailDomain.domain"
    )

    @property
    def discovery_ok(self) -> bool:
        return self.discovery_checked_at is not None and not self.discovery_error


class EmailDomain(db.Model):
    """An email domain an organisation claims for its provider. Only a confirmed domain
    (by a site admin) routes sign-ins, links existing accounts, or requires SSO."""

    __tablename__ = "sso_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("sso_providers.id", ondelete="CASCADE"), index=True
    )
    # IDNA (ASCII), lower case: one domain belongs to one organisation at most.
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExternalIdentity(db.Model):
    """An account's link to a provider's (issuer, subject): later sign-ins find the
    account by this alone, whatever the email claim says."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
