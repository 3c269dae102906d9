"""The SQLite state store: what syncer must remember between cycles, and nothing secret.

Every public method is one short transaction, so a crash loses at most the call in flight and a
second process (a `syncer reconcile` next to the daemon) only ever waits briefly. Writes start
with BEGIN IMMEDIATE: they take SQLite's write lock before reading, so a read-then-write (an
upsert, an idempotent insert) can neither interleave with another writer nor fail halfway with
"database is locked"; the busy timeout makes the other side wait instead of erroring.

The table models below describe columns for the ORM only; the schema itself, constraints
included, is created by the migrations in `syncer.state.migrations`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import URL, Connection, Dialect, Engine, String, Text, event, func, or_, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, select

from syncer.state.migrations import MIGRATIONS, Migration
from syncer.state.records import (
    Base,
    ConflictRecord,
    ConflictState,
    LinkRecord,
    OutboxEntry,
    OutboxState,
    Pruned,
    RunRecord,
)

DELIVERIES_KEPT = 10_000
"""Webhook delivery ids remembered per source: far more than any retry window needs."""

DELIVERIES_KEPT_FOR = timedelta(days=7)
"""How long a webhook delivery id is remembered, whatever `Store.prune` is told to keep.

A delivery id only serves to recognise a redelivery, and trackers redeliver within days: GitHub
never retries on its own and offers manual redelivery of the past 3 days (Enterprise Server: 7),
GitLab resends from a hook's recent events (kept about a week), Jira retries a failed delivery
shortly after. A redelivery comes at most that long after the event, so at most that long after
syncer first saw it; a week covers the longest window, and an id older than that is dead weight."""

BUSY_TIMEOUT_MS = 5_000
"""How long a write waits for another process's transaction before giving up."""

_BEGIN_OPTION = "syncer_begin"
_SCHEMA_VERSION_KEY = "schema_version"
_TAKES = frozenset({"register", "tracker"})


class StoreError(Exception):
    """The state file cannot be used as asked (not a database, from a newer syncer, …)."""


# --- column types ------------------------------------------------------------------------------


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp stored as fixed-width ISO text, so it sorts and reads back aware."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class SortedJSON(TypeDecorator[Any]):
    """JSON text with sorted keys: the same value is always the same text (diffable, comparable)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _now() -> datetime:
    return datetime.now(UTC)


def _register_field(*, primary_key: bool = False) -> Any:
    """The `register` column, as `register_name`: SQLModel classes own `register`."""
    return Field(primary_key=primary_key, sa_column_kwargs={"name": "register"})


# --- table models ------------------------------------------------------------------------------


class MetaRow(SQLModel, table=True):
    __tablename__ = "meta"

    key: str = Field(primary_key=True)
    value: str


class LinkRow(SQLModel, table=True):
    __tablename__ = "links"

    id: int | None = Field(default=None, primary_key=True)
    register_name: str = _register_field()
    target: str
    ref: str
    url: str
    item_key: str
    base_register: Base = Field(default_factory=dict, sa_type=SortedJSON)
    base_tracker: Base = Field(default_factory=dict, sa_type=SortedJSON)
    tracker_version: str = ""
    in_file: bool = False
    unsettled: list[str] = Field(default_factory=list, sa_type=SortedJSON)

    def to_record(self) -> LinkRecord:
        return LinkRecord(
            register=self.register_name,
            target=self.target,
            ref=self.ref,
            url=self.url,
            item_key=self.item_key,
            base_register=dict(self.base_register),
            base_tracker=dict(self.base_tracker),
            tracker_version=self.tracker_version,
            in_file=self.in_file,
            unsettled=frozenset(self.unsettled),
        )


class CursorRow(SQLModel, table=True):
    __tablename__ = "cursors"

    register_name: str = _register_field(primary_key=True)
    target: str = Field(primary_key=True)
    cursor: str


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    register_name: str = _register_field()
    target: str
    operation: str
    item_key: str
    token: str
    payload: str
    state: str
    result: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)

    def to_record(self) -> OutboxEntry:
        assert self.id is not None, "rows are read back after they are flushed"
        return OutboxEntry(
            id=self.id,
            register=self.register_name,
            target=self.target,
            operation=self.operation,
            item_key=self.item_key,
            token=self.token,
            payload=self.payload,
            state=OutboxState(self.state),
            result=self.result,
            created_at=self.created_at,
        )


class ConflictRow(SQLModel, table=True):
    __tablename__ = "conflicts"

    id: int | None = Field(default=None, primary_key=True)
    register_name: str = _register_field()
    target: str
    ref: str
    item_key: str
    field: str
    base: str | None
    register_value: str | None
    tracker_value: str | None
    state: str = ConflictState.OPEN
    resolution: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def to_record(self) -> ConflictRecord:
        assert self.id is not None, "rows are read back after they are flushed"
        return ConflictRecord(
            id=self.id,
            register=self.register_name,
            target=self.target,
            ref=self.ref,
            item_key=self.item_key,
            field=self.field,
            base=self.base,
            register_value=self.register_value,
            tracker_value=self.tracker_value,
            state=ConflictState(self.state),
            resolution=self.resolution,
            created_at=self.created_at,
            resolved_at=self.resolved_at,
        )


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    register_name: str = _register_field()
    started_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counts: dict[str, int] = Field(default_factory=dict, sa_type=SortedJSON)
    error: str = ""

    def to_record(self) -> RunRecord:
        assert self.id is not None, "rows are read back after they are flushed"
        return RunRecord(
            id=self.id,
            register=self.register_name,
            started_at=self.started_at,
            finished_at=self.finished_at,
            counts=dict(self.counts),
            error=self.error,
        )


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "deliveries"

    id: int | None = Field(default=None, primary_key=True)
    source: str
    delivery_id: str
    received_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


# --- engine and schema -------------------------------------------------------------------------


def _configure_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Per-connection settings SQLite does not persist in the file (WAL does, but is cheap)."""
    # Leave transaction control to us: pysqlite's implicit BEGIN is always DEFERRED.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _enable_wal(cursor)
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
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        url = URL.create("sqlite", database=str(path))
        engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    return engine


