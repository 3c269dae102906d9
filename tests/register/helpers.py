"""Checks shared by the register tests: where two texts differ, and item summaries."""

from __future__ import annotations

import difflib
import re

from syncer.register import Item


def lines_of(text: str) -> list[str]:
    """Lines with their endings kept, split only on CR, LF and CRLF (as the parser does)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def changed_old_lines(old: str, new: str) -> set[int]:
    """1-based lines of `old` that an edit replaced, plus the line an insertion follows."""
    touched: set[int] = set()
    matcher = difflib.SequenceMatcher(None, lines_of(old), lines_of(new), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        touched.update(range(i1 + 1, i2 + 1) if i2 > i1 else {max(i1, 1)})
    return touched


def summary(item: Item) -> tuple[str, str, str, str | None]:
    return (item.title, item.kind.value, item.status.value, item.priority and item.priority.value)
