"""Settle what an earlier cycle left in the outbox, before anything is planned.

A create recorded as intended but never as done was interrupted (a crash, a signal, an answer
that never came). Its issue may exist: the marker says. The rules (docs/sync.md):

- no issue carries the item's marker: it was not made; the intent fails and the plan decides
  afresh;
- the item already has an issue on that target (a stored link, or its link in the file): every
  issue found with its marker is a duplicate, closed with a comment naming the one kept;
- otherwise the oldest issue found is linked (the next plan brings it up to date) and any other
  is a duplicate, closed.

Every other pending write is dropped: the plan re-derives it from the bases. Nothing here can
stop a cycle: a tracker failure marks that target failed and leaves its intents pending.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.model import IssueState
from syncer.register import Register
from syncer.state.records import LinkRecord, OutboxEntry
from syncer.sync.identity import first_links
from syncer.sync.progress import CycleState
from syncer.sync.tracker_writes import close_duplicate
from syncer.trackers.base import TrackerError


def settle_outbox(cycle: CycleState, register: Register) -> None:
    job, store = cycle.job, cycle.store
    creates: dict[str, list[OutboxEntry]] = {}
    for entry in store.pending(job.name):
        # a target since removed from the configuration has no tracker to ask: dropped
        if entry.operation == "create" and entry.target in cycle.views:
            creates.setdefault(entry.target, []).append(entry)
        else:
            store.fail(entry.id, "interrupted; re-planned")
    for target, entries in creates.items():
        try:
            _settle_creates(cycle, register, target, entries)
        except TrackerError as exc:
            cycle.fail(target, "recovering interrupted creates", exc)


def _settle_creates(
    cycle: CycleState, register: Register, target: str, entries: Sequence[OutboxEntry]
) -> None:
    job, store = cycle.job, cycle.store
    found = cycle.tracker(target).find_markers({entry.item_key for entry in entries})
    in_file = first_links(register, cycle.views[target])
    for entry in entries:
        issues = found.get(entry.item_key, ())
        if not issues:
            store.fail(entry.id, "not created")
            continue
        stored = store.link_for_item(job.name, target, entry.item_key)
        kept = stored.ref if stored else in_file.get(entry.item_key)
        if kept is None:
            keep = issues[0]
            store.save_link(LinkRecord(job.name, target, keep.ref, keep.url, entry.item_key))
            cycle.counts["recovered"] += 1
            kept = keep.ref
        for issue in issues:
            if issue.ref != kept and issue.state is IssueState.OPEN:
                close_duplicate(cycle, target, issue.ref, entry.item_key, kept)
        store.complete(entry.id, kept)
