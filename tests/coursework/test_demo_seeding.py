"""The demo organisation is development seeding: only `setup` loads it, only when
DEMO_ACCOUNTS is on, and no production code path imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = "coursework.organisations.demo"


def _imports_demo(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name == DEMO for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.module == DEMO or (
            node.module == "coursework.organisations"
            and any(alias.name == "demo" for alias in node.names)
        )
    return False


def test_only_setup_imports_the_demo_seeding_and_only_when_asked():
    found = []
    for package in ("coursework", "lessons", "quizzes"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
            for node in ast.walk(tree):
                if _imports_demo(node):
                    inside = [f.name for f in functions if node in ast.walk(f)]
                    found.append((str(path.relative_to(ROOT)), inside))
    assert found == [("coursework/cli.py", ["setup_command"])]
    setup = (ROOT / "coursework" / "cli.py").read_text(encoding="utf-8")
    guard = setup.index('if current_app.config["DEMO_ACCOUNTS"]:')
    assert guard < setup.index(f"from {DEMO} import")
