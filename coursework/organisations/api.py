"""JSON: an organisation's people, invitations, assignments, progress report and xAPI
statements, for its managers (signed in) and their API tokens.

Every route is "manager". The organisation is the one in the address, found before the
body is read (so another organisation's address is a 404 whatever is sent) through the API
token in use (its own organisation only) or among those the signed-in person manages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, Page
from werkzeug.exceptions import UnprocessableEntity

from coursework.db import utcnow
from coursework.dumping import Extended
from coursework.errors import NotFound, RuleViolation
from coursework.i18n import _
from coursework.organisations import report, services, xapi
from coursework.organisations.models import Assignment, Invitation, Organisation, Role
from coursework.organisations.schemas import (
    BulkInvitationInSchema,
    BulkResultSchema,
    DueDateSchema,
    NewOrgInvitationSchema,
    OrganisationSchema,
    OrgAssignmentInSchema,
    OrgAssignmentSchema,
    OrgInvitationInSchema,
    OrgInvitationSchema,
    OrgMemberSchema,
    PersonSchema,
    ReportQuerySchema,
    ReportRowSchema,
    RoleChangeSchema,
    StatementQuerySchema,
    StatementResultSchema,
)
from coursework.organisations.tokens import (
    acting_user,
    organisation_from_request,
    organisations_for_request,
)
from coursework.policy import access
from lessons import services as lessons

# Ids fit a 32-bit column: a larger one is a 404, not a database overflow.
ID = "int(max=2147483647)"
ORG = "/organisations/<slug>"
# How long a learning event waits before the statements feed shows it (see xapi.load_page).
DEFAULT_SETTLE_SECONDS = 5

STATEMENT_HEADERS = {
    "X-Statements-Cursor": {
        "description": "Pass as `cursor` to read what comes after this page.",
        "schema": {"type": "string"},
    },
    "X-Experience-API-Version": {"schema": {"type": "string"}},
}

blp = Blueprint(
    "organisations-api",
    __name__,
    description="Organisation managers, signed in or with an API token "
    "(`Authorization: Bearer cw_…`): people, invitations, assignments, progress and xAPI "
    "statements. A read-only token may only read (403 otherwise).",
)


@blp.before_request
def find_organisation_first():
    """Another organisation's address is a 404 before any body is read or checked."""
    slug = (request.view_args or {}).get("slug")
    if slug is not None:
        organisation_from_request(slug)


@blp.route("/organisations")
class Organisations(MethodView):
    @access("manager")
    @blp.response(200, OrganisationSchema(many=True))
    def get(self):
        """The organisations I manage (with an API token: its organisation)."""
        return organisations_for_request()


@blp.route(ORG)
class OrganisationDetail(MethodView):
    @access("manager")
    @blp.response(200, OrganisationSchema)
    def get(self, slug: str):
        """One organisation I manage."""
        return organisation_from_request(slug)


# ---- people ----------------------------------------------------------------------------


@blp.route(f"{ORG}/members")
class Members(MethodView):
    @access("manager")
    @blp.response(200, OrgMemberSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    def get(self, slug: str):
        """Current members by name, paged (`X-Pagination` header)."""
        return [_member(m, u) for m, u in services.members(organisation_from_request(slug))]


@blp.route(f"{ORG}/members/<{ID}:user_id>")
class Member(MethodView):
    @access("manager")
    @blp.arguments(RoleChangeSchema)
    @blp.response(200, OrgMemberSchema)
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data: dict, slug: str, user_id: int):
        """Make a member a manager, or a manager a member (not yourself: 409)."""
        organisation = organisation_from_request(slug)
        services.set_role(organisation, user_id, Role(data["role"]), acting_user())
        return _find_member(organisation, user_id)

    @access("manager")
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, slug: str, user_id: int):
        """Remove someone: their access ends at once, their learning history stays."""
        services.remove_member(organisation_from_request(slug), user_id, acting_user())


