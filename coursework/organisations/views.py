"""The organisation pages: one's organisations, a manager's people and assignments, and
the invitation landing page. Thin: parse the form, call a service, render or redirect.

Every manager view finds its organisation with `services.get_managed(current_user, slug)`:
an organisation the signed-in person does not manage is as absent as one that does not
exist, whatever the request carries.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coursework import mail
from coursework.accounts import services as accounts
from coursework.accounts.forms import EmptyForm
from coursework.db import utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.i18n import _, lazy_gettext
from coursework.job_views import follow
from coursework.organisations import long_work, services
from coursework.organisations.forms import (
    AssignForm,
    BulkInviteForm,
    DueDateForm,
    InviteForm,
    OrganisationForm,
    RemindersForm,
    RoleForm,
    add_errors,
    is_past,
)
from coursework.organisations.models import Organisation, Role
from coursework.policy import access
from lessons import services as lessons

bp = Blueprint("organisations", __name__, template_folder="templates")

OUTBOX_SHOWN = 50

# The manager's pages, in the order of the sub-navigation, each with the endpoints that
# belong to it (a blueprint's name stands for all of its pages). Some belong to other
# blueprints; a page whose blueprint is not registered is left out of the navigation.
MANAGER_SECTIONS = (
    ("dashboard.overview", lazy_gettext("Dashboard"), ("dashboard",)),
    ("org_questions.index", lazy_gettext("Questions"), ("org_questions",)),
    (
        "organisations.people",
        lazy_gettext("People"),
        (
            "organisations.people",
            "organisations.invite",
            "organisations.bulk_invite",
            "organisations.remove_member",
        ),
    ),
    (
        "organisations.assignments",
        lazy_gettext("Assignments"),
        (
            "organisations.assignments",
            "organisations.set_due_date",
            "organisations.set_reminders",
            "organisations.remove_assignment",
        ),
    ),
    ("tokens.index", lazy_gettext("API tokens"), ("tokens",)),
    (
        "org_settings.forwarding",
        lazy_gettext("LRS"),
        ("org_settings.forwarding", "org_settings.check"),
    ),
    ("org_settings.settings", lazy_gettext("Settings"), ("org_settings.settings",)),
    ("lti_admin.platforms", lazy_gettext("LMS (LTI)"), ("lti_admin",)),
    ("sso.checklist", lazy_gettext("Single sign-on"), ("sso",)),
)


@bp.app_template_global()
def manager_sections(organisation: Organisation) -> list[tuple[str, str, bool]]:
    """(label, url, is the current page) of each manager page, for the sub-navigation."""
    return [
        (
            label,
            url_for(endpoint, slug=organisation.slug),
            request.endpoint in members or request.blueprint in members,
        )
        for endpoint, label, members in MANAGER_SECTIONS
    ]


# ---- one's organisations ----------------------------------------------------------------


@bp.route("/organisations", methods=["GET", "POST"])
@access("learner")
def index():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.name.data, current_user)
        except RuleViolation as error:
            add_errors(form, error.errors)
        else:
            flash(
                _(
                    "%(name)s is ready and you are its manager. Invite your people next.",
                    name=organisation.name,
                ),
                "success",
            )
            return redirect(url_for(".people", slug=organisation.slug))
    return render_template(
        "organisations/index.html", form=form, memberships=services.memberships_of(current_user)
    ), (400 if form.errors else 200)


# ---- people -----------------------------------------------------------------------------


def _people_page(
    organisation: Organisation,
    *,
    invite_form: InviteForm | None = None,
    bulk_form: BulkInviteForm | None = None,
    results: list[services.RowResult] | None = None,
    leftover: list[str] | None = None,
    status: int = 200,
):
    now = utcnow()
    invitations = services.invitations(organisation)
    messages = services.outbox(organisation)
    return render_template(
        "organisations/people.html",
        organisation=organisation,
        members=services.members(organisation),
        pending=[i for i in invitations if i.state(now) == "pending"],
        states={i.id: i.state(now) for i in invitations},
        outbox=messages[:OUTBOX_SHOWN],
        outbox_total=len(messages),
        invite_form=InviteForm(prefix="invite", formdata=None)
        if invite_form is None
        else invite_form,
        bulk_form=BulkInviteForm(prefix="bulk", formdata=None) if bulk_form is None else bulk_form,
        results=results,
        leftover=leftover or [],
        # The form that was sent, so the page title can say there is an error.
        form=invite_form if invite_form is not None else bulk_form,
        mail_configured=bool(current_app.config.get("MAIL_URL")),
        mail_from=current_app.config.get("MAIL_FROM", ""),
    ), status


@bp.route("/organisations/<slug>/people")
@access("manager")
def people(slug: str):
    return _people_page(services.get_managed(current_user, slug))


@bp.route("/organisations/<slug>/people/invite", methods=["POST"])
@access("manager")
def invite(slug: str):
    organisation = services.get_managed(current_user, slug)
    form = InviteForm(prefix="invite")
    leftover: list[str] = []
    if form.validate_on_submit():
        try:
            invited = services.invite(
                organisation,
                current_user,
                form.email.data,
                form.name.data or "",
                Role(form.role.data),
            )
        except (RuleViolation, Conflict) as error:
            leftover = add_errors(form, error.errors) if error.errors else [error.message]
        else:
            flash(
                _invited_message(organisation, invited.invitation.id, invited.invitation.email),
                "success",
            )
            return redirect(url_for(".people", slug=organisation.slug))
    return _people_page(organisation, invite_form=form, leftover=leftover, status=400)


def _invited_message(organisation: Organisation, invitation_id: int, email: str) -> str:
    message = next(
        (m for m in services.outbox(organisation) if m.invitation_id == invitation_id), None
    )
    # The request has not committed yet, and mail goes out only after it does: the
    # message is queued (a mail server is set up) or kept in the outbox, never sent yet.
    if message is not None and message.state == mail.QUEUED:
        return _(
            "Invitation to %(email)s created; it will be emailed shortly (copy in the outbox).",
            email=email,
        )
    return _(
        "Invitation for %(email)s created. No mail server is set up, so copy its link from the "
        "outbox below and send it to them.",
        email=email,
    )


@bp.route("/organisations/<slug>/people/bulk", methods=["POST"])
@access("manager")
def bulk_invite(slug: str):
    organisation = services.get_managed(current_user, slug)
    form = BulkInviteForm(prefix="bulk")
    if form.validate_on_submit():
        text = form.list_text()
        try:
            rows = services.check_invitation_list(text)
        except RuleViolation as error:
            target = "file" if form.file.data and form.file.data.filename else "people"
            add_errors(form, {target: error.errors.get("people", [error.message])})
        else:
            if len(rows) > current_app.config["JOB_INVITATIONS_OVER"]:
                # A long list is invited in the background, with a page to follow it.
                job = long_work.start_bulk_invite(
                    organisation,
                    current_user,
                    text,
                    len(rows),
                    url_for(".people", slug=organisation.slug),
                )
                return follow(job)
            results = services.bulk_invite(organisation, current_user, text)
            # The rows that did not go through stay in the box, to correct and send again.
            retry = _failed_lines(text, results)
            fresh = BulkInviteForm(prefix="bulk", formdata=None, people=retry)
            return _people_page(organisation, bulk_form=fresh, results=results)
    return _people_page(organisation, bulk_form=form, status=400)


def _failed_lines(text: str, results: list[services.RowResult]) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    failed = []
    for result in results:
        if not result.ok:
            line = lines[result.row - 1] if 0 < result.row <= len(lines) else result.email
            failed.append(line.strip().lstrip("\ufeff"))
    return "\n".join(failed)


@bp.route("/organisations/<slug>/people/<int:user_id>/role", methods=["POST"])
@access("manager")
def set_role(slug: str, user_id: int):
    organisation = services.get_managed(current_user, slug)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        membership = services.set_role(organisation, user_id, Role(form.role.data), current_user)
    except Conflict as error:
        flash(error.message, "error")
    else:
        person = accounts.get_user(membership.user_id)
        flash(
            _(
                "%(display_name)s is now a manager of %(name)s.",
                display_name=person.display_name,
                name=organisation.name,
            )
            if membership.role == Role.MANAGER.value
            else _(
                "%(display_name)s is now a member (not a manager) of %(name)s.",
                display_name=person.display_name,
                name=organisation.name,
            ),
            "success",
        )
    return redirect(url_for(".people", slug=organisation.slug))


@bp.route("/organisations/<slug>/people/<int:user_id>/remove", methods=["GET", "POST"])
@access("manager")
def remove_member(slug: str, user_id: int):
    organisation = services.get_managed(current_user, slug)
    membership = services.get_membership(organisation, user_id)
    if not membership.is_active:
        raise NotFound(_("This person is not in your organisation."))
    person = accounts.get_user(membership.user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.remove_member(organisation, user_id, current_user)
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(
                _(
                    "%(display_name)s has been removed from %(name)s. Their learning history is "
                    "kept.",
                    display_name=person.display_name,
                    name=organisation.name,
                ),
                "success",
            )
        return redirect(url_for(".people", slug=organisation.slug))
    return render_template(
        "organisations/remove_member.html",
        organisation=organisation,
        membership=membership,
        person=person,
        form=form,
    )


@bp.route("/organisations/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@access("manager")
def revoke_invitation(slug: str, invitation_id: int):
    organisation = services.get_managed(current_user, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        invitation = services.revoke_invitation(organisation, invitation_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "The invitation to %(email)s is revoked: its link no longer works.",
                email=invitation.email,
            ),
            "success",
        )
    return redirect(url_for(".people", slug=organisation.slug))


# ---- assignments ------------------------------------------------------------------------


def _assign_form(organisation: Organisation, member_rows, courses, **kwargs) -> AssignForm:
    form = AssignForm(**kwargs)
    form.course.choices = [SelectChoice(course.id, course.title) for course, _, _ in courses]
    form.people.choices = [SelectChoice(user.id, user.display_name) for _, user in member_rows]
    return form


def _assignments_page(
    organisation: Organisation,
    *,
    form: AssignForm | None = None,
    member_rows=None,
    courses=None,
    leftover: list[str] | None = None,
    due_error: tuple[int, str, str] | None = None,
    status: int = 200,
):
    member_rows = services.members(organisation) if member_rows is None else member_rows
    courses = lessons.list_courses() if courses is None else courses
    if form is None:
        form = _assign_form(organisation, member_rows, courses, formdata=None)
    return render_template(
        "organisations/assignments.html",
        organisation=organisation,
        form=form,
        leftover=leftover or [],
        due_error=due_error,
        assignments=services.assignments(organisation),
        courses={course.id: course for course, _, _ in courses},
        people={user.id: user for _, user in member_rows},
        today=services.today(organisation),
    ), status


@bp.route("/organisations/<slug>/assignments", methods=["GET", "POST"])
@access("manager")
def assignments(slug: str):
    organisation = services.get_managed(current_user, slug)
    member_rows = services.members(organisation)
    courses = lessons.list_courses()
    form = _assign_form(organisation, member_rows, courses)
    leftover: list[str] = []
    if form.validate_on_submit():
        try:
            assignment = services.assign(
                organisation,
                form.course.data,
                current_user,
                due_on=form.due_on.data,
                user_ids=form.user_ids(),
                reminders=not form.no_reminders.data,
            )
        except (RuleViolation, Conflict) as error:
            leftover = add_errors(form, error.errors) if error.errors else [error.message]
        else:
            title = next(c.label for c in form.course.choices if c.value == assignment.course_id)
            flash(_("“%(title)s” is assigned.", title=title), "success")
            if is_past(assignment.due_on, services.today(organisation)):
                flash(
                    _(
                        "Its due date has already passed, so everyone who has not completed the "
                        "course shows as overdue. Change the date below if that was a mistake."
                    ),
                    "warning",
                )
            return redirect(url_for(".assignments", slug=organisation.slug))
    return _assignments_page(
        organisation,
        form=form,
        member_rows=member_rows,
        courses=courses,
        leftover=leftover,
        status=400 if form.errors or leftover else 200,
    )


@bp.post("/organisations/<slug>/assignments/<int:assignment_id>/reminders")
@access("manager")
def set_reminders(slug: str, assignment_id: int):
    organisation = services.get_managed(current_user, slug)
    form = RemindersForm()
    if not form.validate_on_submit():
        raise RuleViolation(_("This form had expired. Please submit it again."))
    assignment = services.set_reminders(organisation, assignment_id, form.on.data)
    flash(
        _("Reminders of this assignment's due date are on.")
        if assignment.reminders
        else _("Nobody will be reminded of this assignment's due date."),
        "success",
    )
    return redirect(url_for(".assignments", slug=organisation.slug))


@bp.route("/organisations/<slug>/assignments/<int:assignment_id>/due", methods=["POST"])
@access("manager")
def set_due_date(slug: str, assignment_id: int):
    organisation = services.get_managed(current_user, slug)
    services.get_assignment(organisation, assignment_id)  # another organisation's: 404
    form = DueDateForm()
    if form.validate_on_submit():
        assignment = services.set_due_date(organisation, assignment_id, form.due_on.data)
        if assignment.due_on is None:
            flash(_("The due date is removed."), "success")
        else:
            flash(
                _("The due date is now %(due_on)s.", due_on=format(assignment.due_on, "%-d %B %Y")),
                "success",
            )
            if is_past(assignment.due_on, services.today(organisation)):
                flash(
                    _(
                        "That date has passed, so everyone who has not completed the course "
                        "shows as overdue."
                    ),
                    "warning",
                )
        return redirect(url_for(".assignments", slug=organisation.slug))
    message = " ".join(form.due_on.errors) or _("This form had expired. Please submit it again.")
    raw = (form.due_on.raw_data or [""])[0]
    return _assignments_page(organisation, due_error=(assignment_id, raw, message), status=400)


@bp.route("/organisations/<slug>/assignments/<int:assignment_id>/remove", methods=["GET", "POST"])
@access("manager")
def remove_assignment(slug: str, assignment_id: int):
    organisation = services.get_managed(current_user, slug)
    assignment = services.get_assignment(organisation, assignment_id)
    course = lessons.get_course_by_id(assignment.course_id)
    form = EmptyForm()
    if form.validate_on_submit():
        services.unassign(organisation, assignment_id)
        flash(
            _(
                "“%(title)s” is no longer assigned. Progress made on it is kept.",
                title=course.title,
            ),
            "success",
        )
        return redirect(url_for(".assignments", slug=organisation.slug))
    return render_template(
        "organisations/remove_assignment.html",
        organisation=organisation,
        assignment=assignment,
        course=course,
        people={user.id: user for _, user in services.members(organisation)},
        form=form,
    )


# ---- invitations ------------------------------------------------------------------------


def _invalid_invitation():
    return render_template("organisations/invitation_invalid.html"), 404


@bp.route("/invitations/<token>")
@access("public")
def invitation(token: str):
    try:
        found, organisation = services.find_invitation(token)
    except NotFound:
        return _invalid_invitation()
    inviter = None
    if found.invited_by_id is not None:
        try:
            inviter = accounts.get_user(found.invited_by_id)
        except NotFound:
            inviter = None
    signed_in = current_user.is_authenticated
    return render_template(
        "organisations/invitation.html",
        invitation=found,
        organisation=organisation,
        inviter=inviter,
        right_person=signed_in and accounts.normalise_email(current_user.email) == found.email,
        form=EmptyForm(),
    )


@bp.route("/invitations/<token>", methods=["POST"])
@access("learner")
def accept(token: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        organisation = services.accept_invitation(token, current_user)
    except NotFound:
        return _invalid_invitation()
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".invitation", token=token))
    flash(
        _(
            "You have joined %(name)s. Courses it assigns to you are listed first.",
            name=organisation.name,
        ),
        "success",
    )
    return redirect(url_for("progress.my_learning"))
