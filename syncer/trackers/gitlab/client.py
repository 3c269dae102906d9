"""`GitLabTracker`: one project's issues through python-gitlab (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import gitlab
import requests

from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    AnswerLost,
    Created,
    FieldMapping,
    NotFound,
    Refused,
    RetryPolicy,
    TrackerError,
    create_each,
    read_issue,
    with_footer,
)
from syncer.trackers.gitlab.cursor import Cursor
from syncer.trackers.gitlab.mapping import (
    api_time,
    assignee_usernames,
    blind_update,
    contains_label,
    draft_labels,
    issue_from_api,
    known_api,
    plan_update,
    unique_labels,
)
from syncer.trackers.gitlab.transport import PatientAdapter, translated
from syncer.trackers.http import RequestHook, count_on
from syncer.trackers.mentions import render_mentions

Json = Mapping[str, Any]

DEFAULT_URL = "https://gitlab.com"
PER_PAGE = 100
"""GitLab's maximum page size: fewer requests per poll."""


# --- The adapter --------------------------------------------------------------------------------


def site_url(url: str) -> str:
    """The GitLab site for a configured URL: people paste the API's address
    (`https://gitlab.example.com/api/v4`, as GitLab's docs write every endpoint), which
    python-gitlab would extend to `/api/v4/api/v4/…` and meet only 404s. Links to issues come
    from GitLab's own `web_url`s, so they point at the site either way."""
    site = url.rstrip("/")
    return site.removesuffix("/api/v4").rstrip("/") or site


def _iid(ref: str) -> int:
    if not ref.isdigit():
        raise NotFound(f"not a GitLab issue number: {ref!r}")
    return int(ref)


class GitLabTracker:
    """One GitLab project (`group/project`) as a syncer `Tracker`.

    `on_request` hears of every request sent, retries included (`syncer.trackers.http`).
    """

    kind = "gitlab"

    def __init__(
        self,
        project: str,
        token: str,
        *,
        url: str = DEFAULT_URL,
        mapping: FieldMapping | None = None,
        retry: RetryPolicy | None = None,
        on_request: RequestHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mapping = mapping or FieldMapping()
        self.project = project
        policy = retry or RetryPolicy()
        session = requests.Session()
        count_on(session, PatientAdapter(policy, sleep, on_request))
        self._gl = gitlab.Gitlab(
            url=site_url(url),
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
        try:
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
        except NotFound as exc:
            raise NotFound(
                f"{self.project}: not found, or the token has no access to it ({exc})"
            ) from None
        return Changes(issues=tuple(found.values()), cursor=start.advanced(found.values()).encode())

    def _changed_page(self, after: datetime | None, page: int) -> list[RemoteIssue]:
        filters: dict[str, Any] = {"updated_after": api_time(after)} if after else {}
        items = self._synced(get_all=False, page=page, order_by="updated_at", **filters)
        return [self._issue(item.attributes, "listing changed issues") for item in items]

    def _synced(self, **options: Any) -> Any:
        """The project's sync-labelled issues, open and closed, oldest first by `order_by`."""
        labels = [self.mapping.sync_label]
        return self._project.issues.list(
            per_page=PER_PAGE, labels=labels, state="all", sort="asc", **options
        )

    def get(self, ref: str) -> RemoteIssue:
        action = f"reading issue #{ref}"
        with translated(action):
            return self._issue(self._project.issues.get(_iid(ref)).attributes, action)

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        """One by one: GitLab has no bulk issue creation."""
        return create_each(drafts, self._create)

    def _create(self, draft: IssueDraft) -> RemoteIssue:
        """POST the issue, never twice: an answer that may have come after GitLab made it (a
        timeout, a 5xx from its proxy, a garbled body) ends in `AnswerLost`, and the next cycle
        settles it by its marker rather than risk a second issue now."""
        body = render_mentions(draft.body, self.mapping.mentions)
        data: dict[str, Any] = {
            "title": draft.title,
            "description": with_footer(body, draft.item_key, draft.register_url),
            "labels": draft_labels(draft, self.mapping),
        }
        if draft.due_date is not None:
            data["due_date"] = draft.due_date.isoformat()
        if draft.assignees:
            data["assignee_ids"] = self._assignee_ids(draft.assignees)
        action = f"creating an issue for {draft.item_key!r}"
        with translated(action, once=True):
            created = self._issue(self._project.issues.create(data).attributes, action)
        if draft.status is not Status.DONE:
            return created
        closing = f"closing issue #{created.ref}"
        try:
            with translated(closing):
                closed = self._project.issues.update(int(created.ref), {"state_event": "close"})
                return self._issue(closed, closing)
        except TrackerError as exc:
            made = f"#{created.ref} was made for {draft.item_key!r} but not closed"
            raise AnswerLost(f"{made}: {exc}") from exc

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        """One listing of the sync-labelled issues, open and closed, oldest first: GitLab's
        `search` would narrow it for one key, but the engine asks for all keys at once.

        An issue moved to another project keeps its marker here, closed: it is not the item's
        issue any more (its copy lives elsewhere), so it is never offered to settle a create."""
        wanted = set(item_keys)
        if not wanted:
            return {}
        action = "looking for markers"
        found: dict[str, list[RemoteIssue]] = {}
        with translated(action):
            for item in self._synced(iterator=True, order_by="created_at"):
                issue = self._issue(item.attributes, action)
                mine = issue.marker is not None and issue.moved_to is None
                if mine and issue.marker in wanted:
                    found.setdefault(issue.marker, []).append(issue)
        return {key: tuple(issues) for key, issues in found.items()}

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        """Send only what differs from the issue (labels as additions and removals), as
        `seen` says it is; without `seen`, unseen where GitLab's parameters allow it
        (`blind_update`), else as read first (a body keeps its footer).

        Assignees are replaced as a whole; `assignees=()` sends `assignee_ids: []`, which
        GitLab reads as "unassign everyone".
        """
        iid = _iid(ref)
        action = f"updating issue #{ref}"
        with translated(action):
            blind = blind_update(change, self.mapping) if seen is None else {}
            if blind:
                if change.assignees is not None:
                    blind["assignee_ids"] = self._assignee_ids(change.assignees)
                return self._issue(self._project.issues.update(iid, blind), action)
            known = seen if change.body is None else None
            current = known_api(known) if known else self._project.issues.get(iid).attributes
            data = plan_update(current, change, self.mapping)
            assigned = set(assignee_usernames(current))
            if change.assignees is not None and set(change.assignees) != assigned:
                data["assignee_ids"] = self._assignee_ids(change.assignees)
            if data:
                return self._issue(self._project.issues.update(iid, data), action)
            return known if known is not None else self._issue(current, action)

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
                    raise Refused(f"cannot assign {username!r}: GitLab has no such user")
                self._user_ids[username] = int(users[0].attributes["id"])
            ids.append(self._user_ids[username])
        return ids

    def _issue(self, data: Any, action: str) -> RemoteIssue:
        """`data` as a `RemoteIssue` (python-gitlab hands back the raw response when the body
        is not JSON: that is a `GarbledAnswer`)."""
        garbled = f"GitLab answered while {action} with something that is not an issue"
        return read_issue(issue_from_api, data, self.mapping, garbled)
