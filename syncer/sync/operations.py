"""What a plan is made of: operations on trackers and on the register, as frozen values.

`plan()` returns them, `--dry-run` prints them (`describe`), the cycle carries them out. Each says
everything needed to do it and to explain it, so a plan can be compared and replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from syncer.model import IssueDraft, RemoteIssue

if TYPE_CHECKING:
    from syncer.register import NewItem
    from syncer.sync.merge import Value


@dataclass(frozen=True)
class CreateIssue:
    target: str
    item_key: str
    draft: IssueDraft


@dataclass(frozen=True)
class AdoptIssue:
    """Link an item to an existing issue syncer may manage: one whose marker names the item,
    one with the same title and the sync label, or one the item already links in the file while
    the store does not know the link (a lost or older state database). The register is the
    source of truth: the issue takes the item's values, then both sides are agreed."""

    target: str
    item_key: str
    issue: RemoteIssue
    in_file: bool = False
    """The item already holds the link: nothing to write into the register."""


@dataclass(frozen=True)
class UpdateIssue:
    target: str
    ref: str
    item_key: str
    values: Mapping[str, Value]
    previous: Mapping[str, Value] = field(default_factory=dict, compare=False)
    """What the issue held for each of `values` as this cycle read it (the plan's "old"):
    an explanation, not part of what the operation does, so not compared."""


@dataclass(frozen=True)
class CloseRemoved:
    """The item left the register: close its issue with a comment, drop the link."""

    target: str
    ref: str
    item_key: str
    comment: str


@dataclass(frozen=True)
class CloseDuplicate:
    """A second issue syncer made for an item that already has one (a create whose answer was
    lost, then made again): closed with a comment pointing at the one that is kept."""

    target: str
    ref: str
    item_key: str
    kept_ref: str


@dataclass(frozen=True)
class WriteRegister:
    item_key: str
    values: Mapping[str, Value]
    source: str
    """The target the values came from."""
    previous: Mapping[str, Value] = field(default_factory=dict, compare=False)
    """What the register held for each of `values` (an explanation: not compared)."""


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
    | CloseDuplicate
    | WriteRegister
    | InsertLink
    | AddItem
    | RecordConflict
)


def describe(op: Operation) -> str:
    """One line per operation, for `--dry-run` and logs."""
    match op:
        case CreateIssue():
            return f"{op.target}: create issue {op.draft.title!r} for {op.item_key}"
        case AdoptIssue():
            how = " (linked in the file)" if op.in_file else ""
            return (
                f"{op.target}: link {op.item_key} to existing #{op.issue.ref}"
                f" {op.issue.title!r}{how}"
            )
        case UpdateIssue():
            fields = ", ".join(f"{k}={short(v)}" for k, v in op.values.items())
            return f"{op.target}: update {op.ref} ({op.item_key}): {fields}"
        case CloseRemoved():
            return f"{op.target}: close {op.ref}: {op.item_key} left the register"
        case CloseDuplicate():
            return f"{op.target}: close {op.ref}: duplicate of {op.kept_ref} ({op.item_key})"
        case WriteRegister():
            fields = ", ".join(f"{k}={short(v)}" for k, v in op.values.items())
            return f"register: {op.item_key}: {fields} (from {op.source})"
        case InsertLink():
            return f"register: {op.item_key}: link {op.text}"
        case AddItem():
            return f"register: add item {op.new.title!r} from {op.target} {op.issue.ref}"
        case RecordConflict():
            return (
                f"conflict: {op.item_key}.{op.field} on {op.target}:"
                f" register={short(op.register_value)} tracker={short(op.tracker_value)}"
                f" -> {op.taken}"
            )
    raise TypeError(op)


def operation_json(op: Operation) -> dict[str, object]:
    """An operation as data a script can use (`reconcile --json`): its kind, where it acts
    (`target`, `ref`, `item`), and for writes each field as `{"old": …, "new": …}`."""
    kind = _KINDS[type(op)]
    data: dict[str, object] = {"kind": kind, "target": getattr(op, "target", "register")}
    match op:
        case CreateIssue():
            data |= {"item": op.item_key, "fields": _new_fields(_draft_values(op))}
        case AdoptIssue():
            data |= {"item": op.item_key, "ref": op.issue.ref, "in_file": op.in_file}
        case UpdateIssue():
            data |= {"item": op.item_key, "ref": op.ref, "fields": _changes(op.values, op.previous)}
        case CloseRemoved():
            data |= {"item": op.item_key, "ref": op.ref}
        case CloseDuplicate():
            data |= {"item": op.item_key, "ref": op.ref, "kept_ref": op.kept_ref}
        case WriteRegister():
            data |= {"item": op.item_key, "source": op.source}
            data["fields"] = _changes(op.values, op.previous)
        case InsertLink():
            data |= {"item": op.item_key, "ref": op.ref, "url": op.url, "source": op.target}
            data["target"] = "register"
        case AddItem():
            data |= {"ref": op.issue.ref, "title": op.new.title, "source": op.target}
            data["target"] = "register"
        case RecordConflict():
            data |= {"item": op.item_key, "ref": op.ref, "field": op.field, "taken": op.taken}
            data["values"] = {
                "base": op.base, "register": op.register_value, "tracker": op.tracker_value
            }  # fmt: skip
    return data


_KINDS: dict[type, str] = {
    CreateIssue: "create_issue",
    AdoptIssue: "adopt_issue",
    UpdateIssue: "update_issue",
    CloseRemoved: "close_removed",
    CloseDuplicate: "close_duplicate",
    WriteRegister: "write_register",
    InsertLink: "insert_link",
    AddItem: "add_item",
    RecordConflict: "conflict",
}


def _draft_values(op: CreateIssue) -> dict[str, Value]:
    draft = op.draft
    return {
        "title": draft.title,
        "status": draft.status.value,
        "priority": draft.priority.value if draft.priority else None,
        "due_date": draft.due_date.isoformat() if draft.due_date else None,
        "assignees": ", ".join(draft.assignees) or None,
        "labels": ", ".join(draft.labels) or None,
    }


def _new_fields(values: Mapping[str, Value]) -> dict[str, dict[str, Value]]:
    return {name: {"old": None, "new": value} for name, value in values.items() if value}


def _changes(new: Mapping[str, Value], old: Mapping[str, Value]) -> dict[str, dict[str, Value]]:
    return {name: {"old": old.get(name), "new": value} for name, value in new.items()}


def short(value: Value) -> str:
    text = "∅" if value is None else value.replace("\n", "⏎")
    return repr(text if len(text) <= 40 else text[:37] + "...")
