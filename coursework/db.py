"""The model base: one naming convention for constraints and timezone-aware UTC times."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps

from sqlalchemy import DateTime, Insert, MetaData, String, event, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware datetimes.

    SQLite keeps no zone, so values read from it are naive; they were written as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Model(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


class _OnConflict(ClauseElement):
    """`ON CONFLICT (key) DO UPDATE SET column = excluded.column, …`, or `ON CONFLICT DO
    NOTHING` when no column is updated: the same words on PostgreSQL and SQLite.

    SQLAlchemy 2.0's own (`on_conflict_do_update` of the dialects' `Insert`) has no cache
    key, so every statement that has one is compiled again each time it runs (`[no key]` in
    the engine's log). This one is only column names, which are its cache key."""

    __visit_name__ = "coursework_on_conflict"
    _traverse_internals = [
        ("key", InternalTraversal.dp_string_list),
        ("updated", InternalTraversal.dp_string_list),
    ]

    def __init__(self, key: Iterable[str], updated: Iterable[str]) -> None:
        self.key = tuple(key)
        self.updated = tuple(updated)


@compiles(_OnConflict)
def _on_conflict(element: _OnConflict, compiler, **kw) -> str:
    if not element.updated:
        return "ON CONFLICT DO NOTHING"
    quote = compiler.preparer.quote
    target = ", ".join(quote(name) for name in element.key)
    changes = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in element.updated)
    return f"ON CONFLICT ({target}) DO UPDATE SET {changes}"


class Upsert(Insert):
    """INSERT … ON CONFLICT on either database, which keeps its place in SQLAlchemy's
    compiled cache (see `_OnConflict`): where a row with the same unique `key` columns is
    there already, its `updated` columns take the values this statement tried to insert;
    without `updated`, nothing is inserted."""

    inherit_cache = True

    def __init__(self, table, *, key: Iterable[str] = (), updated: Iterable[str] = ()) -> None:
        super().__init__(table)
        key, updated = tuple(key), tuple(updated)
        if updated and not key:
            raise ValueError("an upsert that updates names the unique columns it matches on")
        self._post_values_clause = _OnConflict(key, updated)


def watch_writes(session_class, key: str, *, after_flush, on_statement, settle) -> bool:
    """Have every session of `session_class` note what its writes touch (`after_flush` and
    `on_statement` keep their marks in `session.info[key]`), act on the marks just before it
    commits (`settle`), and drop them when it rolls back. False when it is watched already.
    The progress summary and the report's rows keep themselves exact this way."""
    if event.contains(session_class, "after_flush", after_flush):
        return False
    event.listen(session_class, "after_flush", after_flush)
    event.listen(session_class, "do_orm_execute", on_statement)
    event.listen(session_class, "before_commit", settle)
    event.listen(session_class, "after_rollback", lambda session: session.info.pop(key, None))
    return True


def insert_or_ignore(session, model: type[Model], **values) -> bool:
    """INSERT that quietly does nothing when a unique constraint already holds the row.

    Returns True when this call inserted it. Safe under concurrent requests on PostgreSQL
    and SQLite alike, where "select, then insert" is not.
    """
    # RETURNING, not rowcount: psycopg reports no row count for this statement.
    statement = Upsert(model).values(**values)
    inserted = session.execute(statement.returning(*model.__table__.primary_key.columns))
    return inserted.first() is not None


