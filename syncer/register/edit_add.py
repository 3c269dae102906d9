"""Adding items: a `NewItem` (one created in a tracker) written where a person would put it.

The new item goes after its neighbour (same section, else same status and priority group) and
takes that neighbour's shape: a heading with its field lines and numbering, a checkbox or
bullet with the list's marker, a table row with its columns. The phrases, marks and tags come
from `edit_status` and `edit_fields`, so an added item reads back with the values it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from syncer.model import Priority, Status
from syncer.register.body_escape import escape_body, gap_after, nested_body
from syncer.register.edit_fields import LIST_MARKER_RE, field_line
from syncer.register.edit_status import PRIORITY_TAGS, checkbox_mark, status_phrase, tag_after_title
from syncer.register.escape import Place, written_value
from syncer.register.items import Item, ItemKind, Register
from syncer.register.plain import as_priority, as_status
from syncer.register.spans import HANDLE, NUMBERING_RE
from syncer.register.splice import ITEM, Splices, encode, line_end, splice_at
from syncer.register.vocabulary import normalize_key


@dataclass(frozen=True)
class NewItem:
    """An item to add (one created in a tracker). `section` names a heading to put it under."""

    title: str
    status: Status = Status.TODO
    priority: Priority | None = None
    body: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    section: str | None = None

    def __post_init__(self) -> None:
        """Plain `"done"` / `"high"` are taken as their enum members (see `plain`)."""
        object.__setattr__(self, "status", as_status(self.status))
        object.__setattr__(self, "priority", as_priority(self.priority))


def add_item_edits(register: Register, new: NewItem) -> Splices:
    """Insert a new item where a person would: beside the items it belongs with, in their shape."""
    neighbour = _neighbour(register, new)
    if neighbour is None:
        splices = _append_checkbox(register, new)
    elif neighbour.kind is ItemKind.HEADING:
        splices = _add_heading(register, neighbour, new)
    elif neighbour.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        splices = _add_checkbox(register, neighbour, new)
    else:
        splices = _add_row(register, neighbour, new)
    return [replace(splice, order=ITEM) for splice in splices]


def _neighbour(register: Register, new: NewItem) -> Item | None:
    """The item after which the new one goes: the last of its section if one is named, else of
    its status and priority group, its status group (for done), its priority group, the open
    items, the document."""
    items = list(register.items)
    if new.section is not None:
        wanted = new.section.lower()
        in_section = [i for i in items if any(wanted == s.lower() for s in i.section)]
        if in_section:
            return in_section[-1]
    same_status = [i for i in items if i.status is new.status]
    groups = [
        [i for i in same_status if i.priority is new.priority],
        same_status if new.status is Status.DONE else [],
        [i for i in items if i.priority is new.priority and i.status is not Status.DONE],
        [i for i in items if i.status is not Status.DONE],
        items,
    ]
    return next((group[-1] for group in groups if group), None)


def _priority_tag(register: Register, after: Item, priority: Priority | None) -> str:
    """` (P1)` when the neighbour carries such a tag, so the new item's priority reads back."""
    if priority is None or tag_after_title(register.text, after) is None:
        return ""
    return f" ({PRIORITY_TAGS[priority]})"


def _add_heading(register: Register, after: Item, new: NewItem) -> Splices:
    text, nl = register.text, register.newline
    hashes = "#" * after.level
    number = _next_number(register, after)
    title = written_value(register, new.title, Place.HEADING)
    lines = [f"{hashes} {number}{title}{_priority_tag(register, after, new.priority)}"]
    style = after.fields[0].style if after.fields else ""
    lines.append(field_line(register, "Status", status_phrase(register, new.status), style))
    if new.priority is not None and any(i.priority_at for i in register.items):
        priority = new.priority.value.capitalize()
        lines.append(field_line(register, "Priority", priority, style))
    values = {
        k: written_value(register, v, Place.FIELD) for k, v in new.fields.items() if v.strip()
    }
    lines += [field_line(register, k, v, style) for k, v in values.items()]
    block = nl.join(lines)
    body = encode(register, escape_body(new.body, register.item_keys, after_paragraph=False))
    if body:
        block += nl + nl + body + gap_after(register, after.at[1])
    gap = text[after.at[1] : after.at[1] + 40]
    separator = nl + nl + "---" if re.match(r"\s*\n---", gap) else ""
    return splice_at((after.at[1], after.at[1]), f"{separator}{nl}{nl}{block}")


