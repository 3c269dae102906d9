"""A fake's request log read against a register's run history: which cycle sent each request.

Each daemon sends its own token, so a request names its sender; a run names its runner
(`host:pid`). A request belongs to a run of its sender that was under way from the request's
arrival to its answer. A run killed mid-cycle has no end in the history: it is taken to have
lasted until the register's next run started (the lock died with its holder), and only its
requests' arrivals count (their answers, if any, went to a dead process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from syncer.fakes.server import RecordedRequest
from syncer.state.records import RunRecord


@dataclass
class Cycle:
    """One run of a register and the requests its runner sent its tracker meanwhile."""

    run: RunRecord
    pid: int
    until: float
    """When the run ended (the history's end, or the next run's start for a killed one)."""
    requests: list[RecordedRequest] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.run.finished_at is None

    def holds(self, request: RecordedRequest, pid: int) -> bool:
        if pid != self.pid or request.arrived_at < self.run.started_at.timestamp():
            return False
        return (request.arrived_at if self.killed else request.answered_at) <= self.until

    def span(self) -> tuple[float, float]:
        """From its first request's arrival to its last answer (a killed run's last arrival)."""
        ends = [r.arrived_at if self.killed else r.answered_at for r in self.requests]
        return min(r.arrived_at for r in self.requests), max(ends)


def cycles_of(
    requests: Sequence[RecordedRequest], runs: Sequence[RunRecord], pids: Mapping[str, int]
) -> list[Cycle]:
    """The register's runs, each with the requests it sent; `pids` maps each daemon's token
    to its process id."""
    ordered = sorted(runs, key=lambda run: run.started_at)
    nexts: list[RunRecord | None] = [*ordered[1:], None]
    cycles = []
    for run, after in zip(ordered, nexts, strict=True):
        end = run.finished_at or (after.started_at if after else None)
        until = end.timestamp() if end else float("inf")
        cycles.append(Cycle(run, int(run.runner.rsplit(":", 1)[1]), until))
    for request in requests:
        pid = pids.get(request.headers.get("authorization", "").removeprefix("token "), -1)
        for cycle in cycles:
            if cycle.holds(request, pid):
                cycle.requests.append(request)
                break
    return cycles


def unattributed(
    requests: Sequence[RecordedRequest], cycles: Sequence[Cycle]
) -> list[RecordedRequest]:
    """The requests that lie in no run of their sender: work done outside a register's lock."""
    held = {id(request) for cycle in cycles for request in cycle.requests}
    return [request for request in requests if id(request) not in held]


def cut_short_reads(
    requests: Sequence[RecordedRequest], token: str, dead_at: float
) -> list[RecordedRequest]:
    """The reads a killed daemon sent (with `token`) before it died (by `dead_at`): an idle
    check records its run only when it ends (`syncer.sync.idle`), so one the kill cut short
    leaves its "changed since?" read in no run, and nothing else (it writes nothing first;
    a full cycle records its run before its first request)."""
    return [
        request
        for request in requests
        if request.method == "GET"
        and request.arrived_at <= dead_at
        and request.headers.get("authorization", "") == f"token {token}"
    ]


def overlapping_cycles(cycles: Sequence[Cycle]) -> list[tuple[Cycle, Cycle]]:
    """Pairs of cycles whose requests interleave in the fake's log, in the order they began."""
    spans = sorted((cycle.span(), n) for n, cycle in enumerate(cycles) if cycle.requests)
    return [
        (cycles[first], cycles[second])
        for ((_, end), first), ((start, _), second) in pairwise(spans)
        if start < end
    ]
