"""The `Tracker` protocol every adapter implements, its typed errors and shared options.

Adapters translate and retry; they hold no sync logic. Everything the sync engine knows about a
tracker goes through this protocol, so the same contract suite (`tests/trackers/contract.py`)
runs against every adapter and its fake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from syncer.model import Changes, IssueChange, IssueDraft, Priority, RemoteIssue


class TrackerError(Exception):
    """Anything a tracker refused or failed at. Messages never carry tokens."""


class NotFound(TrackerError):
    """The issue (or project) does not exist, or is not visible to this token."""


class AuthError(TrackerError):
    """The token is missing, wrong, expired or lacks a permission."""


class RateLimited(TrackerError):
    """The tracker asked us to slow down and we could not wait long enough.

    `retry_at` says when the tracker will take requests again (UTC), so the caller can stop the
    cycle cleanly and resume then.
    """

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


@dataclass(frozen=True)
class FieldMapping:
    """How register fields map onto one tracker's vocabulary (labels, Jira statuses...).

    Defaults suit a fresh repository; the configuration overrides them per target.
    """

    sync_label: str = "tech-debt"
    in_progress_label: str = "in progress"
    priority_labels: dict[Priority, str] = field(
        default_factory=lambda: {p: f"priority: {p.value}" for p in Priority}
    )
    # Jira: issue priority names, and status names per syncer status.
    jira_priorities: dict[Priority, str] = field(
        default_factory=lambda: {
            Priority.CRITICAL: "Highest",
            Priority.HIGH: "High",
            Priority.MEDIUM: "Medium",
            Priority.LOW: "Low",
        }
    )
    jira_issue_type: str = "Task"
    jira_done_statuses: tuple[str, ...] = ("Done", "Closed", "Resolved")
    jira_in_progress_statuses: tuple[str, ...] = ("In Progress", "In Review")
    # Transition names tried, in order, to reach each syncer status on Jira.
    jira_transitions: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "todo": ("To Do", "Reopen", "Reopen Issue", "Backlog", "Open"),
            "in_progress": ("In Progress", "Start Progress", "Start"),
            "done": ("Done", "Close", "Close Issue", "Resolve", "Resolve Issue"),
        }
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How long an adapter may wait on its own before giving up with `RateLimited`."""

    attempts: int = 5
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 60.0
    timeout_seconds: float = 30.0


@runtime_checkable
class Tracker(Protocol):
    """One tracker target (a GitHub repository, a GitLab project, a Jira project)."""

    kind: str

    def list_changed(self, cursor: str | None) -> Changes:
        """Issues carrying the sync label changed since `cursor` (all of them when `None`)."""
        ...

    def get(self, ref: str) -> RemoteIssue: ...

    def create(self, draft: IssueDraft) -> RemoteIssue:
        """Create one issue whose body ends with the register footer and hidden marker."""
        ...

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[RemoteIssue]:
        """Create several issues, in bulk where the tracker can (Jira), in order."""
        ...

    def find_by_marker(self, item_key: str) -> RemoteIssue | None:
        """The issue whose body carries `item_key`'s marker (crash recovery), if any."""
        ...

    def update(self, ref: str, change: IssueChange) -> RemoteIssue:
        """Apply a partial change; `change.status` closes, reopens or moves the issue."""
        ...

    def comment(self, ref: str, text: str) -> None: ...

    def ensure_labels(self, labels: Iterable[str]) -> None: ...


def sorted_assignees(users: Iterable[str]) -> tuple[str, ...]:
    """Assignees as `RemoteIssue.assignees` holds them: sorted.

    No tracker gives their order a meaning, yet trackers list them in assignment order, so an
    issue assigned `(a, b)` by syncer could read back `(b, a)` and look changed to the engine.
    """
    return tuple(sorted(users))


# --- The body footer and hidden marker -------------------------------------------------------

MARKER_RE = re.compile(r"<!--\s*syncer:item=(?P<key>[^\s>]+)\s*-->")
FOOTER_RULE = "\n\n---\n"


def marker_for(item_key: str) -> str:
    return f"<!-- syncer:item={item_key} -->"


def with_footer(body: str, item_key: str, register_url: str = "") -> str:
    """The issue body syncer writes: the item's body, a footer, and the hidden marker."""
    source = (
        f"[the tech-debt register]({register_url})" if register_url else "the tech-debt register"
    )
    footer = f"_Tracked by syncer from {source}._\n{marker_for(item_key)}"
    return f"{body.rstrip()}{FOOTER_RULE}{footer}" if body.strip() else footer


def split_footer(body: str) -> tuple[str, str | None]:
    """(body without syncer's footer, item key from the marker or None).

    Bodies saved by a web editor may come back with CRLF line endings: read as LF."""
    body = body.replace("\r\n", "\n")
    match = MARKER_RE.search(body)
    if match is None:
        return body, None
    head = body[: match.start()]
    cut = head.rfind(FOOTER_RULE)
    if cut == -1 and head.lstrip().startswith("_Tracked by syncer"):
        cut = 0
    text = head[:cut] if cut != -1 else head
    return text.rstrip("\n"), match.group("key")
