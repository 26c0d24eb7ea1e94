"""Browser fixtures: the session app behind a real HTTP server, driven by real Chromium.

Every test in this folder is marked `browser`. Without a Chromium binary they are skipped,
unless COURSEWORK_REQUIRE_BROWSER=1 (as in CI), where a missing browser stops the run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.data import DEFAULT_COURSE_DIR

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("COURSEWORK_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_DIR = Path(__file__).resolve().parent
DESKTOP = {"width": 1280, "height": 900}
# Impacts that fail a page; "minor" and "moderate" findings are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# Why every browser test commits for real (tests/support/database.py).
LIVE_SERVER = "the live server answers the browser from threads of its own"


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import axe_playwright_python.sync_playwright  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"browser test packages are not installed ({error}); install '.[test]'"
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"no Chromium executable at {CHROMIUM_PATH} (set CHROMIUM_PATH)"
    return None


def _in_this_folder(item: pytest.Item) -> bool:
    path = Path(item.path).resolve()
    return path == BROWSER_DIR or BROWSER_DIR in path.parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Hooks in a conftest see every collected item, so only touch the ones in this folder.
    ours = [item for item in items if _in_this_folder(item)]
    if not ours:
        return
    for item in ours:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.real_commits(reason=LIVE_SERVER))
    problem = _browser_problem()
    if problem is None:
        return
    if REQUIRE_BROWSER:
        raise pytest.UsageError(f"COURSEWORK_REQUIRE_BROWSER=1 but {problem}")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {problem}")
    for item in ours:
        item.add_marker(skip)


# --- server -----------------------------------------------------------------------------


class _TestWork:
    """The running test's own session. Services flush and each request commits once; what
    the test set up through services is its own unit of work, committed before the server
    answers the browser (the test waits on the browser meanwhile), as the client does."""

    session: Any = None
    lock = threading.Lock()
    flushed = False  # since its last commit or rollback

    @classmethod
    def has_work(cls) -> bool:
        session = cls.session
        return session is not None and bool(
            cls.flushed or session.new or session.dirty or session.deleted
        )


@pytest.fixture(autouse=True)
def _test_work_reaches_the_server() -> Iterator[None]:
    from flask import appcontext_pushed
    from sqlalchemy import event

    from coursework.extensions import db

    test_session = _TestWork.session = db.session()
    _TestWork.flushed = False

    def flushed(session, context) -> None:
        _TestWork.flushed = True

    def ended(session, transaction) -> None:
        # The session's own transaction, not a savepoint inside it (a service's).
        if transaction.parent is None:
            _TestWork.flushed = False

    event.listen(test_session, "after_flush", flushed)
    event.listen(test_session, "after_transaction_end", ended)

    def commit_before_a_context_of_its_own(sender, **_) -> None:
        # Work in a `with app.app_context()` of the test has a session of its own, which
        # reads only what the test's session committed.
        if threading.current_thread() is threading.main_thread():
            with _TestWork.lock:
                test_session.commit()

    appcontext_pushed.connect(commit_before_a_context_of_its_own)
    yield
    appcontext_pushed.disconnect(commit_before_a_context_of_its_own)
    with _TestWork.lock:
        _TestWork.session = None


def _after_the_tests_work(app: Flask):
    def serve(environ, start_response):
        with _TestWork.lock:
            # Only when the test has written since: a commit expires every object the
            # test holds, and a late request (a stylesheet, the favicon) must not do that
            # while the test's thread is reading one of them again.
            if _TestWork.has_work():
                # This is the server's thread, outside any app context, and committing
                # runs the session's hooks (progress summary, report rows), which find
                # the engine through `current_app`: commit inside one.
                with app.app_context():
                    _TestWork.session.commit()
        return app(environ, start_response)

    return serve


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app served over HTTP on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, _after_the_tests_work(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def is_csp_violation(message) -> bool:
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def csp_violations() -> list[str]:
    """Console reports of anything the Content-Security-Policy refused, on every page."""
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh contexts (own cookies) at a chosen viewport; all closed after.
    Any page whose console reports a Content-Security-Policy violation fails the test."""
    contexts = []

    def open_page(width: int = DESKTOP["width"], height: int = DESKTOP["height"]):
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                is_csp_violation(message) and csp_violations.append(f"{page.url}: {message.text}")
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert csp_violations == [], "the Content-Security-Policy refused something"


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280x900) in its own context; relative URLs go to the server."""
    return new_page()


# --- data -------------------------------------------------------------------------------


@pytest.fixture
def default_course(app: Flask):
    """The real default course, "Technical Project Manager vs Project Manager"."""
    from coursework.extensions import db
    from lessons.builder import read_course
    from lessons.services import OPERATOR, import_course

    with app.app_context():
        course = import_course(read_course(DEFAULT_COURSE_DIR), OPERATOR).course
        db.session.commit()  # as the shell command does, in a context of its own
        return course


@pytest.fixture
def default_quizzes(app: Flask, default_course):
    """The default course with its quizzes, as `make run` loads them."""
    from coursework.extensions import db
    from quizzes.cli import DEFAULT_QUIZZES, load_course_quizzes

    with app.app_context():
        load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
        db.session.commit()  # as the shell command does, in a context of its own
    return default_course


# --- accessibility ----------------------------------------------------------------------


def _describe(violation: dict) -> str:
    targets = []
    for node in violation.get("nodes", []):
        target = node.get("target", [])
        # A target is a list of selectors; nested lists step into frames or shadow roots.
        targets.append(" >> ".join(str(part) for part in target))
    lines = [f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')}"]
    lines += [f"    at {target}" for target in targets]
    if violation.get("helpUrl"):
        lines.append(f"    see {violation['helpUrl']}")
    return "\n".join(lines)


def check_accessibility(page, *, context: str | None = None) -> list[dict]:
    """Run axe-core on the page as it stands; fail on any serious or critical violation.

    Returns every violation found (including minor and moderate ones) for the caller.
    """
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, context=context).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        report = "\n".join(_describe(v) for v in blocking)
        pytest.fail(
            f"accessibility violations on {page.url} ({page.title()!r}):\n{report}",
            pytrace=False,
        )
    return violations


@pytest.fixture
def axe_check() -> Callable[..., list[dict]]:
    """`axe_check(page)`: fail the test on serious or critical axe-core violations."""
    return check_accessibility