@contextmanager
def savepoint(session) -> Iterator[None]:
    """`session.begin_nested()` that is a savepoint inside the caller's transaction on
    SQLite too. Python's sqlite3 opens a transaction only before a data-changing statement,
    so a SAVEPOINT that comes first opens one of SQLite's own, and its RELEASE commits it:
    a bulk invitation's rows, or a sign-up, would land before the request had finished.
    Opening the transaction first (IMMEDIATE: a write follows at once) keeps it one."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    with session.begin_nested():
        yield


def insert_at_free_slug(session, make: Callable[[str], Model], base: str, max_length: int):
    """Insert `make(slug)` at the first free address `base`, `base-2`, … (cut to fit
    `max_length`), or return None when a thousand are taken. The unique constraint is the
    judge: when a concurrent request takes the address between our look and our insert,
    only the savepoint is rolled back and the next address is tried."""
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
        row = make(slug)
        model = type(row)
        if session.scalar(select(model.id).where(model.slug == slug)) is not None:
            continue
        try:
            with savepoint(session):
                session.add(row)
        except IntegrityError:
            continue
        return row
    return None


def upsert(session, model: type[Model], key: tuple[str, ...], rows: list[dict]) -> None:
    """INSERT each row, or UPDATE the one that its unique `key` columns already name: one
    statement, so two requests writing the same row at once cannot both try to insert it."""
    if not rows:
        return
    changes = [name for name in rows[0] if name not in key]
    # The rows as parameters (executemany), so the statement compiles once and is cached.
    session.execute(Upsert(model, key=key, updated=changes), rows)


# Full-text structures that migrations create by hand and no model describes: SQLite's FTS5
# table with its shadow tables, and PostgreSQL's tsvector column (see coursework.search).
HAND_MADE_TABLE_PREFIX = "search_documents_fts"
HAND_MADE_COLUMNS = {("search_documents", "search_vector")}
# PostgreSQL-only indexes no model can describe on both engines: the full-text vector's, and
# the trigram indexes of the report's name and email search (`report_rows`).
HAND_MADE_INDEXES = {
    "ix_search_documents_search_vector",
    "ix_report_rows_name_trgm",
    "ix_report_rows_email_trgm",
}


def include_in_migrations(obj, name, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's `include_object`: leave the hand-made full-text structures alone, so
    autogenerate neither drops them nor reports them as differences."""
    if type_ == "table" and name and name.startswith(HAND_MADE_TABLE_PREFIX):
        return False
    if type_ == "column" and reflected and (obj.table.name, name) in HAND_MADE_COLUMNS:
        return False
    return not (type_ == "index" and reflected and name in HAND_MADE_INDEXES)


def render_migration_item(type_: str, obj, autogen_context) -> str | bool:
    """Alembic autogenerate: write our UTC column type as the plain type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def fold(text: str) -> str:
    """Text lower-cased one character at a time, as PostgreSQL's `lower()` does (Python's
    `str.lower` treats a word-final sigma apart): the report compares and sorts names
    this way in the database and in Python alike."""
    return "".join(character.lower() for character in text)


class folded(FunctionElement):
    """`fold` in SQL, in code-point order: `lower(x) COLLATE "C"` on PostgreSQL (whose
    default collation would skip spaces and punctuation), `fold(x)` on SQLite (whose own
    `lower` folds ASCII only), registered below."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw) -> str:
    return f'(lower({compiler.process(element.clauses, **kw)}) COLLATE "C")'


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw) -> str:
    return f"fold({compiler.process(element.clauses, **kw)})"


@event.listens_for(Engine, "connect")
def _sqlite_fold(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "fold", 1, lambda text: None if text is None else fold(text), deterministic=True
        )


_KEEP_WORK = "coursework_keep_work"


def keep_work() -> None:
    """Commit this request's work even though it answers with an error (see `DomainError`'s
    `keep`)."""
    from flask import g

    setattr(g, _KEEP_WORK, True)


def commit_request(response):
    """The request's one commit (an `after_request` hook): services flush, signal receivers
    write in the same session, and everything a request did lands together or not at all.

    A response that says the request failed (4xx, 5xx) commits nothing, whether an error
    handler answered or the view caught a refusal and showed its form again, unless the
    refusal said the work before it stands (`keep_work`). A commit that fails becomes the
    error page its exception maps to (a database away is a 503), not a response that
    claims success.
    """
    from flask import current_app, g

    from coursework.extensions import db

    if response.status_code >= 400 and not g.get(_KEEP_WORK):
        db.session.rollback()
        return response
    if response.is_streamed:
        # A streamed answer (a CSV read through a server-side cursor) is still reading in
        # this transaction; it writes nothing, and the transaction ends with the request.
        return response
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def one_transaction(command: Callable) -> Callable:
    """A shell command's one commit, as `commit_request` is a request's: what the command
    did lands when it finishes, and nothing of a command that fails (an error, a
    `click.ClickException`, an exit other than 0) is kept."""

    @wraps(command)
    def run(*args, **kwargs):
        from coursework.extensions import db

        try:
            result = command(*args, **kwargs)
        except SystemExit as exit:
            if exit.code not in (None, 0):
                db.session.rollback()
                raise
            db.session.commit()
            raise
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run
