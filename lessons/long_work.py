"""Importing a large course document as a job with a progress page: the upload is stored
with the job, then read, checked and imported in one transaction, as the Teach page does in
the request for smaller documents."""

from __future__ import annotations

from flask import current_app

from coursework import jobs
from coursework.accounts.models import User
from coursework.extensions import db
from coursework.i18n import _
from lessons import services
from lessons.builder import DocumentError, read_document
from lessons.cli import describe

IMPORT_COURSE = "lessons.import_course"


def start_course_import(
    by: User, data: bytes, filename: str, *, slug: str | None, replace: bool, back_url: str
) -> jobs.Job:
    """Import a course document in the background; `slug` and `replace` as on the form."""
    job = jobs.start(
        IMPORT_COURSE,
        by.id,
        _("Importing %(file)s as a course", file=filename),
        params={"filename": filename, "slug": slug, "replace": replace},
        data=data,
        link=back_url,
        link_label=_("Back to your courses"),
    )
    db.session.flush()
    return job


@jobs.register(IMPORT_COURSE, unit="lessons")
def _import_course(job: jobs.Job) -> jobs.Result:
    """Read the document, check who may change the course at its address, then import: one
    transaction, and importing the same document again changes nothing, so a retry is
    harmless."""
    arguments = job.arguments
    author = db.session.get(User, job.user_id)
    if author is None or not (author.is_instructor or author.is_admin):
        raise jobs.JobFailed(_("Only instructors import courses."))
    jobs.report(job.id, 0, _("Reading the document."))
    try:
        source = read_document(
            arguments["filename"],
            job.data,
            slug=arguments["slug"],
            max_bytes=current_app.config["COURSE_DOCUMENT_MAX_BYTES"],
        )
    except DocumentError as error:
        raise jobs.JobFailed(
            _("The document was not imported: %(problem)s", problem=error)
        ) from None
    lessons = len(source.lessons)
    jobs.report(
        job.id, 0, _("Building %(count)s lessons.", count=format(lessons, ",")), total=lessons
    )
    existing = services.target_course(source)
    if existing is not None and not services.can_change(existing.id, author):
        raise jobs.JobFailed(
            _(
                "The address %(slug)s belongs to a course you do not teach. Choose another "
                "address and upload the document again.",
                slug=source.slug,
            )
        )
    if existing is not None and not arguments["replace"]:
        raise jobs.JobFailed(
            _(
                "%(course)s is already at %(slug)s. Tick “Replace the course if one is "
                "already at this address” and upload the document again.",
                course=existing.title,
                slug=source.slug,
            )
        )
    report = services.import_course(source, author)
    message = describe(report)
    return jobs.Result(
        message,
        url=jobs.path_for("progress.course", slug=report.course.slug),
        label=_("View the course"),
    )
