"""Field lines: `**Name**: value` (any name, any language) and `Name: value` (item words only),
as paragraphs or top-level bullets, each with the spans of its value and its line."""

from __future__ import annotations

import re
from typing import NamedTuple

from syncer.register.document import Document
from syncer.register.escape import read_value
from syncer.register.items import Field
from syncer.register.spans import FIELD_RE, PLAIN_FIELD_RE
from syncer.register.vocabulary import normalize_key


class FieldLine(NamedTuple):
    """A field line as the reader uses it while choosing and reading heading items; a tuple,
    made in one step (it never leaves `parse`)."""

    line: int
    key: str
    field: Field


def field_lines(doc: Document) -> list[FieldLine]:
    """Every field line of the document outside code, quotes and nested lists."""
    candidates = set(doc.blocks.top_paragraph_lines)
    listed = doc.blocks.list_items
    candidates.update(
        first for first, up in zip(listed.first, listed.parent, strict=True) if up == -1
    )
    found = []
    rows = doc.lines.rows
    for line in sorted(candidates):
        raw = rows[line]
        if ":" not in raw:  # both kinds need their colon: most lines are passed over here
            continue
        match = FIELD_RE.match(raw) if "**" in raw or "__" in raw else None
        if match is None and (": " in raw or ":\t" in raw):
            match = PLAIN_FIELD_RE.match(raw)
            if match and normalize_key(doc.repair(match.group("key"))) not in doc.item_keys:
                match = None
        if match is None or not match.group("value"):
            continue
        found.append(_field_line(doc, line, match))
    return found


def _field_line(doc: Document, line: int, match: re.Match[str]) -> FieldLine:
    raw, base = match.string, doc.lines.starts[line]
    key_start, key_end = match.span("key")
    value_start, value_end = match.span("value")
    name = doc.repair(raw[key_start:key_end]).strip().rstrip(":").strip()
    value_at = (base + value_start, base + value_end)
    line_at = (base, doc.lines.ends[line])
    value = read_value(doc.repair(raw[value_start:value_end]))
    lead, between = raw[:key_start], raw[key_end:value_start]
    if "{" in raw or "}" in raw:  # braces are the template's own: written doubled
        lead, between = (part.replace("{", "{{").replace("}", "}}") for part in (lead, between))
    style = f"{lead}{{name}}{between}{{value}}"
    return FieldLine(line, normalize_key(name), Field(name, value, value_at, line_at, style))
