"""Edits on a parsed register, returned as new text: splices of the exact spans that change.

Each edit touches only the bytes of the values it changes; new text follows the document's own
conventions (the status phrase its items already use, its field style, numbering, line endings
and its encoding damage). An edit the document's shape cannot hold raises `EditError`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from syncer.model import Priority, Status
from syncer.register.body_escape import (
    LIST_ITEM_RE,
    clean_body,
    escape_body,
    gap_after,
    nested_body,
)
from syncer.register.escape import Place, fits_after_title, written_value
from syncer.register.items import Field, Item, ItemKind, Register, Span
from syncer.register.plain import as_priority, as_status
from syncer.register.spans import (
    HANDLE,
    HIDDEN_LINK_RE,
    NUMBERING_RE,
    TRACKER_LINK_RE,
    is_struck,
    strike_marks,
)
from syncer.register.vocabulary import LINK_FIELD, LINK_KEYS, TAG_RE, normalize_key


class EditError(ValueError):
    """The register cannot hold this change where the item is (e.g. a body in a table row)."""


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


_DEFAULT_PHRASES = {
    Status.DONE: ("✅ Done", "Done"),
    Status.IN_PROGRESS: ("🚧 In Progress", "In Progress"),
    Status.TODO: ("🔴 Not Started", "Todo"),
}
_PRIORITY_TAGS = {Priority.CRITICAL: "P0", Priority.HIGH: "P1", Priority.MEDIUM: "P2",
                  Priority.LOW: "P3"}  # fmt: skip


@dataclass(frozen=True, order=True)
class Splice:
    """Replace text[start:end] with `new`: the one shape every edit takes."""

    start: int
    end: int
    new: str
    order: int = 0
    """Among insertions at one offset, lower goes first: text appended to an item's last line
    (a link, 0), then a body opened after it (BODY), then new items placed after it (ITEM)."""


Splices = list[Splice]
BODY, ITEM = 1, 2


def _splice(at: Span, new: str) -> Splices:
    return [Splice(at[0], at[1], new)]


def apply(text: str, splices: Splices) -> str:
    """Apply non-overlapping splices computed against the same text, in one pass."""
    out, pos = [], 0
    for splice in sorted(splices, key=lambda s: (s.start, s.end, s.order)):
        if splice.start < pos:
            raise EditError("two edits of the same text overlap")
        out += [text[pos : splice.start], splice.new]
        pos = splice.end
    out.append(text[pos:])
    return "".join(out)


def _line_end(text: str, offset: int) -> int:
    """Offset of the end of the line holding `offset` (before its newline)."""
    ends = [i for i in (text.find("\r", offset), text.find("\n", offset)) if i != -1]
    return min(ends) if ends else len(text)


def _encode(register: Register, new: str) -> str:
    """New text as the document would hold it: its line endings and encoding damage."""
    return register.damage.apply(new.replace("\r\n", "\n").replace("\n", register.newline))


def _one_line(value: str) -> str:
    return " ".join(value.split())


# --- status ------------------------------------------------------------------------------------


def status_phrase(register: Register, status: Status) -> str:
    """The phrase this document writes for `status`, as raw (possibly damaged) text."""
    vocab = register.vocabulary
    raws = [
        register.text[item.status_at[0] : item.status_at[1]]
        for item in register.items
        if item.status_at and item.kind is not ItemKind.CHECKBOX and item.status is status
    ]
    reusable = [r for r in raws if r and vocab.reusable(register.damage.repair(r))]
    if reusable:
        return Counter(reusable).most_common(1)[0][0]
    for raw in raws:
        meaning = register.damage.repair(raw)
        match = vocab.status_match(meaning)
        if match and match.start() == 0 and not match.group(0)[0].isalnum():
            word = _DEFAULT_PHRASES[status][1]
            return register.damage.apply(f"{match.group(0)} {word}")
    emoji, words = _DEFAULT_PHRASES[status]
    return register.damage.apply(emoji if _uses_emoji(register) else words)


def _marker(register: Register, item: Item, status: Status) -> str:
    """A status marker for a heading (`✅`, `WIP` in `[WIP]`): one of the same kind (emoji or
    word) the document's headings already use for `status`, else the default emoji or word
    in the old marker's case."""
    vocab, text = register.vocabulary, register.text
    assert item.status_at is not None
    old = text[item.status_at[0] : item.status_at[1]]
    used = [
        text[i.status_at[0] : i.status_at[1]]
        for i in register.items
        if i.status_in_title and i.status_at and i.status is status
    ]
    used = [
        u
        for u in used
        if u[0].isalnum() == old[0].isalnum()
        and u.isupper() == old.isupper()
        and vocab.reusable(register.damage.repair(u))
    ]
    if used:
        return Counter(used).most_common(1)[0][0]
    emoji, _ = _DEFAULT_PHRASES[status]
    if not old[0].isalnum():
        return register.damage.apply(emoji.split()[0])
    word = _MARKER_WORDS[status]
    return word if old.isupper() else word.lower()


