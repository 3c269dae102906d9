"""The daemon's Prometheus metrics, served at `/metrics`.

Each `Metrics` has its own registry, not prometheus-client's global one: several apps in one
process (tests, the demo) would otherwise collide on the same names. The daemon reports through
the methods below and never touches the series themselves, so the names and labels are defined
in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal, TypeAlias, get_args

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from syncer.config import TrackerKind
from syncer.sync.progress import Outcome

CycleOutcome: TypeAlias = Outcome
"""How a register's cycle ended (`CycleReport.outcome`): synced; failed; refused by a safety
rule; synced with conflicts left open; another process held the register; stopped by a signal."""
DeliveryOutcome: TypeAlias = Literal[
    "accepted", "duplicate", "ignored", "unauthorized", "malformed", "too_large"
]
SUCCESSFUL: frozenset[CycleOutcome] = frozenset({"ok", "conflicts"})
"""Outcomes that move `syncer_last_success_timestamp_seconds`: the cycle read both sides and
wrote what it had to (open conflicts are kept for a person, not a failure of the cycle)."""
CONTENT_TYPE = CONTENT_TYPE_LATEST
# From a no-op cycle on a small register (~0.1 s) to a first sync of hundreds of issues paced
# under GitHub's write limits (minutes).
_CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class Metrics:
    """The series the issue asks for, plus the process's CPU and memory."""

    def __init__(self, registers: Iterable[str] = ()) -> None:
        """`registers`: names whose series start at zero, so a rate over them is defined from
        the first scrape rather than from their first cycle."""
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self._cycles = Counter(
            "syncer_cycles_total",
            "Cycles run, by register and outcome.",
            ["register", "outcome"],
            registry=self.registry,
        )
        self._cycle_seconds = Histogram(
            "syncer_cycle_seconds",
            "How long a register's cycle took.",
            ["register"],
            buckets=_CYCLE_BUCKETS,
            registry=self.registry,
        )
        self._skipped = Counter(
            "syncer_cycles_skipped_total",
            "Cycles not run because another process held the register's lock, by reason.",
            ["register", "reason"],
            registry=self.registry,
        )
        self._requests = Counter(
            "syncer_tracker_requests_total",
            "HTTP requests made to trackers, by target and method.",
            ["target", "method"],
            registry=self.registry,
        )
        self._operations = Counter(
            "syncer_operations_total",
            "What cycles did (created, updated, closed, ...), by register and kind.",
            ["register", "kind"],
            registry=self.registry,
        )
        self._open_conflicts = Gauge(
            "syncer_open_conflicts",
            "Conflicts waiting for a person, as of the register's last cycle.",
            ["register"],
            registry=self.registry,
        )
        self._last_success = Gauge(
            "syncer_last_success_timestamp_seconds",
            "When the register's last successful cycle ended (Unix time).",
            ["register"],
            registry=self.registry,
        )
        self._deliveries = Counter(
            "syncer_webhook_deliveries_total",
            "Webhook deliveries received, by tracker and what was made of them.",
            ["tracker", "outcome"],
            registry=self.registry,
        )
        for tracker in get_args(TrackerKind):
            for delivery in get_args(DeliveryOutcome):
                self._deliveries.labels(tracker, delivery)
        for register in registers:
            self._cycle_seconds.labels(register)
            for outcome in get_args(CycleOutcome):
                self._cycles.labels(register, outcome)

    def cycle_finished(
        self,
        register: str,
        outcome: CycleOutcome,
        seconds: float,
        counts: Mapping[str, int],
        open_conflicts: int | None,
        finished_at: datetime,
    ) -> None:
        """One cycle of `register` ended. `counts` are its report's counts (zeros are fine);
        `open_conflicts` None leaves the gauge as it was (a cycle that could not tell)."""
        self._cycles.labels(register, outcome).inc()
        self._cycle_seconds.labels(register).observe(seconds)
        for kind, count in counts.items():
            if count > 0:
                self._operations.labels(register, kind).inc(count)
        if open_conflicts is not None:
            self._open_conflicts.labels(register).set(open_conflicts)
        if outcome in SUCCESSFUL:
            self._last_success.labels(register).set(finished_at.timestamp())

    def cycle_skipped(self, register: str, reason: str) -> None:
        self._skipped.labels(register, reason).inc()

    def tracker_request(self, target: str, method: str) -> None:
        self._requests.labels(target, method.upper()).inc()

    def webhook(self, tracker: TrackerKind, outcome: DeliveryOutcome) -> None:
        self._deliveries.labels(tracker, outcome).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every series (content type `CONTENT_TYPE`)."""
        return generate_latest(self.registry)
