"""Organisation rules: people, invitations and assignments.

Every query that reads an organisation's data starts from an organisation found through
the signed-in manager's memberships (or an API token), never from a request field alone.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from coursework import mail, timezones
from coursework.accounts.models import User
from coursework.accounts.services import (
    checked_email,
    checked_name,
    find_by_email,
    hash_token,
    normalise_email,
)
from coursework.config import public_url
from coursework.db import insert_at_free_slug, savepoint, utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db
from coursework.formatting import format_date
from coursework.i18n import _
from coursework.lengths import too_long
from coursework.organisations.models import (
    ApiToken,
    Assignment,
    AssignmentMember,
    Invitation,
    Membership,
    Organisation,
    Role,
)
from lessons.rendering import slugify

log = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=14)
MAX_BULK_ROWS = 500


# ---- organisations ----------------------------------------------------------------------


def create_organisation(name: str, creator: User) -> Organisation:
    """A new organisation; whoever creates it becomes its manager."""
    name = name.strip()
    if not name:
        raise RuleViolation(
            _("Enter the organisation's name."), {"name": [_("Enter the organisation's name.")]}
        )
    if message := too_long(name, Organisation.name):
        raise RuleViolation(message, {"name": [message]})
    organisation = _insert_with_free_slug(name, slugify(name, max_length=60))
    db.session.add(
        Membership(organisation_id=organisation.id, user_id=creator.id, role=Role.MANAGER.value)
    )
    db.session.flush()
    log.info("organisation %s created by user %s", organisation.id, creator.id)
    return organisation


def _insert_with_free_slug(name: str, base: str) -> Organisation:
    organisation = insert_at_free_slug(
        db.session, lambda slug: Organisation(name=name, slug=slug), base, max_length=80
    )
    if organisation is None:
        raise Conflict(_("Too many organisations have this name. Choose another."))
    return organisation


def _managed_by(user: User):
    return (
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(
            Membership.user_id == user.id,
            Membership.role == Role.MANAGER.value,
            Membership.removed_at.is_(None),
        )
        .order_by(Organisation.name)
    )


def managed_by(user: User) -> list[Organisation]:
    """The organisations this person manages now."""
    return list(db.session.scalars(_managed_by(user)))


def get_managed(user: User, slug: str) -> Organisation:
    """The organisation with this address, if this person manages it; otherwise it is as
    absent as one that does not exist."""
    organisation = db.session.scalar(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(
            Organisation.slug == slug,
            Membership.user_id == user.id,
            Membership.role == Role.MANAGER.value,
            Membership.removed_at.is_(None),
        )
    )
    if organisation is None:
        raise NotFound(_("There is no organisation at this address."))
    return organisation


def memberships_of(user: User) -> list[tuple[Membership, Organisation]]:
    return list(
        db.session.execute(
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Membership.removed_at.is_(None))
            .order_by(Organisation.name)
        ).tuples()
    )


# ---- people -----------------------------------------------------------------------------


def members(
    organisation: Organisation, *, include_removed: bool = False
) -> list[tuple[Membership, User]]:
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.display_name, User.id)
    )
    if not include_removed:
        query = query.where(Membership.removed_at.is_(None))
    return list(db.session.execute(query).tuples())


def get_membership(organisation: Organisation, user_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == user_id
        )
    )
    if membership is None:
        raise NotFound(_("This person is not in your organisation."))
    return membership


def remove_member(organisation: Organisation, user_id: int, by: User) -> None:
    """End someone's membership at once; their learning history stays."""
    membership = get_membership(organisation, user_id)
    if membership.user_id == by.id:
        raise Conflict(_("You cannot remove yourself. Ask another manager."))
    if membership.removed_at is None:
        membership.removed_at = utcnow()
        _revoke_tokens_of(membership)
        db.session.flush()
        log.info("user %s removed from organisation %s", user_id, organisation.id)


