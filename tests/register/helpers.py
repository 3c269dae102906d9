"""Checks shared by the register tests: where two texts differ, item summaries, expected items,
and the "every status flip is local" property every real register must have."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

from syncer.model import Status
from syncer.register import Item, ItemKind, RegisterRules, parse, set_status

KEYS = ("title", "kind", "status", "priority", "line")
"""What an expected-items file (`expected/NAME.json`) says of each item."""


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


def expected_items(register: Path) -> list[dict[str, Any]]:
    """The items a person reads in `register`, from `expected/<name>.json` beside it."""
    want = register.parent / "expected" / f"{register.stem}.json"
    items: list[dict[str, Any]] = json.loads(want.read_text("utf-8"))
    return items


def item_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items (as `syncer parse --json` prints them) cut down to what expected files say."""
    return [{k: item[k] for k in KEYS} for item in items]


def assert_status_flips_are_local(text: str, rules: RegisterRules | None = None) -> None:
    """Every item, flipped to every other status, changes only its own lines, reads back as
    the new status (as far as its shape can say it), and leaves every other item as it was."""
    register = parse(text, rules)
    for item in register.items:
        for status in Status:
            if status is item.status:
                continue
            new = set_status(register, item.key, status)
            touched = changed_old_lines(text, new)
            first, last = item.span
            assert all(first <= line <= last for line in touched), (item.key, status)
            assert touched or (new == text and status is Status.IN_PROGRESS), (item.key, status)
            after = parse(new, rules)
            edited = after.item(item.key)
            if item.kind is ItemKind.CHECKBOX and status is Status.IN_PROGRESS:
                # a plain checkbox cannot say "in progress" unless the document uses [~] or [/]
                uses_in_progress = any(
                    i.kind is ItemKind.CHECKBOX and i.raw_status[:3] in ("[~]", "[/]")
                    for i in register.items
                )
                assert edited.status is (status if uses_in_progress else Status.TODO)
            else:
                assert edited.status is status, (item.key, status)
            others_before = [summary(i) for i in register.items if i.key != item.key]
            others_after = [summary(i) for i in after.items if i.key != item.key]
            assert others_after == others_before
