"""Run a register's cycle on the daemon's behalf: never two at once, none lost, all counted.

The schedule and webhooks both ask for cycles. In this process, a request for a register whose
cycle is running is remembered and served by one more cycle right after it (a webhook during a
cycle may describe a change the running cycle read too early); any number of such requests make
one more cycle. Another process (a `syncer reconcile`, another daemon) holding the register's
lock makes the daemon skip that run: the other one is doing the work. When a webhook asked for
the skipped run, the holder is told to run once more (`Store.announce`, docs/state.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from syncer import log
from syncer.app import App
from syncer.daemon.metrics import Metrics
from syncer.sync.progress import Outcome, StopFlag

PRUNE_EVERY = timedelta(hours=1)
"""History is pruned at most this often: it only grows by a run per cycle."""

_log = log.get("syncer.daemon")


class CycleRunner:
    def __init__(self, app: App, metrics: Metrics, stop: StopFlag) -> None:
        self._app = app
        self._metrics = metrics
        self._stop = stop
        self._mutex = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._attempted: set[str] = set()
        self._pruned_at = datetime.min.replace(tzinfo=UTC)

    def ready(self) -> bool:
        """Every register was read once (whatever came of it)."""
        with self._mutex:
            return self._attempted >= set(self._app.jobs)

    def again_if_running(self, register: str) -> None:
        """Another daemon was woken about `register` while this one runs it: one more cycle
        right after, which reads what the running one may have read too early."""
        with self._mutex:
            if register in self._running:
                self._again.add(register)

    def run(self, register: str, woken: bool = False) -> None:
        """A cycle of `register` now, or right after the one running in this process.
        `woken`: a webhook asked for it, so a daemon elsewhere holding the register is told."""
        with self._mutex:
            if register in self._running:
                self._again.add(register)
                return
            self._running.add(register)
        try:
            while True:
                self._one(register, woken)
                with self._mutex:
                    if register not in self._again or self._stop:
                        break
                    self._again.discard(register)
        finally:
            with self._mutex:
                self._running.discard(register)
                self._again.discard(register)

    def _one(self, register: str, woken: bool) -> None:
        if self._stop:
            return
        started = time.monotonic()
        try:
            report = self._app.run(register, stop=self._stop, wait_seconds=0)
        except Exception:  # a bug must not stop the schedule of every register
            _log.exception("cycle crashed", register=register)
            self._finished(register, "error", started, {}, None)
            return
        if report.busy:
            _log.info("cycle skipped: another process holds the register", register=register)
            self._metrics.cycle_skipped(register, "locked")
            if woken:
                self._app.store.announce(register)
            return
        self._finished(register, report.outcome, started, report.counts, report.open_conflicts)
        self._prune_now_and_then()

    def _finished(
        self,
        register: str,
        outcome: Outcome,
        started: float,
        counts: Mapping[str, int],
        open_conflicts: int | None,
    ) -> None:
        with self._mutex:
            self._attempted.add(register)
        seconds = time.monotonic() - started
        self._metrics.cycle_finished(
            register, outcome, seconds, counts, open_conflicts, datetime.now(UTC)
        )

    def _prune_now_and_then(self) -> None:
        now = datetime.now(UTC)
        with self._mutex:
            due = now - self._pruned_at >= PRUNE_EVERY
            if due:
                self._pruned_at = now
        if due:
            self._app.prune()
