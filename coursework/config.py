"""Configuration, read from the environment.

`create_app()` picks a class by `COURSEWORK_ENV` (development, testing, production);
tests pass overrides as a mapping. Values that depend on the instance folder (the default
SQLite file, the generated secret key) are filled in by `resolve_instance_settings`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def normalise_database_url(url: str | None) -> str | None:
    """Let operators paste a plain `postgresql://` URL; we drive PostgreSQL with psycopg 3."""
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def public_url(path: str) -> str:
    """An absolute link on the public site, from `PUBLIC_URL` (never the request's Host)."""
    from flask import current_app

    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def public_url_from(environ: Mapping[str, str]) -> str:
    """PUBLIC_URL if set, else where `make run` serves (HOST/PORT), so that every absolute
    link (QR codes, credentials, invitations, xAPI ids) points at the server actually running."""
    explicit = (environ.get("PUBLIC_URL") or "").strip()
    if explicit:
        return explicit.rstrip("/")
    host = (environ.get("HOST") or "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # listening everywhere; reach it on this machine
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = (environ.get("PORT") or "").strip() or "5000"
    return f"http://{host}:{port}"


class Base:
    ENV = "base"
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}  # hide_parameters is always added
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    WTF_CSRF_CHECK_DEFAULT = False  # checked in create_app, where API tokens are exempt
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    COURSE_DOCUMENT_MAX_BYTES = 512 * 1024
    # Hosts whose images lessons show as images (and the CSP allows); an image from any
    # other site is shown as a link carrying its alt text.
    LESSON_IMAGE_HOSTS = tuple(
        host for host in os.environ.get("LESSON_IMAGE_HOSTS", "").split(",") if host.strip()
    )
    # GIFT files (upload, API, command line) are refused above this, before parsing.
    GIFT_MAX_BYTES = 1024 * 1024
    # Quizzes that draw from a bank pick each attempt's questions with the system's
    # randomness; set this to repeat draws exactly (a seed per attempt is made from it).
    QUIZ_DRAW_SEED = os.environ.get("QUIZ_DRAW_SEED") or None

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "10 per minute")
    # Failed sign-ins per account (whichever address they come from); limits separated by ";".
    RATELIMIT_ACCOUNT = os.environ.get("RATELIMIT_ACCOUNT", "5 per minute;50 per day")
    # Redis down: count in this process's memory instead of failing every limited request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # How many proxies in front of the app set X-Forwarded-For/-Proto; 0 trusts none.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    API_TITLE = "Coursework API"
    API_VERSION = "v1"
    # 3.1: its schemas are JSON Schema, so null and object keys are described exactly.
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    DEMO_ACCOUNTS = False
    STRICT_TRANSPORT_SECURITY: str | None = None  # set in Production only
    # Where the site is reached from outside: used in certificate links, QR codes and
    # signed credentials (never taken from a request's Host header).
    PUBLIC_URL = public_url_from(os.environ)
    RATELIMIT_VERIFY = os.environ.get("RATELIMIT_VERIFY", "60 per minute")
    # smtp://user:password@host:port (or smtps://, smtp+starttls://); unset: outbox only.
    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Coursework <no-reply@localhost>")
    # Jobs go to a consumer (`make worker`); immediate runs them at once, in the caller.
    QUEUE_IMMEDIATE = os.environ.get("QUEUE_IMMEDIATE") == "1"
    # Huey's name for the queue (its Redis keys, its SQLite table): one per deployment.
    QUEUE_NAME = os.environ.get("QUEUE_NAME", "coursework")
    # Whether the addresses managers set (LRS, identity provider, LMS) may be on a loopback
    # or private network ("1"): refused in production unless set (coursework/outbound.py).
    ALLOW_PRIVATE_NETWORK = os.environ.get("ALLOW_PRIVATE_NETWORK") == "1"
    # Long work runs as a job with a progress page above these sizes (below them, in the
    # request): people in one bulk invitation, bytes of an uploaded GIFT file or course
    # document, people in an organisation whose CSV is asked for.
    JOB_INVITATIONS_OVER = int(os.environ.get("JOB_INVITATIONS_OVER", "50"))
    JOB_GIFT_BYTES_OVER = int(os.environ.get("JOB_GIFT_BYTES_OVER", str(128 * 1024)))
    JOB_DOCUMENT_BYTES_OVER = int(os.environ.get("JOB_DOCUMENT_BYTES_OVER", str(64 * 1024)))
    JOB_CSV_PEOPLE_OVER = int(os.environ.get("JOB_CSV_PEOPLE_OVER", "2000"))
    # How many items a job does between two commits (and two progress updates).
    JOB_BATCH = int(os.environ.get("JOB_BATCH", "25"))
    # How long a file a job made (a large CSV) can be downloaded.
    JOB_FILE_HOURS = int(os.environ.get("JOB_FILE_HOURS", "24"))


class Development(Base):
    ENV = "development"
    DEMO_ACCOUNTS = True
    ALLOW_PRIVATE_NETWORK = os.environ.get("ALLOW_PRIVATE_NETWORK", "1") == "1"


class Testing(Base):
    ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Limits stay on in tests (one test proves them) but high enough not to get in the way.
    RATELIMIT_AUTH = "1000 per minute"
    RATELIMIT_ACCOUNT = "1000 per minute"
    RATELIMIT_VERIFY = "1000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_CHEAP = True
    QUEUE_IMMEDIATE = True
    ALLOW_PRIVATE_NETWORK = True  # the tests' LRS, identity provider and LMS are local
    QUIZ_DRAW_SEED = "tests"  # banked quizzes draw the same way on every run


class Production(Base):
    ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # Browsers then refuse plain HTTP to this host for a year (production is served on TLS).
    STRICT_TRANSPORT_SECURITY = os.environ.get(
        "STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains"
    )


CONFIGS: dict[str, type[Base]] = {
    "development": Development,
    "testing": Testing,
    "production": Production,
}


def config_class(env: str | None = None) -> type[Base]:
    name = env or os.environ.get("COURSEWORK_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"COURSEWORK_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None


def resolve_instance_settings(config: dict[str, Any], instance_path: str) -> None:
    """Fill in the defaults that live in the instance folder, creating it when needed, and
    what no override may take away."""
    # A failed statement's message then leaves out its parameters (password hashes, token
    # hashes, names), so the error log never holds them.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
        "hide_parameters": True,
    }
    instance = Path(instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'coursework.sqlite'}"
    if not config.get("SECRET_KEY"):
        if config["ENV"] == "production":
            raise RuntimeError("SECRET_KEY must be set when COURSEWORK_ENV=production")
        config["SECRET_KEY"] = _instance_secret_key(instance)


def _instance_secret_key(instance: Path) -> str:
    """Generate the local secret once, so restarting the server keeps people signed in."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
