from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coursework.db import utcnow
from coursework.extensions import db


class Certificate(db.Model):
    """One per learner and course, issued when the course's completion rule first holds.

    Name and title are kept as they were at issue, so later renames change nothing.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public and unguessable: 160 bits from a cryptographic source, never derived from ids.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    learner_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    # Indexed for the dashboard's completions-per-week chart.
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime | None]
    score: Mapped[float | None]
    # The credential subject's opaque id (urn:uuid:…), so no email goes into the credential.
    subject_id: Mapped[str] = mapped_column(String(64))
    # The Open Badges 3.0 credential as a compact JWS, signed at issue.
    credential: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "valid"


class CertificatePdf(db.Model):
    """A certificate's PDF as last rendered, so each is drawn once and every server serves
    the same bytes. `etag` fingerprints what was drawn (the certificate's printed facts and
    the drawing code): when either changes — a revocation, a corrected name — it no longer
    matches and the PDF is drawn again."""

    __tablename__ = "certificate_pdfs"

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True
    )
    etag: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
