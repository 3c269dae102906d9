"""Edits of an item's title, its fields and its body: the values a person writes in prose.

A field line that is new takes the shape of the item's own field lines (else the document's);
a body is escaped so that it reads back as itself (see `body_escape`). The status and priority
edits (`edit_status`) and links (`edit_links`) reuse `insert_field` and `drop_line` to add or
drop a whole field line.
"""

from __future__ import annotations

import re

from syncer.register.body_escape import (
    LIST_ITEM_RE,
    clean_body,
    escape_body,
    gap_after,
    nested_body,
)
from syncer.register.escape import Place, fits_after_title, written_value
from syncer.register.items import Field, Item, ItemKind, Register
from syncer.register.leads import value_lead
from syncer.register.spans import HANDLE
from syncer.register.splice import (
    BODY,
    EditError,
    Splice,
    Splices,
    encode,
    line_end,
    skip_newline,
    splice_at,
)
from syncer.register.vocabulary import LINK_KEYS, normalize_key


def _one_line(value: str) -> str:
    return " ".join(value.split())


def title_edits(register: Register, key: str, title: str) -> Splices:
    item = register.item(key)
    new = _one_line(title)
    if not new:
        raise EditError("a title cannot be empty")
    return splice_at(item.title_at, written_value(register, new, Place.of(item.kind)))


def field_edits(register: Register, key: str, name: str, value: str) -> Splices:
    item = register.item(key)
    existing = item.field(name)
    new = _one_line(value)
    if item.kind is ItemKind.CHECKBOX and existing is not None:
        if not new:
            return splice_at(existing.line_at, "")  # an inline `(due …)` goes as a whole
        if register.text.startswith("@", existing.at[0]):
            return splice_at(existing.at, register.damage.apply(_handles(item, new)))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", new):
            raise EditError(f"{item.title!r} writes its due date as YYYY-MM-DD, not {value!r}")
        return splice_at(existing.at, new)
    place = Place.CELL if item.kind is ItemKind.TABLE_ROW else Place.FIELD
    if existing is not None and not new and item.kind is ItemKind.HEADING:
        return drop_line(register.text, existing)
    if existing is not None:
        return splice_at(existing.at, written_value(register, new, place))
    if not new:
        return []
    if item.kind is not ItemKind.HEADING:
        raise EditError(f"{item.title!r} has no {name!r} field to write")
    return insert_field(register, item, name, written_value(register, new, place))


def lead_edits(register: Register, key: str, name: str, lead: str) -> Splices:
    """Replace the leading words of the item's `name` field by `lead`, in the case the old
    ones were written in (`Medium (2 weeks)` + `high` → `High (2 weeks)`), keeping the remark
    byte for byte; a heading item without the field gains it. Only the old words' bytes
    change when they are written as read (no escapes, no encoding damage)."""
    item = register.item(key)
    existing = item.field(name)
    old = value_lead(existing.value) if existing else ""
    new = cased_like(" ".join(lead.split()), old)
    if existing is None or not old:
        return field_edits(register, key, name, new + (existing.value if existing else ""))
    start = existing.at[0]
    place = Place.CELL if item.kind is ItemKind.TABLE_ROW else Place.FIELD
    written = written_value(register, new, place)
    if register.text.startswith(old, start) and item.kind is not ItemKind.CHECKBOX:
        return splice_at((start, start + len(old)), written)
    rest = existing.value.strip()[len(old) :]
    return field_edits(register, key, name, new + rest)


def cased_like(words: str, like: str) -> str:
    """`words` in the case of `like`: `HIGH` after `MEDIUM`, `High` after `Medium` or after
    nothing (the seeds' way), `high` after `medium`."""
    if like.isupper() and len(like) > 1:
        return words.upper()
    if like[:1].islower():
        return words
    return words[:1].upper() + words[1:]


def drop_line(text: str, field: Field) -> Splices:
    """A value cleared in a tracker takes its field line with it: an empty `**Priority**:`
    line would read back as body text, and the field lines after it too."""
    return splice_at((field.line_at[0], skip_newline(text, field.line_at[1])), "")


def _handles(item: Item, value: str) -> str:
    """Owners ending a checkbox line are space-separated `@handles`: anything else written
    there would read back as part of the title."""
    names = value.replace(",", " ").split()
    if not all(re.fullmatch(f"@{HANDLE}", name) for name in names):
        raise EditError(f"{item.title!r} names its owners as @handles, not as {value!r}")
    return " ".join(names)


def field_line(register: Register, name: str, raw_value: str, style: str = "") -> str:
    """A field line in `style` (a neighbouring field's shape), else the document's."""
    template = style or register.field_style
    return template.format(name=register.damage.apply(name), value=raw_value).rstrip()


def insert_field(register: Register, item: Item, name: str, raw_value: str) -> Splices:
    """A new field line after the item's last leading field line (or its heading), shaped
    like that line: a bullet after bullets, bold after bold."""
    leading = [f for f in item.fields if f.line_at[1] <= item.body_at[0]]
    anchor = leading[-1].line_at[1] if leading else line_end(register.text, item.at[0])
    style = leading[-1].style if leading else ""
    line = register.newline + field_line(register, name, raw_value, style)
    if not leading and item.body_at[0] < item.at[1]:
        line += register.newline
    return splice_at((anchor, anchor), line)


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
    new = encode(register, escape_body(body, register.item_keys, after_paragraph=False))
    if start == end:  # no body yet: open one after a blank line
        return [Splice(start, end, nl + nl + new + gap_after(register, end), BODY)] if new else []
    if not new:
        return splice_at((start, end), nl.join(kept))
    text_before = register.line_text(register.line_of(start) - 1).strip()
    before = [*kept, ""] if kept or text_before else []
    return splice_at((start, end), nl.join([*before, new]) + gap_after(register, end))


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
    out = splice_at(item.body_at, new_nested + (gap_after(register, item.at[1], LIST_ITEM_RE)))
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
        out += splice_at((start, end), new_summary)
    return out


def _bold_end(text: str, item: Item) -> int:
    """Where the bold title's closing marker ends (the summary's separator starts there)."""
    return item.title_at[1] + 2


LIST_MARKER_RE = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")
"""A list item's marker with its indent and the spaces after it: where its content starts."""


def _content_indent(text: str, item: Item) -> int:
    line = text[item.at[0] : line_end(text, item.at[0])]
    match = LIST_MARKER_RE.match(line)
    return len(match.group(0)) if match else 2