_MARKER_WORDS = {Status.DONE: "DONE", Status.IN_PROGRESS: "WIP", Status.TODO: "TODO"}


def _uses_emoji(register: Register) -> bool:
    values = [register.damage.repair(i.raw_status) for i in register.items if i.status_at]
    values = [v for v in values if v and not v.startswith("[")]
    return bool(values) and sum(1 for v in values if not v[0].isascii()) * 2 > len(values)


def status_edits(register: Register, key: str, status: Status | str) -> Splices:
    """Mark item `key` as `status`; nothing to do when it already reads so."""
    status = as_status(status)
    item = register.item(key)
    if item.status is status:
        return []
    if item.kind is ItemKind.CHECKBOX:
        assert item.status_at is not None
        mark = _splice(item.status_at, _checkbox_mark(register, status))
        return mark + _strike(register, item, done=False)
    if item.status_in_title:
        assert item.status_at is not None
        return _splice(item.status_at, _marker(register, item, status))
    if item.status_at is not None:
        return _splice(item.status_at, status_phrase(register, status))
    if item.kind in (ItemKind.TABLE_ROW, ItemKind.BULLET):
        struck = _strike(register, item, status is Status.DONE)
        if status is Status.DONE or (struck and status is Status.TODO):
            return struck
        # done by its section, or in progress: a tag after the title (and its strike) says so
        marks = strike_marks(register.text, item.title_at) if struck else None
        end = item.summary_at[1] if item.summary_at else item.title_at[1] + (marks or (0, 0))[1]
        return [*struck, Splice(end, end, f" ({_MARKER_WORDS[status].lower()})")]
    return _insert_field(register, item, "Status", status_phrase(register, status))


def _checkbox_mark(register: Register, status: Status) -> str:
    marks = Counter(
        register.text[i.status_at[0] : i.status_at[1]]
        for i in register.items
        if i.kind is ItemKind.CHECKBOX and i.status_at
    )
    if status is Status.DONE:
        return "X" if marks["X"] > marks["x"] else "x"
    if status is Status.IN_PROGRESS:
        return "~" if marks["~"] >= marks["/"] and marks["~"] else "/" if marks["/"] else " "
    return " "


def _strike(register: Register, item: Item, done: bool) -> Splices:
    """Strike the title through (done: table rows without a status column) or lift the strike
    (an item struck through reads done, whatever else it says). A struck title that a note
    follows (`~~Title~~ (why dropped)`) turns bold instead, so the title keeps its bounds."""
    start, end = item.title_at
    if done == is_struck(register.text, item.title_at):
        return []
    if done:
        return [Splice(start, start, "~~"), Splice(end, end, "~~")]
    noted = item.summary_at is not None and register.text[slice(*item.summary_at)].strip()
    lifted = "**" if noted else ""
    left, right = strike_marks(register.text, item.title_at) or (2, 2)
    return [Splice(start - left, start, lifted), Splice(end, end + right, lifted)]


# --- title, priority, fields ------------------------------------------------------------------


