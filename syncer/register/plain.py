"""Statuses and priorities as callers write them: `Status` and `Priority` are `str` enums, so
`"done"` is as good a value as `Status.DONE` at every public edit.

Edits compare values by identity (`item.status is status`); a plain string would never be
identical to the enum member and the edit would silently do nothing. Every public edit turns
its argument into the member here first, and a word that is no member is refused by name.
"""

from __future__ import annotations

from syncer.model import Priority, Status


def as_status(value: Status | str) -> Status:
    """The `Status` member `value` names (`"done"` → `Status.DONE`)."""
    try:
        return Status(value)
    except ValueError:
        words = ", ".join(s.value for s in Status)
        raise ValueError(f"{value!r} is not a status: use {_either(words)}") from None


def as_priority(value: Priority | str | None) -> Priority | None:
    """The `Priority` member `value` names; `None` (no priority) stays `None`."""
    if value is None:
        return None
    try:
        return Priority(value)
    except ValueError:
        words = ", ".join(p.value for p in Priority)
        raise ValueError(f"{value!r} is not a priority: use {_either(words)}") from None


def _either(words: str) -> str:
    head, _, last = words.rpartition(", ")
    return f"{head} or {last}"