def set_role(organisation: Organisation, user_id: int, role: Role, by: User) -> Membership:
    membership = get_membership(organisation, user_id)
    if membership.removed_at is not None:
        raise Conflict(_("This person has been removed from the organisation."))
    if membership.user_id == by.id and role is Role.MEMBER:
        raise Conflict(_("You cannot step down yourself. Ask another manager."))
    if role is Role.MEMBER and membership.role == Role.MANAGER.value:
        _revoke_tokens_of(membership)
    membership.role = role.value
    db.session.flush()
    return membership


def _revoke_tokens_of(membership: Membership) -> None:
    """Revoke the API tokens someone made for the organisation, as they stop managing it.

    A token already stops working while its maker is not a manager; revoking it as well
    means that making them a manager again later does not bring old tokens back to life.
    """
    revoked = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.organisation_id == membership.organisation_id,
            ApiToken.created_by_id == membership.user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if revoked:
        log.info(
            "%s API token(s) of user %s in organisation %s revoked: no longer a manager",
            revoked,
            membership.user_id,
            membership.organisation_id,
        )


def _join(organisation_id: int, user: User, role: str) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(organisation_id=organisation_id, user_id=user.id, role=role)
        db.session.add(membership)
    elif membership.removed_at is not None:
        membership.removed_at = None
        membership.role = role
        membership.joined_at = utcnow()
    elif role == Role.MANAGER.value:
        membership.role = role
    return membership