def _next_number(register: Register, after: Item) -> str:
    """`13. ` when the document numbers its heading items, else nothing."""
    numbers = []
    for item in register.items:
        if item.kind is ItemKind.HEADING:
            line = register.text[item.at[0] : item.title_at[0]].lstrip("# ")
            match = NUMBERING_RE.match(line)
            if match:
                numbers.append((int(re.sub(r"\D", "", match.group(0))), match.group(0)))
    if not numbers:
        return ""
    last, form = max(numbers)
    return form.replace(str(last), str(last + 1), 1)


def _add_checkbox(register: Register, after: Item, new: NewItem) -> Splices:
    text, nl = register.text, register.newline
    first = text[after.at[0] : line_end(text, after.at[0])]
    prefix = LIST_MARKER_RE.match(first)
    lead = prefix.group(0) if prefix else "- "
    lead = re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), lead, count=1)
    title = written_value(register, new.title, Place.CHECKBOX)
    if after.summary_at is not None:
        title = f"**{title}**"
    if after.kind is ItemKind.BULLET and new.status is Status.DONE:
        title = f"~~{title}~~"
    title += _priority_tag(register, after, new.priority) + _line_fields(new)
    mark = f"[{checkbox_mark(register, new.status)}] " if after.kind is ItemKind.CHECKBOX else ""
    block = f"{lead}{mark}{title}" + nested_body(register, new.body, len(lead))
    spaced = _blank_after(text, after.at[1])
    gap = nl + nl if spaced else nl
    return splice_at((after.at[1], after.at[1]), gap + block)


def _line_fields(new: NewItem) -> str:
    """What a checkbox line says of its fields, after the title: its owners when each is an
    `@handle` (` @dana @kim`), and a date field as ` (due 2027-03-01)`; a checkbox line has no
    room for other fields."""
    out = ""
    owners = next((v for k, v in new.fields.items() if normalize_key(k) == "owner"), "")
    handles = owners.replace(",", " ").split()
    if handles and all(re.fullmatch(f"@{HANDLE}", name) for name in handles):
        out += " " + " ".join(handles)
    due = next((v for v in new.fields.values() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)), None)
    return out + (f" (due {due})" if due else "")


def _blank_after(text: str, offset: int) -> bool:
    rest = text[offset : offset + 8]
    return bool(re.match(r"(\r\n|\r|\n)[ \t]*(\r\n|\r|\n)", rest))


def _add_row(register: Register, after: Item, new: NewItem) -> Splices:
    nl = register.newline
    cells = []
    for f in after.fields:
        name = normalize_key(f.name)
        if name in ("status", "state"):
            value = status_phrase(register, new.status)
        elif name in ("priority", "severity"):
            value = new.priority.value.capitalize() if new.priority else ""
        else:
            value = written_value(register, new.fields.get(f.name, ""), Place.CELL)
        cells.append((f.at[0], value))
    cells.append((after.title_at[0], written_value(register, new.title, Place.CELL)))
    cells.sort()
    row = "| " + " | ".join(v for _, v in cells) + " |"
    return splice_at((after.at[1], after.at[1]), nl + row)


def _append_checkbox(register: Register, new: NewItem) -> Splices:
    text, nl = register.text, register.newline
    title = written_value(register, new.title, Place.CHECKBOX)
    mark = "x" if new.status is Status.DONE else " "
    line = f"- [{mark}] {title}" + nested_body(register, new.body, 2)
    sep = "" if not text or text.endswith(("\n", "\r")) else nl
    return splice_at((len(text), len(text)), sep + line + nl)
