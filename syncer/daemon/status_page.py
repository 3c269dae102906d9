"""What the daemon's status page shows, gathered from the state store and the register files.

Everything here is plain values (`StatusView`), so the page's HTML (`syncer.daemon.status_html`)
is rendered and tested without a store or a daemon. Values are kept as read: escaping them is
the renderer's job, and only it knows where each one lands.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from os import stat_result

from syncer.config import RegisterConfig
from syncer.redact import scrub
from syncer.register import parse
from syncer.sources.files import RegisterFileError, read_register
from syncer.state.records import ConflictRecord, OutboxEntry, RunRecord
from syncer.state.store import Store

RUNS_SHOWN = 20
"""The page lists this many recent runs (of all registers): a few hours of a busy daemon."""


@dataclass(frozen=True)
class TargetStatus:
    name: str
    links: int
    pending: int
    open_conflicts: int


@dataclass(frozen=True)
class RunView:
    """A run and the tracker writes it recorded (its operations, with what became of each)."""

    run: RunRecord
    writes: tuple[OutboxEntry, ...] = ()

    @property
    def result(self) -> str:
        """`unfinished` (running, or stopped before its end), `error`, `conflicts` (it left
        some open) or `ok`."""
        if self.run.finished_at is None:
            return "unfinished"
        if self.run.error:
            return "error"
        return "conflicts" if self.run.counts.get("conflicts_open") else "ok"

    @property
    def duration(self) -> timedelta | None:
        finished = self.run.finished_at
        return None if finished is None else finished - self.run.started_at

    @property
    def error(self) -> str:
        """The run's error with anything secret-looking masked."""
        return scrub(self.run.error)


@dataclass(frozen=True)
class RegisterStatus:
    name: str
    path: str
    items: int | None
    """Items in the register file now; None when it cannot be read (`items_error` says why)."""
    items_error: str
    last_run: RunView | None
    next_run: datetime | None
    targets: tuple[TargetStatus, ...]


@dataclass(frozen=True)
class StatusView:
    generated_at: datetime
    registers: tuple[RegisterStatus, ...]
    conflicts: tuple[ConflictRecord, ...]
    runs: tuple[RunView, ...]
    pending: tuple[OutboxEntry, ...]


class StatusSource:
    """Gathers a `StatusView` for the daemon's registers on each page view.

    `next_run(register)` is when the schedule runs the register next (None: not scheduled).
    """

    def __init__(
        self,
        store: Store,
        registers: Sequence[RegisterConfig],
        next_run: Callable[[str], datetime | None],
    ) -> None:
        self._store = store
        self._registers = registers
        self._next_run = next_run
        self._items = _ItemCounts()

    def gather(self) -> StatusView:
        store = self._store
        registers = tuple(self._register(reg) for reg in self._registers)
        runs = tuple(self._with_writes(run) for run in store.history.runs(RUNS_SHOWN))
        pending = tuple(entry for reg in self._registers for entry in store.pending(reg.name))
        return StatusView(
            generated_at=datetime.now(UTC),
            registers=registers,
            conflicts=tuple(store.conflicts()),
            runs=runs,
            pending=pending,
        )

    def _register(self, register: RegisterConfig) -> RegisterStatus:
        store = self._store
        conflicts = store.conflicts(register.name)
        targets = tuple(
            TargetStatus(
                name=target.name,
                links=len(store.links(register.name, target.name)),
                pending=len(store.pending(register.name, target.name)),
                open_conflicts=sum(1 for c in conflicts if c.target == target.name),
            )
            for target in register.targets
        )
        items, error = self._items.count(register)
        last = store.last_run(register.name)
        return RegisterStatus(
            name=register.name,
            path=str(register.path),
            items=items,
            items_error=error,
            last_run=None if last is None else self._with_writes(last),
            next_run=self._next_run(register.name),
            targets=targets,
        )

    def _with_writes(self, run: RunRecord) -> RunView:
        writes = self._store.history.writes(run.register, run.started_at, run.finished_at)
        return RunView(run, tuple(writes))


class _ItemCounts:
    """Items per register file, parsed again only when the file's size or time changed: a page
    view costs a `stat` per register, not a parse."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._seen: dict[str, tuple[tuple[int, int, int], int]] = {}

    def count(self, register: RegisterConfig) -> tuple[int | None, str]:
        if register.path is None:  # a git register: read at each cycle, never fetched for a page
            return None, f"kept in git: {register.location}"
        try:
            signature = _signature(register.path.stat())
        except OSError as exc:
            return None, f"cannot read: {exc.strerror}"
        with self._mutex:
            known = self._seen.get(register.name)
        if known is not None and known[0] == signature:
            return known[1], ""
        try:
            items = len(parse(read_register(register.path), register.rules).items)
        except RegisterFileError as exc:
            return None, str(exc)
        with self._mutex:
            self._seen[register.name] = (signature, items)
        return items, ""


def _signature(stat: stat_result) -> tuple[int, int, int]:
    return stat.st_mtime_ns, stat.st_size, stat.st_ino
