"""Long work off the request: a tracked job whose progress its starter can follow.

A feature registers a kind of job with `register(kind, ...)` and starts one with `start(...)`
inside its own transaction; the work runs on the task queue once that commits (`run`). The
handler works in batches: after each it calls `checkpoint` (its work and the count in one
commit, and the count only moves on if no other run moved it first, so a retried or doubled
run never does a batch twice) or `report` (the count alone, on a connection of its own, while
a long read is open). It returns a `Result`: a link, a stored file, or both.

A handler that raises `JobFailed` (or any domain error) ends the job as failed with that
message, and is not retried: the same input would fail the same way. Anything else is a
fault on our side: the job shows a plain message (never the exception), keeps what was
committed, and is retried by the queue with growing delays.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from huey import crontab
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from coursework import tasks
from coursework.db import utcnow
from coursework.errors import DomainError, NotFound
from coursework.extensions import db
from coursework.formatting import format_number
from coursework.i18n import _, lazy_gettext, speaking
from coursework.lengths import fit

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = (DONE, FAILED)
STATE_LABELS = {
    QUEUED: lazy_gettext("Waiting to start"),
    RUNNING: lazy_gettext("Running"),
    DONE: lazy_gettext("Done"),
    FAILED: lazy_gettext("Failed"),
}
# Problems listed on a failed or partly done job's page (bad rows, bad questions).
MAX_PROBLEMS = 200


class Job(db.Model):
    """Work someone started that runs off the request: what, how far, and what came of it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
        # A person's finished jobs not yet announced to them.
        Index("ix_jobs_user_id_noticed_at", "user_id", "noticed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    # What the handler needs (JSON: ids, options) and the uploaded input, if any.
    params: Mapped[str] = mapped_column(Text, default="{}")
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # Problems found on the way (JSON list of [where, message]), shown on the page.
    problems: Mapped[str] = mapped_column(Text, default="[]")
    result_url: Mapped[str] = mapped_column(Text, default="")
    result_label: Mapped[str] = mapped_column(String(100), default="")
    file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_type: Mapped[str] = mapped_column(String(100), default="")
    file_size: Mapped[int] = mapped_column(default=0)
    file_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # When its starter was told it finished (the page, or a notice on their next page).
    noticed_at: Mapped[datetime | None]

    @property
    def arguments(self) -> dict[str, Any]:
        return json.loads(self.params)

    @property
    def problem_list(self) -> list[tuple[str, str]]:
        return [(where, message) for where, message in json.loads(self.problems)]

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def unit(self) -> str:
        kind = KINDS.get(self.kind)
        return kind.unit if kind else "items"

    def file_available(self, now: datetime | None = None) -> bool:
        return (
            self.file_expires_at is not None
            and self.file_size > 0
            and (now or utcnow()) < self.file_expires_at
        )


class JobFailed(DomainError):
    """The work cannot be done as asked (a bad file, a list with nothing to do): the job ends
    failed with this message and the problems listed, and is not retried."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Result:
    """What a finished job leaves: a sentence, a link, a file to download."""

    message: str
    url: str = ""
    label: str = ""
    file: bytes | None = None
    file_name: str = ""
    file_type: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    handler: Callable[[Job], Result]
    unit: str  # what `done` and `total` count: "people", "questions", …
    # Whether this person may still see this job (say, still manages its organisation);
    # its starter and admins pass the first check in `get_for`.
    allowed: Callable[[Job, Any], bool]


KINDS: dict[str, Kind] = {}


def register(
    kind: str, *, unit: str, allowed: Callable[[Job, Any], bool] = lambda job, user: True
) -> Callable[[Callable[[Job], Result]], Callable[[Job], Result]]:
    """Register the handler of a kind of job (a higher layer's; the platform imports none)."""

    def add(handler: Callable[[Job], Result]) -> Callable[[Job], Result]:
        KINDS[kind] = Kind(handler, unit, allowed)
        return handler

    return add


# ---- starting and finding ------------------------------------------------------------------


def start(
    kind: str,
    by_id: int,
    title: str,
    *,
    total: int = 0,
    params: dict[str, Any] | None = None,
    data: bytes | None = None,
    link: str = "",
    link_label: str = "",
) -> Job:
    """Record a job and queue it to run once the caller's transaction commits; the caller
    commits. `link` is where its page sends the person once it has finished (the quiz, the
    people page), unless the handler's result names another."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of job {kind!r}")
    job = Job(
        user_id=by_id,
        kind=kind,
        title=fit(title, Job.title),
        total=total,
        params=json.dumps(params or {}),
        data=data,
        message=_("Waiting for a worker to start it."),
        result_url=link,
        result_label=fit(link_label, Job.result_label),
    )
    db.session.add(job)
    db.session.flush()
    tasks.enqueue_after_commit(run, job.id)
    log.info("job %s (%s) started by user %s", job.id, kind, by_id)
    return job


def get_for(user, job_id: int) -> Job:
    """A job its starter (or an admin) may see; anyone else finds nothing there."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in KINDS:
        raise NotFound(_("There is no such job."))
    if not (job.user_id == user.id or user.is_admin) or not KINDS[job.kind].allowed(job, user):
        raise NotFound(_("There is no such job."))
    return job


def may_download(job: Job, user, now: datetime | None = None) -> bool:
    """Only the person who started the job downloads what it made, while it is kept."""
    return job.user_id == user.id and job.state == DONE and job.file_available(now)


def mark_noticed(job: Job) -> None:
    """Its starter has seen that it finished; the caller commits."""
    if job.finished and job.noticed_at is None:
        job.noticed_at = utcnow()


def take_notices(user_id: int) -> tuple[list[Job], bool]:
    """This person's finished jobs not yet announced to them (now marked announced), and
    whether any of their jobs is still waiting or running."""
    finished = list(
        db.session.scalars(
            select(Job)
            .where(Job.user_id == user_id, Job.noticed_at.is_(None), Job.state.in_(FINISHED))
            .order_by(Job.id)
        )
    )
    for job in finished:
        job.noticed_at = utcnow()
    waiting = (
        db.session.scalar(
            select(Job.id).where(Job.user_id == user_id, Job.state.in_((QUEUED, RUNNING))).limit(1)
        )
        is not None
    )
    db.session.flush()
    return finished, waiting


def retry(job: Job) -> None:
    """Run a failed job again, from where it stopped; the caller commits."""
    if job.state != FAILED:
        return
    job.state, job.message, job.noticed_at = (
        QUEUED,
        _("Waiting for a worker to start it again."),
        None,
    )
    tasks.enqueue_after_commit(run, job.id)


# ---- running -------------------------------------------------------------------------------


def path_for(endpoint: str, **values: Any) -> str:
    """`url_for` for a job, which runs with no request: the path of a page of this app."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def checkpoint(job: Job, done: int, message: str | None = None) -> None:
    """Commit a batch's work together with the count of what is done. The count moves on
    only from the value this run last saw; when another run moved it first, this batch is
    rolled back and `Superseded` ends this run, so no batch is ever done twice."""
    seen = job.done
    moved = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.done == seen)
        .values(done=done, **({"message": message} if message is not None else {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.rollback()
        raise Superseded
    # A job's own commit, batch by batch: a retry starts after the last one, never redoes it.
    db.session.commit()
    db.session.refresh(job)


def report(job_id: int, done: int, message: str | None = None, total: int | None = None) -> None:
    """Record progress alone, on a connection of its own, so a handler that is reading a
    long result (a server-side cursor) need not end its transaction."""
    values: dict[str, Any] = {"done": done}
    if message is not None:
        values["message"] = message
    if total is not None:
        values["total"] = total
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job_id).values(**values))


class Superseded(Exception):
    """Another run of the same job got further first: this one stops quietly."""


@tasks.job
def run(job_id: int) -> None:
    """Run a job's handler and record how it ended. Safe to run again: a finished job is
    left alone and a failed or interrupted one carries on from its last checkpoint."""
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_((QUEUED, RUNNING, FAILED)))
        .values(
            state=RUNNING,
            started_at=utcnow(),
            attempts=Job.attempts + 1,
            message=_("Started."),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    # The claim commits before the work starts, so a second run of the job sees it running
    # and the progress page shows "Started" while the handler works.
    db.session.commit()
    if not claimed:
        return
    job = db.session.get_one(Job, job_id)
    kind = KINDS[job.kind]
    from coursework.accounts.models import User  # jobs are below accounts in the layers

    try:
        # In the language of the person who started it: messages, files and mail it sends.
        with speaking(db.session.get(User, job.user_id)):
            result = kind.handler(job)
    except Superseded:
        log.info("job %s: another run got further, this one stops", job_id)
        return
    except DomainError as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, JobFailed) else _problems_of(error)
        _finish(job_id, FAILED, error.message, problems=problems)
        log.info("job %s failed: %s", job_id, error.message)
        return
    except Exception:
        db.session.rollback()
        log.exception("job %s stopped by an error", job_id)
        job = db.session.get_one(Job, job_id)
        _finish(
            job_id,
            FAILED,
            _(
                "It stopped after %(done)s of %(total)s %(unit)s because of an error on our side. "
                "What was done until then is kept; it will be tried again shortly, or you can try "
                "again now.",
                done=format_number(job.done),
                total=format_number(job.total),
                unit=job.unit,
            ),
        )
        raise
    _finish(job_id, DONE, result.message, result=result)


def _problems_of(error: DomainError) -> list[tuple[str, str]]:
    return [(where, message) for where, messages in error.errors.items() for message in messages]


def _finish(
    job_id: int,
    state: str,
    message: str,
    *,
    problems: list[tuple[str, str]] | None = None,
    result: Result | None = None,
) -> None:
    # Read again: `report` moved the counts on a connection of its own.
    job = db.session.get_one(Job, job_id, populate_existing=True)
    job.state, job.message, job.finished_at = state, message, utcnow()
    if result is not None:
        problems = result.problems
        job.done = max(job.done, job.total)
        if result.url:
            job.result_url, job.result_label = result.url, fit(result.label, Job.result_label)
        job.data = None  # the upload has served its purpose
        if result.file is not None:
            job.file, job.file_size = result.file, len(result.file)
            job.file_name, job.file_type = fit(result.file_name, Job.file_name), result.file_type
            job.file_expires_at = utcnow() + timedelta(hours=current_app.config["JOB_FILE_HOURS"])
    job.problems = json.dumps([list(p) for p in (problems or [])[:MAX_PROBLEMS]])
    # With the handler's last work, or alone after it was rolled back: how it ended is kept.
    db.session.commit()


@tasks.periodic(crontab(minute="20"))
def forget_expired_files() -> None:
    """Files that jobs made are kept for JOB_FILE_HOURS, then dropped (the job stays)."""
    db.session.execute(
        update(Job)
        .where(Job.file_expires_at < utcnow(), Job.file.is_not(None))
        .values(file=None)
        .execution_options(synchronize_session=False)
    )
