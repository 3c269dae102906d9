"""The values the state store keeps, as frozen dataclasses (the store maps them to tables).

A link is identified by (register, target, ref): the tracker issue it points at. The item it
belongs to is found in the register by the link written into the item; `item_key` is kept for
recovery and reports. Bases are the field values both sides last agreed on, each side in its own
terms, so a format conversion never shows up as a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

Base = dict[str, str | None]
"""Field name (title, status, priority, body, …) → value at the last agreement."""


DELIVERIES_KEPT_FOR = timedelta(days=7)
"""How long a webhook delivery id is remembered, whatever `Store.prune` is told to keep.

A delivery id only serves to recognise a redelivery, and trackers redeliver within days: GitHub
never retries on its own and offers manual redelivery of the past 3 days (Enterprise Server: 7),
GitLab resends from a hook's recent events (kept about a week), Jira retries a failed delivery
shortly after. A redelivery comes at most that long after the event, so at most that long after
syncer first saw it; a week covers the longest window, and an id older than that is dead weight."""

WRITES_KEPT_FOR = 3600.0
"""Seconds a tracker write is remembered for pacing: the longest limit window (GitHub's hour)."""


@dataclass(frozen=True)
class LinkRecord:
    register: str
    target: str
    ref: str
    url: str
    item_key: str
    base_register: Base = field(default_factory=dict)
    base_tracker: Base = field(default_factory=dict)
    tracker_version: str = ""
    in_file: bool = False
    """The link's text has been seen in the register. Once it has, a link missing from the file
    means its item was removed, never that syncer has yet to write it in."""
    unsettled: frozenset[str] = frozenset()
    """Fields syncer pushed to this issue whose value the register has not taken yet (a relay
    whose register write was skipped): the tracker side's base is what syncer wrote, and the
    tracker is pushed whenever it differs from the register, until both agree."""


class OutboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxEntry:
    """A tracker write: recorded as intent before it is sent, completed after.

    `token` is the idempotency token (for a create: the item key carried by the issue's hidden
    marker), so a crash between sending and recording is resolved by looking, not re-sending.
    """

    id: int
    register: str
    target: str
    operation: str
    item_key: str
    token: str
    payload: str
    state: OutboxState
    result: str = ""
    created_at: datetime | None = None


class ConflictState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class ConflictRecord:
    id: int
    register: str
    target: str
    ref: str
    item_key: str
    field: str
    base: str | None
    register_value: str | None
    tracker_value: str | None
    state: ConflictState = ConflictState.OPEN
    resolution: str = ""
    """"register" or "tracker" once resolved: which side's value was taken."""
    created_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class RunRecord:
    id: int
    register: str
    started_at: datetime
    finished_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    notes: tuple[str, ...] = ()
    """What a person should know about the run that is not a failure (settled inconsistencies,
    refused links, items a tracker refused…)."""
    runner: str = ""
    """`host:pid` of the process that ran it."""


@dataclass(frozen=True)
class Pruned:
    """How many rows of each kind one `Store.prune` deleted (for the log, and the tests)."""

    outbox: int = 0
    conflicts: int = 0
    runs: int = 0
    deliveries: int = 0
