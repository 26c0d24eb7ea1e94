"""Reminders of assignment due dates (7 days before, 1 day before, and once overdue), of
certificates expiring (30 days before, and on the day), and a weekly digest to managers.

Each reminder is sent at most once per person, course, due date and kind (a row in
`reminders_sent`, inserted with ON CONFLICT DO NOTHING before the mail is composed, so
two runs at the same moment send one). Finished work cancels them: the organisation's
report, the same SQL the dashboard shows, says who has not completed. A new due date is
a new reminder. Runs hourly on the queue's scheduler; "today" is the learner's own date:
in the time zone they chose on their Preferences page, else their organisation's, else UTC
(`coursework.timezones`), so a reminder goes out in the first hourly run after their local
midnight. A manager can switch an assignment's reminders off.

A certificate reminder is keyed by the certificate's expiry date (in UTC, so a change of
time zone never makes a second one) in the same table: a
learner holds one certificate per course, and renewing it moves the date, so a renewed
certificate is never reminded of its old expiry. The digest's numbers are the dashboard's:
they come from the same report calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from huey import crontab
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from coursework import i18n, mail, tasks, timezones
from coursework.accounts.models import User
from coursework.certificates.models import Certificate
from coursework.config import public_url
from coursework.db import insert_or_ignore, utcnow
from coursework.extensions import db
from coursework.formatting import format_date, format_percent
from coursework.i18n import _, force_locale, lazy_gettext, speaking
from coursework.organisations import report
from coursework.organisations.models import Assignment, Membership, Organisation, Role
from lessons.models import Course

log = logging.getLogger(__name__)

DUE_IN_7_DAYS, DUE_TOMORROW, OVERDUE = "due_in_7_days", "due_tomorrow", "overdue"
ASSIGNMENT_REMINDERS = mail.register_notification(
    "assignment_reminders", lazy_gettext("Reminders of courses due soon, and overdue")
)
EXPIRES_IN_30_DAYS, EXPIRED = "expires_in_30_days", "expired"
CERTIFICATE_REMINDERS = mail.register_notification(
    "certificate_reminders", lazy_gettext("Reminders of certificates about to expire, and expired")
)
MANAGER_DIGEST = mail.register_notification(
    "manager_digest", lazy_gettext("A weekly summary of your organisation, for managers")
)
EXPIRY_WARNING = timedelta(days=30)


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


class DigestSent(db.Model):
    """One manager's weekly digest for one organisation, so a week has one."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "week_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    week_of: Mapped[date]  # the Monday
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def _muted(organisation: Organisation) -> set[tuple[int | None, int, date | None]]:
    """(person or None for everyone, course, due date) of assignments switched off."""
    muted: set[tuple[int | None, int, date | None]] = set()
    for assignment in db.session.scalars(
        select(Assignment).where(
            Assignment.organisation_id == organisation.id, Assignment.reminders.is_(False)
        )
    ):
        key = (assignment.course_id, assignment.due_on)
        if assignment.everyone:
            muted.add((None, *key))
        muted.update((member.user_id, *key) for member in assignment.assignees)
    return muted


def kind_for(row: report.Row, today: date) -> str | None:
    """Which reminder a report row is due, if any."""
    if row.due_on is None or row.status == report.Status.COMPLETED:
        return None
    days = (row.due_on - today).days
    if days < 0:
        return OVERDUE
    return {7: DUE_IN_7_DAYS, 1: DUE_TOMORROW}.get(days)


def _locales(user_ids: set[int]) -> dict[int, str]:
    """Each person's chosen interface language, read at once (a reminder is written in it)."""
    if not user_ids:
        return {}
    chosen = select(User.id, User.locale).where(User.id.in_(user_ids), User.locale.is_not(None))
    return dict(db.session.execute(chosen).tuples().all())


def _zones(user_ids: set[int]) -> dict[int, ZoneInfo]:
    """Each person's time zone, read at once."""
    if not user_ids:
        return {}
    return timezones.zones_of(
        db.session.execute(select(User.id, User.time_zone).where(User.id.in_(user_ids))).tuples()
    )


