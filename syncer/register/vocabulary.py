"""The words registers use: statuses, priorities, field names, title-like table columns.

All matching happens on repaired text (see `damage.py`), case-insensitively. A status phrase is
read by its leftmost recognized word or emoji ("🟢 COMPLETE ✅" is done, "❌ Not Implemented" is
todo, "Medium - fix when touching X" is medium); longer phrases win at the same position, so
"not started" is never read as "started".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from syncer.model import Priority, Status

STATUS_WORDS: dict[str, Status] = {
    **dict.fromkeys(
        (
            "done", "complete", "completed", "finished", "resolved", "fixed", "closed",
            "shipped", "implemented", "merged", "delivered", "✅", "✔", "✔️", "☑", "☑️",
            "🟢", "[x]",
        ),
        Status.DONE,
    ),
    **dict.fromkeys(
        (
            "in progress", "in-progress", "wip", "ongoing", "partial", "partially", "started",
            "planning", "in review", "doing", "underway", "🟡", "🚧", "🔄", "⏳", "🏗", "🏗️",
            "🟠",
        ),
        Status.IN_PROGRESS,
    ),
    **dict.fromkeys(
        (
            "not started", "not implemented", "not done", "not complete", "not completed",
            "not fixed", "not resolved", "unresolved", "incomplete", "todo", "to do", "to-do",
            "open", "pending", "blocked", "backlog", "deferred", "❌", "⚠", "⚠️", "🔴", "⭕",
            "⬜", "[ ]",
        ),
        Status.TODO,
    ),
}  # fmt: skip

PRIORITY_WORDS: dict[str, Priority] = {
    **dict.fromkeys(("critical", "blocker", "urgent", "highest", "p0"), Priority.CRITICAL),
    **dict.fromkeys(("high", "p1", "major"), Priority.HIGH),
    **dict.fromkeys(("medium", "moderate", "normal", "p2"), Priority.MEDIUM),
    **dict.fromkeys(("low", "lowest", "minor", "trivial", "p3", "p4"), Priority.LOW),
}

STATUS_KEYS = frozenset({"status", "state"})
PRIORITY_KEYS = frozenset({"priority", "severity", "urgency", "prio"})
LINK_KEYS = frozenset({"tracked in", "tracked", "issue link", "tracker issue"})
LINK_FIELD = "Tracked in"

# Field names that make a heading an item. Document metadata (Last Updated, Source, Author,
# Version) is deliberately absent: under a title it describes the document, not an item.
ITEM_KEYS = frozenset(
    STATUS_KEYS
    | PRIORITY_KEYS
    | {
        "effort", "impact", "issue", "problem", "solution", "current", "current state",
        "tech debt", "debt", "owner", "assigned", "assignee", "assigned to", "target date",
        "due", "due date", "deadline", "eta", "location", "risk", "risk if ignored",
        "estimate", "category", "type", "next steps", "tracked in", "reference", "cost",
        "workaround", "root cause", "proposed solution", "description", "area", "component",
    }
)  # fmt: skip

TITLE_COLUMNS = (
    "title", "item", "task", "issue", "feature", "todo", "to do", "debt", "tech debt",
    "problem", "summary", "name", "description",
)  # fmt: skip

PRIORITY_TAG_RE = re.compile(r"\s*[\(\[]\s*(?P<tag>P[0-4])\s*[\)\]]\s*$", re.IGNORECASE)


def _alternation(words: Mapping[str, object]) -> re.Pattern[str]:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        if word[0].isalnum():
            escaped = r"\b" + escaped
        if word[-1].isalnum():
            escaped += r"\b"
        parts.append(escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    """Status and priority words, extendable from configuration."""

    status_words: Mapping[str, Status]
    priority_words: Mapping[str, Priority]

    @classmethod
    def default(cls, extra_status: Mapping[str, Status] | None = None) -> Vocabulary:
        words = {**STATUS_WORDS, **{k.lower(): v for k, v in (extra_status or {}).items()}}
        return cls(words, PRIORITY_WORDS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_status_re", _alternation(self.status_words))
        object.__setattr__(self, "_priority_re", _alternation(self.priority_words))

    def status_match(self, text: str) -> re.Match[str] | None:
        match: re.Match[str] | None = self._status_re.search(text)  # type: ignore[attr-defined]
        return match

    def status_of(self, text: str) -> Status | None:
        match = self.status_match(text)
        return None if match is None else self.status_words[match.group(0).lower()]

    def priority_of(self, text: str) -> Priority | None:
        match = self._priority_re.search(text)  # type: ignore[attr-defined]
        return None if match is None else self.priority_words[match.group(0).lower()]

    def covers(self, text: str) -> bool:
        """Whether `text` is nothing but status words (a reusable status phrase)."""
        rest = self._status_re.sub("", text)  # type: ignore[attr-defined]
        return not rest.strip(" -\u2013\u2014:|()")


def section_priority(vocab: Vocabulary, heading: str) -> Priority | None:
    """A heading's priority: "High Priority", "🔴 Critical Priorities", "(P1)", or just "Low"."""
    words = re.sub(r"[^\w\s-]", " ", heading).lower().split()
    if not words:
        return None
    if any(w.startswith("priorit") or w == "prio" for w in words) or len(words) == 1:
        return vocab.priority_of(heading)
    tag = PRIORITY_TAG_RE.search(heading)
    return PRIORITY_WORDS[tag.group("tag").lower()] if tag else None


SECTION_STATUS = {
    "completed": Status.DONE, "done": Status.DONE, "finished": Status.DONE,
    "resolved": Status.DONE, "closed": Status.DONE, "archive": Status.DONE,
    "in progress": Status.IN_PROGRESS, "doing": Status.IN_PROGRESS,
    "ongoing": Status.IN_PROGRESS, "wip": Status.IN_PROGRESS,
}  # fmt: skip


def section_status(heading: str) -> Status | None:
    """A heading that names a state ("## Completed", "### Done ✅"), for items with none."""
    words = " ".join(re.sub(r"[^\w\s-]", " ", heading).lower().split())
    return SECTION_STATUS.get(words)


def normalize_key(key: str) -> str:
    return " ".join(key.strip().rstrip(":").strip().lower().split())
