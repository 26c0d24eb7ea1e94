"""The migrations build exactly the models' schema, and go down and up again cleanly.

Runs on the engine under test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), each
time in a database of its own.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from coursework import create_app
from coursework.db import include_in_migrations
from coursework.extensions import db


@pytest.fixture
def empty_app(make_database, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    application = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": make_database()})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        # The same filter as migrations/env.py: full-text structures are made by hand.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_migrations}
        )
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if include_in_migrations(None, name, "table", True, None)}


def test_migrating_an_empty_database_gives_exactly_the_models_schema(empty_app):
    upgrade()
    assert schema_differences() == []
    assert tables() == set(db.metadata.tables)


def test_upgrade_downgrade_upgrade(empty_app):
    upgrade()
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    assert schema_differences() == []