@blp.route(f"{ORG}/people/<{ID}:user_id>")
class Person(MethodView):
    @access("manager")
    @blp.response(200, PersonSchema)
    def get(self, slug: str, user_id: int):
        """A member and where they stand on each course assigned to them."""
        organisation = organisation_from_request(slug)
        person = _find_member(organisation, user_id)
        return Extended(
            person, courses=report.person(organisation, user_id, services.today(organisation))
        )


# ---- invitations -----------------------------------------------------------------------


@blp.route(f"{ORG}/invitations")
class Invitations(MethodView):
    @access("manager")
    @blp.response(200, OrgInvitationSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    def get(self, slug: str):
        """Every invitation, newest first, with its state, paged (`X-Pagination` header)."""
        now = utcnow()
        return [_invitation(i, now) for i in services.invitations(organisation_from_request(slug))]

    @access("manager")
    @blp.arguments(OrgInvitationInSchema)
    @blp.response(201, NewOrgInvitationSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict, slug: str):
        """Invite one person (409 if they are in already); a pending invitation to the same
        address is replaced. The answer carries the single-use link."""
        organisation = organisation_from_request(slug)
        role = Role(data.pop("role"))
        invited = services.invite(organisation, acting_user(), role=role, **data)
        return Extended(_invitation(invited.invitation, utcnow()), link=invited.link)


@blp.route(f"{ORG}/invitations/bulk")
class BulkInvitations(MethodView):
    @access("manager")
    @blp.arguments(BulkInvitationInSchema)
    @blp.response(200, BulkResultSchema)
    def post(self, data: dict, slug: str):
        """Invite everyone on a list; each row says whether it worked and why not."""
        organisation = organisation_from_request(slug)
        return services.BulkOutcome(
            services.bulk_invite(organisation, acting_user(), data["people"])
        )


@blp.route(f"{ORG}/invitations/<{ID}:invitation_id>")
class InvitationDetail(MethodView):
    @access("manager")
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, slug: str, invitation_id: int):
        """Revoke an invitation so its link stops working (409 once accepted)."""
        services.revoke_invitation(organisation_from_request(slug), invitation_id)


# ---- assignments -----------------------------------------------------------------------


@blp.route(f"{ORG}/assignments")
class Assignments(MethodView):
    @access("manager")
    @blp.response(200, OrgAssignmentSchema(many=True))
    def get(self, slug: str):
        """Courses assigned, oldest first."""
        found = services.assignments(organisation_from_request(slug))
        return _assignments(found)

    @access("manager")
    @blp.arguments(OrgAssignmentInSchema)
    @blp.response(201, OrgAssignmentSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict, slug: str):
        """Assign a course to everyone (leave out `user_ids`) or to chosen members."""
        organisation = organisation_from_request(slug)
        return _assignments([_assign(organisation, data)])[0]


@blp.route(f"{ORG}/assignments/<{ID}:assignment_id>")
class AssignmentDetail(MethodView):
    @access("manager")
    @blp.arguments(DueDateSchema)
    @blp.response(200, OrgAssignmentSchema)
    def patch(self, data: dict, slug: str, assignment_id: int):
        """Change the due date (null: no due date)."""
        organisation = organisation_from_request(slug)
        return _assignments([services.set_due_date(organisation, assignment_id, data["due_on"])])[0]

    @access("manager")
    @blp.response(204)
    def delete(self, slug: str, assignment_id: int):
        """Withdraw the assignment; people's progress on the course stays."""
        services.unassign(organisation_from_request(slug), assignment_id)


# ---- progress ----------------------------------------------------------------------------


@blp.route(f"{ORG}/report")
class Report(MethodView):
    @access("manager")
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ReportRowSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, query: dict, slug: str, pagination_parameters):
        """Each person on each course assigned to them, filtered, sorted and paged as on
        the dashboard (`X-Pagination` header). Status is not_started, in_progress,
        completed or overdue (past the due date and not completed)."""
        organisation = organisation_from_request(slug)
        rows, total = report.page(
            organisation, _filters(query, pagination_parameters), services.today(organisation)
        )
        pagination_parameters.item_count = total
        return rows


