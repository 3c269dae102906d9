"""Plan one cycle: a pure function from (register, tracker issues, stored links) to operations.

The register is the hub. For every linked item and field, the targets are folded in order: a
value pulled from one tracker becomes the register's value, which is then pushed to the others,
so a change made in Jira reaches the register and GitHub in the same cycle. `--dry-run` prints
the plan; `execute` carries it out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from syncer.model import IssueDraft, RemoteIssue
from syncer.register import Item, NewItem, Register
from syncer.state.records import LinkRecord
from syncer.sync.merge import Outcome, Policy, Value, merge_field
from syncer.sync.values import FIELDS, Reading, item_due_date


@dataclass(frozen=True)
class Target:
    """One tracker target as the planner sees it: names, and what was read from it."""

    name: str
    kind: str
    repo: str
    changed: Mapping[str, RemoteIssue]
    """Issues read this cycle (changed since the cursor, or fetched), by ref."""
    links: Sequence[LinkRecord]
    field_labels: Mapping[str, str] = field(default_factory=dict)
    """Register field name → label prefix: `{"Effort": "effort: "}` labels issues `effort: high`."""
    reading: Reading = field(default_factory=Reading)

    def syncs(self, name: str) -> bool:
        return self.reading.syncs(name)

    def link_text(self, ref: str) -> str:
        return ref if self.kind == "jira" else f"{self.repo}#{ref}"

    def linked_items(self, register: Register) -> dict[str, Item]:
        """The register's items linked to this target, by issue ref (first link wins)."""
        found: dict[str, Item] = {}
        for item in register.items:
            for link in item.links:
                ref = self.ref_of(link.text)
                if ref is not None:
                    found.setdefault(ref, item)
        return found

    def ref_of(self, link_text: str) -> str | None:
        """The ref a link written in the register points at, if it is this target's."""
        if self.kind == "jira":
            return link_text if re.fullmatch(rf"{re.escape(self.repo)}-\d+", link_text) else None
        prefix = f"{self.repo}#"
        return link_text[len(prefix) :] if link_text.startswith(prefix) else None


# --- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateIssue:
    target: str
    item_key: str
    draft: IssueDraft


@dataclass(frozen=True)
class AdoptIssue:
    """Link an unlinked item to an existing issue (same title, or its marker names the item)."""

    target: str
    item_key: str
    issue: RemoteIssue


@dataclass(frozen=True)
class UpdateIssue:
    target: str
    ref: str
    item_key: str
    values: Mapping[str, Value]


@dataclass(frozen=True)
class CloseRemoved:
    """The item left the register: close its issue with a comment, drop the link."""

    target: str
    ref: str
    item_key: str
    comment: str


@dataclass(frozen=True)
class WriteRegister:
    item_key: str
    values: Mapping[str, Value]
    source: str
    """The target the values came from."""


@dataclass(frozen=True)
class InsertLink:
    item_key: str
    target: str
    ref: str
    url: str
    text: str


@dataclass(frozen=True)
class AddItem:
    """A tracker issue with the sync label that the register does not have yet."""

    target: str
    issue: RemoteIssue
    new: NewItem


@dataclass(frozen=True)
class RecordConflict:
    target: str
    ref: str
    item_key: str
    field: str
    base: Value
    register_value: Value
    tracker_value: Value
    taken: str
    """"register", "tracker", or "open" (manual policy: nothing written)."""


Operation = (
    CreateIssue
    | AdoptIssue
    | UpdateIssue
    | CloseRemoved
    | WriteRegister
    | InsertLink
    | AddItem
    | RecordConflict
)


Op = TypeVar("Op", bound=Operation)


@dataclass(frozen=True)
class FieldPlan:
    """Per linked pair: what each field ends as, so bases advance only for what succeeded."""

    target: str
    ref: str
    item_key: str
    outcomes: Mapping[str, Outcome]
    register_writes: frozenset[str] = frozenset()
    """The item's fields the register must take this cycle (from any target)."""


@dataclass(frozen=True)
class Plan:
    register: str
    operations: tuple[Operation, ...] = ()
    pairs: tuple[FieldPlan, ...] = ()
    refused: str = ""

    def of(self, kind: type[Op]) -> list[Op]:
        return [op for op in self.operations if isinstance(op, kind)]

    @property
    def writes_register(self) -> bool:
        return any(isinstance(op, WriteRegister | InsertLink | AddItem) for op in self.operations)


@dataclass(frozen=True)
class PlanOptions:
    policy: Policy = Policy.REGISTER_WINS
    new_items_section: str | None = None
    register_url: str = ""
    force: bool = False
    register_mtime: datetime | None = None


# --- values ------------------------------------------------------------------------------------


def normalized_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


