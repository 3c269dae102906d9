"""The state store: what syncer must remember between cycles, and nothing secret.

Every public method is one short transaction, so a crash loses at most the call in flight and a
second process (a `syncer reconcile` next to the daemon) only ever waits briefly. The database is
SQLite or PostgreSQL (`syncer.state.engine`), its tables are in `syncer.state.tables`; callers
only ever see the frozen records of `syncer.state.records`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from syncer.state.advisory import AdvisoryLocks
from syncer.state.engine import SCHEMA_VERSION_KEY, EngineStatements, open_migrated, writer
from syncer.state.glance import Glance
from syncer.state.history import History
from syncer.state.lock import RegisterLocks, ThreadLocks, locks_beside, runner_name
from syncer.state.records import (
    ConflictRecord,
    ConflictState,
    LinkRecord,
    OutboxEntry,
    OutboxState,
    Pruned,
    RunRecord,
)
from syncer.state.retention import prune_history, trim_deliveries, trim_writes
from syncer.state.tables import (
    ConflictRow,
    CursorRow,
    DeliveryRow,
    LinkRow,
    MetaRow,
    OutboxRow,
    RunRow,
    WriteRow,
)
from syncer.state.upserts import intent_row, link_row, open_conflict_row, save_link
from syncer.state.wakeups import WakeListener, announce

_TAKES = frozenset({"register", "tracker"})
TRIM_DELIVERIES_EVERY = 100
"""Delivery ids are trimmed to the newest `DELIVERIES_KEPT` once per this many new ones: the
table may exceed its bound by this much, and a delivery costs one insert, not a delete too."""


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Links and their bases, read cursors, the outbox, conflicts, runs and webhook deliveries."""

    def __init__(self, location: str | Path) -> None:
        """`location`: a SQLite file, `:memory:`, or a database URL (`syncer.state.location`)."""
        self._engine = open_migrated(location)
        self._write_engine = writer(self._engine)
        self._locks = _locks_for(self._engine)

    @property
    def history(self) -> History:
        """Reads of past runs and writes, for reports (`syncer.state.history`)."""
        return History(self._engine)

    @property
    def glance(self) -> Glance:
        """The idle check's plain-SQL reads and writes (`syncer.state.glance`)."""
        return Glance(EngineStatements(self._engine))

    @property
    def schema_version(self) -> int:
        with self._reading() as session:
            row = session.get(MetaRow, SCHEMA_VERSION_KEY)
            return 0 if row is None else int(row.value)

    def close(self) -> None:
        """Close every connection (the last one out checkpoints the WAL into the file)."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def lock(self, register: str, wait_seconds: float) -> AbstractContextManager[None]:
        """Hold `register` for a whole cycle, across processes; `RegisterBusy` after the wait.

        SQLite: a file lock per register in the folder `<state>.locks` beside the database;
        PostgreSQL: a session advisory lock (`syncer.state.advisory`).
        """
        return self._locks.hold(register, wait_seconds)

    def announce(self, register: str) -> None:
        """Wake whichever daemon is running `register` for one more cycle right after
        (`syncer.state.wakeups`); nothing to do on SQLite."""
        if self._engine.dialect.name == "postgresql":
            announce(self._engine, register)

    def listen(self, on_wake: Callable[[str], None]) -> WakeListener | None:
        """Hear `announce` from every process, until the listener is closed; None on SQLite."""
        if self._engine.dialect.name != "postgresql":
            return None
        return WakeListener(self._engine, on_wake)

    def lock_holder(self, register: str) -> str:
        """`host:pid` of the process holding `register`'s lock now, "" when nobody does."""
        return self._locks.holder(register)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with Session(self._engine) as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- links ---------------------------------------------------------------------------------

    def links(self, register: str, target: str | None = None) -> list[LinkRecord]:
        query = select(LinkRow).where(LinkRow.register_name == register)
        if target is not None:
            query = query.where(LinkRow.target == target)
        with self._reading() as session:
            return [row.to_record() for row in session.exec(query.order_by(col(LinkRow.id)))]

    def link_for_ref(self, register: str, target: str, ref: str) -> LinkRecord | None:
        with self._reading() as session:
            row = link_row(session, register, target, ref)
            return None if row is None else row.to_record()

    def link_for_item(self, register: str, target: str, item_key: str) -> LinkRecord | None:
        """The oldest link stored for `item_key` on `target`."""
        query = (
            select(LinkRow)
            .where(
                LinkRow.register_name == register,
                LinkRow.target == target,
                LinkRow.item_key == item_key,
            )
            .order_by(col(LinkRow.id))
        )
        with self._reading() as session:
            row = session.exec(query).first()
            return None if row is None else row.to_record()

    def save_link(self, link: LinkRecord) -> None:
        """Insert the link to `link.ref`, or replace what is stored for it.

        The store does not judge which item holds which issue: that is the file's to say and
        the engine's to settle by its rules (docs/sync.md), never an error that stops a cycle.
        """
        self.save_links([link])

    def save_links(self, links: Iterable[LinkRecord]) -> None:
        """`save_link` for many, in one transaction."""
        batch = list(links)
        if not batch:
            return  # not even the write lock
        with self._writing() as session:
            for link in batch:
                save_link(session, link)

    def drop_link(self, register: str, target: str, ref: str) -> None:
        """Forget the link to `ref`; dropping a link that is not there is not an error."""
        with self._writing() as session:
            session.exec(
                delete(LinkRow).where(
                    col(LinkRow.register_name) == register,
                    col(LinkRow.target) == target,
                    col(LinkRow.ref) == ref,
                )
            )

    # --- cursors -------------------------------------------------------------------------------

    def cursor(self, register: str, target: str) -> str | None:
        with self._reading() as session:
            row = session.get(CursorRow, (register, target))
            return None if row is None else row.cursor

    def set_cursor(self, register: str, target: str, cursor: str | None) -> None:
        """Remember where the next incremental read starts; None forgets it (a full read next)."""
        with self._writing() as session:
            if cursor is None:
                session.exec(
                    delete(CursorRow).where(
                        col(CursorRow.register_name) == register, col(CursorRow.target) == target
                    )
                )
            else:
                session.merge(CursorRow(register_name=register, target=target, cursor=cursor))

    # --- outbox --------------------------------------------------------------------------------

    def add_intent(
        self, register: str, target: str, operation: str, item_key: str, token: str, payload: str
    ) -> OutboxEntry:
        """Record a tracker write before sending it; a token seen before returns its entry as is.

        Returning the existing entry (whatever its state) is what makes a retried cycle safe: the
        caller sees the write was already intended, or done, instead of queueing it twice.
        """
        with self._writing() as session:
            return intent_row(session, register, target, operation, item_key, token, payload)

    def complete(self, entry_id: int, result: str) -> None:
        """Mark the write as sent; `result` is what the tracker answered (e.g. the new ref)."""
        self._settle(entry_id, OutboxState.DONE, result)

    def fail(self, entry_id: int, error: str) -> None:
        """Mark the write as failed; the error is kept in the entry's `result`."""
        self._settle(entry_id, OutboxState.FAILED, error)

    def _settle(self, entry_id: int, state: OutboxState, result: str) -> None:
        with self._writing() as session:
            row = session.get(OutboxRow, entry_id)
            if row is None:
                raise KeyError(entry_id)
            row.state = state
            row.result = result

    def pending(self, register: str, target: str | None = None) -> list[OutboxEntry]:
        """Writes intended but not yet settled, oldest first (the order they were meant in)."""
        query = select(OutboxRow).where(
            OutboxRow.register_name == register, OutboxRow.state == OutboxState.PENDING
        )
        if target is not None:
            query = query.where(OutboxRow.target == target)
        with self._reading() as session:
            return [row.to_record() for row in session.exec(query.order_by(col(OutboxRow.id)))]

    # --- conflicts -----------------------------------------------------------------------------

    def open_conflict(
        self,
        register: str,
        target: str,
        ref: str,
        item_key: str,
        field: str,
        base: str | None,
        register_value: str | None,
        tracker_value: str | None,
    ) -> ConflictRecord:
        """Record a conflict, or refresh the open one on the same field with the latest values.

        A conflict left open is seen again every cycle; updating it in place keeps one entry
        (and one id for the person resolving it) per field, showing the values as they are now.
        """
        with self._writing() as session:
            row = open_conflict_row(session, register, target, ref, field)
            row.item_key = item_key
            row.base = base
            row.register_value = register_value
            row.tracker_value = tracker_value
            session.add(row)
            session.flush()
            return row.to_record()

    def conflicts(
        self, register: str | None = None, state: ConflictState | None = ConflictState.OPEN
    ) -> list[ConflictRecord]:
        """Conflicts oldest first; `None` for either filter means all registers / all states."""
        query = select(ConflictRow)
        if register is not None:
            query = query.where(ConflictRow.register_name == register)
        if state is not None:
            query = query.where(ConflictRow.state == state)
        with self._reading() as session:
            return [row.to_record() for row in session.exec(query.order_by(col(ConflictRow.id)))]

    def conflict(self, conflict_id: int) -> ConflictRecord | None:
        with self._reading() as session:
            row = session.get(ConflictRow, conflict_id)
            return None if row is None else row.to_record()

    def resolve_conflict(self, conflict_id: int, take: str) -> ConflictRecord:
        """Settle a conflict by taking the register's or the tracker's value."""
        if take not in _TAKES:
            raise ValueError(f"take must be 'register' or 'tracker', not {take!r}")
        with self._writing() as session:
            row = session.get(ConflictRow, conflict_id)
            if row is None:
                raise KeyError(conflict_id)
            row.state = ConflictState.RESOLVED
            row.resolution = take
            row.resolved_at = _now()
            return row.to_record()

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, register: str, started: datetime | None = None) -> RunRecord:
        """A run of `register` begun now, or at `started` (the idle check that led to it)."""
        with self._writing() as session:
            row = RunRow(register_name=register, runner=runner_name(), started_at=started or _now())
            session.add(row)
            session.flush()
            return row.to_record()

    def finish_run(
        self,
        run_id: int,
        counts: Mapping[str, int],
        error: str = "",
        notes: Sequence[str] = (),
    ) -> RunRecord:
        with self._writing() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise KeyError(run_id)
            row.finished_at = _now()
            row.counts = dict(counts)
            row.error = error
            row.notes = list(notes)
            return row.to_record()

    def last_run(self, register: str) -> RunRecord | None:
        """The most recently started run, finished or not (an unfinished one may have crashed)."""
        query = (
            select(RunRow).where(RunRow.register_name == register).order_by(col(RunRow.id).desc())
        )
        with self._reading() as session:
            row = session.exec(query).first()
            return None if row is None else row.to_record()

    # --- webhook deliveries --------------------------------------------------------------------

    def remember_delivery(self, source: str, delivery_id: str) -> bool:
        """True the first time a delivery id is seen from `source`, False for a redelivery.

        Only the newest `DELIVERIES_KEPT` ids per source are kept: trackers redeliver within
        hours, so older ids only cost space.
        """
        with self._writing() as session:
            seen = session.exec(
                select(DeliveryRow.id).where(
                    DeliveryRow.source == source, DeliveryRow.delivery_id == delivery_id
                )
            ).first()
            if seen is not None:
                return False
            row = DeliveryRow(source=source, delivery_id=delivery_id)
            session.add(row)
            session.flush()
            if row.id is not None and row.id % TRIM_DELIVERIES_EVERY == 0:
                trim_deliveries(session, source)
            return True

    # --- tracker writes, for pacing ------------------------------------------------------------

    def recent_writes(self, key: str, since: float) -> list[float]:
        """When the writes of pacing key `key` at or after `since` (epoch seconds) were sent,
        oldest first."""
        query = (
            select(WriteRow.at)
            .where(WriteRow.key == key, col(WriteRow.at) >= since)
            .order_by(col(WriteRow.at))
        )
        with self._reading() as session:
            return list(session.exec(query))

    def record_write(self, key: str, at: float) -> None:
        """Remember one write of `key`, and forget those no pacing window counts any more."""
        with self._writing() as session:
            session.add(WriteRow(key=key, at=at))
            trim_writes(session, key, at)

    # --- retention -----------------------------------------------------------------------------

    def prune(self, *, now: datetime, keep_for: timedelta, keep_runs: int) -> Pruned:
        """Delete old history (`syncer.state.retention.prune_history` says what), in one write
        transaction: a reader sees the history before or after, never half."""
        with self._writing() as session:
            return prune_history(session, now, keep_for, keep_runs)


def _locks_for(engine: Engine) -> RegisterLocks:
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks(engine)
    database = engine.url.database
    return locks_beside(database) if database else ThreadLocks()
