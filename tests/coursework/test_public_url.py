"""PUBLIC_URL follows the port `make run` serves on unless it is set (issue 11, item 15)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coursework.config import public_url_from

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"HOST": "localhost", "PORT": "8080"}, "http://localhost:8080"),
        ({"HOST": "0.0.0.0", "PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"HOST": "::1", "PORT": "5101"}, "http://[::1]:5101"),
        ({"HOST": "", "PORT": " "}, "http://127.0.0.1:5000"),
        ({"PUBLIC_URL": "https://learn.example.org/", "PORT": "5101"}, "https://learn.example.org"),
    ],
)
def test_public_url_is_derived_from_host_and_port_unless_set(environ, expected):
    assert public_url_from(environ) == expected


def _app_public_url(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "HOST", "PORT")}
    environ.update(env)
    code = "from coursework import create_app; print(create_app().config['PUBLIC_URL'])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_app_started_on_another_port_links_to_that_port(tmp_path):
    # A fresh interpreter: the configuration is read from the environment at import time.
    env = {"COURSEWORK_INSTANCE": str(tmp_path), "COURSEWORK_ENV": "development"}
    assert _app_public_url(PORT="5101", **env) == "http://127.0.0.1:5101"
    assert (
        _app_public_url(PORT="5101", PUBLIC_URL="https://x.example", **env) == "https://x.example"
    )


def test_certificate_links_use_the_derived_url(app, monkeypatch):
    from coursework.certificates import services

    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url_from({"PORT": "5101"}))
    with app.test_request_context():
        assert services.public_url("/issuer") == "http://127.0.0.1:5101/issuer"


def test_make_passes_host_and_port_to_the_app():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export HOST PORT$", makefile, re.M)
    # setup prints the configured URL instead of one of its own.
    assert "setup --url" not in makefile