def _writer(engine: Engine) -> Engine:
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def _stored_version(connection: Connection) -> int:
    has_meta = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).first()
    if has_meta is None:
        return 0
    value = connection.execute(
        text("SELECT value FROM meta WHERE key = :key"), {"key": _SCHEMA_VERSION_KEY}
    ).scalar()
    return 0 if value is None else int(value)


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to `len(migrations)` in one transaction; return that version.

    The write lock is taken first, so two processes opening a fresh file at once cannot both
    run the same step. A database from a newer syncer is refused rather than guessed at.
    """
    known = len(migrations)
    with _writer(engine).begin() as connection:
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
                {"key": _SCHEMA_VERSION_KEY, "value": str(known)},
            )
    return known


def _open_migrated(path: str | Path) -> Engine:
    """An engine on `path` with its schema current, or a StoreError saying why the file won't do."""
    engine = open_engine(path)
    try:
        migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        raise StoreError(f"{path}: not a usable SQLite state database ({error.orig})") from error
    except BaseException:
        engine.dispose()
        raise
    return engine


# --- the store ---------------------------------------------------------------------------------


class Store:
    """Links and their bases, read cursors, the outbox, conflicts, runs and webhook deliveries."""

    def __init__(self, path: str | Path) -> None:
        self._engine = _open_migrated(path)
        self._write_engine = _writer(self._engine)

    @property
    def schema_version(self) -> int:
        with self._reading() as session:
            row = session.get(MetaRow, _SCHEMA_VERSION_KEY)
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
            row = _link_row(session, register, target, ref)
            return None if row is None else row.to_record()

    def link_for_item(self, register: str, target: str, item_key: str) -> LinkRecord | None:
        query = select(LinkRow).where(
            LinkRow.register_name == register,
            LinkRow.target == target,
            LinkRow.item_key == item_key,
        )
        with self._reading() as session:
            row = session.exec(query).first()
            return None if row is None else row.to_record()

    def save_link(self, link: LinkRecord) -> None:
        """Insert the link to `link.ref`, or replace what is stored for it.

        An item already linked to a different issue on the same target is refused: silently
        moving the link would orphan the old issue, which the next cycle would then import as a
        new item. Relinking is explicit: drop the old link first.
        """
        self.save_links([link])

    def save_links(self, links: Iterable[LinkRecord]) -> None:
        """`save_link` for many, in one transaction: all saved, or (refused) none."""
        batch = list(links)
        if not batch:
            return  # not even the write lock
        with self._writing() as session:
            for link in batch:
                _save_link(session, link)

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
            row = session.exec(
                select(OutboxRow).where(
                    OutboxRow.register_name == register,
                    OutboxRow.target == target,
                    OutboxRow.token == token,
                )
            ).first()
            if row is None:
                row = OutboxRow(
                    register_name=register,
                    target=target,
                    operation=operation,
                    item_key=item_key,
                    token=token,
                    payload=payload,
                    state=OutboxState.PENDING,
                )
                session.add(row)
                session.flush()
            return row.to_record()

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
            row = session.exec(
                select(ConflictRow).where(
                    ConflictRow.register_name == register,
                    ConflictRow.target == target,
                    ConflictRow.ref == ref,
                    ConflictRow.field == field,
                    ConflictRow.state == ConflictState.OPEN,
                )
            ).first() or ConflictRow(
                register_name=register,
                target=target,
                ref=ref,
                field=field,
                item_key=item_key,
                base=None,
                register_value=None,
                tracker_value=None,
            )
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

    def start_run(self, register: str) -> RunRecord:
        with self._writing() as session:
            row = RunRow(register_name=register)
            session.add(row)
            session.flush()
            return row.to_record()

    def finish_run(self, run_id: int, counts: Mapping[str, int], error: str = "") -> RunRecord:
        with self._writing() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise KeyError(run_id)
            row.finished_at = _now()
            row.counts = dict(counts)
            row.error = error
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
            session.add(DeliveryRow(source=source, delivery_id=delivery_id))
            session.flush()
            _trim_deliveries(session, source)
            return True

    # --- retention -----------------------------------------------------------------------------

    def prune(self, *, now: datetime, keep_for: timedelta, keep_runs: int) -> Pruned:
        """Delete the history a daemon would otherwise pile up forever; return what went.

        Only history goes. What the engine or a person still acts on stays, whatever its age:

        - settled outbox entries (done, failed) intended more than `keep_for` before `now`
          (a write settles within a cycle or two of its intent); pending ones are how a crash
          mid-write is recovered, so they stay until settled;
        - conflicts resolved more than `keep_for` ago; open ones wait for a person;
        - runs beyond the newest `keep_runs` of each register, so `syncer status` always has
          the last one. An unfinished run among them stays until `keep_for` old: it may be
          another process's run in progress, which must still be able to record its end;
        - webhook delivery ids older than `DELIVERIES_KEPT_FOR` (its docstring says why).

        All in one write transaction: a reader sees the history before or after, never half.
        """
        if keep_runs < 1:
            raise ValueError("keep_runs must be at least 1: `syncer status` shows the last run")
        cutoff = now - keep_for
        newest_first = func.row_number().over(
            partition_by=col(RunRow.register_name), order_by=col(RunRow.id).desc()
        )
        ranked = select(col(RunRow.id), newest_first.label("rank")).subquery()
        beyond_kept = select(ranked.c.id).where(ranked.c.rank > keep_runs)
        with self._writing() as session:
            outbox = session.exec(
                delete(OutboxRow).where(
                    col(OutboxRow.state) != OutboxState.PENDING,
                    col(OutboxRow.created_at) < cutoff,
                )
            )
            conflicts = session.exec(
                delete(ConflictRow).where(
                    col(ConflictRow.state) == ConflictState.RESOLVED,
                    col(ConflictRow.resolved_at) < cutoff,
                )
            )
            runs = session.exec(
                delete(RunRow).where(
                    col(RunRow.id).in_(beyond_kept),
                    or_(col(RunRow.finished_at).is_not(None), col(RunRow.started_at) < cutoff),
                )
            )
            deliveries = session.exec(
                delete(DeliveryRow).where(col(DeliveryRow.received_at) < now - DELIVERIES_KEPT_FOR)
            )
        return Pruned(
            outbox=outbox.rowcount,
            conflicts=conflicts.rowcount,
            runs=runs.rowcount,
            deliveries=deliveries.rowcount,
        )


