"""Mail, for every package: each message is kept in the outbox and, when MAIL_URL names a
server, sent through it.

The outbox is how an operator without a mail server still reaches people (managers copy
invitation links from it), and the record of what was sent. Messages are added to the
caller's transaction, so a message about something that was rolled back never exists.
`organisation_id` and `invitation_id` are set only by the organisations package (which
lists its own messages); account mail leaves them empty.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from coursework.db import utcnow
from coursework.extensions import db
from coursework.lengths import fit

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    """Mail as it was (or would be) sent."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Foreign keys by table name only: the platform does not import the organisations code.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")


def send(
    to: str,
    subject: str,
    body: str,
    *,
    link: str = "",
    organisation_id: int | None = None,
    invitation_id: int | None = None,
) -> OutboxMessage:
    """Keep the message in the outbox and send it when a mail server is configured; the
    caller commits. A server that refuses is recorded on the message, never raised: the
    outbox still holds the link."""
    message = OutboxMessage(
        to=to,
        # Subjects we compose quote names (an organisation's, up to 200 characters).
        subject=fit(subject, OutboxMessage.subject),
        body=body,
        link=link,
        organisation_id=organisation_id,
        invitation_id=invitation_id,
    )
    db.session.add(message)
    mail_url = current_app.config.get("MAIL_URL")
    if mail_url:
        try:
            _smtp_send(mail_url, message)
            message.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as error:
            message.error = str(error)[:500]
            log.warning("mail %r not sent: %s", subject, error)
    return message


def latest_to(address: str, limit: int) -> list[OutboxMessage]:
    """The newest messages to one address, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to == address)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def _smtp_send(mail_url: str, message: OutboxMessage) -> None:
    """Send through the server in MAIL_URL: smtp://user:pass@host:port (or smtps://)."""
    parts = urlsplit(mail_url)
    email = EmailMessage()
    email["From"] = current_app.config.get("MAIL_FROM", "Coursework <no-reply@localhost>")
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    connection = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with connection(parts.hostname or "localhost", parts.port or 0, timeout=10) as server:
        if parts.scheme == "smtp+starttls":
            server.starttls()
        if parts.username:
            server.login(parts.username, parts.password or "")
        server.send_message(email)
