"""Where `list_changed` stopped, as an opaque cursor."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncer.model import (
    RemoteIssue,
)
from syncer.trackers.gitlab.mapping import api_time, parse_time

Json = Mapping[str, Any]

# --- The list_changed cursor --------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the last poll stopped: the newest `updated_at` read, and the issues read at it.

    `updated_after` is inclusive (`>=`), so the next poll reads those issues again; they are
    skipped unless their `updated_at` moved.
    """

    after: datetime | None = None
    seen: frozenset[str] = frozenset()

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        """A full read for `None` or a cursor this adapter did not write (safe, only slower)."""
        try:
            data = json.loads(text or "{}")
            after = parse_time(data["after"]) if data.get("after") else None
            return cls(after, frozenset(str(ref) for ref in data.get("seen", ())))
        except (ValueError, TypeError, AttributeError, KeyError):
            return cls()

    def encode(self) -> str:
        after = api_time(self.after) if self.after else None
        return json.dumps({"after": after, "seen": sorted(self.seen)})

    def already_read(self, issue: RemoteIssue) -> bool:
        return issue.updated_at == self.after and issue.ref in self.seen

    def advanced(self, issues: Iterable[RemoteIssue]) -> Cursor:
        newest = max((i.updated_at for i in issues), default=None)
        if newest is None or (self.after is not None and newest < self.after):
            return self
        at_newest = frozenset(i.ref for i in issues if i.updated_at == newest)
        return Cursor(newest, at_newest | (self.seen if newest == self.after else frozenset()))