def title_edits(register: Register, key: str, title: str) -> Splices:
    item = register.item(key)
    new = _one_line(title)
    if not new:
        raise EditError("a title cannot be empty")
    return _splice(item.title_at, written_value(register, new, Place.of(item.kind)))


def priority_edits(register: Register, key: str, priority: Priority | str | None) -> Splices:
    priority = as_priority(priority)
    item = register.item(key)
    text = register.text
    if item.priority is priority:
        return []
    if item.priority_at is not None:
        holder = next((f for f in item.fields if f.at == item.priority_at), None)
        if priority is None and holder is not None and item.kind is ItemKind.HEADING:
            return _drop_line(text, holder)
        raw = text[item.priority_at[0] : item.priority_at[1]]
        return _splice(item.priority_at, _priority_value(register, raw, priority))
    tag = _tag_after_title(text, item)
    if tag is not None:
        at = (tag.start("tag"), tag.end("tag"))
        if priority is None:
            return _splice((tag.start(), tag.end()), "")
        return _splice(at, _PRIORITY_TAGS[priority])
    if priority is None:
        raise EditError(f"{item.title!r} takes its priority from its section")
    if item.kind is ItemKind.HEADING:
        return _insert_field(register, item, "Priority", priority.value.capitalize())
    if item.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        # at the end of the text, before owners, due dates and links: where a tag is read
        end = item.summary_at[1] if item.summary_at else item.title_at[1]
        return _splice((end, end), f" ({_PRIORITY_TAGS[priority]})")
    raise EditError(f"the table holding {item.title!r} has no priority column")


def _priority_value(register: Register, raw: str, priority: Priority | None) -> str:
    """Swap the priority word inside a value ("Low - not blocking MVP"), keeping its note and
    its scale ("Sev-2" becomes "Sev-1", not "Critical")."""
    if priority is None:
        return ""
    match = register.vocabulary.priority_match(raw)
    if match is None:
        return priority.value.capitalize()
    word = register.vocabulary.priority_word(match.group(0), priority)
    return raw[: match.start()] + word + raw[match.end() :]


def _tag_after_title(text: str, item: Item) -> re.Match[str] | None:
    """The `(P1)` tag written after the item's title on its first line, if any."""
    return TAG_RE.search(text, item.title_at[1], _line_end(text, item.title_at[1]))


def field_edits(register: Register, key: str, name: str, value: str) -> Splices:
    item = register.item(key)
    existing = item.field(name)
    new = _one_line(value)
    if item.kind is ItemKind.CHECKBOX and existing is not None:
        if not new:
            return _splice(existing.line_at, "")  # an inline `(due …)` goes as a whole
        if register.text.startswith("@", existing.at[0]):
            return _splice(existing.at, register.damage.apply(_handles(item, new)))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", new):
            raise EditError(f"{item.title!r} writes its due date as YYYY-MM-DD, not {value!r}")
        return _splice(existing.at, new)
    place = Place.CELL if item.kind is ItemKind.TABLE_ROW else Place.FIELD
    if existing is not None and not new and item.kind is ItemKind.HEADING:
        return _drop_line(register.text, existing)
    if existing is not None:
        return _splice(existing.at, written_value(register, new, place))
    if not new:
        return []
    if item.kind is not ItemKind.HEADING:
        raise EditError(f"{item.title!r} has no {name!r} field to write")
    return _insert_field(register, item, name, written_value(register, new, place))


def _drop_line(text: str, field: Field) -> Splices:
    """A value cleared in a tracker takes its field line with it: an empty `**Priority**:`
    line would read back as body text, and the field lines after it too."""
    return _splice((field.line_at[0], _skip_newline(text, field.line_at[1])), "")


def _handles(item: Item, value: str) -> str:
    """Owners ending a checkbox line are space-separated `@handles`: anything else written
    there would read back as part of the title."""
    names = value.replace(",", " ").split()
    if not all(re.fullmatch(f"@{HANDLE}", name) for name in names):
        raise EditError(f"{item.title!r} names its owners as @handles, not as {value!r}")
    return " ".join(names)


