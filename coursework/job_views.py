"""The pages of long-running jobs: progress (a page, and JSON for its script), the result
to download, trying a failed job again, and the notice on the next page once one finishes.

Only the person who started a job (and admins) find it; anyone else gets the same 404 as
for a job that does not exist."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup, escape

from coursework import jobs
from coursework.accounts.forms import EmptyForm
from coursework.dumping import Extended
from coursework.i18n import _
from coursework.job_schemas import JobSchema
from coursework.policy import access

bp = Blueprint("jobs", __name__)
blp = ApiBlueprint("jobs-api", __name__, description="Progress of work you started.")

# Set in the session of whoever starts a job, so only their requests look for finished ones.
WAITING = "jobs_waiting"
# Pages that show a job themselves, and requests that are not pages.
NO_NOTICE = ("jobs.show", "jobs.download", "static")


def follow(job: jobs.Job):
    """The answer to the request that started a job: its progress page (and a notice on a
    later page once it finishes)."""
    session[WAITING] = True
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@access("learner")
def show(job_id: int):
    job = jobs.get_for(current_user, job_id)
    if job.user_id == current_user.id:
        jobs.mark_noticed(job)
    return render_template(
        "jobs/show.html",
        job=job,
        may_download=jobs.may_download(job, current_user),
        may_retry=job.state == jobs.FAILED and job.user_id == current_user.id,
        button=EmptyForm(),
    )


@bp.post("/jobs/<int:job_id>/retry")
@access("learner")
def retry(job_id: int):
    job = jobs.get_for(current_user, job_id)
    if job.user_id != current_user.id:
        abort(403)
    jobs.retry(job)
    return follow(job)


@bp.get("/jobs/<int:job_id>/download")
@access("learner")
def download(job_id: int):
    job = jobs.get_for(current_user, job_id)
    if not jobs.may_download(job, current_user):
        flash(
            _(
                "This file is no longer kept (files are kept for a limited time). Start the job "
                "again to make a new one."
            )
            if job.state == jobs.DONE and job.file_expires_at is not None
            else _("This job has no file to download."),
            "error",
        )
        return redirect(url_for("jobs.show", job_id=job.id))
    response = Response(job.file, content_type=job.file_type)
    response.headers.set("Content-Disposition", "attachment", filename=job.file_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/jobs/<int:job_id>")
class JobProgress(MethodView):
    @access("learner")
    @blp.response(200, JobSchema)
    def get(self, job_id: int):
        """How far a job you started has got, and what came of it once finished."""
        job = jobs.get_for(current_user, job_id)
        may_download = jobs.may_download(job, current_user)
        return Extended(
            job,
            result_url=job.result_url or None,
            download_url=url_for("jobs.download", job_id=job.id) if may_download else None,
            page_url=url_for("jobs.show", job_id=job.id),
        )


def announce_finished_jobs():
    """On the next page its starter opens, say that a job finished, with a link to it."""
    if (
        not session.get(WAITING)
        or request.method != "GET"
        or request.endpoint in NO_NOTICE
        or request.path.startswith("/api/")
        or not current_user.is_authenticated
    ):
        return
    finished, waiting = jobs.take_notices(current_user.id)
    for job in finished:
        link = url_for("jobs.show", job_id=job.id)
        if job.state == jobs.DONE:
            flash(
                Markup(
                    _(
                        '“%(title)s” is done. <a href="%(link)s">See the result</a>.',
                        title=escape(job.title),
                        link=escape(link),
                    )
                )
            )
        else:
            flash(
                Markup(
                    _(
                        '“%(title)s” failed. <a href="%(link)s">See what went wrong</a>.',
                        title=escape(job.title),
                        link=escape(link),
                    )
                ),
                "error",
            )
    if not waiting:
        session.pop(WAITING, None)
