"""The state database's tables as SQLModel classes, and the column types they need.

The classes describe columns for the ORM only; the schema itself, constraints included, is
created by the migrations in `syncer.state.migrations`. Each row type converts to the frozen
record of `syncer.state.records` that the rest of syncer sees.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Integer, String, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from syncer.state.records import (
    Base,
    ConflictRecord,
    ConflictState,
    LinkRecord,
    OutboxEntry,
    OutboxState,
    RunRecord,
)


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


class IntBool(TypeDecorator[bool]):
    """A flag stored as 0 or 1: the column is an INTEGER on every database (SQLite has no
    BOOLEAN, and PostgreSQL will not compare a boolean with an integer)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: bool | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


def _now() -> datetime:
    return datetime.now(UTC)


def _register_field(*, primary_key: bool = False) -> Any:
    """The `register` column, as `register_name`: SQLModel classes own `register`."""
    return Field(primary_key=primary_key, sa_column_kwargs={"name": "register"})


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
    in_file: bool = Field(default=False, sa_type=IntBool)
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
    notes: list[str] = Field(default_factory=list, sa_type=SortedJSON)
    runner: str = ""

    def to_record(self) -> RunRecord:
        assert self.id is not None, "rows are read back after they are flushed"
        return RunRecord(
            id=self.id,
            register=self.register_name,
            started_at=self.started_at,
            finished_at=self.finished_at,
            counts=dict(self.counts),
            error=self.error,
            notes=tuple(self.notes),
            runner=self.runner,
        )


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "deliveries"

    id: int | None = Field(default=None, primary_key=True)
    source: str
    delivery_id: str
    received_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class WriteRow(SQLModel, table=True):
    """One write sent to a tracker, by the pacing key of its token (never the token itself)."""

    __tablename__ = "writes"

    id: int | None = Field(default=None, primary_key=True)
    key: str
    at: float