def _field_line(register: Register, name: str, raw_value: str, style: str = "") -> str:
    """A field line in `style` (a neighbouring field's shape), else the document's."""
    template = style or register.field_style
    return template.format(name=register.damage.apply(name), value=raw_value).rstrip()


def _insert_field(register: Register, item: Item, name: str, raw_value: str) -> Splices:
    """A new field line after the item's last leading field line (or its heading), shaped
    like that line: a bullet after bullets, bold after bold."""
    leading = [f for f in item.fields if f.line_at[1] <= item.body_at[0]]
    anchor = leading[-1].line_at[1] if leading else _line_end(register.text, item.at[0])
    style = leading[-1].style if leading else ""
    line = register.newline + _field_line(register, name, raw_value, style)
    if not leading and item.body_at[0] < item.at[1]:
        line += register.newline
    return _splice((anchor, anchor), line)


# --- body ------------------------------------------------------------------------------------


def body_edits(register: Register, key: str, body: str) -> Splices:
    item = register.item(key)
    if item.kind is ItemKind.TABLE_ROW:
        raise EditError(f"{item.title!r} is a table row: it has no body")
    if item.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        return _set_checkbox_body(register, item, body)
    return _set_heading_body(register, item, body)


def _set_heading_body(register: Register, item: Item, body: str) -> Splices:
    """The body after a blank line, so that its first line starts a block of its own (see
    `body_escape`)."""
    text, nl = register.text, register.newline
    start, end = item.body_at
    kept = [
        text[f.line_at[0] : f.line_at[1]]
        for f in item.fields
        if start <= f.line_at[0] and normalize_key(f.name) in _STRUCTURAL
    ]
    new = _encode(register, escape_body(body, register.item_keys, after_paragraph=False))
    if start == end:  # no body yet: open one after a blank line
        return [Splice(start, end, nl + nl + new + gap_after(register, end), BODY)] if new else []
    if not new:
        return _splice((start, end), nl.join(kept))
    text_before = register.line_text(register.line_of(start) - 1).strip()
    before = [*kept, ""] if kept or text_before else []
    return _splice((start, end), nl.join([*before, new]) + gap_after(register, end))


_STRUCTURAL = frozenset({"status", "state", "priority", "severity", *LINK_KEYS})


def _set_checkbox_body(register: Register, item: Item, body: str) -> Splices:
    """A first paragraph that reads back as itself on the checkbox's line goes there
    (`**Title** - summary`); the rest is nested under the line, escaped (see `body_escape`)."""
    text = register.text
    body = clean_body(body)
    first, _, rest = body.partition("\n\n")
    summary_fits = item.summary_at is not None and fits_after_title(first) and rest[:1] != "\n"
    summary, nested = (first, rest) if summary_fits else ("", body)
    new_nested = nested_body(register, nested, _content_indent(text, item))
    out = _splice(item.body_at, new_nested + (gap_after(register, item.at[1], LIST_ITEM_RE)))
    if item.summary_at is not None:
        start, end = item.summary_at
        old = text[start:end]
        new_summary = register.damage.apply(summary)
        if not old.strip():
            new_summary = " - " + new_summary if new_summary else old
        elif new_summary:  # after the separator already there
            start += len(old) - len(old.lstrip())
        else:
            start = _bold_end(text, item)
        out += _splice((start, end), new_summary)
    return out


def _bold_end(text: str, item: Item) -> int:
    """Where the bold title's closing marker ends (the summary's separator starts there)."""
    return item.title_at[1] + 2


