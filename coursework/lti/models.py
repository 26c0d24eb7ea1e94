"""LTI tables: platforms registered by an organisation, their deployments, the accounts
linked to a platform's users, the resource links and contexts launches told us about, and
the short-lived login state (nonces) that makes each launch single-use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coursework.db import utcnow
from coursework.extensions import db

# The kinds of resource a link can open.
RESOURCE_KINDS = ("course", "lesson", "quiz")


class Platform(db.Model):
    """An LMS registered by an organisation's manager, with the tool key we made for it."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    access_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    # The origin (scheme://host[:port]) whose pages may frame ours; derived from the
    # login URL unless given.
    frame_origin: Mapped[str] = mapped_column(String(255))
    # Our key for this platform: the private half sealed (coursework.sealing), the public
    # half as a JWK (JSON) published in our key set.
    tool_key_sealed: Mapped[str] = mapped_column(Text)
    tool_public_jwk: Mapped[str] = mapped_column(Text)
    tool_key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        cascade="all, delete-orphan", order_by="Deployment.id", lazy="selectin"
    )


class Deployment(db.Model):
    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))


class LinkedAccount(db.Model):
    """Our account for a platform user, found by the registration it came through and the
    user's `sub` there, and nothing else: an issuer is text any manager can type in (and one
    LMS service may serve many institutions), so it never identifies a person alone."""

    __tablename__ = "lti_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceLink(db.Model):
    """A placement of ours in the LMS (a resource link), what it opens, and its grade-book
    column when the platform gave one."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    link_id: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    lineitem_url: Mapped[str | None] = mapped_column(Text)
    ags_scopes: Mapped[str] = mapped_column(Text, default="")  # space-separated
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GradeTarget(db.Model):
    """A learner who launched a graded link: where their score goes and what was sent."""

    __tablename__ = "lti_grade_targets"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(Text)  # the platform's user id, as AGS wants it
    last_score: Mapped[float | None]
    last_sent_at: Mapped[datetime | None]


class Context(db.Model):
    """An LMS course (context) the tool was launched from, with its roster service."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    memberships_url: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LaunchState(db.Model):
    """pylti1p3's login and launch data (nonces, launches) kept in the database, so any
    server takes the launch that another began, and a nonce is consumed exactly once."""

    __tablename__ = "lti_launch_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    expires_at: Mapped[datetime] = mapped_column(index=True)
