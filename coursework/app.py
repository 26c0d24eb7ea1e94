"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, current_app, request, session
from flask_login import user_loaded_from_cookie
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from coursework import config as configuration
from coursework import tasks
from coursework.db import commit_request
from coursework.errors import (
    RETRY_AFTER_SECONDS,
    log_database_unavailable,
    register_error_handlers,
)
from coursework.extensions import api, csrf, db, init_migrate, limiter, login_manager
from coursework.frames import FramedSessionInterface
from coursework.headers import register_security_headers
from coursework.i18n import N_, _
from coursework.job_views import announce_finished_jobs
from coursework.logs import register_logging
from coursework.openapi import AccessPolicyPlugin, require_json_body
from coursework.policy import (
    TOKEN_AUTHENTICATOR,
    access,
    authenticated_by_token,
    check_every_route_has_a_policy,
    enforce_access,
    is_csrf_exempt,
)
from coursework.templating import register_template_filters

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides settings (tests pass `{"ENV": "testing", ...}`)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("COURSEWORK_INSTANCE", os.path.join(ROOT, "instance")),
    )
    env = (config or {}).get("ENV")
    # Signed-cookie sessions, written for a frame only for a session that began in one.
    app.session_interface = FramedSessionInterface()
    app.config.from_object(configuration.config_class(env))
    if config:
        app.config.update(config)
    configuration.resolve_instance_settings(app.config, app.instance_path)

    # What a URL may carry into a query: ids that fit the integer column, and text without
    # NUL characters (PostgreSQL refuses them). Anything else matches no route.
    app.url_map.converters.update(
        int=DatabaseIdConverter,
        default=TextConverter,
        string=TextConverter,
        path=TextPathConverter,
        anything=PathConverter,
    )
    register_logging(app)
    register_security_headers(app)
    register_template_filters(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    if not app_server():
        register_commands(app)
    register_signals()
    register_token_auth(app)
    register_sso_gate(app)
    app.before_request(refuse_nul_characters)
    app.before_request(refuse_deeply_nested_json)
    app.before_request(enforce_access)
    app.before_request(protect_from_forgery)
    app.before_request(require_json_body)
    app.before_request(announce_finished_jobs)
    # Registered last, so it runs first of the `after_request` hooks: a commit that fails
    # is answered by an error page that still gets the headers, log line and request id.
    app.after_request(commit_request)
    check_every_route_has_a_policy(app)
    if app.config["PROXY_COUNT"] > 0:
        # Only then are X-Forwarded-* believed (client address for limits and logs, scheme),
        # and only as many hops as there are proxies of our own.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def app_server() -> bool:
    """Whether this process is a gunicorn worker (its arbiter sets SERVER_SOFTWARE). It
    serves requests only: the commands and Flask-Migrate (Alembic, Mako, Pygments, the
    importers' modules; tens of MB per worker) stay out of it. `make run`, `make serve`
    and the tests migrate before anything is served."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\x00]")


class TextPathConverter(PathConverter):
    regex = "[^/\x00][^\x00]*?"


def protect_from_forgery():
    """CSRF checks on every unsafe request made with the session cookie. Runs after
    `enforce_access`: only a request that an API token actually authenticated is exempt
    (a browser never adds one on its own), not one that merely carries an Authorization
    header beside the cookie."""
    if (
        not current_app.config["WTF_CSRF_ENABLED"]
        or request.method in ("GET", "HEAD", "OPTIONS", "TRACE")
        or request.endpoint is None
        or authenticated_by_token()
        or is_csrf_exempt(current_app, request.endpoint, request.method)
    ):
        return
    csrf.protect()


def refuse_nul_characters():
    """PostgreSQL cannot store a NUL character in text; refuse it at the door rather than
    fail deep inside a query. Every value of every field counts, urlencoded or multipart
    (uploaded files are read by their importers, which refuse NUL themselves)."""
    texts = [
        text
        for fields in (request.args, request.form)
        for name, values in fields.lists()
        for text in (name, *values)
    ]
    if any("\x00" in text for text in texts) or (
        request.is_json and b"\\u0000" in request.get_data()
    ):
        abort(400, _("Text may not contain NUL characters."))


# No body we accept nests deeper than a few levels; 32 leaves room and stops a body nested
# a thousand deep before it exhausts the parser's recursion (a 500).
MAX_JSON_DEPTH = 32


def refuse_deeply_nested_json():
    if not request.is_json:
        return
    try:
        too_deep = json_depth(request.get_json(silent=True)) > MAX_JSON_DEPTH
    except RecursionError:
        too_deep = True
    if too_deep:
        abort(
            400,
            _(
                "JSON may not nest more than %(MAX_JSON_DEPTH)s levels deep.",
                MAX_JSON_DEPTH=MAX_JSON_DEPTH,
            ),
        )


def json_depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (without recursing)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # SQLite leaves foreign keys off and fails at once on a lock unless told otherwise.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def import_models() -> None:
    """Every table, so that migrations and `db.metadata` see them all."""
    import coursework.accounts.models
    import coursework.certificates.models
    import coursework.jobs
    import coursework.lti.models
    import coursework.mail
    import coursework.organisations.models
    import coursework.organisations.reminders
    import coursework.progress.models
    import coursework.search.models
    import coursework.sso.models
    import coursework.tasks  # noqa: F401
    import lessons.models  # noqa: F401
    import quizzes.models
    import quizzes.practice.models  # noqa: F401


def register_extensions(app: Flask) -> None:
    from coursework import i18n
    from coursework.accounts.services import load_session_user

    import_models()
    db.init_app(app)
    if not app_server():
        init_migrate(app, os.path.join(ROOT, "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Log in to continue.")
    # Flask-Login flashes the message in the request's language (the catalogue holds it).
    login_manager.localize_callback = _
    login_manager.login_message_category = "info"
    # A session cookie used from another address or browser is dropped; "Keep me signed
    # in" then signs the person in again only on a browser that holds the remember cookie.
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)
    user_loaded_from_cookie.connect(bind_restored_session, app)
    api.init_app(app, spec_kwargs={"extra_plugins": [AccessPolicyPlugin(app)]})
    tasks.init_app(app)


def bind_restored_session(sender: Flask, user) -> None:
    """Flask-Login restores a session from the remember cookie without recording which
    browser it belongs to, so strong protection would drop it on the very next request
    (and delete the remember cookie). Record it, as `login_user` does."""
    session["_id"] = login_manager._session_identifier_generator()


def register_blueprints(app: Flask) -> None:
    from coursework.accounts.views import bp as accounts_bp
    from coursework.api_docs import bp as api_docs_bp
    from coursework.certificates.api import blp as certificates_api
    from coursework.certificates.views import bp as certificates_bp
    from coursework.job_views import blp as jobs_api
    from coursework.job_views import bp as jobs_bp
    from coursework.lti.views import admin_bp as lti_admin_bp
    from coursework.lti.views import bp as lti_bp
    from coursework.notification_views import bp as notifications_bp
    from coursework.organisations.api import blp as organisations_api
    from coursework.organisations.dashboard import bp as dashboard_bp
    from coursework.organisations.question_views import bp as org_questions_bp
    from coursework.organisations.settings_views import bp as org_settings_bp
    from coursework.organisations.token_views import bp as tokens_bp
    from coursework.organisations.views import bp as organisations_bp
    from coursework.privacy.views import bp as privacy_bp
    from coursework.progress.api import blp as progress_api
    from coursework.progress.views import bp as progress_bp
    from coursework.search.api import blp as search_api
    from coursework.search.views import bp as search_bp
    from coursework.sso.views import bp as sso_bp
    from coursework.task_views import bp as tasks_bp
    from lessons.api import blp as lessons_api
    from lessons.views import bp as lessons_bp
    from quizzes.api import authoring as quiz_authoring_api
    from quizzes.api import taking as quizzes_api
    from quizzes.authoring import bp as authoring_bp
    from quizzes.bank.api import bank as bank_api
    from quizzes.bank.views import bp as bank_bp
    from quizzes.practice.views import bp as practice_bp
    from quizzes.views import bp as quizzes_bp

    for blueprint in (
        accounts_bp,
        lessons_bp,
        quizzes_bp,
        authoring_bp,
        bank_bp,
        practice_bp,
        progress_bp,
        certificates_bp,
        dashboard_bp,
        org_questions_bp,
        organisations_bp,
        tokens_bp,
        org_settings_bp,
        api_docs_bp,
        tasks_bp,
        notifications_bp,
        search_bp,
        privacy_bp,
        lti_bp,
        lti_admin_bp,
        jobs_bp,
        sso_bp,
    ):
        app.register_blueprint(blueprint)
    for blueprint in (
        lessons_api,
        progress_api,
        quiz_authoring_api,
        bank_api,
        quizzes_api,
        certificates_api,
        organisations_api,
        search_api,
        jobs_api,
    ):
        api.register_blueprint(blueprint, url_prefix="/api/v1")

    @app.get("/healthz")
    @access("public")
    def healthz():
        report = {"status": "ok", "database": "ok"}
        try:
            db.session.execute(text("SELECT 1"))
        except DBAPIError as error:
            log_database_unavailable(error, "health check")
            report.update(status="unavailable", database="unreachable")
        if app.config.get("REDIS_URL"):
            # Sign-in still works without Redis (limits fall back to memory), but limits are
            # then per process: the operator should know.
            report["redis"] = "ok" if redis_answers(app.config["REDIS_URL"]) else "unreachable"
            if report["redis"] != "ok":
                report["status"] = "unavailable"
        if report["status"] == "ok":
            return report, 200
        return report, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def redis_answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def register_signals() -> None:
    """Higher layers subscribe to what lower layers announce (connecting twice is a no-op)."""
    from coursework import timezones
    from coursework.certificates import services as certificates
    from coursework.certificates import signals as certificate_signals
    from coursework.certificates import views as certificate_views
    from coursework.lti import services as lti
    from coursework.organisations import report_rows
    from coursework.organisations import services as organisations
    from coursework.progress import services as progress
    from coursework.progress import signals as progress_signals
    from coursework.progress import summary
    from coursework.search import index as search_index
    from lessons import signals as lesson_signals
    from quizzes import signals as quiz_signals
    from quizzes.practice import services as practice

    lesson_signals.lesson_retitled.connect(progress.carry_completions)
    quiz_signals.attempt_submitted.connect(progress.record_attempt)
    quiz_signals.attempt_started.connect(progress.record_quiz_start)
    # After the attempt's own events, so "certified" follows "passed".
    quiz_signals.attempt_submitted.connect(certificates.on_attempt_submitted)
    quiz_signals.attempt_submitted.connect(practice.on_attempt_submitted)
    # An essay regraded up to a pass may complete the course (issuing is idempotent).
    quiz_signals.attempt_regraded.connect(certificates.on_attempt_submitted)
    progress_signals.lesson_completed.connect(certificates.on_lesson_completed)
    certificate_signals.certificate_issued.connect(certificate_views.announce)
    # Search documents follow every flush that adds or edits a lesson or question.
    search_index.keep_in_step()
    # A person who chose no time zone follows their organisation's.
    timezones.set_default_provider(organisations.member_time_zones)
    # After certificates, so a course's grade goes to an LMS once the course is complete.
    quiz_signals.attempt_submitted.connect(lti.on_attempt_submitted)
    # A regraded essay changes the score the LMS holds.
    quiz_signals.attempt_regraded.connect(lti.on_attempt_submitted)
    progress_signals.lesson_completed.connect(lti.on_lesson_completed)
    # Every flush and ORM statement on progress, attempts, lessons and quizzes keeps the
    # report's per-(person, course) summary exact in the same transaction.
    summary.register(db.session)
    # ... and the organisation report's rows, which follow the summary.
    report_rows.register(db.session)


def register_token_auth(app: Flask) -> None:
    """The "manager" policy checks API tokens with the organisations package's authenticator
    (the platform layer does not import it)."""
    from coursework.organisations import tokens

    app.extensions[TOKEN_AUTHENTICATOR] = tokens.authenticate


def register_sso_gate(app: Flask) -> None:
    """Password sign-in asks the single sign-on package who must use their organisation's
    sign-in instead (the accounts package, lower down, does not import it)."""
    from coursework.accounts.services import SSO_GATE
    from coursework.sso.services import sso_required_organisation

    app.extensions[SSO_GATE] = sso_required_organisation


def register_commands(app: Flask) -> None:
    from coursework.accounts.cli import users_cli
    from coursework.certificates.cli import certificates_cli
    from coursework.cli import setup_command
    from lessons.cli import courses_cli
    from quizzes.cli import quizzes_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(quizzes_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(setup_command)