def _content_indent(text: str, item: Item) -> int:
    line = text[item.at[0] : _line_end(text, item.at[0])]
    match = re.match(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+", line)
    return len(match.group(0)) if match else 2


# --- links -----------------------------------------------------------------------------------


def link_edits(register: Register, key: str, text: str, url: str, hidden: bool = False) -> Splices:
    """Write the item's link to a tracker issue (DESIGN §1 Identity); no-op if present."""
    return links_edits(register, key, [(text, url)], hidden)


def links_edits(
    register: Register, key: str, links: Sequence[tuple[str, str]], hidden: bool = False
) -> Splices:
    """Write several (text, url) links into one item at once: links to two trackers made in
    one cycle share one `Tracked in` line, as a person would write them. Present ones are
    skipped."""
    item = register.item(key)
    source = register.text
    present = {link.url for link in item.links}
    new = [(text, url) for text, url in dict.fromkeys(links) if url not in present]
    if not new:
        return []
    form, pattern = ("[{}]({})", TRACKER_LINK_RE)
    if hidden:
        form, pattern = ("<!-- syncer: {} {} -->", HIDDEN_LINK_RE)
    written = [form.format(text, url) for text, url in new]
    if not all(pattern.fullmatch(link) for link in written):
        raise EditError(f"{item.title!r}: a link must read back as itself, not {written!r}")
    if item.kind is ItemKind.HEADING:
        if hidden:
            end = _line_end(source, item.at[0])
            return _splice((end, end), " " + " ".join(written))
        existing = next((f for f in item.fields if normalize_key(f.name) in LINK_KEYS), None)
        if existing is not None:
            return _splice((existing.at[1], existing.at[1]), ", " + ", ".join(written))
        return _insert_field(register, item, LINK_FIELD, ", ".join(written))
    if item.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        end = _line_end(source, item.at[0])
        return _splice((end, end), " " + " ".join(written))
    anchor = max([item.title_at[1], *(link.at[1] for link in item.links)])
    return _splice((anchor, anchor), " " + " ".join(written))


def unlink_edits(register: Register, key: str, url: str) -> Splices:
    """Take an issue's link out of the item (the issue is gone); the item itself stays."""
    item = register.item(key)
    text = register.text
    link = next((link for link in item.links if link.url == url), None)
    if link is None:
        return []
    holder = next((f for f in item.fields if f.at[0] <= link.at[0] and link.at[1] <= f.at[1]), None)
    if (
        holder is not None
        and text[holder.at[0] : holder.at[1]].strip() == text[link.at[0] : link.at[1]]
    ):
        return _splice((holder.line_at[0], _skip_newline(text, holder.line_at[1])), "")
    start, end = link.at
    if text[max(0, start - 2) : start] == ", ":
        start -= 2
    elif text[end : end + 2] == ", ":
        end += 2
    elif text[start - 1 : start] == " ":
        start -= 1
    return _splice((start, end), "")


# --- removing and adding items ---------------------------------------------------------------


def remove_edits(register: Register, key: str) -> Splices:
    """Delete the item's lines (and a separator the removal would leave doubled)."""
    item = register.item(key)
    text = register.text
    start, end = item.at
    end = _skip_newline(text, end)
    if item.kind is ItemKind.HEADING or _blank_before(text, start):
        end = _skip_blank_lines(text, end)
    return _splice((start, _doubled_rule_end(text, start, end)), "")


def _skip_blank_lines(text: str, offset: int) -> int:
    while offset < len(text) and not text[offset : _line_end(text, offset)].strip():
        nxt = _skip_newline(text, _line_end(text, offset))
        if nxt == offset:
            break
        offset = nxt
    return offset


def _skip_newline(text: str, offset: int) -> int:
    if text.startswith("\r\n", offset):
        return offset + 2
    return offset + 1 if text.startswith(("\n", "\r"), offset) else offset


def _blank_before(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return before.endswith(("\n\n", "\r\n\r\n", "\r\r")) or not before


def _doubled_rule_end(text: str, start: int, end: int) -> int:
    """Where a removal ending at `end` should end so that `---`, gap, `---` stays one rule."""
    before = text[:start].rstrip(" \t\r\n")
    prev = before[max(before.rfind("\n"), before.rfind("\r")) + 1 :].strip()
    line_end = _line_end(text, end)
    if prev in ("---", "***", "___") and text[end:line_end].strip() == prev:
        return _skip_blank_lines(text, _skip_newline(text, line_end))
    return end


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
    if priority is None or _tag_after_title(register.text, after) is None:
        return ""
    return f" ({_PRIORITY_TAGS[priority]})"


def _add_heading(register: Register, after: Item, new: NewItem) -> Splices:
    text, nl = register.text, register.newline
    hashes = "#" * after.level
    number = _next_number(register, after)
    title = written_value(register, new.title, Place.HEADING)
    lines = [f"{hashes} {number}{title}{_priority_tag(register, after, new.priority)}"]
    style = after.fields[0].style if after.fields else ""
    lines.append(_field_line(register, "Status", status_phrase(register, new.status), style))
    if new.priority is not None and any(i.priority_at for i in register.items):
        priority = new.priority.value.capitalize()
        lines.append(_field_line(register, "Priority", priority, style))
    values = {
        k: written_value(register, v, Place.FIELD) for k, v in new.fields.items() if v.strip()
    }
    lines += [_field_line(register, k, v, style) for k, v in values.items()]
    block = nl.join(lines)
    body = _encode(register, escape_body(new.body, register.item_keys, after_paragraph=False))
    if body:
        block += nl + nl + body + gap_after(register, after.at[1])
    gap = text[after.at[1] : after.at[1] + 40]
    separator = nl + nl + "---" if re.match(r"\s*\n---", gap) else ""
    return _splice((after.at[1], after.at[1]), f"{separator}{nl}{nl}{block}")


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
    first = text[after.at[0] : _line_end(text, after.at[0])]
    prefix = re.match(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+", first)
    lead = prefix.group(0) if prefix else "- "
    lead = re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), lead, count=1)
    title = written_value(register, new.title, Place.CHECKBOX)
    if after.summary_at is not None:
        title = f"**{title}**"
    if after.kind is ItemKind.BULLET and new.status is Status.DONE:
        title = f"~~{title}~~"
    title += _priority_tag(register, after, new.priority)
    mark = f"[{_checkbox_mark(register, new.status)}] " if after.kind is ItemKind.CHECKBOX else ""
    block = f"{lead}{mark}{title}" + nested_body(register, new.body, len(lead))
    spaced = _blank_after(text, after.at[1])
    gap = nl + nl if spaced else nl
    return _splice((after.at[1], after.at[1]), gap + block)


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
    return _splice((after.at[1], after.at[1]), nl + row)


def _append_checkbox(register: Register, new: NewItem) -> Splices:
    text, nl = register.text, register.newline
    title = written_value(register, new.title, Place.CHECKBOX)
    mark = "x" if new.status is Status.DONE else " "
    line = f"- [{mark}] {title}" + nested_body(register, new.body, 2)
    sep = "" if not text or text.endswith(("\n", "\r")) else nl
    return _splice((len(text), len(text)), sep + line + nl)


# --- the one-edit API: each returns the register's new text -------------------------------


def set_status(register: Register, key: str, status: Status | str) -> str:
    return apply(register.text, status_edits(register, key, status))


def set_title(register: Register, key: str, title: str) -> str:
    return apply(register.text, title_edits(register, key, title))


def set_priority(register: Register, key: str, priority: Priority | str | None) -> str:
    return apply(register.text, priority_edits(register, key, priority))


def set_field(register: Register, key: str, name: str, value: str) -> str:
    return apply(register.text, field_edits(register, key, name, value))


def set_body(register: Register, key: str, body: str) -> str:
    return apply(register.text, body_edits(register, key, body))


def add_link(register: Register, key: str, text: str, url: str, hidden: bool = False) -> str:
    return apply(register.text, link_edits(register, key, text, url, hidden))


def remove_link(register: Register, key: str, url: str) -> str:
    return apply(register.text, unlink_edits(register, key, url))


def remove_item(register: Register, key: str) -> str:
    return apply(register.text, remove_edits(register, key))


def add_item(register: Register, new: NewItem) -> str:
    return apply(register.text, add_item_edits(register, new))
