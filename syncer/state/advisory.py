"""One writer per register on PostgreSQL: a session advisory lock, held for the whole cycle.

Every daemon schedules every register; the lock decides which one runs it. The lock is
`pg_try_advisory_lock` on a stable 64-bit hash of the register's name, taken on a connection
kept for the cycle alone (in autocommit, so no transaction stays open while trackers are read
and written). It is released at the cycle's end, and by the server the moment that connection
dies, so a daemon killed mid-cycle never leaves a register locked. A waiting run polls, as the
file lock does, for at most its wait.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from syncer.state.lock import POLL_SECONDS, RegisterBusy

_HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid) LIMIT 1"
)


APPLICATION_PREFIX = "syncer "
"""What syncer's connections call themselves (`application_name`), before their `host:pid`."""


def advisory_key(name: str) -> int:
    """A signed 64-bit lock key for `name`, the same in every process and Python version
    (Python's own `hash` of a string changes from process to process)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def register_key(register: str) -> int:
    return advisory_key(f"syncer:register:{register}")


class AdvisoryLocks:
    """`RegisterLocks` for a PostgreSQL state: a register's lock, across processes and hosts."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def hold(self, register: str, wait_seconds: float) -> Iterator[None]:
        key = register_key(register)
        with self._engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            _acquire(connection, key, register, wait_seconds)
            try:
                yield
            finally:
                _release(connection, key)

    def holder(self, register: str) -> str:
        with self._engine.connect() as connection:
            return _holder(connection, register_key(register))


def _acquire(connection: Connection, key: int, register: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    try_lock = text("SELECT pg_try_advisory_lock(:key)")
    while not connection.execute(try_lock, {"key": key}).scalar():
        if time.monotonic() >= deadline:
            holder = _holder(connection, key)
            raise RegisterBusy(
                f"register {register!r} is being synced by another syncer"
                f"{f' ({holder})' if holder else ''}; gave up after {wait_seconds:g}s"
            )
        time.sleep(POLL_SECONDS)


def _release(connection: Connection, key: int) -> None:
    """Unlock. A connection that died meanwhile took the lock with it (the server let go):
    there is nothing left to release, and the dead connection is not put back in the pool."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    except DBAPIError:
        connection.invalidate()


def _holder(connection: Connection, key: int) -> str:
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    found = connection.execute(
        _HOLDER, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}
    ).scalar()
    return str(found or "").removeprefix(APPLICATION_PREFIX)
