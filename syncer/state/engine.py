"""Opening the state database, SQLite or PostgreSQL, with its schema current.

The few differences between the two are kept here and in the dialect modules
(`syncer.state.sqlite`, `syncer.state.postgres`); the tables, the migrations and the store are
the same on both. Writes are serialized the same way on both: on SQLite a write transaction
starts with BEGIN IMMEDIATE (SQLite's one write lock), on PostgreSQL with a transaction-level
advisory lock every write takes, so a read-then-write (an idempotent insert, an upsert) never
interleaves with another process's and never fails on a unique constraint. Migrations run in
such a write transaction, which is what makes three daemons starting at once migrate once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from syncer.state.advisory import APPLICATION_PREFIX, advisory_key
from syncer.state.glance import Params, Statement
from syncer.state.location import StoreError, is_database_url, parse_location, shown
from syncer.state.lock import runner_name
from syncer.state.migrations import MIGRATIONS, Migration
from syncer.state.postgres import open_postgres, unreachable
from syncer.state.sqlite import open_sqlite, why_unusable

__all__ = [
    "SCHEMA_VERSION_KEY",
    "EngineStatements",
    "StoreError",
    "migrate",
    "open_engine",
    "open_migrated",
    "stored_version",
    "writer",
]

SCHEMA_VERSION_KEY = "schema_version"
_WRITING = "syncer_writing"
WRITE_LOCK_KEY = advisory_key("syncer:state-writer")
"""PostgreSQL's transaction-level advisory lock taken by every write and by the migrations."""


def open_engine(location: str | Path) -> Engine:
    """An engine on the state at `location`: a SQLite file path, `:memory:`, or a database URL
    (`postgresql://…`, `sqlite:///…`); `StoreError` for a URL syncer has no database for."""
    where = parse_location(location)
    if is_database_url(where):
        engine = open_postgres(str(where), APPLICATION_PREFIX + runner_name())
    else:
        engine = open_sqlite(where)
    event.listen(engine, "begin", _begin)
    return engine


def _begin(connection: Connection) -> None:
    """Start each transaction as the engine's options ask: to read, or to write (serialized)."""
    writing = bool(connection.get_execution_options().get(_WRITING, False))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN DEFERRED")
    elif writing:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def writer(engine: Engine) -> Engine:
    """The same engine, its transactions writing: one at a time across every process."""
    return engine.execution_options(**{_WRITING: True})


def stored_version(connection: Connection) -> int:
    if not inspect(connection).has_table("meta"):
        return 0
    value = connection.execute(
        text("SELECT value FROM meta WHERE key = :key"), {"key": SCHEMA_VERSION_KEY}
    ).scalar()
    return 0 if value is None else int(value)


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to `len(migrations)` in one transaction; return that version.

    The write lock is taken first, so two processes opening a fresh database at once cannot
    both run the same step: the second waits, then finds the schema current. (PostgreSQL's DDL
    is transactional, as SQLite's is.) A database from a newer syncer is refused rather than
    guessed at.
    """
    known = len(migrations)
    with writer(engine).begin() as connection:
        found = stored_version(connection)
        if found > known:
            raise StoreError(
                f"state schema version {found} is newer than this syncer supports "
                f"(version {known}); upgrade syncer to use this database"
            )
        for step in migrations[found:]:
            step(connection)
        if found < known:
            connection.execute(
                text(
                    "INSERT INTO meta (key, value) VALUES (:key, :value) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"key": SCHEMA_VERSION_KEY, "value": str(known)},
            )
    return known


def open_migrated(location: str | Path) -> Engine:
    """An engine on `location` with its schema current, or a StoreError saying why it won't do."""
    engine = open_engine(location)
    try:
        if engine.dialect.name != "sqlite":
            _connect_once(engine, str(location))
        migrate(engine)
    except StoreError as error:
        engine.dispose()
        raise StoreError(f"{shown(location)}: {error}") from None
    except DBAPIError as error:
        engine.dispose()
        raise StoreError(f"{shown(location)}: {_why_unusable(engine, error)}") from error
    except BaseException:
        engine.dispose()
        raise
    return engine


def _connect_once(engine: Engine, location: str) -> None:
    """Reach the server before anything else, so its failure reads as one."""
    try:
        engine.connect().close()
    except DBAPIError as error:
        raise unreachable(location, error) from None


def _why_unusable(engine: Engine, error: DBAPIError) -> str:
    if engine.dialect.name == "sqlite":
        return why_unusable(" ".join(str(error.orig).split()))
    # PostgreSQL's first line says what failed; the next ones quote the statement.
    reason = str(error.orig).strip().splitlines()[0]
    return f"the state database cannot be used ({reason})"


class EngineStatements:
    """`syncer.state.glance.Statements` on an engine: the idle check's plain SQL on a store
    that is not a SQLite file (PostgreSQL, an in-memory database), writes serialized as all."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), dict(params))]

    def write(self, statements: Sequence[Statement]) -> None:
        with writer(self._engine).begin() as connection:
            for sql, params in statements:
                connection.execute(text(sql), dict(params))