def send_due_reminders(now: datetime) -> int:
    """Send every reminder due at `now` (each learner's own date) that has not gone out;
    the caller commits. Returns how many were sent."""
    sent = 0
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        muted = _muted(organisation)
        rows = report.build_rows(organisation, timezones.today(organisation.time_zone, now))
        due = {row.user_id for row in rows if row.due_on is not None}
        zones = _zones(due)
        locales = _locales(due)
        for row in rows:
            if row.due_on is None:
                continue
            kind = kind_for(row, timezones.today(zones[row.user_id], now))
            if kind is None or ASSIGNMENT_REMINDERS in mail.switched_off(row.user_id):
                continue
            if {
                (None, row.course_id, row.due_on),
                (row.user_id, row.course_id, row.due_on),
            } & muted:
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
            with force_locale(locales.get(row.user_id) or i18n.DEFAULT):
                _remind(row, kind)
            sent += 1
    return sent


def _remind(row: report.Row, kind: str) -> None:
    course_url = public_url(f"/courses/{row.course_slug}")
    when = format_date(row.due_on)
    title = row.course_title
    subject, sentence = {
        DUE_IN_7_DAYS: (
            _("%(title)s is due in 7 days", title=title),
            _("The course %(title)s is due on %(when)s", title=title, when=when),
        ),
        DUE_TOMORROW: (
            _("%(title)s is due tomorrow", title=title),
            _("The course %(title)s is due tomorrow, %(when)s", title=title, when=when),
        ),
        OVERDUE: (
            _("%(title)s is overdue", title=title),
            _("The course %(title)s was due on %(when)s", title=title, when=when),
        ),
    }[kind]
    body = _(
        "Hello %(name)s,\n\n%(sentence)s and you have not finished it yet (%(done)s done)."
        "\n\nContinue where you left off:\n%(link)s\n",
        name=row.name,
        sentence=sentence,
        done=format_percent(row.percent),
        link=course_url,
    )
    mail.notify(row.user_id, row.email, ASSIGNMENT_REMINDERS, subject, body, link=course_url)


@tasks.periodic(crontab(minute="5"))
def due_reminders() -> None:
    count = send_due_reminders(utcnow())
    log.info("sent %d due-date reminders", count)


# ---- certificates ----------------------------------------------------------------------


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def send_certificate_reminders(now: datetime) -> int:
    """Remind learners of certificates expiring in 30 days, and on the day they expire, by
    their own calendar; the caller commits. Revoked certificates are not reminded of."""
    sent = 0
    today = timezones.today(None, now)  # UTC's, for the window below
    found = db.session.execute(
        select(Certificate, User, Course.slug)
        .join(User, User.id == Certificate.user_id)
        .join(Course, Course.id == Certificate.course_id)
        .where(
            Certificate.revoked_at.is_(None),
            # A day either side of the UTC window: zones run from UTC-12 to UTC+14.
            Certificate.expires_at >= _start(today - timedelta(days=1)),
            Certificate.expires_at < _start(today + EXPIRY_WARNING + timedelta(days=2)),
        )
        .order_by(Certificate.id)
    ).all()
    zones = _zones({user.id for _, user, _ in found})
    for certificate, user, slug in found:
        zone = zones[user.id]
        expires_on = timezones.local_date(certificate.expires_at, zone)
        days = (expires_on - timezones.today(zone, now)).days
        kind = {EXPIRY_WARNING.days: EXPIRES_IN_30_DAYS, 0: EXPIRED}.get(days)
        if kind is None or CERTIFICATE_REMINDERS in mail.switched_off(user.id):
            continue
        if not insert_or_ignore(
            db.session,
            ReminderSent,
            user_id=user.id,
            course_id=certificate.course_id,
            due_on=certificate.expires_at.astimezone(UTC).date(),
            kind=kind,
        ):
            continue
        _remind_certificate(certificate, user, slug, kind, expires_on)
        sent += 1
    return sent