def join_from_platform(organisation_id: int, user: User) -> str:
    """Make a person known to the organisation's LMS a member: "joined" when they became
    one now, "member" when they were one, "removed" when a manager removed them (an LMS
    launch or roster never undoes that). Does not commit."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        db.session.add(
            Membership(organisation_id=organisation_id, user_id=user.id, role=Role.MEMBER.value)
        )
        db.session.flush()
        return "joined"
    return "removed" if membership.removed_at is not None else "member"


def join_through_sign_on(organisation_id: int, user: User) -> Membership | None:
    """Make someone the organisation's identity provider signed in a member, unless they
    have a membership already; one a manager removed stays removed (the provider does not
    overrule the manager). The caller commits."""
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id
        )
    )
    if exists is not None:
        return None
    membership = Membership(
        organisation_id=organisation_id, user_id=user.id, role=Role.MEMBER.value
    )
    db.session.add(membership)
    return membership


# ---- invitations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    link: str


def invite(
    organisation: Organisation,
    by: User,
    email: str,
    name: str = "",
    role: Role = Role.MEMBER,
    now: datetime | None = None,
) -> Invited:
    """Invite one person; a newer invitation to the same address replaces a pending one."""
    invited = _invite(organisation, by, email, name, role, now)
    db.session.flush()
    return invited


def _invite(
    organisation: Organisation,
    by: User,
    email: str,
    name: str = "",
    role: Role = Role.MEMBER,
    now: datetime | None = None,
) -> Invited:
    """`invite` without the commit: the caller commits (a batch of a bulk invitation)."""
    now = now or utcnow()
    address = checked_email(email)
    name = checked_name(name, "name", required=False)
    existing_user = find_by_email(address)
    if existing_user is not None:
        active = db.session.scalar(
            select(Membership.id).where(
                Membership.organisation_id == organisation.id,
                Membership.user_id == existing_user.id,
                Membership.removed_at.is_(None),
            )
        )
        if active is not None:
            message = f"{address} is already in {organisation.name}."
            raise Conflict(message, {"email": [message]})
    for pending in db.session.scalars(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id,
            Invitation.email == address,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        pending.revoked_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation.id,
        email=address,
        name=name,
        role=role.value,
        token_hash=hash_token(token),
        invited_by_id=by.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    link = public_url(f"/invitations/{token}")
    _send_invitation(organisation, by, invitation, link)
    return Invited(invitation, link)


def _send_invitation(
    organisation: Organisation, by: User, invitation: Invitation, link: str
) -> None:
    # The invitee has no account yet: they read it in the language the inviter uses.
    greeting = _("Hello %(name)s,", name=invitation.name) if invitation.name else _("Hello,")
    body = greeting + _(
        "\n\n%(inviter)s has invited you to join %(organisation)s on Coursework, where your "
        "courses and progress are kept.\n\n"
        "Accept the invitation here (the link works once, until %(until)s):\n%(link)s\n",
        inviter=by.display_name,
        organisation=organisation.name,
        until=format_date(invitation.expires_at, zone=UTC),
        link=link,
    )
    mail.send(
        invitation.email,
        _("Join %(organisation)s on Coursework", organisation=organisation.name),
        body,
        link=link,
        organisation_id=organisation.id,
        invitation_id=invitation.id,
    )


@dataclass(frozen=True)
class RowResult:
    row: int
    email: str
    ok: bool
    message: str


@dataclass(frozen=True)
class BulkOutcome:
    """What came of inviting a list: each row's result, and how many were invited."""

    results: list[RowResult]

    @property
    def invited(self) -> int:
        return sum(result.ok for result in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.invited


def parse_invitation_list(text: str) -> list[tuple[int, str, str]]:
    """Rows of (row number, email, name) from pasted lines or a CSV file with an optional
    header; commas, semicolons or tabs separate the columns."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\ufeff")
    if "\x00" in lines:
        line = lines.count("\n", 0, lines.index("\x00")) + 1
        message = _(
            "Line %(line)s contains a NUL character: save the list as plain text or CSV.", line=line
        )
        raise RuleViolation(message, {"people": [message]})
    try:
        dialect = csv.Sniffer().sniff(lines[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(lines), dialect), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("email", "e-mail", "email address"):
            continue
        rows.append((number, cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


def check_invitation_list(text: str) -> list[tuple[int, str, str]]:
    """The rows of a list to invite, refused whole when it has none or too many."""
    rows = parse_invitation_list(text)
    if not rows:
        raise RuleViolation(
            _("The list has no email addresses."),
            {"people": [_("The list has no email addresses.")]},
        )
    if len(rows) > MAX_BULK_ROWS:
        message = _(
            "Invite at most %(MAX_BULK_ROWS)s people at a time (%(count)s given).",
            MAX_BULK_ROWS=MAX_BULK_ROWS,
            count=len(rows),
        )
        raise RuleViolation(message, {"people": [message]})
    return rows


def bulk_invite(organisation: Organisation, by: User, text: str) -> list[RowResult]:
    """Invite everyone on the list; bad rows are reported by number and the good ones
    still go through."""
    results = invite_rows(organisation, by, check_invitation_list(text), seen=set())
    db.session.flush()
    return results


def invite_rows(
    organisation: Organisation, by: User, rows: list[tuple[int, str, str]], *, seen: set[str]
) -> list[RowResult]:
    """Invite each row (without committing: the caller commits, a batch at a time); a bad
    row is rolled back alone and reported. `seen` holds the addresses of earlier rows, so a
    repeat is reported rather than invited twice."""
    results = []
    for number, email, name in rows:
        key = email.strip().lower()
        if key in seen:
            results.append(
                RowResult(number, email, False, _("This address appears earlier in the list."))
            )
            continue
        seen.add(key)
        try:
            with savepoint(db.session):
                _invite(organisation, by, email, name)
        except (RuleViolation, Conflict) as error:
            results.append(RowResult(number, email, False, error.message))
        else:
            results.append(RowResult(number, email, True, "Invited."))
    return results


def manages(user: User, organisation_id: int) -> bool:
    """Whether this person manages this organisation now."""
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.organisation_id == organisation_id,
                Membership.user_id == user.id,
                Membership.role == Role.MANAGER.value,
                Membership.removed_at.is_(None),
            )
        )
        is not None
    )


def invitations(organisation: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.organisation_id == organisation.id)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def outbox(organisation: Organisation) -> list[mail.OutboxMessage]:
    return list(
        db.session.scalars(
            select(mail.OutboxMessage)
            .where(mail.OutboxMessage.organisation_id == organisation.id)
            .order_by(mail.OutboxMessage.created_at.desc(), mail.OutboxMessage.id.desc())
        )
    )


def revoke_invitation(organisation: Organisation, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.organisation_id == organisation.id
        )
    )
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.flush()
    return invitation


def find_invitation(token: str, now: datetime | None = None) -> tuple[Invitation, Organisation]:
    """An invitation that can still be accepted; anything else is the same 'not found'."""
    now = now or utcnow()
    row = db.session.execute(
        select(Invitation, Organisation)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .where(Invitation.token_hash == hash_token(token[:200]))
    ).first()
    if row is None or row[0].state(now) != "pending":
        raise NotFound(
            _("This invitation link is not valid: it may have been used, revoked or expired.")
        )
    return row[0], row[1]


def accept_invitation(token: str, user: User, now: datetime | None = None) -> Organisation:
    """Join the organisation; the invitation works once, and only for the address it was
    sent to."""
    now = now or utcnow()
    invitation, organisation = find_invitation(token, now)
    if normalise_email(user.email) != invitation.email:
        raise Conflict(
            _(
                "This invitation was sent to %(email)s. Log in with that address to accept it.",
                email=invitation.email,
            )
        )
    claimed = db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now, accepted_by_id=user.id)
    ).rowcount
    if claimed != 1:
        raise NotFound(_("This invitation link has already been used."))
    _join(organisation.id, user, invitation.role)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            _("You joined this organisation at the same moment in another tab.")
        ) from None
    log.info("user %s joined organisation %s by invitation", user.id, organisation.id)
    return organisation


# ---- assignments ------------------------------------------------------------------------


def assign(
    organisation: Organisation,
    course_id: int,
    by: User,
    *,
    due_on: date | None = None,
    user_ids: list[int] | None = None,
    reminders: bool = True,
) -> Assignment:
    """Assign a course to everyone (including people who join later) or to chosen members."""
    if user_ids is not None:
        active = {m.user_id for m, _ in members(organisation)}
        unknown = [uid for uid in user_ids if uid not in active]
        if unknown or not user_ids:
            message = (
                _("Choose people who are in your organisation.")
                if unknown
                else _("Choose at least one person.")
            )
            raise RuleViolation(message, {"people": [message]})
    assignment = Assignment(
        organisation_id=organisation.id,
        course_id=course_id,
        everyone=user_ids is None,
        due_on=due_on,
        reminders=reminders,
        created_by_id=by.id,
    )
    if user_ids is not None:
        assignment.assignees = [AssignmentMember(user_id=uid) for uid in sorted(set(user_ids))]
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        message = _("This course is already assigned to everyone. Change its due date instead.")
        raise Conflict(message, {"course": [message]}) from None
    return assignment


def assignments(organisation: Organisation) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.organisation_id == organisation.id)
            .order_by(Assignment.created_at, Assignment.id)
        )
    )


def get_assignment(organisation: Organisation, assignment_id: int) -> Assignment:
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id, Assignment.organisation_id == organisation.id
        )
    )
    if assignment is None:
        raise NotFound(_("There is no such assignment."))
    return assignment


def set_due_date(organisation: Organisation, assignment_id: int, due_on: date | None) -> Assignment:
    assignment = get_assignment(organisation, assignment_id)
    assignment.due_on = due_on
    db.session.flush()
    return assignment


def set_reminders(organisation: Organisation, assignment_id: int, on: bool) -> Assignment:
    assignment = get_assignment(organisation, assignment_id)
    assignment.reminders = on
    db.session.flush()
    return assignment


def unassign(organisation: Organisation, assignment_id: int) -> None:
    db.session.delete(get_assignment(organisation, assignment_id))
    db.session.flush()


@dataclass(frozen=True)
class AssignedCourse:
    course_id: int
    organisation: Organisation
    due_on: date | None

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and today > self.due_on


def assigned_to(user: User) -> list[AssignedCourse]:
    """Courses assigned to this learner by the organisations they belong to now, the
    earliest due first; one entry per course (the earliest due date wins)."""
    rows = db.session.execute(
        select(Assignment, Organisation)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .join(
            Membership,
            (Membership.organisation_id == Assignment.organisation_id)
            & (Membership.user_id == user.id)
            & Membership.removed_at.is_(None),
        )
        .outerjoin(
            AssignmentMember,
            (AssignmentMember.assignment_id == Assignment.id)
            & (AssignmentMember.user_id == user.id),
        )
        .where(or_(Assignment.everyone.is_(True), AssignmentMember.id.is_not(None)))
    ).tuples()
    by_course: dict[int, AssignedCourse] = {}
    for assignment, organisation in rows:
        current = by_course.get(assignment.course_id)
        if current is None or (
            assignment.due_on is not None
            and (current.due_on is None or assignment.due_on < current.due_on)
        ):
            by_course[assignment.course_id] = AssignedCourse(
                assignment.course_id, organisation, assignment.due_on
            )
    return sorted(by_course.values(), key=lambda a: (a.due_on is None, a.due_on or date.max))


# ---- a person who deletes their account ---------------------------------------------------


def sole_managed(user: User) -> list[Organisation]:
    """The organisations that would be left with no manager if `user` left."""
    other = aliased(Membership)
    another_manager = (
        select(other.id)
        .where(
            other.organisation_id == Organisation.id,
            other.user_id != user.id,
            other.role == Role.MANAGER.value,
            other.removed_at.is_(None),
        )
        .exists()
    )
    return list(db.session.scalars(_managed_by(user).where(~another_manager)))


def leave_everything(user: User, anonymous_email: str) -> list[Organisation]:
    """End every membership of `user` (their tokens revoked), take them off assignments,
    and rewrite invitations addressed to them. Does not commit; returns the organisations
    left, whose statement logs the caller brings up to date once this is committed (which
    voids the person's statements in each feed)."""
    left = []
    for membership, organisation in memberships_of(user):
        membership.removed_at = utcnow()
        _revoke_tokens_of(membership)
        left.append(organisation)
    db.session.execute(delete(AssignmentMember).where(AssignmentMember.user_id == user.id))
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == user.email)
        .values(email=anonymous_email, name="")
        .execution_options(synchronize_session=False)
    )
    return left


# ---- time zones ---------------------------------------------------------------------------


def today(organisation: Organisation, now: datetime | None = None) -> date:
    """The organisation's date, by its time zone: the "today" its report, dashboard, CSV
    and assignment pages measure due dates against."""
    return timezones.today(organisation.time_zone, now)


def set_time_zone(organisation: Organisation, name: str, by: User) -> None:
    """The organisation's time zone, its members' default; the caller commits."""
    if not timezones.is_zone(name):
        message = _("Choose a time zone from the list.")
        raise RuleViolation(message, {"time_zone": [message]})
    organisation.time_zone = name
    log.info("organisation %s time zone set by user %s", organisation.id, by.id)


def member_time_zones(user_ids) -> dict[int, str]:
    """{user id: the time zone of the organisation they joined first} for members of any;
    the default zone of people who chose none (see coursework.timezones)."""
    found: dict[int, str] = {}
    for user_id, zone in db.session.execute(
        select(Membership.user_id, Organisation.time_zone)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(list(user_ids)), Membership.removed_at.is_(None))
        .order_by(Membership.joined_at, Membership.id)
    ):
        found.setdefault(user_id, zone)
    return found
