"""Shared fixtures: one app and one database per test session; each test's work is rolled
back after it (tests/support/database.py says how, and which tests commit for real).

The database is SQLite (a temporary file, so threads and a live server can share it) or,
when TEST_DATABASE_URL is set, a PostgreSQL database created for this run and dropped at
the end. Its schema comes from the migrations, so every run also proves they apply.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coursework import create_app, i18n
from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.extensions import db
from lessons import services as lessons
from lessons.builder import parse_markdown_document
from lessons.models import Course
from quizzes import services as quizzes
from quizzes.models import Quiz
from tests.support import database
from tests.support.clients import RequestContextClient
from tests.support.data import PASSWORD, SMALL_COURSE
from tests.support.quizkit import EVERY_KIND

REQUIRE_POSTGRES = os.environ.get("COURSEWORK_REQUIRE_POSTGRES") == "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A run that collected nothing proves nothing: make it fail rather than pass quietly.
    if session.testscollected == 0 and exitstatus == 0:
        session.exitstatus = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker(database.MARKER)
        if marker is not None and not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: give {database.MARKER} a reason=...")
    if os.environ.get("TEST_DATABASE_URL"):
        return
    if REQUIRE_POSTGRES:
        raise pytest.UsageError("COURSEWORK_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _temporary_postgres(base_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database beside the one named by TEST_DATABASE_URL."""
    url = make_url(base_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """The .mo files are build output (not committed): compile them once per run, so the
    suite serves every language on a fresh clone even without `make install`."""
    i18n.compile_catalogues()


@pytest.fixture(scope="session")
def make_database(tmp_path_factory) -> Iterator[Callable[[], str]]:
    """A factory of empty databases of the engine under test; all are removed at the end."""
    cleanups: list[Callable[[], None]] = []
    base = os.environ.get("TEST_DATABASE_URL")

    def make() -> str:
        name = f"cw_test_{secrets.token_hex(6)}"
        if base:
            url, drop = _temporary_postgres(base, name)
            cleanups.append(drop)
            return url
        return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite')}"

    yield make
    for cleanup in cleanups:
        cleanup()


@pytest.fixture(scope="session")
def app(make_database, tmp_path_factory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    os.environ["COURSEWORK_INSTANCE"] = str(instance)
    application = create_app(
        {
            "ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": make_database(),
            "WTF_CSRF_ENABLED": False,
            # The race tests run twenty requests in threads of one process, each holding its
            # connection for its whole transaction (one per request): a connection each.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 25},
        }
    )
    application.test_cli_runner_class = CommittingCliRunner
    with application.app_context():
        upgrade()
    database.install(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app: Flask, request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test runs in its own app context and starts from an empty database: its work is
    rolled back at the end, or, when marked `real_commits`, committed and then removed."""
    with app.app_context():
        if database.needs_real_commits(request.node):
            with database.committed():
                yield
        else:
            with database.rolled_back():
                yield


class CommittingCliRunner(FlaskCliRunner):
    """A shell command runs in an app context of its own, as from a terminal; what the test
    did before it is committed first, as the client does before a request."""

    def invoke(self, *args, **kwargs):
        db.session.commit()
        return super().invoke(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = RequestContextClient
    return app.test_client()


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    """Turn CSRF protection back on for a test that proves it."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None, name: str | None = None, password: str = PASSWORD, **roles
    ) -> User:
        n = next(counter)
        return accounts.create_user(
            email or f"person{n}@example.com", name or f"Person {n}", password, **roles
        )

    return make


@pytest.fixture
def login() -> Callable[[FlaskClient, User], None]:
    def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    return sign_in


@pytest.fixture
def instructor(make_user) -> User:
    """The instructor who owns the courses (and so the quizzes) the fixtures make: tests
    that author as "the instructor" act as the course's owner, and a test that needs an
    instructor without rights on a course makes another one."""
    return make_user(name="Ingrid Owner", is_instructor=True)


@pytest.fixture
def make_course(app: Flask, request: pytest.FixtureRequest) -> Callable[..., Course]:
    def make(
        text: str = SMALL_COURSE, slug: str | None = None, owner: User | None = None
    ) -> Course:
        source = parse_markdown_document(text, fallback_title="Course")
        if slug:
            source.slug = slug
        # Made on first use, so tests without a course have no extra account.
        owner = owner or request.getfixturevalue("instructor")
        return lessons.import_course(source, owner).course

    return make


@pytest.fixture
def course(make_course) -> Course:
    return make_course()


@pytest.fixture
def make_quiz(course, instructor) -> Callable[..., Quiz]:
    def make(questions=None, lesson_slug: str | None = "knives", **settings) -> Quiz:
        lesson = lessons.get_lesson(course, lesson_slug) if lesson_slug else None
        options = {"title": "Check", "passing_score": 70, **settings}
        return quizzes.import_quiz(
            course.id,
            lesson.id if lesson else None,
            EVERY_KIND if questions is None else questions,
            quizzes.QuizSettings(**options),
            by=instructor,
            publish=True,
        ).quiz

    return make
