"""The values `parse` returns: a `Register` (the document) and its `Item`s.

Every value an item holds remembers the character span of the source it was read from, so edits
are splices into the original text and everything else stays byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from syncer.model import Priority, Status
from syncer.register.damage import Damage
from syncer.register.vocabulary import ITEM_KEYS, Vocabulary

Span = tuple[int, int]
"""[start, end) character offsets into the register's text."""


_SLUG_GAP_RE = re.compile(r"[^a-z0-9]+")


def title_key(title: str) -> str:
    """The key a title gives its item: its words, lowercase, joined by dashes (`Fix the
    cache!` → `fix-the-cache`); `item` when it has none. `parse` tells same keys apart."""
    return _SLUG_GAP_RE.sub("-", title.lower()).strip("-")[:80].strip("-") or "item"


class ItemKind(StrEnum):
    HEADING = "heading"
    CHECKBOX = "checkbox"
    TABLE_ROW = "table_row"
    BULLET = "bullet"
    """A plain list entry, an item only in a document with no structured items."""


class Field(NamedTuple):
    """A `**Name**: value` line (or a table cell) of an item, with where its value sits."""

    name: str
    value: str
    at: Span
    line_at: Span
    style: str = ""
    """A field line as a `str.format` template of name and value (`- **{name}**: {value}`), so
    a new field beside it takes the same shape; empty for cells and inline tokens."""


class Link(NamedTuple):
    """A link from an item to a tracker issue, as written in the register."""

    text: str
    url: str
    at: Span
    hidden: bool = False


class Item(NamedTuple):
    key: str
    kind: ItemKind
    title: str
    status: Status
    raw_status: str
    priority: Priority | None
    line: int
    span: tuple[int, int]
    """(first line, last line), 1-based and inclusive: everything the item owns."""
    section: tuple[str, ...]
    body: str
    fields: tuple[Field, ...]
    links: tuple[Link, ...]
    reason: str
    """Why this was recognized as an item (shown by `syncer parse`)."""
    at: Span
    title_at: Span
    status_at: Span | None
    """Where the status is written: a field value, a checkbox mark, a cell, a marker in the
    heading; None if nowhere."""
    priority_at: Span | None
    body_at: Span
    """The region `set_body` rewrites (after the item's leading field lines)."""
    summary_at: Span | None = None
    """Checkbox items written `**Title** - summary`: where the summary sits on the first line."""
    level: int = 0
    """Heading level of heading items; list indentation (columns) of checkbox items."""
    status_in_title: bool = False
    """The status is a marker in the heading (`✅`, `[WIP]`, `DONE:`), not a field: a change
    writes another marker there, never a phrase."""

    def field(self, name: str) -> Field | None:
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)


class Heading(NamedTuple):
    line: int
    level: int
    title: str
    at: Span


@dataclass(frozen=True)
class Register:
    """A parsed register: the exact source text, its items in document order, its manners."""

    text: str
    items: tuple[Item, ...]
    headings: tuple[Heading, ...]
    line_starts: tuple[int, ...]
    newline: str
    damage: Damage = field(default_factory=Damage)
    field_style: str = "**{name}**: {value}"
    """How the document's items most often write a field line (see `Field.style`)."""
    vocabulary: Vocabulary = field(default_factory=Vocabulary.default)
    """The words it was read with (built-in plus configured), for edits to write back."""
    item_keys: frozenset[str] = ITEM_KEYS
    """Field names that make an item (built-in plus configured): a tracker's body is written
    so that no line of it reads as one."""

    def render(self) -> str:
        return self.text

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"no item with key {key!r}")

    def line_text(self, number: int) -> str:
        """The 1-based line `number` with its line break; empty beyond the document."""
        starts = self.line_starts
        if not 1 <= number <= len(starts):
            return ""
        return self.text[starts[number - 1] : starts[number] if number < len(starts) else None]

    def line_of(self, offset: int) -> int:
        """1-based line number holding character `offset`."""
        from bisect import bisect_right

        return bisect_right(self.line_starts, offset)