# --- the planner -------------------------------------------------------------------------------


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
    ops: list[Operation] = []
    pairs: dict[str, list[tuple[Target, LinkRecord, RemoteIssue | None]]] = {}
    for target in targets:
        linked = _link_items(register, target, ops)
        for key, (record, issue) in linked.items():
            pairs.setdefault(key, []).append((target, record, issue))
        _unlinked_items(register, target, set(linked), ops, options)
        _removed_items(register, target, linked, ops)
    field_plans = [
        fp
        for item in register.items
        if item.key in pairs
        for fp in _sync_item(item, pairs[item.key], ops, options)
    ]
    return Plan(register_name, tuple(ops), tuple(field_plans))


def _guard(register: Register, targets: Sequence[Target], options: PlanOptions) -> str:
    """A register that suddenly lost most of its linked items is refused (truncated file?)."""
    if options.force:
        return ""
    linked = sum(len(t.links) for t in targets)
    if not linked:
        return ""
    found = sum(_found_links(register, t) for t in targets)
    if not register.items or found * 2 < linked:
        return (
            f"the register now holds {len(register.items)} items and {found} of {linked} linked"
            " ones; refusing to close their issues (run with --force if this is intended)"
        )
    return ""


def _found_links(register: Register, target: Target) -> int:
    return len(resolve_links(register, target))


RENAME_SIMILARITY = 0.6


def resolve_links(register: Register, target: Target) -> dict[str, Item]:
    """Stored links → their items, by issue ref.

    Through the link written in the item; else by the item's key (a link whose text never
    reached the file: the cycle that made it died, or a person saved the file meanwhile; or a
    link line a person deleted from a kept item); else, for a link never seen in the file whose
    item was renamed since, by the closest title among the items not linked to this target (at
    least `RENAME_SIMILARITY` alike). A link once seen in the file and now gone with its item
    is not handed to a look-alike: its item was removed.
    """
    written = target.linked_items(register)
    found = {r.ref: written[r.ref] for r in target.links if r.ref in written}
    taken = {item.key for item in written.values()}
    free = {i.key: i for i in register.items if i.key not in taken}
    orphans = [r for r in target.links if r.ref not in found]
    for record in orphans:
        if record.item_key in free:
            found[record.ref] = free.pop(record.item_key)
    for record in orphans:
        if record.ref in found or record.in_file or not free:
            continue
        title = record.base_register.get("title") or record.base_tracker.get("title") or ""
        score, best = max((_alike(title, item.title), item.key) for item in free.values())
        if score >= RENAME_SIMILARITY:
            found[record.ref] = free.pop(best)
    return found


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalized_title(a), normalized_title(b)).ratio()


def _link_items(
    register: Register, target: Target, ops: list[Operation]
) -> dict[str, tuple[LinkRecord, RemoteIssue | None]]:
    """Items linked to this target, with their stored link and the issue as read (if read)."""
    records = {rec.ref: rec for rec in target.links}
    written = target.linked_items(register)
    linked: dict[str, tuple[LinkRecord, RemoteIssue | None]] = {}
    for ref, item in resolve_links(register, target).items():
        record = records[ref]
        linked[item.key] = (record, target.changed.get(ref))
        if ref not in written:
            ops.append(InsertLink(item.key, target.name, ref, record.url, target.link_text(ref)))
    for ref, item in written.items():
        issue = target.changed.get(ref)
        if ref not in records and item.key not in linked and issue is not None:
            # written by someone else (another machine, a person): linked, with no base yet
            linked[item.key] = (LinkRecord("", target.name, ref, issue.url, item.key), issue)
    return linked


def _unlinked_items(
    register: Register,
    target: Target,
    linked: set[str],
    ops: list[Operation],
    options: PlanOptions,
) -> None:
    taken = {rec.ref for rec in target.links}
    candidates = {
        ref: issue
        for ref, issue in target.changed.items()
        if ref not in taken and issue.state.value == "open"
    }
    by_marker = {i.marker: i for i in candidates.values() if i.marker}
    by_title: dict[str, RemoteIssue] = {}
    for issue in candidates.values():
        by_title.setdefault(normalized_title(issue.title), issue)
    for item in register.items:
        if item.key in linked or any(target.ref_of(link.text) for link in item.links):
            continue
        match = by_marker.get(item.key) or by_title.get(normalized_title(item.title))
        if match is not None and match.ref in candidates:
            del candidates[match.ref]
            ops.append(AdoptIssue(target.name, item.key, match))
            continue
        ops.append(CreateIssue(target.name, item.key, _draft(item, target, options)))
    for issue in candidates.values():
        if issue.marker:
            continue  # made by syncer for an item that is gone: never resurrect it
        ops.append(AddItem(target.name, issue, _new_item(issue, options)))


