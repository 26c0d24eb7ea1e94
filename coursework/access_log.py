"""Gunicorn's access log without secrets: `make serve` runs gunicorn with
`--logger-class coursework.access_log.RedactingLogger`."""

from __future__ import annotations

from gunicorn.glogging import Logger

from coursework.logs import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
