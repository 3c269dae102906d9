"""Settle an open conflict by taking one side's value: the one way `syncer conflicts resolve`
and the daemon's status page both do it.

Settling moves the losing side's base to the losing side's value, so the next cycle sees a
one-sided change and carries the chosen value across, then marks the conflict resolved. Both
writes happen under the register's lock: a cycle running meanwhile planned with the bases it
read at its start, so it would meet the conflict again and open it anew, the settle lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from syncer.state.records import ConflictRecord, ConflictState, LinkRecord
from syncer.state.store import Store


class ConflictNotOpen(Exception):
    """No conflict has that id, or it was settled already."""


class ConflictChanged(Exception):
    """A cycle saw new values since the person chose: they decided on values no longer there."""


def values_digest(conflict: ConflictRecord) -> str:
    """A short fingerprint of the two values a person sees when choosing between them."""
    shown = json.dumps([conflict.register_value, conflict.tracker_value], ensure_ascii=False)
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def settle_conflict(
    store: Store,
    conflict_id: int,
    take: str,
    *,
    wait_seconds: float,
    shown: str | None = None,
) -> ConflictRecord:
    """Take the `register` or `tracker` value of open conflict `conflict_id`; the next cycle
    carries it to the other side. `shown`: the `values_digest` the person decided on, refused
    with `ConflictChanged` if the values moved since.

    Raises `ConflictNotOpen`, `ConflictChanged`, `ValueError` (another `take`) and
    `RegisterBusy` (a cycle held the register longer than `wait_seconds`).
    """
    if take not in ("register", "tracker"):
        raise ValueError(f"take must be 'register' or 'tracker', not {take!r}")
    found = _open(store, conflict_id)
    with store.lock(found.register, wait_seconds):
        found = _open(store, conflict_id)  # as it is now that no cycle can change it
        if shown is not None and shown != values_digest(found):
            raise ConflictChanged(
                f"conflict {conflict_id} has new values since it was shown: look again"
            )
        link = store.link_for_ref(found.register, found.target, found.ref)
        if link is not None:
            store.save_link(_bases_for(link, found, take))
        return store.resolve_conflict(conflict_id, take)


def _open(store: Store, conflict_id: int) -> ConflictRecord:
    found = store.conflict(conflict_id)
    if found is None or found.state is not ConflictState.OPEN:
        raise ConflictNotOpen(f"no open conflict {conflict_id}")
    return found


def _bases_for(link: LinkRecord, conflict: ConflictRecord, take: str) -> LinkRecord:
    """Make the next cycle see a one-sided change: the losing side's value becomes its base."""
    if take == "register":
        tracker = dict(link.base_tracker) | {conflict.field: conflict.tracker_value}
        return replace(link, base_tracker=tracker)
    register = dict(link.base_register) | {conflict.field: conflict.register_value}
    return replace(link, base_register=register)
