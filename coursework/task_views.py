"""The admin's list of failed jobs, and running one again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from coursework import tasks
from coursework.i18n import _
from coursework.policy import access

bp = Blueprint("tasks", __name__)


@bp.get("/admin/jobs")
@access("admin")
def failed_jobs():
    return render_template("admin_jobs.html", jobs=tasks.failed_jobs())


@bp.post("/admin/jobs/<int:job_id>/retry")
@access("admin")
def retry(job_id: int):
    # CSRF is checked for every unsafe request before the view runs.
    failed = tasks.retry_failed(job_id)
    flash(
        _("The job %(name)s (failed job %(id)s) is queued again.", name=failed.name, id=failed.id),
        "success",
    )
    return redirect(url_for("tasks.failed_jobs"))
