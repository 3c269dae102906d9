"""What one cycle learns as it goes, and the report it ends with.

`CycleState` is the cycle's working memory (what was read, what syncer wrote, what failed);
only the cycle's own modules touch it. `CycleReport` is the frozen result everyone else reads:
the CLI, the daemon's metrics, the tests.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from syncer.redact import scrub
from syncer.trackers.base import AuthError

if TYPE_CHECKING:
    from syncer.model import Changes, RemoteIssue
    from syncer.state.records import LinkRecord
    from syncer.state.store import Store
    from syncer.sync.identity import Target
    from syncer.sync.job import RegisterJob, TargetSpec
    from syncer.sync.planned import Plan
    from syncer.sync.register_edits import Added, Gone, NewLink
    from syncer.sync.values import Reading
    from syncer.trackers.base import Tracker, TrackerError

Outcome = Literal["ok", "error", "auth", "refused", "conflicts", "busy", "interrupted"]


@dataclass(frozen=True)
class CycleReport:
    register: str
    plan: Plan | None = None
    counts: Mapping[str, int] = field(default_factory=Counter)
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What a person should know that is not a failure (an issue deleted in a tracker…)."""
    register_written: bool = False
    open_conflicts: int = 0
    busy: bool = False
    """Another run held the register's lock: this one did nothing."""
    interrupted: str = ""
    """The signal that stopped the cycle before its end (its writes so far are recorded)."""
    refusals: tuple[str, ...] = ()
    """Targets a guard kept out of this cycle (every linked issue answers 404), and why."""
    auth_failed: bool = False
    """A tracker refused the credentials: a person must fix the token, not wait for a retry."""

    @property
    def refused(self) -> str:
        """Why a guard refused the register or some of its targets ("" if none did)."""
        return "; ".join(filter(None, (self.plan.refused if self.plan else "", *self.refusals)))

    @property
    def outcome(self) -> Outcome:
        """One word for the run, most serious first (metrics, exit codes, `syncer status`)."""
        if self.interrupted:
            return "interrupted"
        if self.busy:
            return "busy"
        if self.auth_failed:
            return "auth"
        if self.errors:
            return "error"
        if self.refused:
            return "refused"
        return "conflicts" if self.open_conflicts else "ok"


class StopFlag:
    """Set by a signal handler: the cycle stops before its next tracker write, records what it
    did, writes the links it made into the register, and returns. Thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str) -> None:
        self.reason = reason
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()


@dataclass
class CycleState:
    """One cycle's working memory, filled in by the cycle's steps in order."""

    job: RegisterJob
    store: Store
    stop: StopFlag = field(default_factory=StopFlag)
    force: bool = False
    """Act even where a guard would refuse (a register that lost most items, a lost tracker)."""
    read: dict[tuple[str, str], RemoteIssue] = field(default_factory=dict)
    """Issues as read this cycle, by (target, ref)."""
    latest: dict[tuple[str, str], RemoteIssue] = field(default_factory=dict)
    """Issues as syncer's own writes left them."""
    pushed: set[tuple[str, str, str]] = field(default_factory=set)
    failed_targets: set[str] = field(default_factory=set)
    unread: set[str] = field(default_factory=set)
    """Targets whose issues could not be read this cycle: what they hold now is unknown."""
    new_links: list[NewLink] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    auth_failed: bool = False
    plan: Plan | None = None
    register_written: bool = False
    read_ahead: dict[str, Changes | TrackerError] = field(default_factory=dict)
    """What the idle check already read of the trackers (`syncer.sync.idle.ReadAhead`)."""
    links: dict[tuple[str, str], LinkRecord] = field(default_factory=dict)
    """Every link of the register by (target, ref), in the store's order: read once a cycle
    (`load_links`, after the outbox is settled) and kept current as the cycle saves and drops
    links, rather than read again by each step that needs them."""
    settled_text: str = ""
    """The fingerprint of the register text read, once the cycle got through its last step
    with the text unchanged and every cursor moved (`syncer.sync.cycle._settled`)."""

    def load_links(self) -> None:
        self.links = {(link.target, link.ref): link for link in self.store.links(self.job.name)}

    def links_of(self, target: str) -> list[LinkRecord]:
        return [link for link in self.links.values() if link.target == target]

    def save_links(self, links: Sequence[LinkRecord]) -> None:
        """Store `links` (inserted, or replacing what is stored for their refs), and know them."""
        self.store.save_links(links)
        self.links.update(((link.target, link.ref), link) for link in links)

    def drop_link(self, target: str, ref: str) -> None:
        self.store.drop_link(self.job.name, target, ref)
        self.links.pop((target, ref), None)

    def spec(self, name: str) -> TargetSpec:
        return self.job.spec(name)

    def tracker(self, name: str) -> Tracker:
        return self.spec(name).tracker

    @cached_property
    def views(self) -> dict[str, Target]:
        """Each target as the pure steps read it, with its user lookups built once."""
        return {spec.name: spec.view({}, (), self.job.people) for spec in self.job.targets}

    def reading(self, target: str) -> Reading:
        return self.views[target].reading

    def issue(self, target: str, ref: str) -> RemoteIssue | None:
        return self.latest.get((target, ref)) or self.read.get((target, ref))

    def fail(self, target: str, what: str, exc: Exception) -> None:
        self.failed_targets.add(target)
        self.auth_failed = self.auth_failed or isinstance(exc, AuthError)
        self.errors.append(f"{target}: {what}: {exc}")
        self.counts["errors"] += 1

    def note(self, text: str) -> None:
        self.notes.append(text)

    def refuse(self, target: str, why: str) -> None:
        """Keep `target` out of the rest of the cycle by a guard's decision (not a failure)."""
        self.failed_targets.add(target)
        self.refusals.append(f"{target}: {why}")

    def report(self, open_conflicts: int) -> CycleReport:
        """The frozen report; errors and notes masked here, at the source, so no copy of them
        (terminal, JSON, state database, logs) can carry a token a tracker's error echoed."""
        return CycleReport(
            self.job.name,
            plan=self.plan,
            counts=Counter(self.counts),
            errors=tuple(scrub(line) for line in self.errors),
            notes=tuple(scrub(line) for line in self.notes),
            register_written=self.register_written,
            open_conflicts=open_conflicts,
            interrupted=self.stop.reason if self.stop else "",
            refusals=tuple(scrub(line) for line in self.refusals),
            auth_failed=self.auth_failed,
        )
