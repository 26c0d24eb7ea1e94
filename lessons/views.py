"""Instructor pages for courses: the list, importing a document as a course, and the
course's staff."""

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

from coursework.accounts.forms import EmptyForm
from coursework.errors import Conflict, PermissionDenied, RuleViolation
from coursework.i18n import _
from coursework.job_views import follow
from coursework.policy import access
from lessons import long_work, services
from lessons.builder import DocumentError, read_document
from lessons.forms import ImportCourseForm, StaffForm
from lessons.models import StaffRole

bp = Blueprint("lessons", __name__, url_prefix="/teach", template_folder="templates")


@bp.route("/courses", methods=["GET", "POST"])
@access("instructor")
def courses():
    form = ImportCourseForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.document.data
        data = upload.read()
        limit = current_app.config["COURSE_DOCUMENT_MAX_BYTES"]
        if current_app.config["JOB_DOCUMENT_BYTES_OVER"] < len(data) <= limit:
            # A large document is stored and imported in the background, with a page to
            # follow; who may use the address is checked there.
            job = long_work.start_course_import(
                current_user,
                data,
                upload.filename or "document.txt",
                slug=form.slug.data or None,
                replace=form.replace.data,
                back_url=url_for("lessons.courses"),
            )
            return follow(job)
        try:
            source = read_document(
                upload.filename or "document.txt",
                data,
                slug=form.slug.data or None,
                max_bytes=current_app.config["COURSE_DOCUMENT_MAX_BYTES"],
            )
        except DocumentError as error:
            form.document.errors.append(str(error))
        else:
            existing = services.target_course(source)
            if existing is not None and not services.can_change(existing.id, current_user):
                form.slug.errors.append(
                    _(
                        "The address %(slug)s belongs to a course you do not teach. "
                        "Choose another address.",
                        slug=source.slug,
                    )
                )
                status = 403
            elif existing is not None and not form.replace.data:
                form.replace.errors.append(
                    _(
                        "%(course)s is already at %(slug)s. Tick the box to replace "
                        "its lessons with this document's, then choose the file again.",
                        course=existing.title,
                        slug=source.slug,
                    )
                )
            else:
                report = services.import_course(source, current_user)
    if form.errors and status == 200:
        status = 400
    return render_template(
        "lessons/courses.html",
        form=form,
        report=report,
        courses=services.courses_for_staff(current_user),
    ), status


# ---- staff ----------------------------------------------------------------------------


def _staffed_course(slug: str):
    course = services.get_course(slug)
    services.require_staff(course.id, current_user)
    return course


@bp.route("/courses/<slug>/staff", methods=["GET", "POST"])
@access("instructor")
def staff(slug: str):
    course = _staffed_course(slug)
    staff_of = services.staff_of(course)
    may_manage = services.can_manage_staff(course, current_user)
    has_owner = any(member.is_owner for member, _ in staff_of)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied(_("Only the course's owner can change its staff."))
    form = StaffForm()
    if has_owner or not current_user.is_admin:
        del form.role  # only an admin gives an ownerless course its owner
    if form.validate_on_submit():
        role = StaffRole(form.role.data) if "role" in form else StaffRole.CO_INSTRUCTOR
        try:
            services.add_staff(course, form.email.data, current_user, role)
        except (RuleViolation, Conflict) as error:
            field = form.role if "role" in error.errors and "role" in form else form.email
            field.errors.extend(error.errors.get(field.name) or [error.message])
        else:
            flash(
                _("%(email)s now teaches %(course)s.", email=form.email.data, course=course.title),
                "success",
            )
            return redirect(url_for("lessons.staff", slug=course.slug))
    return render_template(
        "lessons/staff.html",
        course=course,
        staff=staff_of,
        may_manage=may_manage,
        form=form,
        button=EmptyForm(),
    ), 400 if form.errors else 200


@bp.route("/courses/<slug>/staff/<int:user_id>/remove", methods=["POST"])
@access("instructor")
def remove_staff(slug: str, user_id: int):
    course = _staffed_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.remove_staff(course, user_id, current_user)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("Removed from the course's staff."), "success")
    return redirect(url_for("lessons.staff", slug=course.slug))


@bp.route("/courses/<slug>/staff/<int:user_id>/owner", methods=["POST"])
@access("instructor")
def hand_over(slug: str, user_id: int):
    course = _staffed_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.hand_over(course, user_id, current_user)
    flash(_("The course has a new owner."), "success")
    return redirect(url_for("lessons.staff", slug=course.slug))
