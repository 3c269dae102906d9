"""`MemoryTracker`: the `Tracker` protocol over a `MemoryProject`, as the HTTP adapters keep it.

Fields are carried as GitHub and GitLab carry them, by the same `FieldMapping` and the same
rules (`syncer.trackers.gitlab.mapping`): the sync label, "in progress" as a label on an open
issue, done as closed, priority as a label, user labels replaced around the labels syncer
owns, the body's footer kept through edits. So the engine meets here exactly the vocabulary it
meets over HTTP, without a server, a client library or a wait.

Incremental reads are exact: the cursor is the project's change count, so an issue changed
after it is returned once, and an idle poll returns nothing, with no time window to overlap.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    IssueState,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    Created,
    FieldMapping,
    create_each,
    replace_keeping_footer,
    sorted_assignees,
    split_footer,
    with_footer,
)
from syncer.trackers.gitlab.mapping import (
    contains_label,
    draft_labels,
    planned_labels,
    priority_from_labels,
    status_from,
)
from syncer.trackers.memory.project import MemoryProject, StoredIssue

KIND = "memory"


class MemoryTracker:
    """One `MemoryProject` as a `Tracker`, read and written through `mapping`.

    Several trackers may share a project (two registers, or two mappings), as several
    clients share a repository.
    """

    kind = KIND

    def __init__(self, project: MemoryProject, mapping: FieldMapping | None = None) -> None:
        self.project = project
        self.repo = project.repo
        self.mapping = mapping or FieldMapping()

    def list_changed(self, cursor: str | None) -> Changes:
        """Sync-labelled issues changed since `cursor`, in the order they changed. A cursor
        this tracker did not write (another kind's, a damaged one) lists everything."""
        since = int(cursor) if cursor is not None and cursor.isdecimal() else 0
        with self.project.answering(f"listing {self.repo} issues", "read"):
            issues = self.project.changed_since(since)
            listed = tuple(self._remote(issue) for issue in issues if self._synced(issue))
            return Changes(issues=listed, cursor=str(self.project.changes))

    def get(self, ref: str) -> RemoteIssue:
        with self.project.answering(f"reading #{ref}", "read"):
            return self._remote(self.project.issue(ref))

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        """One by one, in order: a refused draft fails alone, any other failure stops the
        batch (`create_each`)."""
        return create_each(drafts, self._create)

    def _create(self, draft: IssueDraft) -> RemoteIssue:
        what = f"creating {draft.item_key!r}"
        with self.project.answering(what, "create"):
            self.project.assignable(draft.assignees, what)
            issue = self.project.open_issue(
                draft.title,
                with_footer(draft.body, draft.item_key, draft.register_url),
                labels=draft_labels(draft, self.mapping),
                assignees=draft.assignees,
                due_date=draft.due_date,
                closed=draft.status is Status.DONE,
            )
            return self._remote(issue)

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        """Sync-labelled issues, open and closed, carrying these keys' markers, oldest first."""
        wanted = set(item_keys)
        if not wanted:
            return {}
        found: dict[str, list[RemoteIssue]] = {}
        with self.project.answering(f"looking for markers in {self.repo}", "read"):
            for issue in self.project.issues():
                key = split_footer(issue.body)[1]
                if key in wanted and self._synced(issue):
                    found.setdefault(key, []).append(self._remote(issue))
        return {key: tuple(issues) for key, issues in found.items()}

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        """Apply `change` whole or, if an assignee is refused, not at all (`seen` saves no
        request here: the project is at hand)."""
        what = f"updating #{ref}"
        with self.project.answering(what, "write"):
            issue = self.project.issue(ref)
            if change.assignees is not None:
                self.project.assignable(change.assignees, what)
            return self._remote(self.project.save(self._changed(issue, change)))

    def comment(self, ref: str, text: str) -> None:
        with self.project.answering(f"commenting on #{ref}", "write"):
            issue = self.project.issue(ref)
            self.project.save(replace(issue, comments=(*issue.comments, text)))

    def ensure_labels(self, labels: Iterable[str]) -> None:
        with self.project.answering(f"creating labels in {self.repo}", "write"):
            self.project.labelled(labels)

    # -- mapping --

    def _synced(self, issue: StoredIssue) -> bool:
        return contains_label(issue.labels, self.mapping.sync_label)

    def _changed(self, issue: StoredIssue, change: IssueChange) -> StoredIssue:
        closed = issue.closed if change.status is None else change.status is Status.DONE
        due_date = issue.due_date
        if change.due_date is not None or change.clear_due_date:
            due_date = change.due_date
        return replace(
            issue,
            title=issue.title if change.title is None else change.title,
            body=issue.body
            if change.body is None
            else replace_keeping_footer(issue.body, change.body),
            closed=closed,
            labels=self.project.labelled(planned_labels(issue.labels, change, self.mapping)),
            assignees=issue.assignees if change.assignees is None else change.assignees,
            due_date=due_date,
        )

    def _remote(self, issue: StoredIssue) -> RemoteIssue:
        body, marker = split_footer(issue.body)
        state = "closed" if issue.closed else "opened"
        return RemoteIssue(
            tracker=KIND,
            id=f"{self.repo}#{issue.number}",
            ref=str(issue.number),
            url=f"{self.project.web_url}/issues/{issue.number}",
            title=issue.title,
            body=body,
            state=IssueState.CLOSED if issue.closed else IssueState.OPEN,
            status=status_from(state, issue.labels, self.mapping),
            updated_at=issue.updated_at,
            version=str(issue.change),
            labels=issue.labels,
            assignees=sorted_assignees(issue.assignees),
            priority=priority_from_labels(issue.labels, self.mapping),
            due_date=issue.due_date,
            marker=marker,
            raw_status="closed" if issue.closed else "open",
        )
