"""Domain exceptions and their one mapping to HTTP.

Services raise these; views never build error responses by hand. Under `/api/` the answer
is JSON in flask-smorest's shape, everywhere else an HTML page.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Flask, Response, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from coursework.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


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


def html_error(code: int, message: str | None = None) -> tuple[str, int]:
    template = code if code in (400, 401, 403, 404, 405, 413, 429, 500) else "generic"
    return (
        render_template(
            f"errors/{template}.html",
            code=code,
            phrase=HTTPStatus(code).phrase,
            message=message,
        ),
        code,
    )


def handle_domain_error(error: DomainError) -> tuple[str | dict, int]:
    db.session.rollback()
    if is_api_request():
        errors = {"json": error.errors} if error.errors else None
        return json_error(error.status_code, error.message, errors)
    return html_error(error.status_code, error.message)


def handle_http_exception(error: HTTPException) -> Response:
    if error.code is None:
        return error.get_response()
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
        return json_error(500, "Something went wrong on our side. It has been logged.")
    return html_error(500)


def register_error_handlers(app: Flask) -> None:
    """Installed after flask-smorest so that its app-wide JSON handler does not own pages."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
