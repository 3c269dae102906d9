"""Opening the SQLite state database: per-connection settings, transactions, migrations.

Writes start with BEGIN IMMEDIATE: they take SQLite's write lock before reading, so a
read-then-write (an upsert, an idempotent insert) can neither interleave with another writer nor
fail halfway with "database is locked"; the busy timeout makes the other side wait instead.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine

from syncer.state.migrations import MIGRATIONS, Migration

BUSY_TIMEOUT_MS = 5_000
"""How long a write waits for another process's transaction before giving up."""

_BEGIN_OPTION = "syncer_begin"
SCHEMA_VERSION_KEY = "schema_version"


class StoreError(Exception):
    """The state file cannot be used as asked (not a database, from a newer syncer, …)."""


def _configure_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Per-connection settings SQLite does not persist in the file (WAL does, but is cheap)."""
    # Leave transaction control to us: pysqlite's implicit BEGIN is always DEFERRED.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _enable_wal(cursor)
        # In WAL mode NORMAL never corrupts the file and keeps every commit across a process
        # crash; only a power loss or OS crash may roll back the last commits. FULL would fsync
        # each commit (~2 ms here), which a webhook endpoint answering 100 deliveries a second
        # cannot afford. What a lost commit could lose is recovered by design: a create's
        # marker finds its issue, a delivery id seen again costs one more cycle.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL: readers never block the writer and vice versa.

    The switch takes an exclusive lock and SQLite answers SQLITE_BUSY at once, without its busy
    handler, when another connection holds the file (two processes opening a fresh file). So
    retry here for as long as busy_timeout would have waited. An in-memory database stays
    "memory".
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _begin(connection: Connection) -> None:
    """Start each transaction as the engine's options ask: DEFERRED to read, IMMEDIATE to write."""
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_engine(path: str | Path) -> Engine:
    """An engine on the SQLite file at `path` (":memory:" for a private in-memory database)."""
    in_memory = str(path) == ":memory:"
    if in_memory:
        # One shared connection, or every checkout would see a new, empty database.
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        folder = Path(path).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            why = "a file, not a folder" if folder.is_file() else exc.strerror
            raise StoreError(
                f"{path}: cannot write the state folder {folder} ({why}); syncer must be able "
                "to create and write its state database there"
            ) from None
        url = URL.create("sqlite", database=str(path))
        engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    return engine


def writer(engine: Engine) -> Engine:
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def _stored_version(connection: Connection) -> int:
    has_meta = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).first()
    if has_meta is None:
        return 0
    value = connection.execute(
        text("SELECT value FROM meta WHERE key = :key"), {"key": SCHEMA_VERSION_KEY}
    ).scalar()
    return 0 if value is None else int(value)


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to `len(migrations)` in one transaction; return that version.

    The write lock is taken first, so two processes opening a fresh file at once cannot both
    run the same step. A database from a newer syncer is refused rather than guessed at.
    """
    known = len(migrations)
    with writer(engine).begin() as connection:
        found = _stored_version(connection)
        if found > known:
            raise StoreError(
                f"{engine.url.database or ':memory:'}: state schema version {found} is newer "
                f"than this syncer supports (version {known}); upgrade syncer to use this file"
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


def open_migrated(path: str | Path) -> Engine:
    """An engine on `path` with its schema current, or a StoreError saying why the file won't do."""
    engine = open_engine(path)
    try:
        migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        raise StoreError(f"{path}: {_why_unusable(str(error.orig))}") from error
    except BaseException:
        engine.dispose()
        raise
    return engine


def _why_unusable(reason: str) -> str:
    """What a person should hear for SQLite's reason: read-only and unreachable files are
    permission problems to fix, not damaged databases."""
    if "readonly" in reason or "read-only" in reason:
        return f"the state database is read-only ({reason}); syncer must be able to write it"
    if "unable to open" in reason:
        return (
            f"cannot write the state database ({reason}): syncer must be able to create and "
            "write files in its folder"
        )
    return f"not a usable SQLite state database ({reason})"
