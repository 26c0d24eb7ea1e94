"""A gunicorn worker imports only what serves requests: heavy libraries that few requests
use load on first use, and the commands and Flask-Migrate stay out (issue 9, memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imported by the first request or job that needs them, never at start.
LAZY = ("pylti1p3", "jwcrypto", "authlib", "requests", "zxcvbn", "fpdf", "uharfbuzz")
# Never part of serving: Alembic comes with Flask-Migrate; the rest are test tools.
NEVER = ("alembic", "flask_migrate", "schemathesis", "hypothesis", "pytest", "playwright")

PROBE = """
import json, sys
from coursework.app import create_app
app = create_app()
print(json.dumps({
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
    "migrate": "migrate" in app.extensions,
    "commands": sorted(app.cli.commands),
}))
"""


def _start(server_software: str | None) -> dict:
    env = {
        **os.environ,
        "COURSEWORK_ENV": "production",
        "SECRET_KEY": "test-only-secret",
        "DATABASE_URL": "sqlite://",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SERVER_SOFTWARE", None)
    if server_software:
        env["SERVER_SOFTWARE"] = server_software
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_gunicorn_worker_starts_without_heavy_or_unused_libraries():
    started = _start("gunicorn/23.0.0")
    loaded = set(started["modules"])
    assert not loaded & {*LAZY, *NEVER}, sorted(loaded & {*LAZY, *NEVER})
    assert not started["migrate"]
    assert "setup" not in started["commands"]


def test_outside_gunicorn_the_commands_and_migrations_are_there():
    started = _start(None)
    assert started["migrate"]
    assert {"setup", "courses", "quizzes", "users"} <= set(started["commands"])
    assert "db" in started["commands"]
