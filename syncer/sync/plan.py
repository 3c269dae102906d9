"""Plan one cycle: a pure function from (register, tracker issues, stored links) to operations.

The register is the hub. For every linked item and field, the targets are folded in order: a
value pulled from one tracker becomes the register's value, which is then pushed to the others,
so a change made in Jira reaches the register and GitHub in the same cycle. `--dry-run` prints
the plan; the cycle carries it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from syncer.model import IssueDraft, IssueState, RemoteIssue
from syncer.register import Item, Register
from syncer.state.records import LinkRecord
from syncer.sync.identity import (
    Target,
    disputed,
    first_links,
    normalized_title,
    resolve_links,
    where,
)
from syncer.sync.merge import Outcome, Value, merge_field
from syncer.sync.new_items import new_item
from syncer.sync.operations import (
    AddItem,
    AdoptIssue,
    CloseDuplicate,
    CloseRemoved,
    CreateIssue,
    InsertLink,
    Operation,
    RecordConflict,
    UpdateIssue,
    WriteRegister,
)
from syncer.sync.options import PlanOptions
from syncer.sync.planned import FieldPlan, Plan
from syncer.sync.values import FIELDS, Reading, item_due_date


@dataclass
class _Planning:
    """The operations and notes of one plan as they are found (local to `plan`)."""

    ops: list[Operation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Pairs = dict[str, list[tuple[Target, LinkRecord, RemoteIssue | None]]]


def plan(
    register_name: str,
    register: Register,
    targets: Sequence[Target],
    options: PlanOptions | None = None,
) -> Plan:
    options = options or PlanOptions()
    refusal = _guard(register, targets, options)
    if refusal:
        return Plan(register_name, refused=refusal)
    out = _Planning()
    pairs: Pairs = {}
    for target in targets:
        blocked = _checked_claims(register, target, out)
        linked = _link_items(register, target, out)
        for key, (record, issue) in linked.items():
            pairs.setdefault(key, []).append((target, record, issue))
        _unlinked_items(register, target, set(linked) | blocked, out, options)
        _removed_items(register, target, linked, out)
    field_plans = [
        fp
        for item in register.items
        if item.key in pairs
        for fp in _sync_item(item, pairs[item.key], out.ops, options)
    ]
    return Plan(register_name, tuple(out.ops), tuple(field_plans), notes=tuple(out.notes))


def _guard(register: Register, targets: Sequence[Target], options: PlanOptions) -> str:
    """A register that suddenly lost most of its linked items is refused (truncated file?)."""
    if options.force:
        return ""
    linked = sum(len(t.links) for t in targets)
    if not linked:
        return ""
    found = sum(_found(register, t) for t in targets)
    if not register.items or found * 2 < linked:
        return (
            f"the register now holds {len(register.items)} items and {found} of {linked} linked"
            " ones; refusing to close their issues (run with --force if this is intended)"
        )
    return ""


def _found(register: Register, target: Target) -> int:
    """Stored links whose issue the file still holds: resolved to an item, or in a dispute."""
    present = set(resolve_links(register, target)) | set(target.claims(register))
    return sum(1 for record in target.links if record.ref in present)


def _checked_claims(register: Register, target: Target, out: _Planning) -> set[str]:
    """What the file claims that syncer will not act on; returns the items left alone.

    Two items linking one issue: neither syncs with it (which one a person meant is theirs to
    say). A link to an issue the store does not know and that lacks this target's sync label:
    refused, so a link typed or copied into the file cannot hand syncer someone else's issue.
    An item holding one of these gets no new issue either: it already says it has one.
    """
    blocked: set[str] = set()
    for ref, items in disputed(register, target).items():
        names = " and ".join(where(item) for item in items)
        out.notes.append(
            f"{target.name}: {names} both link {target.link_text(ref)}: neither syncs with it"
            " until one of the links is removed"
        )
        blocked.update(item.key for item in items)
    stored = {record.ref for record in target.links}
    for key, ref in first_links(register, target).items():
        issue = target.changed.get(ref)
        if ref in stored or issue is None or target.managed(issue):
            continue
        item = register.item(key)
        out.notes.append(
            f"{target.name}: {where(item)} links {target.link_text(ref)}, an issue syncer does not"
            f" manage (no {target.sync_label!r} label): the link is ignored"
        )
        blocked.add(key)
    return blocked


def _link_items(
    register: Register, target: Target, out: _Planning
) -> dict[str, tuple[LinkRecord, RemoteIssue | None]]:
    """Items linked to this target, with their stored link and the issue as read (if read).

    A link in the file the store does not know, to an issue syncer may manage, is adopted: the
    file's links are the identity, so the item is never given a second issue, and the issue is
    never imported as a new item.
    """
    records = {rec.ref: rec for rec in target.links}
    written = target.linked_items(register)
    linked: dict[str, tuple[LinkRecord, RemoteIssue | None]] = {}
    for ref, item in resolve_links(register, target).items():
        record = records[ref]
        linked[item.key] = (record, target.changed.get(ref))
        if ref not in written:
            out.ops.append(
                InsertLink(item.key, target.name, ref, record.url, target.link_text(ref))
            )
    adopted = 0
    for key, ref in first_links(register, target).items():
        issue = target.changed.get(ref)
        if ref in records or key in linked or issue is None or not target.managed(issue):
            continue
        out.ops.append(AdoptIssue(target.name, key, issue, in_file=True))
        adopted += 1
    if adopted:
        out.notes.append(
            f"{target.name}: {adopted} link(s) in the file were unknown to the state database"
            " (a new or restored database, or an older register): adopted with the register's"
            " values"
        )
    return linked


def _unlinked_items(
    register: Register,
    target: Target,
    settled: set[str],
    out: _Planning,
    options: PlanOptions,
) -> None:
    """Items with no issue on this target get one: an existing issue carrying their marker
    (open or closed: a done item's issue is closed), else an open one with their title, else a
    new one. Issues with the sync label that nothing claims become items."""
    taken = {rec.ref for rec in target.links} | set(target.claims(register))
    candidates = {ref: issue for ref, issue in target.changed.items() if ref not in taken}
    by_marker: dict[str, list[RemoteIssue]] = {}
    for issue in sorted(candidates.values(), key=_creation_order):
        if issue.marker:
            by_marker.setdefault(issue.marker, []).append(issue)
    by_title: dict[str, RemoteIssue] = {}
    for issue in sorted(candidates.values(), key=_creation_order):
        # An issue whose marker names an item is that item's, whatever its title says.
        if issue.state is IssueState.OPEN and not issue.marker:
            by_title.setdefault(normalized_title(issue.title), issue)
    for item in register.items:
        if item.key in settled or any(target.ref_of(link.text) for link in item.links):
            continue
        marked = by_marker.pop(item.key, [])
        match = marked[0] if marked else by_title.pop(normalized_title(item.title), None)
        if match is None:
            out.ops.append(CreateIssue(target.name, item.key, _draft(item, target, options)))
            continue
        out.ops.append(AdoptIssue(target.name, item.key, match))
        for extra in marked[1:]:
            _close_duplicate(target, extra, match.ref, out)
        for issue in marked or [match]:
            candidates.pop(issue.ref, None)
    kept = {rec.item_key: rec.ref for rec in target.links}
    for issue in candidates.values():
        if issue.marker in kept:
            _close_duplicate(target, issue, kept[issue.marker], out)
        elif not issue.marker and issue.state is IssueState.OPEN:
            new = new_item(issue, target, register, options.new_items_section)
            out.ops.append(AddItem(target.name, issue, new))
        # An issue made by syncer for an item that is gone is never turned back into an item.


def _close_duplicate(target: Target, issue: RemoteIssue, kept: str, out: _Planning) -> None:
    """A second issue carrying the marker of an item that has one is closed, if still open."""
    if issue.state is IssueState.OPEN and issue.ref != kept:
        out.ops.append(CloseDuplicate(target.name, issue.ref, issue.marker or "", kept))


def _creation_order(issue: RemoteIssue) -> tuple[int, str]:
    """Oldest first: the first issue made for an item is the one kept."""
    digits = "".join(ch for ch in issue.ref if ch.isdigit())
    return (int(digits) if digits else 0, issue.ref)


def _draft(item: Item, target: Target, options: PlanOptions) -> IssueDraft:
    return IssueDraft(
        item_key=item.key,
        title=item.title,
        body=item.body,
        status=item.status,
        priority=item.priority,
        labels=target.reading.draft_labels(item),
        due_date=_date(item_due_date(item, target.reading.due_date_field))
        if target.reading.due_date_field
        else None,
        assignees=target.reading.assignees(target.reading.owners(item)),
        register_url=options.register_url,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _removed_items(
    register: Register,
    target: Target,
    linked: Mapping[str, tuple[LinkRecord, RemoteIssue | None]],
    out: _Planning,
) -> None:
    """Stored links whose item is gone close their issue; a link still written somewhere in
    the file (in a dispute, or as an item's second link) is not gone."""
    present = {rec.ref for rec, _ in linked.values()} | set(target.claims(register))
    for record in target.links:
        if record.ref not in present:
            out.ops.append(
                CloseRemoved(
                    target.name,
                    record.ref,
                    record.item_key,
                    "Removed from the tech-debt register; closed by syncer.",
                )
            )


def _sync_item(
    item: Item,
    pairs: list[tuple[Target, LinkRecord, RemoteIssue | None]],
    ops: list[Operation],
    options: PlanOptions,
) -> list[FieldPlan]:
    """Fold the item's targets field by field; emit the register write and tracker updates."""
    reading = _register_reading(pairs)
    labelled = {k: v for t, _, _ in pairs for k, v in t.reading.field_values(item).items()}
    register_now = {**reading.item(item), "assignees": reading.people.owners(item), **labelled}
    trackers_now = [t.reading.issue(i) if i else dict(rec.base_tracker) for t, rec, i in pairs]
    outcomes: list[dict[str, Outcome]] = [{} for _ in pairs]
    final: dict[str, Value] = {}
    for name in (*FIELDS, *labelled):
        value = register_now[name]
        for i, (target, record, issue) in enumerate(pairs):
            if not target.syncs(name):
                outcomes[i][name] = Outcome(value)
                continue
            register_was = target.reading.project(name, register_now[name])
            base_register, base_tracker = _base_of(name, record, register_was, trackers_now[i])
            outcome = merge_field(
                name,
                base_register,
                target.reading.project(name, value),
                base_tracker,
                trackers_now[i].get(name),
                options.policy,
                has_base=name in record.base_register,
                tracker_is_newer=_tracker_is_newer(issue, options),
                register_moved=register_was != base_register,
            )
            outcomes[i][name] = outcome
            if outcome.conflict:
                ops.append(
                    RecordConflict(
                        target.name, record.ref, item.key, name, record.base_register.get(name),
                        target.reading.project(name, value), trackers_now[i].get(name),
                        _taken(outcome),
                    )
                )  # fmt: skip
            value = target.reading.merged(name, value, outcome.value)
        final[name] = value
    to_register = {n: v for n, v in final.items() if v != register_now[n]}
    if to_register:
        pulled = [i for i, o in enumerate(outcomes) if any(x.to_register for x in o.values())]
        source = pairs[pulled[0] if pulled else 0][0].name
        was = {n: register_now[n] for n in to_register}
        ops.append(WriteRegister(item.key, to_register, source, was))
    plans = []
    for i, (target, record, _) in enumerate(pairs):
        push = {
            n: final[n]
            for n in final
            if target.syncs(n)
            and _needs_push(
                outcomes[i][n],
                target.reading.project(n, final[n]),
                trackers_now[i].get(n),
                n in record.unsettled,
            )
        }
        if push:
            was = {n: trackers_now[i].get(n) for n in push}
            ops.append(UpdateIssue(target.name, record.ref, item.key, push, was))
        plans.append(
            FieldPlan(target.name, record.ref, item.key, outcomes[i], frozenset(to_register))
        )
    return plans


def _base_of(
    name: str, record: LinkRecord, register_was: Value, tracker_now: Mapping[str, Value]
) -> tuple[Value, Value]:
    """The base a field merges from: the stored one, unless the register (as the cycle found
    it) and the tracker already agree, when that agreed value is the base.

    A stored base can lag (a cycle that could not read this target advanced nothing); a
    tracker that only caught up with the register is then no news, and must not overrule a
    change another target brought in this cycle. A relayed value the register never took
    (`unsettled`) keeps its base: the tracker moving off it is a person's change.
    """
    agreed = name in tracker_now and tracker_now[name] == register_was
    if agreed and name in record.base_register and name not in record.unsettled:
        return register_was, register_was
    return record.base_register.get(name), record.base_tracker.get(name)


def _register_reading(pairs: list[tuple[Target, LinkRecord, RemoteIssue | None]]) -> Reading:
    """The register read once for all targets: with the first due-date field one syncs."""
    return next((t.reading for t, _, _ in pairs if t.reading.due_date_field), pairs[0][0].reading)


def _needs_push(outcome: Outcome, final: Value, tracker_now: Value, unsettled: bool) -> bool:
    """Push when this target's merge asked for it, a later target changed the value, or the
    tracker still holds a value syncer relayed that the register never took.

    Values are not compared across sides otherwise: a tracker renders bodies its own way
    (Jira wiki), and that difference is not a change.
    """
    if outcome.kept_open:
        return False
    if final != outcome.value or unsettled:
        return final != tracker_now
    return outcome.to_tracker


def _tracker_is_newer(issue: RemoteIssue | None, options: PlanOptions) -> bool:
    mtime = options.register_mtime
    return bool(issue and mtime and issue.updated_at > mtime)


def _taken(outcome: Outcome) -> str:
    if outcome.kept_open:
        return "open"
    return "tracker" if outcome.to_register else "register"