@blp.route(f"{ORG}/statements")
class Statements(MethodView):
    @access("manager")
    @blp.arguments(StatementQuerySchema, location="query")
    @blp.response(200, StatementResultSchema, headers=STATEMENT_HEADERS)
    def get(self, query: dict, slug: str):
        """Learning events of current members on their assigned courses as xAPI 1.0.3
        statements, oldest first, like an LRS's StatementResult: follow `more` until it is
        empty, then later read on from the `X-Statements-Cursor` header."""
        page = _statement_page(organisation_from_request(slug), query)
        more = url_for(request.endpoint, slug=slug, cursor=page.cursor, limit=query["limit"])
        headers = {"X-Statements-Cursor": page.cursor, "X-Experience-API-Version": xapi.VERSION}
        return Extended(page, more=more if page.more else ""), 200, headers


# ---- helpers -----------------------------------------------------------------------------


def _member(membership, user) -> Extended:
    return Extended(membership, user=user)


def _find_member(organisation: Organisation, user_id: int) -> Extended:
    for membership, user in services.members(organisation):
        if user.id == user_id:
            return _member(membership, user)
    raise NotFound(_("This person is not in your organisation."))


def _invitation(invitation: Invitation, now) -> Extended:
    return Extended(invitation, state=invitation.state(now))


def _assignments(found: list[Assignment]) -> list[Extended]:
    """Assignments with their courses, looked up once for the whole list."""
    courses = {course.id: course for course, _, _ in lessons.list_courses()}
    return [Extended(a, course=courses[a.course_id]) for a in found]


def _assign(organisation: Organisation, data: dict) -> Assignment:
    course_id = _course_id(data.pop("course"), "json")
    try:
        return services.assign(organisation, course_id, acting_user(), **data)
    except RuleViolation as error:  # the service names the form's field, "people"
        errors = {"user_ids": error.errors.get("people", [error.message])}
        raise RuleViolation(error.message, errors) from None


def _unprocessable(location: str, field: str, message: str) -> UnprocessableEntity:
    error = UnprocessableEntity()
    error.data = {"message": message, "messages": {location: {field: [message]}}}
    return error


def _course_id(slug: str, location: str) -> int:
    try:
        return lessons.get_course(slug).id
    except NotFound:
        raise _unprocessable(location, "course", _("There is no course with this slug.")) from None


def _filters(query: dict, pagination_parameters) -> report.Filters:
    course = query.get("course")
    return report.Filters(
        course_id=_course_id(course, "query") if course else None,
        status=report.Status(query["status"]) if query.get("status") else None,
        search=query["search"],
        sort=query["sort"],
        descending=query["dir"] == "desc",
        page=pagination_parameters.page,
        per_page=pagination_parameters.page_size,
    )


def _statement_page(organisation: Organisation, query: dict) -> xapi.Page:
    settle = current_app.config.get("XAPI_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)
    after, since = _position(query)
    return xapi.load_page(
        organisation,
        current_app.config["PUBLIC_URL"],
        after=after,
        since=since,
        limit=query["limit"],
        settled_before=utcnow() - timedelta(seconds=settle),
    )


def _position(query: dict) -> tuple[int, datetime | None]:
    """(cursor, since): `cursor` is ours; `since` is xAPI's timestamp, or a cursor as the
    first version of the feed called it."""
    try:
        after = xapi.decode_cursor(query["cursor"])
    except ValueError:
        raise _unprocessable(
            "query", "cursor", _("This is not a cursor from this feed: start without one.")
        ) from None
    since = query["since"]
    if not since:
        return after, None
    try:
        return max(after, xapi.decode_cursor(since)), None
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _unprocessable(
            "query", "since", _("Give a timestamp with a time zone, or pass the cursor as cursor.")
        )
    return after, moment
