"""Every Flask extension, unbound; `create_app` binds them."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from coursework.db import Model, include_in_migrations, render_migration_item
from coursework.openapi import DocumentedApi

db = SQLAlchemy(model_class=Model)
api = DocumentedApi()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_migrate(app, directory: str) -> None:
    """Flask-Migrate, for `flask db …`, the setup command and the tests. It brings Alembic,
    Mako and Pygments (about 10 MB); imported here, by whoever migrates, not at start-up."""
    from flask_migrate import Migrate

    Migrate(
        compare_type=True,
        render_as_batch=True,
        render_item=render_migration_item,
        include_object=include_in_migrations,
    ).init_app(app, db, directory=directory)
