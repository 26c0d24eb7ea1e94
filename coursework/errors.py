"""Domain exceptions and their one mapping to HTTP.

Services raise these; views never build error responses by hand. Under `/api/` the answer
is JSON in flask-smorest's shape, everywhere else an HTML page.
"""

from __future__ import annotations

import contextlib
import json
import logging
from http import HTTPStatus

from flask import Flask, Response, current_app, g, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from coursework.db import keep_work
from coursework.extensions import db, login_manager
from coursework.i18n import _

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request refused by a rule. Its work is rolled back, unless `keep` says that what
    was done before the refusal stands (a quiz whose time ran out is submitted, then the
    late save is refused): the request's one commit then keeps it."""

    status_code = 400

    def __init__(
        self, message: str, errors: dict[str, list[str]] | None = None, *, keep: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.keep = keep


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class RuleViolation(DomainError):
    """Input that breaks a rule; `errors` names the fields, as a form or schema would."""

    status_code = 422


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def json_error(
    code: int, message: str | None = None, errors: dict | None = None
) -> tuple[dict, int]:
    body: dict = {"code": code, "status": HTTPStatus(code).phrase}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body, code


def html_error(code: int, message: str | None = None) -> tuple:
    template = code if code in (400, 401, 403, 404, 405, 413, 429, 500, 503) else "generic"
    try:
        page = render_template(
            f"errors/{template}.html",
            code=code,
            phrase=HTTPStatus(code).phrase,
            message=message,
        )
    except DBAPIError as error:
        # The page's navigation asks who is signed in; a 404 that needed no database of
        # its own still meets the outage there, and answers as every other route does.
        if code == 503 or not database_unavailable(error):
            raise
        return handle_database_error(error)
    return page, code


def handle_domain_error(error: DomainError) -> tuple[str | dict, int]:
    if error.keep:
        keep_work()
    else:
        db.session.rollback()
    if is_api_request():
        errors = {"json": error.errors} if error.errors else None
        return json_error(error.status_code, error.message, errors)
    return html_error(error.status_code, error.message)


def handle_http_exception(error: HTTPException) -> Response:
    if error.code is None:
        return error.get_response()
    if error.code >= 400:
        # A request that gave up part-way leaves nothing behind for the request's commit.
        db.session.rollback()
    response = _http_error_response(error)
    # What the exception itself says beyond its body: `Allow` on 405, `Retry-After`, ….
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            response.headers.setdefault(key, value)
    return response


def _http_error_response(error: HTTPException) -> Response:
    if is_api_request():
        # flask-smorest puts parsing errors (422) in `error.data["messages"]`.
        data = getattr(error, "data", None) or {}
        errors = data.get("messages")
        message = data.get("message") or (error.description if error.code != 422 else None)
        body, code = json_error(error.code, message, errors)
        response = Response(response=json.dumps(body), status=code, mimetype="application/json")
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response
    description = error.description if error.code not in (404, 500) else None
    return make_response(html_error(error.code, description))


def handle_unexpected(error: Exception) -> tuple[str | dict, int]:
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return json_error(500, _("Something went wrong on our side. It has been logged."))
    return html_error(500)


# How long a client should wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30

# PostgreSQL's SQLSTATEs for "the server went away or will not take connections": class 08
# (connection exception) and the server shutting down or starting up. A refused connection
# never reaches the server, so it has no SQLSTATE at all.
_POSTGRES_UNAVAILABLE = ("08", "57P01", "57P02", "57P03")
# SQLite says so in words: the file cannot be opened, or the disk under it failed.
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error")


def database_unavailable(error: DBAPIError) -> bool:
    """True when the error means the database cannot be reached, as opposed to a query
    that is wrong (a missing table, a bad value), which stays a 500 to be fixed."""
    if isinstance(error, InterfaceError) or error.connection_invalidated:
        return True
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if type(original).__module__.startswith("psycopg"):
        return sqlstate is None or sqlstate.startswith(_POSTGRES_UNAVAILABLE)
    return any(words in str(original).lower() for words in _SQLITE_UNAVAILABLE)


def log_database_unavailable(error: DBAPIError, where: str) -> None:
    """One line per failing request: no traceback, and never the statement or its
    parameters (they may hold personal data or secrets)."""
    log.error("database unavailable (%s) on %s", type(error.orig).__name__, where)


def handle_database_error(error: DBAPIError) -> tuple[str | dict, int, dict]:
    """A database that cannot be reached answers 503 with Retry-After on every route,
    rather than a 500 and a traceback per request."""
    if not database_unavailable(error):
        if current_app.testing:
            raise error
        return handle_unexpected(error)
    with contextlib.suppress(DBAPIError):  # the connection is gone: nothing to roll back
        db.session.rollback()
    log_database_unavailable(error, f"{request.method} {request.path}")
    # The error page shows the navigation, which asks who is signed in: answer "nobody"
    # rather than ask the database that just failed.
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = _("The service is briefly unavailable. Please try again in a moment.")
    if is_api_request():
        return (*json_error(503, message), headers)
    return (*html_error(503, message), headers)


def register_error_handlers(app: Flask) -> None:
    """Installed after flask-smorest so that its app-wide JSON handler does not own pages."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(InterfaceError, handle_database_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
