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


# ---- the arbiter loads the app once (coursework.serving) -----------------------------------


# Each connection remembers the process that opened it; handing one to another process
# fails the request. The arbiter's own health check leaves a connection in the pool.
PROBE_APP = """
import os

from sqlalchemy import event

from coursework.app import create_app
from coursework.extensions import db

app = create_app()
with app.app_context():
    engine = db.engine


@event.listens_for(engine, "connect")
def _opened(dbapi_connection, record):
    record.info["pid"] = os.getpid()


@event.listens_for(engine, "checkout")
def _handed(dbapi_connection, record, proxy):
    if record.info.get("pid") != os.getpid():
        raise RuntimeError("a connection opened by another process")


app.test_client().get("/healthz")
"""


def test_workers_forked_from_a_loaded_app_answer_on_their_own_connections(tmp_path):
    """Under `-c python:coursework.serving` the arbiter loads the app and the workers fork
    from it; the arbiter's health check leaves a pooled connection behind, which no worker
    may use."""
    import socket
    import time
    import urllib.request

    database = tmp_path / "serving.db"
    probe = tmp_path / "probe_app.py"
    probe.write_text(PROBE_APP)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "COURSEWORK_ENV": "production",
        "SECRET_KEY": "test-only-secret",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}",
    }
    env.pop("SERVER_SOFTWARE", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            *(str(gunicorn), "-c", "python:coursework.serving", "--workers", "2"),
            *("--bind", f"127.0.0.1:{port}", "probe_app:app"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        answers = []
        deadline = time.monotonic() + 30
        while len(answers) < 20 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    answers.append((r.status, json.loads(r.read())))
            except OSError:
                time.sleep(0.2)
        assert len(answers) == 20
        assert all(status == 200 and body["database"] == "ok" for status, body in answers)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert "Booting worker" in output and "Traceback" not in output, output[-3000:]


DROPS = """
import json
from coursework import serving
from coursework.app import create_app
from coursework.extensions import db

app = create_app()
with app.app_context():
    with db.engine.connect():
        pass
    before = db.engine.pool
    pooled = before.checkedin()


class Application:  # gunicorn's, as far as post_fork uses it
    def wsgi(self):
        return app


class Worker:
    app = Application()


serving.post_fork(None, Worker())
with app.app_context():
    print(json.dumps({"pooled": pooled, "same": db.engine.pool is before,
                      "left": db.engine.pool.checkedin()}))
"""


def test_after_the_fork_a_worker_drops_the_arbiters_pooled_connections(tmp_path):
    env = {
        **os.environ,
        "COURSEWORK_ENV": "production",
        "SECRET_KEY": "test-only-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pool.db'}",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", DROPS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"pooled": 1, "same": False, "left": 0}
