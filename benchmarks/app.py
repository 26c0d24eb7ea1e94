"""The application as gunicorn serves it in the benchmark, plus one response header that
counts the SQL statements each request ran (read once per endpoint, not under load)."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from coursework.app import create_app

app = create_app()


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, *args) -> None:
    if has_app_context():
        g.bench_statements = g.get("bench_statements", 0) + 1


def _report(response):
    response.headers["X-Bench-Statements"] = str(g.get("bench_statements", 0))
    return response


# Flask runs after-request hooks last registered first: put this one first in the list so
# that it runs after the app's own, and the request's commit is counted too.
app.after_request_funcs.setdefault(None, []).insert(0, _report)
