"""The task queue, for every package: jobs registered here run in a Huey consumer.

With no configuration the queue lives in a SQLite file in the instance folder (`make run`
starts a consumer beside the web server); with REDIS_URL set it lives in Redis and any
number of `make worker` processes share it. Tests run jobs at once (`QUEUE_IMMEDIATE`).

Jobs are only ever enqueued once the transaction that asked for them has committed
(`after_commit`), so rolled-back work starts nothing. A job may run more than once (a
retry, an admin's retry, a consumer that died before acknowledging), so each one must be
idempotent: it checks the state it changes before changing it. A job that fails is
retried with growing delays; after the last attempt it is kept in `failed_jobs`, where an
admin sees it and can run it again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from coursework.db import utcnow
from coursework.errors import NotFound
from coursework.extensions import db
from coursework.i18n import _

log = logging.getLogger(__name__)

PENDING = "coursework.pending_jobs"
# Delays between attempts grow: 30 s, 1 min, 2 min, 4 min, 8 min, then the job has failed.
RETRIES = 5
FIRST_RETRY_DELAY = 30

# Tasks are bound to this instance when their modules are imported; `activate` gives it the
# storage the app's configuration asks for.
huey: Huey = Huey("coursework", immediate=True, storage_class=MemoryStorage)
_jobs: dict[str, TaskWrapper] = {}
_app: Flask | None = None


class FailedJob(db.Model):
    """A job that failed on its last attempt, with what it was asked to do."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[str] = mapped_column(Text)  # JSON list
    error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]


EXTENSION = "coursework.queue"


def init_app(app: Flask) -> None:
    """Remember which queue this app uses: none (jobs run at once) or its storage."""
    global _app
    _app = app
    app.extensions[EXTENSION] = (
        None if app.config["QUEUE_IMMEDIATE"] else storage_for(app.config, app.instance_path)
    )


def activate(app: Flask) -> None:
    """Point the queue at `app`'s storage (or run jobs at once). A process serves one app,
    so after the first call this changes nothing; tests build several apps."""
    storage = app.extensions[EXTENSION]
    huey.immediate = storage is None
    if storage is not None and huey.storage is not storage:
        huey.storage = storage


def storage_for(config: dict[str, Any], instance_path: str):
    """Redis when REDIS_URL is set (shared by every worker), else a file of this instance."""
    name = config["QUEUE_NAME"]
    if config.get("REDIS_URL"):
        return RedisStorage(name, url=config["REDIS_URL"])
    os.makedirs(instance_path, exist_ok=True)
    return SqliteStorage(name, filename=os.path.join(instance_path, "queue.sqlite"))


def _job_context():
    """The caller's app when a job runs at once (immediate mode), else the worker's; either
    way a context of its own, so the job has its own database session."""
    app = current_app._get_current_object() if has_app_context() else _app
    assert app is not None, "coursework.tasks.init_app was not called"
    return app.app_context()


def job(function: Callable[..., Any]) -> TaskWrapper:
    """Register `function` as a job. Its arguments must be JSON values (ids, not objects):
    they are stored with the job, and again with a failed one for an admin's retry."""
    name = f"{function.__module__}.{function.__name__}"

    @wraps(function)
    def run(*args: Any, task=None) -> Any:
        with _job_context():
            try:
                result = function(*args)
                # A job is a unit of work of its own, as a request is: what it did lands
                # when it succeeds (a job that commits batches has committed them already).
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                _after_failure(name, args, error, task)
                raise
            return result

    wrapper = huey.task(retries=RETRIES, retry_delay=FIRST_RETRY_DELAY, context=True, name=name)(
        run
    )
    _jobs[name] = wrapper
    return wrapper


def periodic(schedule: Callable[[datetime], bool]):
    """Register a job the queue's scheduler runs on `schedule` (a `huey.crontab`). Not
    retried: the next run picks up whatever this one missed."""

    def register(function: Callable[[], Any]):
        name = f"{function.__module__}.{function.__name__}"

        @wraps(function)
        def run() -> Any:
            with _job_context():
                result = function()
                db.session.commit()
                return result

        return huey.periodic_task(schedule, name=name)(run)

    return register


def _after_failure(name: str, args: tuple, error: Exception, task) -> None:
    remaining = task.retries if task is not None else 0
    if remaining:
        # Huey waits `retry_delay` before the next attempt: double it each time.
        task.retry_delay = FIRST_RETRY_DELAY * 2 ** (RETRIES - remaining)
        log.warning("job %s failed, %d attempts left: %s", name, remaining, error)
        return
    log.error("job %s failed on its last attempt: %s", name, error)
    db.session.add(FailedJob(name=name, arguments=json.dumps(list(args)), error=str(error)[:2000]))
    # The job's own work was rolled back; the record of its failure is a transaction alone.
    db.session.commit()


def enqueue_after_commit(task: TaskWrapper, *args: Any) -> None:
    """Run `task(*args)` once the current transaction commits; never if it rolls back."""
    db.session.info.setdefault(PENDING, []).append((task, args))


READY = "coursework.jobs_to_enqueue"


@event.listens_for(Session, "after_commit")
def _ready_pending(session: Session) -> None:
    session.info.setdefault(READY, []).extend(session.info.pop(PENDING, []))


@event.listens_for(Session, "after_transaction_end")
def _enqueue_ready(session: Session, transaction: SessionTransaction) -> None:
    # When the outermost transaction has ended, its connection back in the pool: a job run
    # at once (tests, QUEUE_IMMEDIATE) takes a connection of its own, and twenty requests
    # committing together must not each hold two. Anything still pending belonged to work
    # that was rolled back (or a session closed without committing).
    if transaction.parent is not None:
        return
    session.info.pop(PENDING, None)
    ready = session.info.pop(READY, [])
    if ready:
        activate(current_app._get_current_object() if has_app_context() else _app)
    for task, args in ready:
        task(*args)


# ---- failed jobs, for the admin ------------------------------------------------------------


def failed_jobs() -> list[FailedJob]:
    """Failed jobs, newest first."""
    return list(
        db.session.scalars(select(FailedJob).order_by(FailedJob.failed_at.desc(), FailedJob.id))
    )


def retry_failed(job_id: int) -> FailedJob:
    """Run a failed job again (once the caller commits); it stays listed as retried, and a
    new failure adds a new entry. Jobs are idempotent, so a retry of work that in fact
    finished changes nothing."""
    failed = db.session.get(FailedJob, job_id)
    if failed is None or failed.name not in _jobs:
        raise NotFound(_("There is no such failed job."))
    failed.retried_at = utcnow()
    enqueue_after_commit(_jobs[failed.name], *json.loads(failed.arguments))
    return failed
