"""Mail, for every package: each message is kept in the outbox and, when MAIL_URL names a
server, sent through it by a job on the task queue.

The outbox is how an operator without a mail server still reaches people (managers copy
invitation links from it), and the record of what was sent: its state is "outbox" (no
server configured), "queued", "sent" or "failed" (with the server's error). Messages are
added to the caller's transaction and the sending job starts only after it commits, so a
message about something that was rolled back is neither kept nor sent, and no request
waits for a mail server.
`organisation_id` and `invitation_id` are set only by the organisations package (which
lists its own messages); account mail leaves them empty.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from coursework import tasks
from coursework.config import public_url
from coursework.db import insert_or_ignore, utcnow
from coursework.extensions import db
from coursework.lengths import fit

log = logging.getLogger(__name__)

# What became of a message.
OUTBOX, QUEUED, SENDING, SENT, FAILED = "outbox", "queued", "sending", "sent", "failed"


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
    html: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")
    # A notification (unlike a message the person asked for) carries List-Unsubscribe.
    unsubscribe_url: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=OUTBOX)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")


def send(
    to: str,
    subject: str,
    body: str,
    *,
    link: str = "",
    unsubscribe_url: str = "",
    organisation_id: int | None = None,
    invitation_id: int | None = None,
) -> OutboxMessage:
    """Keep the message in the outbox and, when a mail server is configured, send it once
    the caller's transaction commits; the caller commits. `body` is the plain text; the
    HTML part is rendered from the same text by the mail template."""
    # Subjects we compose quote names (an organisation's, up to 200 characters).
    subject = fit(subject, OutboxMessage.subject)
    message = OutboxMessage(
        to=to,
        subject=subject,
        body=body,
        html=render_template("mail/message.html", subject=subject, body=body, link=link),
        link=link,
        unsubscribe_url=unsubscribe_url,
        organisation_id=organisation_id,
        invitation_id=invitation_id,
        state=QUEUED if current_app.config.get("MAIL_URL") else OUTBOX,
    )
    db.session.add(message)
    if message.state == QUEUED:
        db.session.flush()  # for its id
        tasks.enqueue_after_commit(deliver, message.id)
    return message


@tasks.job
def deliver(message_id: int) -> None:
    """Send one queued message. Claimed by a conditional update, so two runs of this job
    (a retry after a lost acknowledgement, an admin's retry) send it at most once."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state.in_((QUEUED, FAILED)))
        .values(state=SENDING)
    ).rowcount
    # A background job's own commits: the claim must be visible to any other run before the
    # message goes out, and each outcome is kept whatever happens next.
    db.session.commit()
    if not claimed:
        return
    message = db.session.get_one(OutboxMessage, message_id)
    if not current_app.config.get("MAIL_URL"):
        # The server was configured when it was queued but no longer is: keep it.
        message.state = OUTBOX
        db.session.commit()
        return
    try:
        _smtp_send(current_app.config["MAIL_URL"], message)
    except Exception as error:  # whatever went wrong, the outbox says so
        message.state, message.error = FAILED, str(error)[:500]
        db.session.commit()
        log.warning("mail %s not sent: %s", message_id, error)
        raise
    message.state, message.sent_at, message.error = SENT, utcnow(), ""
    db.session.commit()


# ---- notifications: mail a person did not ask for, which they may switch off -----------------

# kind -> what the Preferences page calls it; higher layers register their kinds.
NOTIFICATIONS: dict[str, str] = {}
UNSUBSCRIBE_SALT = "coursework.unsubscribe"


class NotificationOptOut(db.Model):
    """A kind of notification one person has switched off."""

    __tablename__ = "notification_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)


def register_notification(kind: str, label: str) -> str:
    NOTIFICATIONS[kind] = label
    return kind


def switched_off(user_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)
        )
    )


def set_switched_off(user_id: int, kinds: set[str]) -> None:
    """Exactly these registered kinds off for this person, the others on; the caller commits."""
    kinds &= set(NOTIFICATIONS)
    db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
    db.session.add_all(NotificationOptOut(user_id=user_id, kind=kind) for kind in sorted(kinds))


def unsubscribe_token(user_id: int, kind: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], UNSUBSCRIBE_SALT).dumps(
        [user_id, kind]
    )


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (person, kind) a link from a notification names, or None if it was not ours."""
    try:
        user_id, kind = URLSafeSerializer(current_app.config["SECRET_KEY"], UNSUBSCRIBE_SALT).loads(
            token
        )
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in NOTIFICATIONS:
        return None
    return user_id, kind


def unsubscribe(user_id: int, kind: str) -> None:
    """Switch one kind off (again, harmlessly); the caller commits."""
    insert_or_ignore(db.session, NotificationOptOut, user_id=user_id, kind=kind)


def notify(
    user_id: int, to: str, kind: str, subject: str, body: str, *, link: str = ""
) -> OutboxMessage | None:
    """Send a notification of a registered kind unless the person switched it off; it
    carries a one-click unsubscribe link for that kind. The caller commits."""
    if kind in switched_off(user_id):
        return None
    path = f"/unsubscribe/{unsubscribe_token(user_id, kind)}"
    url = public_url(path)
    body += f"\nTo stop these emails ({NOTIFICATIONS[kind].lower()}):\n{url}\n"
    return send(to, subject, body, link=link, unsubscribe_url=url)


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
    if message.unsubscribe_url:
        # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the URL.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    connection = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with connection(parts.hostname or "localhost", parts.port or 0, timeout=10) as server:
        if parts.scheme == "smtp+starttls":
            server.starttls()
        if parts.username:
            server.login(parts.username, parts.password or "")
        server.send_message(email)


def messages_to(address: str) -> list[OutboxMessage]:
    """Every message sent (or waiting) to one address, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)
        )
    )


def forget(user_id: int, address: str) -> None:
    """Drop the mail kept for one address and one person's notification choices (their
    account is being deleted). Does not commit."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to == address))
    db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
