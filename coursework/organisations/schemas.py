"""JSON shapes of the organisation API.

Input and output schemas are separate. Unknown fields are rejected (marshmallow's default,
RAISE); ids, owners and timestamps are dump-only. Every string and list has a bound, so a
huge body is a 422 naming the field rather than a database error. The organisation itself
never comes from a body or a query field: it is the one in the address, checked against
the API token or the signed-in manager.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from coursework.i18n import _
from coursework.lengths import schema_length
from coursework.organisations.models import Invitation, Role
from coursework.organisations.report import SORTABLE, Status
from coursework.organisations.services import MAX_BULK_ROWS
from coursework.organisations.xapi import DEFAULT_LIMIT, MAX_LIMIT

ROLES = [role.value for role in Role]
STATUSES = [status.value for status in Status]
MAX_ID = 2**31 - 1
MAX_BULK_TEXT = 256 * 1024


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("Enter some text."))


def _id(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# ---- output --------------------------------------------------------------------------------


class OrganisationSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class OrgMemberSchema(Schema):
    """Read from a membership and its `user`."""

    user_id = fields.Integer(dump_only=True)
    name = fields.String(attribute="user.display_name", dump_only=True)
    email = fields.String(attribute="user.email", dump_only=True)
    role = fields.String(dump_only=True, metadata={"enum": ROLES})
    joined_at = fields.DateTime(dump_only=True)


class OrgInvitationSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, metadata={"enum": ROLES})
    state = fields.String(
        dump_only=True, metadata={"enum": ["pending", "accepted", "revoked", "expired"]}
    )
    created_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True)
    accepted_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class NewOrgInvitationSchema(OrgInvitationSchema):
    link = fields.String(
        dump_only=True,
        metadata={"description": "The single-use link, for sending the invitation yourself."},
    )


class BulkRowSchema(Schema):
    row = fields.Integer(dump_only=True, metadata={"description": "Line number in the list."})
    email = fields.String(dump_only=True)
    ok = fields.Boolean(dump_only=True)
    message = fields.String(dump_only=True)


class BulkResultSchema(Schema):
    invited = fields.Integer(dump_only=True)
    failed = fields.Integer(dump_only=True)
    results = fields.List(fields.Nested(BulkRowSchema), dump_only=True)


class _AssigneeSchema(Schema):
    user_id = fields.Integer(dump_only=True)


class OrgAssignmentSchema(Schema):
    """Read from an assignment and its `course`."""

    id = fields.Integer(dump_only=True)
    course = fields.String(
        attribute="course.slug", dump_only=True, metadata={"description": "The course's slug."}
    )
    course_title = fields.String(attribute="course.title", dump_only=True)
    everyone = fields.Boolean(
        dump_only=True,
        metadata={"description": "Assigned to every member, including people who join later."},
    )
    user_ids = fields.Pluck(
        _AssigneeSchema, "user_id", many=True, attribute="assignees", dump_only=True
    )
    due_on = fields.Date(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class ReportRowSchema(Schema):
    user_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    course = fields.String(dump_only=True, attribute="course_slug")
    course_title = fields.String(dump_only=True)
    due_on = fields.Date(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True, metadata={"enum": STATUSES})
    percent = fields.Integer(dump_only=True)
    lessons_done = fields.Integer(dump_only=True)
    lessons_total = fields.Integer(dump_only=True)
    best_score = fields.Float(dump_only=True, allow_none=True)
    latest_score = fields.Float(dump_only=True, allow_none=True)
    attempts = fields.Integer(dump_only=True)
    last_activity = fields.DateTime(dump_only=True, allow_none=True)
    completed_at = fields.DateTime(dump_only=True, allow_none=True)
    certificate_code = fields.String(dump_only=True, allow_none=True)
    certificate_expires_at = fields.DateTime(dump_only=True, allow_none=True)


class PersonSchema(OrgMemberSchema):
    courses = fields.List(fields.Nested(ReportRowSchema), dump_only=True)


class StatementResultSchema(Schema):
    """An xAPI StatementResult: the statements, and where to read more."""

    statements = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={"description": "xAPI 1.0.3 statements, oldest first."},
    )
    more = fields.String(
        dump_only=True,
        metadata={
            "description": "The address of the next page, or an empty string when there is "
            "nothing more to read now."
        },
    )


# ---- input ---------------------------------------------------------------------------------


class RoleChangeSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class OrgInvitationInSchema(Schema):
    email = fields.String(required=True, validate=[schema_length(Invitation.email), _not_blank])
    name = fields.String(load_default="", validate=schema_length(Invitation.name))
    role = fields.String(load_default=Role.MEMBER.value, validate=validate.OneOf(ROLES))


class BulkInvitationInSchema(Schema):
    people = fields.String(
        required=True,
        validate=[validate.Length(max=MAX_BULK_TEXT), _not_blank],
        metadata={
            "description": "One person a line: email, then optionally name (CSV with an "
            f"optional header; commas, semicolons or tabs). At most {MAX_BULK_ROWS} rows."
        },
    )


class OrgAssignmentInSchema(Schema):
    course = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "The course's slug."},
    )
    due_on = fields.Date(load_default=None, allow_none=True)
    user_ids = fields.List(
        _id(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=MAX_BULK_ROWS * 10),
        metadata={"description": "Members to assign it to; leave out to assign it to everyone."},
    )


class DueDateSchema(Schema):
    due_on = fields.Date(required=True, allow_none=True)


class ReportQuerySchema(Schema):
    course = fields.String(
        validate=validate.Length(min=1, max=80), metadata={"description": "A course's slug."}
    )
    status = fields.String(validate=validate.OneOf(STATUSES))
    search = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Part of a name or email address."},
    )
    sort = fields.String(load_default="name", validate=validate.OneOf(SORTABLE))
    dir = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


class StatementQuerySchema(Schema):
    cursor = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={
            "description": "The cursor of the last page read (from `more` or the "
            "`X-Statements-Cursor` header); leave out to start from the beginning."
        },
    )
    since = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={
            "description": "As in xAPI: only statements stored after this ISO 8601 "
            "timestamp (with a time zone). A cursor is also taken here, as before "
            "`cursor` existed."
        },
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
