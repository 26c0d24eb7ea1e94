from __future__ import annotations

import pytest

from coursework import create_app
from coursework.policy import access, undeclared_routes


def test_testing_mode_is_off_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    monkeypatch.delenv("COURSEWORK_ENV", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert not app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coursework.sqlite'}"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"ENV": "development", "SECRET_KEY": None}).config["SECRET_KEY"]
    second = create_app({"ENV": "development", "SECRET_KEY": None}).config["SECRET_KEY"]
    assert first == second == (tmp_path / "secret_key").read_text().strip()
    assert len(first) >= 40


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": None})


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("COURSEWORK_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        create_app()


def test_postgres_urls_are_driven_by_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    from coursework.config import normalise_database_url

    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_every_route_declares_who_may_use_it(app):
    assert undeclared_routes(app) == []


def test_an_undeclared_route_stops_the_app_from_starting(app):
    from flask import Blueprint

    probe = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    bp = Blueprint("probe", __name__)

    @bp.route("/open-door")
    def open_door():
        return "oops"

    probe.register_blueprint(bp)
    assert any("/open-door" in route for route in undeclared_routes(probe))
    from coursework.policy import check_every_route_has_a_policy

    with pytest.raises(RuntimeError, match="open-door"):
        check_every_route_has_a_policy(probe)


def test_access_refuses_unknown_policy_names():
    with pytest.raises(ValueError):
        access("everyone")  # type: ignore[arg-type]


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    broken = create_app(
        {
            "ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_sqlite_runs_with_foreign_keys_wal_and_a_busy_timeout(tmp_path, monkeypatch):
    from sqlalchemy import text

    from coursework.extensions import db

    monkeypatch.setenv("COURSEWORK_INSTANCE", str(tmp_path))
    sqlite_app = create_app(
        {"ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    )
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()
