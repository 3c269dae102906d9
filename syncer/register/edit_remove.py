"""Removing an item: its lines go, with the blank lines and rule separators that would be left
doubled, so the document reads as if the item had never been written.
"""

from __future__ import annotations

from syncer.register.items import ItemKind, Register
from syncer.register.splice import Splices, line_end, skip_newline, splice_at


def remove_edits(register: Register, key: str) -> Splices:
    """Delete the item's lines (and a separator the removal would leave doubled)."""
    item = register.item(key)
    text = register.text
    start, end = item.at
    end = skip_newline(text, end)
    if item.kind is ItemKind.HEADING or _blank_before(text, start):
        end = _skip_blank_lines(text, end)
    return splice_at((start, _doubled_rule_end(text, start, end)), "")


def _skip_blank_lines(text: str, offset: int) -> int:
    while offset < len(text) and not text[offset : line_end(text, offset)].strip():
        nxt = skip_newline(text, line_end(text, offset))
        if nxt == offset:
            break
        offset = nxt
    return offset


def _blank_before(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return before.endswith(("\n\n", "\r\n\r\n", "\r\r")) or not before


def _doubled_rule_end(text: str, start: int, end: int) -> int:
    """Where a removal ending at `end` should end so that `---`, gap, `---` stays one rule."""
    before = text[:start].rstrip(" \t\r\n")
    prev = before[max(before.rfind("\n"), before.rfind("\r")) + 1 :].strip()
    end_of_line = line_end(text, end)
    if prev in ("---", "***", "___") and text[end:end_of_line].strip() == prev:
        return _skip_blank_lines(text, skip_newline(text, end_of_line))
    return end
