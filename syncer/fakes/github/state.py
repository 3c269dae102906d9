"""The fake repository's state: issues, labels, milestones and comments, changed with GitHub's
validation, each change one tick of the repository's clock and a list of webhooks to send.

Not thread-safe on its own: `FakeGitHub` holds one lock around every use. Rendering them as
GitHub's JSON is `payloads`' job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.fakes.clock import Clock
from syncer.fakes.github.wire import (
    DEFAULT_LABELS,
    STATE_REASONS,
    ApiError,
    Json,
    error_body,
    invalid,
    not_found,
)


class Timestamps:
    """GitHub-precision time (whole seconds) read from the fake's clock, moving at least one
    second per write.

    Starting `backlog` seconds in the past lets a seeded repository have a plausible history
    while later writes still land near the clock's now.
    """

    def __init__(self, clock: Clock, backlog: int = 0) -> None:
        self._clock = clock
        self._last = self._wall() - timedelta(seconds=backlog + 1)

    def _wall(self) -> datetime:
        return datetime.fromtimestamp(int(self._clock.time()), UTC)

    def tick(self) -> datetime:
        self._last = max(self._last + timedelta(seconds=1), self._wall())
        return self._last

    def now(self) -> datetime:
        return self._last


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class Milestone:
    number: int
    title: str
    created_at: datetime
    description: str = ""
    due_on: datetime | None = None


@dataclass
class Comment:
    id: int
    body: str
    user: str
    created_at: datetime


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    comments: list[Comment] = field(default_factory=list)
    is_pull: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Event:
    """One webhook delivery to make: `event` header, `action`, and the extra payload keys."""

    event: str
    action: str
    number: int
    actor: str
    extra: Json = field(default_factory=dict)


class Store:
    """The repository's issues, labels and milestones, with GitHub's validation."""

    def __init__(
        self, base_url: str, repo: str, collaborators: Iterable[str], clock: Clock, backlog: int
    ) -> None:
        self.base_url = base_url
        self.repo = repo
        self.repo_id = 700_000_000 + int(hashlib.sha256(repo.encode()).hexdigest()[:6], 16)
        self.collaborators = {login.lower(): login for login in collaborators}
        self.clock = Timestamps(clock, backlog)
        self.created_at = self.clock.now() - timedelta(days=30)
        self.issues: dict[int, Issue] = {}
        self.labels: dict[str, Label] = {}
        self.milestones: dict[int, Milestone] = {}
        self._user_ids: dict[str, int] = {}
        self._ids = 0
        for name, color, description in DEFAULT_LABELS:
            self.add_label(name, color, description, default=True)
        for number, title in enumerate(("v1.0", "v1.1", "Later"), start=1):
            self.milestones[number] = Milestone(number, title, self.created_at)

    # -- identities and URLs --

    def next_id(self) -> int:
        self._ids += 1
        return 4_000_000 + self._ids

    def user_id(self, login: str) -> int:
        return self._user_ids.setdefault(login.lower(), 580_000 + len(self._user_ids))

    @property
    def api_repo(self) -> str:
        return f"{self.base_url}/repos/{self.repo}"

    @property
    def web_repo(self) -> str:
        return f"{self.base_url}/{self.repo}"

    # -- lookups --

    def issue(self, number: int) -> Issue:
        found = self.issues.get(number)
        if found is None:
            raise not_found()
        if found.deleted:
            raise ApiError(410, error_body(410, "This issue was deleted"))
        return found

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def assignable(self, logins: Iterable[str]) -> list[str]:
        known: list[str] = []
        for login in logins:
            canonical = self.collaborators.get(str(login).lower())
            if canonical is None:
                raise invalid("Issue", "assignees", value=login)
            if canonical not in known:
                known.append(canonical)
        return known

    # -- writes (every change to an issue is one tick of the clock) --

    def add_label(
        self, name: str, color: str, description: str | None, default: bool = False
    ) -> Label:
        if not name.strip():
            raise invalid("Label", "name", code="missing_field")
        if self.label(name) is not None:
            raise invalid("Label", "name", code="already_exists", value=name)
        label = Label(self.next_id(), name, color.lstrip("#").lower(), description, default)
        self.labels[name.lower()] = label
        return label

    def resolve_labels(self, names: Iterable[Any]) -> list[str]:
        """Label names as stored; unknown names are created, as GitHub does for pushers."""
        resolved: list[str] = []
        for raw in names:
            name = raw.get("name", "") if isinstance(raw, dict) else str(raw)
            label = self.label(name) or self.add_label(name, "ededed", None)
            if label.name not in resolved:
                resolved.append(label.name)
        return resolved

    def create_issue(
        self, fields: Json, actor: str, *, pull: bool = False
    ) -> tuple[Issue, list[Event]]:
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("Issue", "title", code="missing_field")
        labels = self.resolve_labels(fields.get("labels") or [])
        assignees = self.assignable(fields.get("assignees") or [])
        milestone = self.valid_milestone(fields.get("milestone"))
        now = self.clock.tick()
        issue = Issue(
            number=len(self.issues) + 1,
            title=title,
            body=fields.get("body"),
            user=actor,
            created_at=now,
            updated_at=now,
            labels=labels,
            assignees=assignees,
            milestone=milestone,
            is_pull=pull,
        )
        self.issues[issue.number] = issue
        if pull:
            return issue, []
        events = [Event("issues", "opened", issue.number, actor)]
        events += [self.label_event("labeled", issue, name, actor) for name in labels]
        return issue, events

    def valid_milestone(self, number: Any) -> int | None:
        if number is None or number == "":
            return None
        if not isinstance(number, int) or number not in self.milestones:
            raise invalid("Issue", "milestone", value=number)
        return number

    def edit_issue(self, issue: Issue, fields: Json, actor: str) -> list[Event]:
        """Apply a PATCH body (or a person's edit) all or nothing; returns the webhooks to send."""
        before = replace(issue)
        draft = replace(issue)
        self.apply_fields(draft, fields, actor)
        if snapshot(draft) == snapshot(before):
            return []
        draft.updated_at = self.clock.tick()
        if draft.state == "closed" and before.state == "open":
            draft.closed_at = draft.updated_at
        issue.__dict__.update(draft.__dict__)
        return self.diff_events(before, issue, actor)

    def apply_fields(self, issue: Issue, fields: Json, actor: str) -> None:
        if "title" in fields:
            if not isinstance(fields["title"], str) or not fields["title"].strip():
                raise invalid("Issue", "title", code="missing_field")
            issue.title = fields["title"]
        if "body" in fields:
            issue.body = fields["body"]
        if "labels" in fields:
            issue.labels = self.resolve_labels(fields["labels"] or [])
        if "assignees" in fields:
            issue.assignees = self.assignable(fields["assignees"] or [])
        if "milestone" in fields:
            issue.milestone = self.valid_milestone(fields["milestone"])
        if "state" in fields or "state_reason" in fields:
            self.apply_state(
                issue, fields.get("state", issue.state), fields.get("state_reason"), actor
            )

    def apply_state(self, issue: Issue, state: Any, reason: Any, actor: str) -> None:
        if state not in ("open", "closed"):
            raise invalid("Issue", "state", value=state)
        if reason is not None and reason not in STATE_REASONS:
            raise invalid("Issue", "state_reason", value=reason)
        if state == "closed":
            if issue.state == "open":
                issue.closed_by = actor
            issue.state_reason = reason or "completed"
        elif issue.state == "closed":
            issue.state_reason, issue.closed_at, issue.closed_by = "reopened", None, None
        issue.state = state

    def diff_events(self, before: Issue, after: Issue, actor: str) -> list[Event]:
        events: list[Event] = []
        changes = {
            key: {"from": getattr(before, key)}
            for key in ("title", "body")
            if getattr(before, key) != getattr(after, key)
        }
        if changes:
            events.append(Event("issues", "edited", after.number, actor, {"changes": changes}))
        if before.state != after.state:
            action = "closed" if after.state == "closed" else "reopened"
            events.append(Event("issues", action, after.number, actor))
        events += [
            self.label_event("labeled", after, name, actor)
            for name in after.labels
            if name not in before.labels
        ]
        events += [
            self.label_event("unlabeled", after, name, actor)
            for name in before.labels
            if name not in after.labels
        ]
        events += [
            Event("issues", action, after.number, actor, {"assignee": login})
            for action, logins in (
                ("assigned", [x for x in after.assignees if x not in before.assignees]),
                ("unassigned", [x for x in before.assignees if x not in after.assignees]),
            )
            for login in logins
        ]
        return events

    def label_event(self, action: str, issue: Issue, name: str, actor: str) -> Event:
        label = self.label(name)
        extra = {"label": label.name} if label else {}
        return Event("issues", action, issue.number, actor, extra)

    def add_comment(self, issue: Issue, body: Any, actor: str) -> tuple[Comment, list[Event]]:
        if not isinstance(body, str) or not body.strip():
            raise invalid("IssueComment", "body", code="missing_field")
        now = self.clock.tick()
        comment = Comment(self.next_id(), body, actor, now)
        issue.comments.append(comment)
        issue.updated_at = now
        return comment, [
            Event("issue_comment", "created", issue.number, actor, {"comment": comment.id})
        ]

    # -- rendering --


def snapshot(issue: Issue) -> tuple[Any, ...]:
    """The fields whose change makes an edit real (bumps `updated_at`)."""
    return (
        issue.title,
        issue.body,
        tuple(issue.labels),
        tuple(issue.assignees),
        issue.milestone,
        issue.state,
        issue.state_reason,
    )