def _link_row(session: Session, register: str, target: str, ref: str) -> LinkRow | None:
    query = select(LinkRow).where(
        LinkRow.register_name == register, LinkRow.target == target, LinkRow.ref == ref
    )
    return session.exec(query).first()


def _save_link(session: Session, link: LinkRecord) -> None:
    _refuse_second_link(session, link)
    row = _link_row(session, link.register, link.target, link.ref) or LinkRow(
        register_name=link.register, target=link.target, ref=link.ref, url="", item_key=""
    )
    row.url = link.url
    row.item_key = link.item_key
    row.base_register = dict(link.base_register)
    row.base_tracker = dict(link.base_tracker)
    row.tracker_version = link.tracker_version
    row.in_file = link.in_file
    row.unsettled = sorted(link.unsettled)
    session.add(row)


def _refuse_second_link(session: Session, link: LinkRecord) -> None:
    other = session.exec(
        select(LinkRow).where(
            LinkRow.register_name == link.register,
            LinkRow.target == link.target,
            LinkRow.item_key == link.item_key,
            LinkRow.ref != link.ref,
        )
    ).first()
    if other is not None:
        raise StoreError(
            f"item {link.item_key!r} of register {link.register!r} is already linked to "
            f"{other.ref!r} on {link.target!r}; drop that link before linking it to {link.ref!r}"
        )


def _trim_deliveries(session: Session, source: str) -> None:
    oldest_kept = (
        select(DeliveryRow.id)
        .where(DeliveryRow.source == source)
        .order_by(col(DeliveryRow.id).desc())
        .offset(DELIVERIES_KEPT - 1)
        .limit(1)
        .scalar_subquery()
    )
    session.exec(
        delete(DeliveryRow).where(
            col(DeliveryRow.source) == source, col(DeliveryRow.id) < oldest_kept
        )
    )
