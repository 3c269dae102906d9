"""What the state database forgets, and when: history only, never what is still acted on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, or_, select

from syncer.state.records import (
    DELIVERIES_KEPT_FOR,
    WRITES_KEPT_FOR,
    ConflictState,
    OutboxState,
    Pruned,
)
from syncer.state.tables import ConflictRow, DeliveryRow, OutboxRow, RunRow, WriteRow

DELIVERIES_KEPT = 10_000
"""Webhook delivery ids remembered per source: far more than any retry window needs."""

__all__ = [
    "DELIVERIES_KEPT",
    "DELIVERIES_KEPT_FOR",
    "WRITES_KEPT_FOR",
    "prune_history",
    "trim_deliveries",
    "trim_writes",
]


def prune_history(session: Session, now: datetime, keep_for: timedelta, keep_runs: int) -> Pruned:
    """Delete the history a daemon would otherwise pile up forever; return what went.

    Only history goes. What the engine or a person still acts on stays, whatever its age:

    - settled outbox entries (done, failed) intended more than `keep_for` before `now`
      (a write settles within a cycle or two of its intent); pending ones are how a crash
      mid-write is recovered, so they stay until settled;
    - conflicts resolved more than `keep_for` ago; open ones wait for a person;
    - runs beyond the newest `keep_runs` of each register, so `syncer status` always has
      the last one. An unfinished run among them stays until `keep_for` old: it may be
      another process's run in progress, which must still be able to record its end;
    - webhook delivery ids older than `DELIVERIES_KEPT_FOR` (its docstring says why);
    - tracker writes older than the pacing window.
    """
    if keep_runs < 1:
        raise ValueError("keep_runs must be at least 1: `syncer status` shows the last run")
    cutoff = now - keep_for
    newest_first = func.row_number().over(
        partition_by=col(RunRow.register_name), order_by=col(RunRow.id).desc()
    )
    ranked = select(col(RunRow.id), newest_first.label("rank")).subquery()
    beyond_kept = select(ranked.c.id).where(ranked.c.rank > keep_runs)
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
    session.exec(delete(WriteRow).where(col(WriteRow.at) < now.timestamp() - WRITES_KEPT_FOR))
    return Pruned(
        outbox=outbox.rowcount,
        conflicts=conflicts.rowcount,
        runs=runs.rowcount,
        deliveries=deliveries.rowcount,
    )


def trim_deliveries(session: Session, source: str) -> None:
    """Keep only the newest `DELIVERIES_KEPT` delivery ids of `source`."""
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


def trim_writes(session: Session, key: str, now: float) -> None:
    """Forget the writes of `key` that no pacing window can count any more."""
    session.exec(
        delete(WriteRow).where(col(WriteRow.key) == key, col(WriteRow.at) < now - WRITES_KEPT_FOR)
    )