def _remind_certificate(
    certificate: Certificate, user: User, slug: str, kind: str, on: date
) -> None:
    url = public_url(f"/courses/{slug}")
    title = certificate.course_title
    with speaking(user):
        subject, sentence = {
            EXPIRES_IN_30_DAYS: (
                _("Your %(title)s certificate expires in 30 days", title=title),
                _(
                    "Your certificate for %(title)s expires on %(when)s.",
                    title=title,
                    when=format_date(on),
                ),
            ),
            EXPIRED: (
                _("Your %(title)s certificate has expired", title=title),
                _("Your certificate for %(title)s has expired today.", title=title),
            ),
        }[kind]
        body = _(
            "Hello %(name)s,\n\n%(sentence)s Take the course again to renew it:\n%(link)s\n",
            name=user.display_name,
            sentence=sentence,
            link=url,
        )
    mail.notify(user.id, user.email, CERTIFICATE_REMINDERS, subject, body, link=url)


@tasks.periodic(crontab(minute="10"))
def certificate_reminders() -> None:
    count = send_certificate_reminders(utcnow())
    log.info("sent %d certificate reminders", count)


# ---- the managers' weekly digest -------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    completions: int  # certificates of assigned courses issued in the last 7 days
    overdue: int  # (person, course) rows overdue: the dashboard's "Overdue" number
    expiring: int  # certificates of assigned courses expiring within 30 days
    dashboard_url: str


def digest(organisation: Organisation, today: date) -> Digest:
    """The numbers, from the report the dashboard reads."""
    week_ago = today - timedelta(days=7)
    completions = sum(report.completions(organisation, week_ago).values())
    overdue = report.report(organisation, report.Filters(per_page=1), today).count(
        report.Status.OVERDUE
    )
    until = _start(today) + EXPIRY_WARNING
    expiring = sum(
        1
        for row in report.build_rows(organisation, today)
        if row.certificate_expires_at is not None
        and _start(today) <= row.certificate_expires_at < until
    )
    url = public_url(
        f"/organisations/{organisation.slug}/dashboard?status={report.Status.OVERDUE.value}"
    )
    return Digest(completions, overdue, expiring, url)


def send_digests(today: date) -> int:
    """Each manager's digest for the week of `today`, once; the caller commits."""
    week_of = today - timedelta(days=today.weekday())
    sent = 0
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        managers = list(
            db.session.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    Membership.organisation_id == organisation.id,
                    Membership.role == Role.MANAGER.value,
                    Membership.removed_at.is_(None),
                )
                .order_by(User.id)
            )
        )
        numbers = digest(organisation, today) if managers else None
        for manager in managers:
            if MANAGER_DIGEST in mail.switched_off(manager.id) or not insert_or_ignore(
                db.session,
                DigestSent,
                user_id=manager.id,
                organisation_id=organisation.id,
                week_of=week_of,
            ):
                continue
            with speaking(manager):
                body = _(
                    "Hello %(name)s,\n\nThis week at %(organisation)s:\n"
                    "- %(completions)s completed in the last 7 days\n"
                    "- %(overdue)s overdue\n"
                    "- %(expiring)s certificates expiring in the next 30 days\n\n"
                    "See who is overdue on the dashboard:\n%(link)s\n",
                    name=manager.display_name,
                    organisation=organisation.name,
                    completions=numbers.completions,
                    overdue=numbers.overdue,
                    expiring=numbers.expiring,
                    link=numbers.dashboard_url,
                )
                subject = _("%(organisation)s: your weekly summary", organisation=organisation.name)
            mail.notify(
                manager.id, manager.email, MANAGER_DIGEST, subject, body, link=numbers.dashboard_url
            )
            sent += 1
    return sent


@tasks.periodic(crontab(day_of_week="1", hour="7", minute="15"))
def weekly_digest() -> None:
    count = send_digests(timezones.today())
    log.info("sent %d weekly digests", count)
