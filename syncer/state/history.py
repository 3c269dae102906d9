"""What syncer did lately, read from the state database for people (the daemon's status page).

Kept apart from `Store`, which holds what the engine needs between cycles: these reads serve
only reports, and a report never writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from syncer.state.records import OutboxEntry, RunRecord
from syncer.state.tables import OutboxRow, RunRow


class History:
    """Recent runs, and the tracker writes recorded while a run lasted."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def runs(self, limit: int) -> list[RunRecord]:
        """The `limit` most recently started runs of every register, newest first."""
        query = select(RunRow).order_by(col(RunRow.id).desc()).limit(limit)
        with Session(self._engine) as session:
            return [row.to_record() for row in session.exec(query)]

    def writes(self, register: str, since: datetime, until: datetime | None) -> list[OutboxEntry]:
        """The tracker writes of `register` recorded from `since` to `until` (None: to now),
        oldest first, whatever became of them."""
        query = select(OutboxRow).where(
            OutboxRow.register_name == register, col(OutboxRow.created_at) >= since
        )
        if until is not None:
            query = query.where(col(OutboxRow.created_at) <= until)
        with Session(self._engine) as session:
            return [row.to_record() for row in session.exec(query.order_by(col(OutboxRow.id)))]
