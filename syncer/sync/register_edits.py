"""The register's new text after a cycle: every edit the plan and the tracker writes call for.

Pure: the plan, what the trackers answered, and the parsed register in; splices and notes out.
All edits are computed on one parse and applied in one pass, so the file is written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncer.model import Priority, RemoteIssue, Status
from syncer.register import (
    EditError,
    Item,
    NewItem,
    Register,
    RegisterRules,
    Splices,
    add_item_edits,
    apply,
    body_edits,
    field_edits,
    lead_edits,
    link_edits,
    links_edits,
    parse,
    priority_edits,
    status_edits,
    title_edits,
    unlink_edits,
    view_edits,
)
from syncer.sync.identity import Target, normalized_title
from syncer.sync.merge import Value
from syncer.sync.operations import InsertLink, WriteRegister
from syncer.sync.planned import Plan
from syncer.sync.values import DUE_DATE_FIELDS, FIELD_KEY, OWNER_FIELDS, Reading, owner_field


@dataclass(frozen=True)
class NewLink:
    """An issue linked this cycle (created or adopted) whose link the item does not hold yet."""

    target: str
    item_key: str
    issue: RemoteIssue


@dataclass(frozen=True)
class Added:
    """An item added from a tracker issue."""

    target: str
    issue: RemoteIssue
    new: NewItem


@dataclass(frozen=True)
class Gone:
    """An issue deleted in its tracker: its link comes out of the item."""

    target: str
    ref: str


@dataclass(frozen=True)
class RegisterChanges:
    """What the cycle learned that the register must say."""

    new_links: Sequence[NewLink] = ()
    added: Sequence[Added] = ()
    gone: Sequence[Gone] = ()


@dataclass
class Edited:
    """The register's new text, how many edits made it, and what could not be said."""

    text: str
    edits: int = 0
    notes: list[str] = field(default_factory=list)


def register_edits(
    register: Register,
    the_plan: Plan,
    changes: RegisterChanges,
    views: Mapping[str, Target],
    hidden_links: bool,
) -> Edited:
    """All edits of the cycle on the text the plan was made from, applied in one pass."""
    notes: list[str] = []
    splices: Splices = []
    links: dict[str, list[tuple[str, str]]] = {}
    statuses: dict[str, Status] = {}
    for op in the_plan.operations:
        if isinstance(op, WriteRegister):
            splices += _field_splices(register, op, views, notes)
            if "status" in op.values:
                statuses[op.item_key] = Status(op.values["status"] or "todo")
        elif isinstance(op, InsertLink):  # stored: its issue exists, even if unread this time
            links.setdefault(op.item_key, []).append((op.text, op.url))
    for new in changes.new_links:
        links.setdefault(new.item_key, []).append(
            (views[new.target].link_text(new.issue.ref), new.issue.url)
        )
    for key, pairs in links.items():  # an item's links to two trackers share one line
        splices += links_edits(register, key, pairs, hidden_links)
    for added in changes.added:
        splices += add_item_edits(register, added.new)
    for gone in changes.gone:
        item = views[gone.target].linked_items(register).get(gone.ref)
        if item is not None:
            link = next(li for li in item.links if views[gone.target].ref_of(li.text) == gone.ref)
            splices += unlink_edits(register, item.key, link.url)
    restated = view_edits(register, statuses)  # summary rows and counters: not edits of their own
    return Edited(
        apply(register.text, splices + restated), len(splices) + len(changes.added), notes
    )


def link_added_items(
    text: str,
    added: Sequence[Added],
    views: Mapping[str, Target],
    rules: RegisterRules,
    hidden_links: bool,
) -> tuple[str, list[tuple[Added, Item]]]:
    """Items added from trackers get their link in a second pass, once they exist in the text.

    Returns the text and each added issue with the item that now holds it.
    """
    if not added:
        return text, []
    register = parse(text, rules)
    splices: Splices = []
    placed: list[tuple[Added, Item]] = []
    used: set[str] = set()
    for entry in reversed(added):  # the last added is the last item of its title
        title = normalized_title(entry.issue.title)
        item = next(
            (
                i
                for i in reversed(register.items)
                if normalized_title(i.title) == title and not i.links and i.key not in used
            ),
            None,
        )
        if item is None:
            continue
        used.add(item.key)
        link = views[entry.target].link_text(entry.issue.ref)
        splices += link_edits(register, item.key, link, entry.issue.url, hidden_links)
        placed.append((entry, item))
    return apply(text, splices), placed[::-1]


def _field_splices(
    register: Register, op: WriteRegister, views: Mapping[str, Target], notes: list[str]
) -> Splices:
    reading = views[op.source].reading
    edits = {
        "status": lambda v: status_edits(register, op.item_key, Status(v or "todo")),
        "priority": lambda v: priority_edits(register, op.item_key, Priority(v) if v else None),
        "body": lambda v: body_edits(register, op.item_key, v or ""),
        "title": lambda v: title_edits(register, op.item_key, v or ""),
        "due_date": lambda v: field_edits(
            register, op.item_key, _due_field(register.item(op.item_key), reading), v or ""
        ),
        "assignees": lambda v: _owner_splices(register, op.item_key, reading, v),
    }
    splices: Splices = []
    for name, value in op.values.items():
        try:
            if name.startswith(FIELD_KEY):
                splices += _labelled_field_splices(register, op.item_key, name, value, views)
                continue
            splices += edits[name](value)
        except EditError as exc:
            # What the register cannot say (a due date on a checkbox) is accepted, not fought:
            # the tracker keeps its value, the bases take both readings, nothing fails.
            notes.append(f"{op.item_key}.{name}: {exc}")
    return splices


def _labelled_field_splices(
    register: Register, key: str, name: str, value: Value, views: Mapping[str, Target]
) -> Splices:
    """A field label changed in a tracker: the field's leading words take its value, in the
    case they were written in, the rest of the line stays. A label taken off is not a reason
    to erase what the register says: it keeps its value (a note)."""
    field = next(v.reading.labelled[name][0] for v in views.values() if name in v.reading.labelled)
    if value is None:
        raise EditError(f"its {field!r} label was removed in the tracker; the register keeps it")
    return lead_edits(register, key, field, value)


def _owner_splices(register: Register, key: str, reading: Reading, value: Value) -> Splices:
    """The owner field rewritten with the tracker's assignees, keeping names nobody maps."""
    item = register.item(key)
    name = owner_field(item)
    current = item.field(name) if name else None
    text = reading.owner_text(value, current.value if current else "")
    if current is None and not text:
        return []
    return field_edits(register, key, name or OWNER_FIELDS[0], text)


def _due_field(item: Item, reading: Reading) -> str:
    """The item's own due-date field if it has one, else the configured name."""
    configured = reading.due_date_field or DUE_DATE_FIELDS[0]
    for name in (configured, *DUE_DATE_FIELDS):
        if item.field(name) is not None:
            return name
    return configured
