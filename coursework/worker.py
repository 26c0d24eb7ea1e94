"""The queue's consumer: `huey_consumer coursework.worker.huey` (see `make worker`).

It builds the app (configuration, database, templates) that jobs run in and hands the
consumer the queue that app was configured with; a worker never runs jobs at once."""

from __future__ import annotations

from coursework import create_app, tasks

app = create_app({"QUEUE_IMMEDIATE": False})
tasks.activate(app)
huey = tasks.huey
