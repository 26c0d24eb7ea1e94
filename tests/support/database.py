"""How each test gets a database that starts empty.

Most tests run inside one transaction on one connection that is rolled back at the end
(SQLAlchemy's "join a session into an external transaction" recipe): every session the
test makes, in its own app context or in a request's, joins that transaction through a
savepoint, so a service's `commit()` releases a savepoint and nothing ever reaches the
disk. That replaces emptying every table after every test.

A test whose commits other connections must see (threads racing on PostgreSQL, the live
server of the browser tests, a second app on the same database, code that opens its own
connection) is marked `real_commits` with the reason; it commits for real and its tables
are emptied afterwards, as every test's were before.

Sessions share the connection, so their savepoints nest: the test client releases the
test's savepoint after each request that has finished (`tests/support/clients.py`), so a
rollback by the test then undoes only its own work, as in production. A streamed answer
(a CSV) is still running its transaction when the request returns; until the test has read
it, a rollback by the test would undo it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from coursework.extensions import db

MARKER = "real_commits"


class SecondConnection(RuntimeError):
    """A rolled-back test reached the database other than through its one connection."""


def _hint(what: str) -> str:
    return (
        f"{what} while the test runs in a transaction that is rolled back at its end: "
        f"nothing it wrote is visible there. Mark the test "
        f'`@pytest.mark.{MARKER}(reason="...")` so that it commits for real.'
    )


class _Joined:
    """Mixed into the app's session class for the test run. Flask-SQLAlchemy's session
    picks the engine itself and ignores a `bind` given to its sessionmaker
    (pallets-eco/flask-sqlalchemy#1167): a bound session uses its bind instead."""

    def get_bind(self, mapper=None, *, clause=None, bind=None, **kwargs):
        joined = _current
        if (
            bind is None
            and joined is not None
            and self.bind is joined.connection
            # Another app made by a test (on a database of its own) keeps its own engine.
            and current_app._get_current_object() is joined.app
        ):
            if threading.get_ident() != joined.thread:
                raise SecondConnection(_hint("Another thread used the database"))
            return self.bind
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)


class _Transaction:
    def __init__(self, app: Flask, connection: Connection) -> None:
        self.app = app
        self.connection = connection
        self.thread = threading.get_ident()
        self.strays: list[str] = []


_current: _Transaction | None = None


def install(app: Flask) -> None:
    """Once per run: let the app's sessions join a test's transaction when one is open,
    and refuse any other connection to the test database while it is."""
    factory = db.session.session_factory
    if not issubclass(factory.class_, _Joined):
        # A subclass of the current class keeps the event listeners registered on it.
        factory.class_ = type("JoinedSession", (_Joined, factory.class_), {})
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    @event.listens_for(Engine, "engine_connect")
    def _refuse_second_connection(connection: Connection) -> None:
        joined = _current
        if joined is None or connection is joined.connection:
            return
        if connection.engine.url.render_as_string(hide_password=False) == url:
            message = _hint("A second connection to the test database was opened")
            joined.strays.append(message)
            raise SecondConnection(message)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the body in a transaction that every session joins, then roll it back."""
    global _current
    factory = db.session.session_factory
    connection = db.engine.connect()
    outer = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite sends BEGIN only before its first INSERT, UPDATE or DELETE. Without this
        # the first SAVEPOINT would open SQLite's transaction, and releasing it would commit.
        connection.exec_driver_sql("BEGIN")
    joined = _current = _Transaction(current_app._get_current_object(), connection)
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        factory.kw.pop("bind", None)
        factory.kw.pop("join_transaction_mode", None)
        _current = None
        outer.rollback()
        connection.close()
    if joined.strays:
        pytest.fail(joined.strays[0], pytrace=False)


def joined() -> bool:
    """Whether the running test's sessions join one rolled-back transaction."""
    return _current is not None


def forget_strays() -> None:
    """For a test that provokes a second connection on purpose and has seen it refused."""
    if _current is not None:
        _current.strays.clear()


def empty_tables(tries: int = 5) -> None:
    """Remove every row a committing test left behind.

    A browser that closes its page sends what it still holds (a quiz's answers go by
    `sendBeacon`), so the live server may still be in a request when the test ends;
    PostgreSQL then picks TRUNCATE as a deadlock's victim, and it is tried again."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    for attempt in range(1, tries + 1):
        db.session.remove()
        try:
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    db.session.execute(text(f"DELETE FROM {table}"))
            db.session.commit()
        except OperationalError as error:
            db.session.rollback()
            if "deadlock" not in str(error).lower() or attempt == tries:
                raise
            time.sleep(0.2 * attempt)
        else:
            break
    db.session.remove()


@contextmanager
def committed() -> Iterator[None]:
    """Run the body with real commits, then empty every table."""
    try:
        yield
    finally:
        empty_tables()


def needs_real_commits(item: pytest.Item) -> bool:
    return item.get_closest_marker(MARKER) is not None
