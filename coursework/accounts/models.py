from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coursework.db import utcnow
from coursework.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised by the services (NFC, lower case, IDNA domain), so the unique
    # constraint also refuses look-alike and differently-cased duplicates.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_instructor: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Part of the session identity: changing it signs the person out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when the person proved they read mail at the address (a verification or reset link).
    email_verified_at: Mapped[datetime | None]
    # Set by an admin: no sign-in, no session, no API token works while it is.
    disabled_at: Mapped[datetime | None]
    # An IANA zone name chosen on the Preferences page; None follows the organisation's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # An interface language (a key of `coursework.i18n.LANGUAGES`) chosen on the Preferences
    # page or with the footer switcher; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class TokenPurpose(StrEnum):
    RESET_PASSWORD = "reset"
    VERIFY_EMAIL = "verify"


class AccountToken(db.Model):
    """A single-use link sent by email; only a hash of its secret is stored."""

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('reset', 'verify')", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
