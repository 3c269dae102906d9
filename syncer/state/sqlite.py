"""Opening a SQLite state file: per-connection settings, and why a file cannot be used.

Writes start with BEGIN IMMEDIATE (`syncer.state.engine`): they take SQLite's write lock before
reading, so a read-then-write (an upsert, an idempotent insert) can neither interleave with
another writer nor fail halfway with "database is locked"; the busy timeout makes the other side
wait instead.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import URL, Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine

from syncer.state.location import MEMORY, StoreError

BUSY_TIMEOUT_MS = 5_000
"""How long a write waits for another process's transaction before giving up."""


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


def open_sqlite(path: str | Path) -> Engine:
    """An engine on the SQLite file at `path` (`MEMORY` for a private in-memory database)."""
    if str(path) == MEMORY:
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
    return engine


def why_unusable(reason: str) -> str:
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
