"""Logging: a request id on every record and every response, denials logged, secrets kept
out of log lines.

A request keeps the `X-Request-ID` its client or proxy sent when that is sane (letters,
digits, `-`, `_`, `.`, `:`; at most 128), or gets a fresh one; the response returns it, and
`RequestIdFilter` puts it on every log record as `request_id`, so one id finds a request in
the proxy's log, the access log and ours.
"""

from __future__ import annotations

import logging
import os
import re
import uuid

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What a log line must never show, each kept up to its first group. Invitation links carry
# their secret in the path (emails already sent keep working) and a sign-in redirect copies
# it into `next=`; API tokens (`cw_` and 7 characters are their public prefix) and bearer
# credentials could reach a line through a message that quotes a header; a provider's
# authorization code rides in the single sign-on return's query.
_SECRETS = (
    re.compile(r"(invitations(?:/|%2F))[A-Za-z0-9_-]{16,}", re.IGNORECASE),
    re.compile(r"(cw_[A-Za-z0-9_-]{7})[A-Za-z0-9_-]{16,}"),
    re.compile(r"(Bearer\s+)(?!\[redacted\])\S+", re.IGNORECASE),
    # The authorization code an identity provider sends back to the single sign-on return.
    re.compile(r"(organisation/callback\?(?:[^\s\"&]*&)*code=)[^&\s\"]+"),
)
REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

log = logging.getLogger(__name__)


def redact(text: str) -> str:
    """The text with every secret it shows replaced by `[redacted]`."""
    for pattern in _SECRETS:
        text = pattern.sub(r"\1" + REDACTED, text)
    return text


def request_id() -> str:
    """This request's id: the caller's sane `X-Request-ID`, or a new one."""
    current = g.get("request_id")
    if current is None:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        current = sent if _SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        g.request_id = current
    return current


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request) and redacts secrets in
    its message and traceback. Attach it to handlers: a logger's own filters skip its
    children."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info:
            # Formatters use a traceback already written out (`exc_text`) as it is.
            record.exc_text = redact(
                record.exc_text or _TRACEBACKS.formatException(record.exc_info)
            )
        return True


_TRACEBACKS = logging.Formatter()


def log_denial(response: Response) -> Response:
    if response.status_code == 403:
        who = current_user.get_id() if current_user.is_authenticated else "anonymous"
        log.warning("403 denied %s %s to user %s", request.method, redact(request.path), who)
    return response


def return_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def register_logging(app: Flask) -> None:
    """Request ids and denial logs always; outside tests, a stderr handler when nothing
    has set logging up, and the request id filter on every root handler."""
    app.after_request(log_denial)
    app.after_request(return_request_id)
    if app.debug or app.testing:
        return
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host's own logging setup wins
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    for handler in root.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
