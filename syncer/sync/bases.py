"""When bases advance: the rule that makes a failed write come back next cycle, not vanish.

A field's base moves to the agreed value only if every write that field needed succeeded: a
tracker update that failed, a register write refused by the hash guard, or a conflict left open
keeps the old base on both sides, so the next cycle sees the same difference and tries again.
Pure: the cycle's outcome in, the links to save out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from syncer.model import RemoteIssue
from syncer.register import Item, Register
from syncer.state.records import Base, LinkRecord
from syncer.sync.identity import Target
from syncer.sync.planned import FieldPlan, Plan


@dataclass(frozen=True)
class Written:
    """What the cycle's writes achieved."""

    issues: Mapping[tuple[str, str], RemoteIssue]
    """(target, ref) → the issue as last read or as syncer's own write left it."""
    pushed: Collection[tuple[str, str, str]]
    """(target, ref, field) syncer wrote to a tracker this cycle."""
    register_written: bool
    """The register holds every edit the plan asked of it (written, or nothing to write)."""
    unread: frozenset[str] = frozenset()
    """Targets that could not be read this cycle."""


def advanced_links(
    records: Sequence[LinkRecord],
    final: Register,
    the_plan: Plan,
    views: Mapping[str, Target],
    written: Written,
) -> list[LinkRecord]:
    """The stored links that change: bases agreed this cycle, items found in the file.

    A link whose text is not in the file yet (its register write was kept out) still advances
    the fields syncer pushed to its issue, through the item the plan found it by: the tracker
    holds them now, so a person undoing one in the register is a change, not a return to the
    base. A target that could not be read agrees on nothing: what its issues hold is unknown,
    so its bases stay where they were and the next cycle that reads it meets the difference.
    An idle cycle returns nothing, so it writes nothing to the store.
    """
    items = {name: view.linked_items(final) for name, view in views.items()}
    by_key = {item.key: item for item in final.items}
    pairs = {(pair.target, pair.ref): pair for pair in the_plan.pairs}
    changed: list[LinkRecord] = []
    for record in records:
        pair = pairs.get((record.target, record.ref))
        in_file = items[record.target].get(record.ref) if record.target in items else None
        item = in_file or (by_key.get(pair.item_key) if pair else None)
        if item is None:
            continue
        issue = written.issues.get((record.target, record.ref))
        unread = record.target in written.unread
        agreed = (
            _agreed(views[record.target], pair, record, item, issue, written)
            if pair and not unread
            else record
        )
        updated = replace(agreed, item_key=item.key, in_file=record.in_file or bool(in_file))
        if updated != record:
            changed.append(updated)
    return changed


def _agreed(
    view: Target,
    pair: FieldPlan,
    record: LinkRecord,
    item: Item,
    issue: RemoteIssue | None,
    written: Written,
) -> LinkRecord:
    base_register: Base = dict(record.base_register)
    base_tracker: Base = dict(record.base_tracker)
    unsettled = set(record.unsettled)
    now_register = view.reading.item(item)
    now_tracker = view.reading.issue(issue) if issue else base_tracker
    others_unread = written.unread - {pair.target}
    for name in pair.outcomes:
        if name in unsettled and others_unread:
            # A relay is settled only when every target was read: the one it came from may
            # have moved on meanwhile, and that must meet this issue's value as a conflict.
            continue
        outcome = pair.outcomes[name]
        pushed = (pair.target, pair.ref, name) in written.pushed
        ok = (
            not outcome.kept_open
            and (not outcome.to_tracker or pushed or outcome.value == now_tracker.get(name))
            and (name not in pair.register_writes or written.register_written)
        )
        if ok and name in now_tracker:
            base_register[name] = now_register[name]
            base_tracker[name] = now_tracker[name]
            unsettled.discard(name)
        elif pushed and name in now_tracker:
            # syncer's own write landed though the register did not take the value (a relay
            # whose register write was skipped): a person changing it back is a change, not a
            # return to the base, and until the register agrees the tracker follows it.
            base_tracker[name] = now_tracker[name]
            unsettled.add(name)
    return replace(
        record,
        base_register=base_register,
        base_tracker=base_tracker,
        unsettled=frozenset(unsettled),
        tracker_version=issue.version if issue else record.tracker_version,
    )