def _draft(item: Item, target: Target, options: PlanOptions) -> IssueDraft:
    return IssueDraft(
        item_key=item.key,
        title=item.title,
        body=item.body,
        status=item.status,
        priority=item.priority,
        labels=field_labels(item, target.field_labels),
        due_date=_date(item_due_date(item, target.reading.due_date_field))
        if target.reading.due_date_field
        else None,
        assignees=target.reading.assignees(target.reading.owners(item)),
        register_url=options.register_url,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def field_labels(item: Item, prefixes: Mapping[str, str]) -> tuple[str, ...]:
    """Labels for the item's other fields (`effort: medium`), first word of the value."""
    labels = []
    for name, prefix in prefixes.items():
        found = item.field(name)
        words = found.value.split() if found else []
        if words:
            labels.append(f"{prefix}{words[0].strip('.,;:').lower()}")
    return tuple(labels)


def _new_item(issue: RemoteIssue, options: PlanOptions) -> NewItem:
    return NewItem(
        title=issue.title,
        status=issue.status,
        priority=issue.priority,
        body=issue.body,
        section=options.new_items_section,
    )


def _removed_items(
    register: Register,
    target: Target,
    linked: Mapping[str, tuple[LinkRecord, RemoteIssue | None]],
    ops: list[Operation],
) -> None:
    present = {rec.ref for rec, _ in linked.values()}
    for record in target.links:
        if record.ref not in present:
            ops.append(
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
    register_now = _register_reading(pairs).item(item)
    trackers_now = [t.reading.issue(i) if i else dict(rec.base_tracker) for t, rec, i in pairs]
    outcomes: list[dict[str, Outcome]] = [{} for _ in pairs]
    final: dict[str, Value] = {}
    for name in FIELDS:
        value = register_now[name]
        for i, (target, record, issue) in enumerate(pairs):
            if not target.syncs(name):
                outcomes[i][name] = Outcome(value)
                continue
            outcome = merge_field(
                name,
                record.base_register.get(name),
                value,
                record.base_tracker.get(name),
                trackers_now[i].get(name),
                options.policy,
                has_base=name in record.base_register,
                tracker_is_newer=_tracker_is_newer(issue, options),
            )
            outcomes[i][name] = outcome
            if outcome.conflict:
                ops.append(
                    RecordConflict(
                        target.name, record.ref, item.key, name, record.base_register.get(name),
                        value, trackers_now[i].get(name), _taken(outcome),
                    )
                )  # fmt: skip
            value = outcome.value
        final[name] = value
    to_register = {n: v for n, v in final.items() if v != register_now[n]}
    if to_register:
        pulled = [i for i, o in enumerate(outcomes) if any(x.to_register for x in o.values())]
        ops.append(WriteRegister(item.key, to_register, pairs[pulled[0] if pulled else 0][0].name))
    plans = []
    for i, (target, record, _) in enumerate(pairs):
        push = {
            n: final[n]
            for n in FIELDS
            if target.syncs(n)
            and _needs_push(outcomes[i][n], final[n], trackers_now[i].get(n), n in record.unsettled)
        }
        if push:
            ops.append(UpdateIssue(target.name, record.ref, item.key, push))
        plans.append(
            FieldPlan(target.name, record.ref, item.key, outcomes[i], frozenset(to_register))
        )
    return plans


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


def describe(op: Operation) -> str:
    """One line per operation, for `--dry-run` and logs."""
    match op:
        case CreateIssue():
            return f"{op.target}: create issue {op.draft.title!r} for {op.item_key}"
        case AdoptIssue():
            return f"{op.target}: link {op.item_key} to existing #{op.issue.ref} {op.issue.title!r}"
        case UpdateIssue():
            fields = ", ".join(f"{k}={_short(v)}" for k, v in op.values.items())
            return f"{op.target}: update {op.ref} ({op.item_key}): {fields}"
        case CloseRemoved():
            return f"{op.target}: close {op.ref}: {op.item_key} left the register"
        case WriteRegister():
            fields = ", ".join(f"{k}={_short(v)}" for k, v in op.values.items())
            return f"register: {op.item_key}: {fields} (from {op.source})"
        case InsertLink():
            return f"register: {op.item_key}: link {op.text}"
        case AddItem():
            return f"register: add item {op.new.title!r} from {op.target} {op.issue.ref}"
        case RecordConflict():
            return (
                f"conflict: {op.item_key}.{op.field} on {op.target}:"
                f" register={_short(op.register_value)} tracker={_short(op.tracker_value)}"
                f" -> {op.taken}"
            )
    raise TypeError(op)


def _short(value: Value) -> str:
    text = "∅" if value is None else value.replace("\n", "⏎")
    return repr(text if len(text) <= 40 else text[:37] + "...")
