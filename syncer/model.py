"""Values shared by the register, the trackers and the sync engine.

Everything here is a frozen value: the heart of syncer passes these around and never mutates
them, so a plan computed from them can be printed, compared and replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Status(StrEnum):
    """Where an item stands. The raw text a register used is kept beside it."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class IssueState(StrEnum):
    """The coarse state every tracker has; finer stages live in `RemoteIssue.status`."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class RemoteIssue:
    """One tracker issue, normalized. Adapters build it; nothing downstream sees SDK objects.

    `ref` is what the tracker's users call the issue (`"123"` on GitHub/GitLab, `"PROJ-7"` on
    Jira) and what every adapter operation takes. `version` changes whenever the issue does
    (an ETag or the update timestamp), so echo suppression can compare it cheaply.
    `assignees` are the tracker's own user identifiers (GitHub login, GitLab username, Jira
    Server `name` or Cloud `accountId`), sorted, the same identifiers `IssueDraft.assignees`
    and `IssueChange.assignees` take.
    """

    tracker: str
    id: str
    ref: str
    url: str
    title: str
    body: str
    state: IssueState
    status: Status
    updated_at: datetime
    version: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    priority: Priority | None = None
    due_date: date | None = None
    marker: str | None = None
    raw_status: str = ""
    moved_to: str | None = None
    """Set when a person moved the issue out of its project (GitLab closes it and names the
    issue it became, by id): it is no longer this target's, and its closing means no "done"."""


@dataclass(frozen=True)
class IssueDraft:
    """What syncer asks a tracker to create. `item_key` becomes the body's hidden marker."""

    item_key: str
    title: str
    body: str = ""
    status: Status = Status.TODO
    priority: Priority | None = None
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    due_date: date | None = None
    register_url: str = ""


@dataclass(frozen=True)
class IssueChange:
    """A partial update: `None` means "leave this field alone".

    `assignees=()` unassigns everyone; Jira keeps only the first of several assignees.
    """

    title: str | None = None
    body: str | None = None
    status: Status | None = None
    priority: Priority | None = None
    clear_priority: bool = False
    labels: tuple[str, ...] | None = None
    assignees: tuple[str, ...] | None = None
    due_date: date | None = None
    clear_due_date: bool = False
    field_labels: tuple[tuple[str, str | None], ...] = ()
    """`(prefix, label)` pairs: every label under the prefix is replaced by `label` (by none
    when None); the issue's other labels stay (`syncer.field_labels.swapped`)."""

    def is_empty(self) -> bool:
        return self == IssueChange()


@dataclass(frozen=True)
class Changes:
    """A page of `list_changed`: the issues touched since the cursor, and the next cursor."""

    issues: tuple[RemoteIssue, ...]
    cursor: str | None
    not_modified: bool = False
    extra: dict[str, str] = field(default_factory=dict)
