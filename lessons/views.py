"""Instructor pages for courses: the list, and importing a document as a course."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from coursework.policy import access
from lessons import services
from lessons.builder import DocumentError, read_document
from lessons.forms import ImportCourseForm

bp = Blueprint("lessons", __name__, url_prefix="/teach", template_folder="templates")


@bp.route("/courses", methods=["GET", "POST"])
@access("instructor")
def courses():
    form = ImportCourseForm()
    report = None
    if form.validate_on_submit():
        upload = form.document.data
        try:
            source = read_document(
                upload.filename or "document.txt",
                upload.read(),
                slug=form.slug.data or None,
                max_bytes=current_app.config["COURSE_DOCUMENT_MAX_BYTES"],
            )
        except DocumentError as error:
            form.document.errors.append(str(error))
        else:
            report = services.import_course(source)
    status = 400 if form.errors else 200
    return render_template(
        "lessons/courses.html", form=form, report=report, courses=services.list_courses()
    ), status
