"""Reminders of assignment due dates: 7 days before, 1 day before, and once overdue.

Each reminder is sent at most once per person, course, due date and kind (a row in
`reminders_sent`, inserted with ON CONFLICT DO NOTHING before the mail is composed, so
two runs at the same moment send one). Finished work cancels them: the organisation's
report, the same SQL the dashboard shows, says who has not completed. A new due date is
a new reminder. Runs hourly on the queue's scheduler; "today" is the UTC date (time zones
per person are not done yet).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask import current_app
from huey import crontab
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from coursework import mail, tasks
from coursework.db import insert_or_ignore, utcnow
from coursework.extensions import db
from coursework.organisations import report
from coursework.organisations.models import Organisation

log = logging.getLogger(__name__)

DUE_IN_7_DAYS, DUE_TOMORROW, OVERDUE = "due_in_7_days", "due_tomorrow", "overdue"
ASSIGNMENT_REMINDERS = mail.register_notification(
    "assignment_reminders", "Reminders of courses due soon, and overdue"
)


class ReminderSent(db.Model):
    """One reminder that went out, so it never goes out again."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "due_on", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    due_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def kind_for(row: report.Row, today: date) -> str | None:
    """Which reminder a report row is due, if any."""
    if row.due_on is None or row.status == report.Status.COMPLETED:
        return None
    days = (row.due_on - today).days
    if days < 0:
        return OVERDUE
    return {7: DUE_IN_7_DAYS, 1: DUE_TOMORROW}.get(days)


def send_due_reminders(today: date) -> int:
    """Send every reminder due `today` that has not gone out; the caller commits. Returns
    how many were sent."""
    sent = 0
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        for row in report.build_rows(organisation, today):
            kind = kind_for(row, today)
            if kind is None or ASSIGNMENT_REMINDERS in mail.switched_off(row.user_id):
                continue
            if not insert_or_ignore(
                db.session,
                ReminderSent,
                user_id=row.user_id,
                course_id=row.course_id,
                due_on=row.due_on,
                kind=kind,
            ):
                continue
            _remind(row, kind)
            sent += 1
    return sent


def _remind(row: report.Row, kind: str) -> None:
    course_url = current_app.config["PUBLIC_URL"].rstrip("/") + f"/courses/{row.course_slug}"
    when = f"{row.due_on:%-d %B %Y}"
    subject, sentence = {
        DUE_IN_7_DAYS: (f"{row.course_title} is due in 7 days", f"is due on {when}"),
        DUE_TOMORROW: (f"{row.course_title} is due tomorrow", f"is due tomorrow, {when}"),
        OVERDUE: (f"{row.course_title} is overdue", f"was due on {when}"),
    }[kind]
    body = (
        f"Hello {row.name},\n\nThe course {row.course_title} {sentence} and you have not "
        f"finished it yet ({row.percent}% done).\n\nContinue where you left off:\n{course_url}\n"
    )
    mail.notify(row.user_id, row.email, ASSIGNMENT_REMINDERS, subject, body, link=course_url)


@tasks.periodic(crontab(minute="5"))
def due_reminders() -> None:
    count = send_due_reminders(utcnow().date())
    db.session.commit()
    log.info("sent %d due-date reminders", count)
