"""The state an idle cycle needs, read and written in plain SQL, without SQLAlchemy.

An idle cycle (docs/sync.md, "Idle cycles") should cost little more than its one tracker
request, and importing SQLAlchemy alone costs more than that request. So the few statements it
needs are written here: run on a SQLite file through the standard library's `sqlite3`
(`SqliteStatements`), or on any other store through its own engine (`Store.glance`). What is
written follows the formats `syncer.state.tables` reads back (ISO UTC timestamps, sorted JSON).

The settled mark lives in the `meta` table under `settled:<register>`: the fingerprints of the
register's text and configuration at the end of the last cycle that settled everything. Every
full cycle removes it before its first write and puts it back only when it ends settled, so a
crash mid-cycle leaves no mark behind.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from syncer.state.lock import runner_name
from syncer.state.records import DELIVERIES_KEPT_FOR, WRITES_KEPT_FOR

Params = Mapping[str, object]
Statement = tuple[str, Params]

RUNS_SLACK = 10
"""Runs past `state_keep_runs` an idle run lets wait for the next prune: a tenth of it."""
BUSY_TIMEOUT_S = 5.0
"""How long a statement waits for another process's write (as the store's connections do)."""

_QUIET = """
SELECT
  (SELECT value FROM meta WHERE key = :mark),
  (SELECT COUNT(*) FROM outbox WHERE register = :register AND state = 'pending'),
  (SELECT COUNT(*) FROM conflicts WHERE register = :register AND state = 'open')
"""
_CURSORS = "SELECT target, cursor FROM cursors WHERE register = :register"
_SET_CURSOR = (
    "INSERT INTO cursors (register, target, cursor) VALUES (:register, :target, :cursor) "
    "ON CONFLICT (register, target) DO UPDATE SET cursor = excluded.cursor"
)
_SET_MARK = (
    "INSERT INTO meta (key, value) VALUES (:mark, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_DROP_MARK = "DELETE FROM meta WHERE key = :mark"
_PRUNE_DUE = """
SELECT
  EXISTS (SELECT 1 FROM runs GROUP BY register HAVING COUNT(*) > :runs_due)
  OR EXISTS (SELECT 1 FROM outbox WHERE state != 'pending' AND created_at < :cutoff)
  OR EXISTS (SELECT 1 FROM conflicts WHERE state = 'resolved' AND resolved_at < :cutoff)
  OR EXISTS (SELECT 1 FROM deliveries WHERE received_at < :deliveries)
  OR EXISTS (SELECT 1 FROM writes WHERE at < :writes)
"""
_RUN = (
    "INSERT INTO runs (register, started_at, finished_at, counts, error, notes, runner) "
    "VALUES (:register, :started, :finished, '{}', '', :notes, :runner)"
)


class Statements(Protocol):
    """Somewhere to run plain SQL with `:name` parameters."""

    def rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        """The rows one query answers."""
        ...

    def write(self, statements: Sequence[Statement]) -> None:
        """Run `statements` in one write transaction (serialized as every store write is)."""
        ...


@dataclass(frozen=True)
class Settled:
    """What the last settled cycle of a register saw: its text and its configuration."""

    register_text: str
    config: str
    """Fingerprints (sha256) of the register's bytes and of its configuration."""


@dataclass(frozen=True)
class Quiet:
    """A register with nothing left to act on in the state: its mark and its cursors."""

    settled: Settled
    cursors: Mapping[str, str]


def mark_key(register: str) -> str:
    return f"settled:{register}"


def stamp(moment: datetime) -> str:
    """A timestamp as `syncer.state.tables.UTCDateTime` stores it."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Glance:
    """The idle check's reads and writes on one state database."""

    def __init__(self, statements: Statements) -> None:
        self._db = statements

    def quiet(self, register: str) -> Quiet | None:
        """The register's settled mark and cursors, or None when it has no mark, a write is
        pending in its outbox, or a conflict of it is open: then a full cycle must run."""
        params = {"register": register, "mark": mark_key(register)}
        [(mark, pending, conflicts)] = self._db.rows(_QUIET, params)
        if mark is None or pending or conflicts:
            return None
        settled = json.loads(mark)
        cursors = {str(target): str(cursor) for target, cursor in self._db.rows(_CURSORS, params)}
        return Quiet(Settled(settled["register_text"], settled["config"]), cursors)

    def record_idle(
        self, register: str, started: datetime, cursors: Mapping[str, str], note: str
    ) -> None:
        """One finished run that found nothing changed, and the cursors its reads ended at."""
        statements: list[Statement] = [
            (_SET_CURSOR, {"register": register, "target": target, "cursor": cursor})
            for target, cursor in cursors.items()
        ]
        run = {
            "register": register,
            "started": stamp(started),
            "finished": stamp(datetime.now(UTC)),
            "notes": json.dumps([note], ensure_ascii=False),
            "runner": runner_name(),
        }
        self._db.write([*statements, (_RUN, run)])

    def prune_due(self, now: datetime, keep_for: timedelta, keep_runs: int) -> bool:
        """Whether `Store.prune` with these arguments has enough to delete to be worth loading
        the ORM for: anything older than it keeps, or a register's runs past `keep_runs` by a
        tenth (`RUNS_SLACK`). Without that slack a full table would be pruned of one run by
        every idle run; with it, one idle run in a tenth of `keep_runs` prunes them all back."""
        params = {
            "runs_due": keep_runs + keep_runs // RUNS_SLACK,
            "cutoff": stamp(now - keep_for),
            "deliveries": stamp(now - DELIVERIES_KEPT_FOR),
            "writes": now.timestamp() - WRITES_KEPT_FOR,
        }
        [(due,)] = self._db.rows(_PRUNE_DUE, params)
        return bool(due)

    def mark(self, register: str, settled: Settled | None) -> None:
        """Set the register's settled mark, or remove it (None)."""
        if settled is None:
            self._db.write([(_DROP_MARK, {"mark": mark_key(register)})])
            return
        value = json.dumps(
            {"register_text": settled.register_text, "config": settled.config}, sort_keys=True
        )
        self._db.write([(_SET_MARK, {"mark": mark_key(register), "value": value})])


class SqliteStatements:
    """Plain SQL on an existing SQLite state file; `sqlite3.Error` for a missing or unusable
    one (the caller then leaves the work to the store, which creates and migrates it)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @contextmanager
    def _connected(self) -> Iterator[sqlite3.Connection]:
        uri = f"file:{quote(str(self._path.absolute()))}?mode=rw"
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            yield connection
        finally:
            connection.close()

    def rows(self, sql: str, params: Params) -> list[tuple[Any, ...]]:
        with self._connected() as connection:
            return connection.execute(sql, params).fetchall()

    def write(self, statements: Sequence[Statement]) -> None:
        with self._connected() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    connection.execute(sql, params)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
