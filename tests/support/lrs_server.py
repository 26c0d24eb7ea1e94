"""A real learning record store for the tests: Ralph (ralph-malph) with its file-system
backend, served on a free local port as `ralph runserver -b fs` serves it (by
`lrs/serve.py`, which makes the backend append, see there).

Ralph's command line needs click<8.2.1, which our own lock does not allow, so it lives in
a virtual environment of its own, made once under the user's cache folder
(`$XDG_CACHE_HOME/coursework/`) from `tests/support/lrs/requirements.txt` and reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REQUIREMENTS = Path(__file__).parent / "lrs" / "requirements.txt"
SERVE = Path(__file__).parent / "lrs" / "serve.py"
KEY, SECRET = "coursework-key", "a secret of 24 characters"


def ralph_venv() -> Path:
    """The folder of Ralph's virtual environment, made on first use (under a lock, so two
    test runs at once make it once)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coursework"
    venv = cache / f"ralph-{digest}"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"ralph-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)],
                check=True,
                timeout=900,
            )
            (venv / "ready").write_text("ok\n")
    return venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    """One LRS: `start`, `stop` (and start again on the same port and files), and read back
    what it stored."""

    def __init__(self, folder: Path) -> None:
        self.venv = ralph_venv()
        self.folder = folder
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI"
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "RALPH_AUTH_FILE": str(folder / "auth.json"),
            "RALPH_APP_DIR": str(folder),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "statements"),
        }
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(self.venv / "bin" / "ralph"),
                "auth",
                "-u",
                KEY,
                "-p",
                SECRET,
                "-s",
                "all",
                "-M",
                "mailto:lrs-tests@example.com",
                "-w",
            ],
            env=self.env,
            check=True,
            capture_output=True,
        )

    @property
    def store(self) -> Path:
        return self.folder / "statements" / "fs_lrs.jsonl"

    def start(self) -> None:
        (self.folder / "statements").mkdir(exist_ok=True)
        self.log = open(self.folder / "ralph.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "python"), str(SERVE), "127.0.0.1", str(self.port)],
            env=self.env,
            cwd=self.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, ended as one
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            "Ralph did not start: " + (self.folder / "ralph.log").read_text()[-2000:]
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        self.log.close()
        # Nothing answers on the port any more.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)

    def statements(self) -> list[dict]:
        """Every statement stored, as stored, in the order received."""
        if not self.store.exists():
            return []
        return [json.loads(line) for line in self.store.read_text().splitlines() if line.strip()]

    def clear(self) -> None:
        if self.store.exists():
            self.store.write_text("")


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    """A Ralph LRS for the module's tests; a test may stop it (the next starts it again)."""
    server = Ralph(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs_server(ralph):
    """The module's Ralph, running and empty."""
    if ralph.process is None:
        ralph.start()
    ralph.clear()
    return ralph
