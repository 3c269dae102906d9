"""`GitLabTracker`: one project's issues through python-gitlab (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import gitlab
import requests
from gitlab.exceptions import GitlabError

from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    FieldMapping,
    NotFound,
    RetryPolicy,
    TrackerError,
    with_footer,
)
from syncer.trackers.gitlab.cursor import Cursor
from syncer.trackers.gitlab.mapping import (
    api_time,
    assignee_usernames,
    contains_label,
    draft_labels,
    issue_from_api,
    plan_update,
    unique_labels,
)
from syncer.trackers.gitlab.transport import PatientAdapter, translated

Json = Mapping[str, Any]

DEFAULT_URL = "https://gitlab.com"
PER_PAGE = 100
"""GitLab's maximum page size: fewer requests per poll."""


# --- The adapter --------------------------------------------------------------------------------


def _iid(ref: str) -> int:
    if not ref.isdigit():
        raise NotFound(f"not a GitLab issue number: {ref!r}")
    return int(ref)


class GitLabTracker:
    """One GitLab project (`group/project`) as a syncer `Tracker`."""

    kind = "gitlab"

    def __init__(
        self,
        project: str,
        token: str,
        *,
        url: str = DEFAULT_URL,
        mapping: FieldMapping | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mapping = mapping or FieldMapping()
        policy = retry or RetryPolicy()
        session = requests.Session()
        transport = PatientAdapter(policy, sleep)
        session.mount("http://", transport)
        session.mount("https://", transport)
        self._gl = gitlab.Gitlab(
            url=url,
            private_token=token,
            timeout=policy.timeout_seconds,
            session=session,
            keep_base_url=True,
        )
        # Lazy: the project path is enough to address its issues, saving a request per run.
        self._project = self._gl.projects.get(project, lazy=True)
        self._user_ids: dict[str, int] = {}
        self._known_labels: list[str] | None = None

    def list_changed(self, cursor: str | None) -> Changes:
        """Sync-labelled issues updated since `cursor`, oldest change first.

        Pages advance by `updated_after` rather than by page number where they can: an issue
        updated mid-listing moves to the end instead of shifting offsets and hiding another.
        """
        start = Cursor.decode(cursor)
        found: dict[str, RemoteIssue] = {}
        after, page = start.after, 1
        with translated("listing changed issues"):
            while True:
                batch = self._changed_page(after, page)
                for issue in batch:
                    if not start.already_read(issue) and found.get(issue.ref) != issue:
                        found.pop(issue.ref, None)
                        found[issue.ref] = issue
                if len(batch) < PER_PAGE:
                    break
                newest = batch[-1].updated_at
                after, page = (after, page + 1) if newest == after else (newest, 1)
        return Changes(issues=tuple(found.values()), cursor=start.advanced(found.values()).encode())

    def _changed_page(self, after: datetime | None, page: int) -> list[RemoteIssue]:
        filters: dict[str, Any] = {"updated_after": api_time(after)} if after else {}
        items = self._project.issues.list(
            get_all=False,
            page=page,
            per_page=PER_PAGE,
            labels=[self.mapping.sync_label],
            state="all",
            order_by="updated_at",
            sort="asc",
            **filters,
        )
        return [issue_from_api(item.attributes, self.mapping) for item in items]

    def get(self, ref: str) -> RemoteIssue:
        with translated(f"reading issue #{ref}"):
            data = self._project.issues.get(_iid(ref)).attributes
        return issue_from_api(data, self.mapping)

    def create(self, draft: IssueDraft) -> RemoteIssue:
        data: dict[str, Any] = {
            "title": draft.title,
            "description": with_footer(draft.body, draft.item_key, draft.register_url),
            "labels": draft_labels(draft, self.mapping),
        }
        if draft.due_date is not None:
            data["due_date"] = draft.due_date.isoformat()
        if draft.assignees:
            data["assignee_ids"] = self._assignee_ids(draft.assignees)
        with translated(f"creating an issue for {draft.item_key!r}"):
            created = self._post_once(draft.item_key, data)
            if draft.status is Status.DONE:
                created = self._project.issues.update(created["iid"], {"state_event": "close"})
        return issue_from_api(created, self.mapping)

    def _post_once(self, item_key: str, data: dict[str, Any]) -> Json:
        """POST the issue, never twice: after an answer that may have come after GitLab made
        it (a timeout, a 5xx from its proxy), look for its marker. Not there (yet): the error
        stands, and the engine looks again next cycle rather than risk a second issue."""
        try:
            return dict(self._project.issues.create(data).attributes)
        except (requests.Timeout, requests.ConnectionError, GitlabError) as exc:
            if isinstance(exc, GitlabError) and (exc.response_code or 0) < 500:
                raise
            found = self.find_by_marker(item_key)
            if found is None:
                raise
            return dict(self._project.issues.get(int(found.ref)).attributes)

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[RemoteIssue]:
        """One by one: GitLab has no bulk issue creation."""
        return [self.create(draft) for draft in drafts]

    def find_by_marker(self, item_key: str) -> RemoteIssue | None:
        """GitLab's search narrows the candidates; the marker itself decides."""
        with translated(f"searching for {item_key!r}"):
            candidates = self._project.issues.list(
                iterator=True,
                per_page=PER_PAGE,
                search=f"syncer:item={item_key}",
                labels=[self.mapping.sync_label],
                state="all",
            )
            for candidate in candidates:
                issue = issue_from_api(candidate.attributes, self.mapping)
                if issue.marker == item_key:
                    return issue
        return None

    def update(self, ref: str, change: IssueChange) -> RemoteIssue:
        """Read the issue, then send only what differs (labels as additions and removals).

        Assignees are replaced as a whole; `assignees=()` sends `assignee_ids: []`, which
        GitLab reads as "unassign everyone".
        """
        iid = _iid(ref)
        with translated(f"updating issue #{ref}"):
            current = self._project.issues.get(iid).attributes
            data = plan_update(current, change, self.mapping)
            assigned = set(assignee_usernames(current))
            if change.assignees is not None and set(change.assignees) != assigned:
                data["assignee_ids"] = self._assignee_ids(change.assignees)
            if data:
                current = self._project.issues.update(iid, data)
        return issue_from_api(current, self.mapping)

    def comment(self, ref: str, text: str) -> None:
        with translated(f"commenting on issue #{ref}"):
            self._project.issues.get(_iid(ref), lazy=True).notes.create({"body": text})

    def ensure_labels(self, labels: Iterable[str]) -> None:
        """Create missing project labels (GitLab would create them bare on first use anyway)."""
        with translated("creating labels"):
            known = self._labels()
            for name in unique_labels(labels):
                if not contains_label(known, name):
                    self._project.labels.create({"name": name, "color": "#6699cc"})
                    known.append(name)

    def _labels(self) -> list[str]:
        if self._known_labels is None:
            listed = self._project.labels.list(iterator=True, per_page=PER_PAGE)
            self._known_labels = [str(label.attributes["name"]) for label in listed]
        return self._known_labels

    def _assignee_ids(self, usernames: Iterable[str]) -> list[int]:
        """User ids for usernames (writes take ids), each looked up once per adapter.

        Called before the write, so an unknown username fails it whole: assigning the others
        and leaving that one out would make the issue disagree with the register unnoticed.
        Only users found are cached, so a user created later is found on the next cycle.
        """
        ids: list[int] = []
        for username in usernames:
            if username not in self._user_ids:
                with translated(f"looking up user {username!r}"):
                    users = self._gl.users.list(username=username, get_all=False)
                if not users:
                    raise TrackerError(f"cannot assign {username!r}: GitLab has no such user")
                self._user_ids[username] = int(users[0].attributes["id"])
            ids.append(self._user_ids[username])
        return ids
