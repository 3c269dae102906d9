"""The GitLab adapter: python-gitlab underneath, `RemoteIssue` on top.

Mapping is done by pure functions on GitLab's issue JSON (python-gitlab's `issue.attributes`, or
a webhook payload), so they are tested on real payloads without a network. The adapter class only
sequences requests: it holds no sync logic.

Retrying lives below python-gitlab, in a requests transport adapter: python-gitlab's own retry
sleeps with `time.sleep`, reads `Retry-After` only as whole seconds and never bounds the total
wait, while syncer must stay within `RetryPolicy.max_wait_seconds` and hand the cycle back
(`RateLimited`) when GitLab asks for longer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import gitlab
import requests
from gitlab.exceptions import GitlabError
from requests.adapters import HTTPAdapter

from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    IssueState,
    Priority,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    FOOTER_RULE,
    AuthError,
    FieldMapping,
    NotFound,
    RateLimited,
    RetryPolicy,
    TrackerError,
    sorted_assignees,
    split_footer,
    with_footer,
)

Json = Mapping[str, Any]

DEFAULT_URL = "https://gitlab.com"
PER_PAGE = 100
"""GitLab's maximum page size: fewer requests per poll."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
"""Answers meaning the request was not acted on, so even a POST may be sent again."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


# --- Pure mapping: GitLab JSON -> RemoteIssue ---------------------------------------------------


def parse_time(text: str) -> datetime:
    """A GitLab timestamp as an aware UTC datetime.

    The REST API writes `2016-01-04T15:31:51.081Z`; webhooks write `2013-12-03T17:15:43Z` or
    `2013-12-03 17:15:43 UTC` depending on the field and the GitLab version.
    """
    moment = datetime.fromisoformat(text.strip().removesuffix(" UTC"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def api_time(moment: datetime) -> str:
    """The form GitLab's filters take, truncated to its millisecond precision."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _same(a: str, b: str) -> bool:
    """Label names compare without case: people type `Priority: High` for `priority: high`."""
    return a.casefold() == b.casefold()


def _contains(labels: Iterable[str], name: str) -> bool:
    return any(_same(label, name) for label in labels)


def _unique(labels: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for label in labels:
        if not _contains(kept, label):
            kept.append(label)
    return kept


def label_names(raw: Iterable[Any]) -> tuple[str, ...]:
    """Label names from strings (REST API) or objects (`title` in webhooks, `name` in
    `with_labels_details=true` listings)."""
    return tuple(
        str(item.get("title", item.get("name"))) if isinstance(item, Mapping) else str(item)
        for item in raw
    )


def priority_from_labels(labels: Sequence[str], mapping: FieldMapping) -> Priority | None:
    """The most urgent priority whose label the issue carries."""
    for priority in Priority:
        name = mapping.priority_labels.get(priority)
        if name is not None and _contains(labels, name):
            return priority
    return None


def status_from(state: str, labels: Sequence[str], mapping: FieldMapping) -> Status:
    if state == "closed":
        return Status.DONE
    if _contains(labels, mapping.in_progress_label):
        return Status.IN_PROGRESS
    return Status.TODO


def _raw_status(state: str, labels: Sequence[str], mapping: FieldMapping) -> str:
    in_progress = [label for label in labels if _same(label, mapping.in_progress_label)]
    return in_progress[0] if state != "closed" and in_progress else state


def assignee_usernames(data: Json) -> tuple[str, ...]:
    """Usernames of an issue's assignees (REST or Issue Hook user objects), sorted."""
    return sorted_assignees(str(user["username"]) for user in data.get("assignees") or ())


def issue_from_api(data: Json, mapping: FieldMapping) -> RemoteIssue:
    """A REST issue (`GET /projects/:id/issues/:iid`, list items, create/edit answers)."""
    labels = label_names(data.get("labels") or ())
    state = str(data["state"])
    body, marker = split_footer(data.get("description") or "")
    updated_at = parse_time(data["updated_at"])
    due = data.get("due_date")
    return RemoteIssue(
        tracker="gitlab",
        id=str(data["id"]),
        ref=str(data["iid"]),
        url=str(data["web_url"]),
        title=str(data["title"]),
        body=body,
        state=IssueState.CLOSED if state == "closed" else IssueState.OPEN,
        status=status_from(state, labels, mapping),
        updated_at=updated_at,
        version=updated_at.isoformat(timespec="milliseconds"),
        labels=labels,
        assignees=assignee_usernames(data),
        priority=priority_from_labels(labels, mapping),
        due_date=date.fromisoformat(due) if due else None,
        marker=marker,
        raw_status=_raw_status(state, labels, mapping),
    )


def issue_from_hook(payload: Json, mapping: FieldMapping) -> RemoteIssue:
    """The issue an Issue Hook or a Note Hook (on an issue) is about, as far as it tells.

    Note Hooks carry assignee ids only, so their issue comes without assignees.
    """
    if payload.get("object_kind") == "issue":
        attributes = payload["object_attributes"]
        labels = payload.get("labels", attributes.get("labels") or ())
        assignees = payload.get("assignees") or ()
        url = attributes["url"]
    elif payload.get("object_kind") == "note" and "issue" in payload:
        attributes, assignees = payload["issue"], ()
        labels = attributes.get("labels") or ()
        url = f"{payload['project']['web_url']}/-/issues/{attributes['iid']}"
    else:
        raise ValueError(f"not an issue event: {payload.get('object_kind')!r}")
    as_api = {**attributes, "labels": labels, "assignees": assignees, "web_url": url}
    return issue_from_api(as_api, mapping)


# --- Pure planning: syncer values -> GitLab parameters ------------------------------------------


def draft_labels(draft: IssueDraft, mapping: FieldMapping) -> list[str]:
    labels = [mapping.sync_label]
    if draft.priority is not None:
        labels.append(mapping.priority_labels[draft.priority])
    if draft.status is Status.IN_PROGRESS:
        labels.append(mapping.in_progress_label)
    return _unique([*labels, *draft.labels])


def _is_managed(label: str, mapping: FieldMapping) -> bool:
    """Labels syncer owns (sync, priority, status): a label change from the register keeps them."""
    managed = [mapping.sync_label, mapping.in_progress_label, *mapping.priority_labels.values()]
    return _contains(managed, label)


def planned_labels(current: Sequence[str], change: IssueChange, mapping: FieldMapping) -> list[str]:
    """The labels the issue should end with after `change`."""
    labels = list(current)
    if change.labels is not None:
        labels = [label for label in current if _is_managed(label, mapping)]
        labels += change.labels
    if change.priority is not None or change.clear_priority:
        labels = [label for label in labels if priority_from_labels([label], mapping) is None]
        if change.priority is not None:
            labels.append(mapping.priority_labels[change.priority])
    if change.status is not None:
        labels = [label for label in labels if not _same(label, mapping.in_progress_label)]
        if change.status is Status.IN_PROGRESS:
            labels.append(mapping.in_progress_label)
    return _unique(labels)


def _label_edits(current: Sequence[str], wanted: Sequence[str]) -> dict[str, str]:
    """`add_labels`/`remove_labels` rather than `labels`: a label a person adds meanwhile stays."""
    edits: dict[str, str] = {}
    added = [label for label in wanted if not _contains(current, label)]
    removed = [label for label in current if not _contains(wanted, label)]
    if added:
        edits["add_labels"] = ",".join(added)
    if removed:
        edits["remove_labels"] = ",".join(removed)
    return edits


def _state_event(state: str, status: Status | None) -> dict[str, str]:
    if status is Status.DONE and state != "closed":
        return {"state_event": "close"}
    if status is not None and status is not Status.DONE and state == "closed":
        return {"state_event": "reopen"}
    return {}


def _due_date_edit(current: str | None, change: IssueChange) -> dict[str, str]:
    """`""` clears the date: GitLab's way of saying "no due date"."""
    wanted = change.due_date.isoformat() if change.due_date else None
    if wanted is None and change.clear_due_date:
        wanted = ""
    return {} if wanted is None or wanted == (current or "") else {"due_date": wanted}


def replace_body(description: str, body: str) -> str:
    """`description` with its text replaced by `body`, keeping syncer's footer and marker."""
    text, key = split_footer(description)
    if key is None:
        return body
    footer = description[len(text) :].lstrip("\n").removeprefix(FOOTER_RULE.lstrip("\n"))
    return f"{body.rstrip()}{FOOTER_RULE}{footer}" if body.strip() else footer


def plan_update(current: Json, change: IssueChange, mapping: FieldMapping) -> dict[str, Any]:
    """The `PUT /issues/:iid` parameters turning `current` into what `change` asks for.

    Only what differs is sent, so re-applying a value syncer already wrote costs no write (and
    fires no webhook). Assignees are left out: turning usernames into ids takes requests.
    """
    data: dict[str, Any] = {}
    if change.title is not None and change.title != current["title"]:
        data["title"] = change.title
    description = current.get("description") or ""
    if change.body is not None and replace_body(description, change.body) != description:
        data["description"] = replace_body(description, change.body)
    data.update(_state_event(str(current["state"]), change.status))
    labels = label_names(current.get("labels") or ())
    data.update(_label_edits(labels, planned_labels(labels, change, mapping)))
    data.update(_due_date_edit(current.get("due_date"), change))
    return data


# --- The list_changed cursor --------------------------------------------------------------------


@dataclass(frozen=True)
class _Cursor:
    """Where the last poll stopped: the newest `updated_at` read, and the issues read at it.

    `updated_after` is inclusive (`>=`), so the next poll reads those issues again; they are
    skipped unless their `updated_at` moved.
    """

    after: datetime | None = None
    seen: frozenset[str] = frozenset()

    @classmethod
    def decode(cls, text: str | None) -> _Cursor:
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

    def advanced(self, issues: Iterable[RemoteIssue]) -> _Cursor:
        newest = max((i.updated_at for i in issues), default=None)
        if newest is None or (self.after is not None and newest < self.after):
            return self
        at_newest = frozenset(i.ref for i in issues if i.updated_at == newest)
        return _Cursor(newest, at_newest | (self.seen if newest == self.after else frozenset()))


# --- Transport: retries with a bounded, injectable wait -----------------------------------------


def _seconds_until(value: str) -> float | None:
    """`Retry-After` as seconds from now: it may be a number or an HTTP date."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _requested_wait(response: requests.Response) -> float | None:
    """Seconds GitLab asked us to wait: `Retry-After`, else (on a 429) `RateLimit-Reset`."""
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        return _seconds_until(retry_after)
    reset = response.headers.get("RateLimit-Reset")
    if reset and reset.isdigit() and response.status_code == 429:
        return max(0.0, float(reset) - time.time())
    return None


class _PatientAdapter(HTTPAdapter):
    """Retries 429s, 5xx answers and dropped connections, one HTTP request at a time.

    Below python-gitlab, so a listing retries only the page that failed. A POST that GitLab
    may have acted on (a timeout, a 502 from its proxy) is not sent twice: a second issue would
    be worse than an error, which the sync engine recovers from by marker.
    """

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None]) -> None:
        super().__init__()
        self.policy = policy
        self.sleep = sleep

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        waited, attempt = 0.0, 1
        while True:
            try:
                response = super().send(request, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                wait = self._backoff(attempt)
                if not _resendable(request, exc) or not self._may_wait(attempt, waited, wait):
                    raise
            else:
                if not _retryable(request, response.status_code):
                    return response
                requested = _requested_wait(response)
                wait = self._backoff(attempt) if requested is None else requested
                if not self._may_wait(attempt, waited, wait):
                    return _give_up(response, wait)
                response.close()
            self.sleep(wait)
            waited, attempt = waited + wait, attempt + 1

    def _backoff(self, attempt: int) -> float:
        return float(self.policy.backoff_seconds * 2 ** (attempt - 1))

    def _may_wait(self, attempt: int, waited: float, wait: float) -> bool:
        return attempt < self.policy.attempts and waited + wait <= self.policy.max_wait_seconds


def _resendable(request: requests.PreparedRequest, exc: Exception) -> bool:
    return isinstance(exc, requests.ConnectTimeout) or request.method in IDEMPOTENT_METHODS


def _retryable(request: requests.PreparedRequest, status: int) -> bool:
    if status in NOT_PROCESSED_STATUSES:
        return True
    return status in RETRY_STATUSES and request.method in IDEMPOTENT_METHODS


def _give_up(response: requests.Response, wait: float) -> requests.Response:
    """A server error goes back to python-gitlab to raise; a rate limit becomes `RateLimited`."""
    if response.status_code != 429:
        return response
    response.close()
    retry_at = datetime.now(UTC) + timedelta(seconds=wait)
    raise RateLimited(f"GitLab rate limit: try again after {api_time(retry_at)}", retry_at)


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """python-gitlab's and requests' errors as syncer's typed ones, never quoting the token."""
    try:
        yield
    except GitlabError as exc:
        raise _typed_error(action, exc) from exc
    except requests.RequestException as exc:
        raise TrackerError(f"GitLab unreachable while {action}: {type(exc).__name__}") from exc


def _typed_error(action: str, exc: GitlabError) -> TrackerError:
    code = exc.response_code
    if code in (401, 403):
        return AuthError(f"GitLab refused the token while {action} (HTTP {code})")
    if code == 404:
        return NotFound(f"GitLab found nothing while {action} (HTTP 404)")
    return TrackerError(f"GitLab failed while {action}: HTTP {code} {exc.error_message}")


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
        transport = _PatientAdapter(policy, sleep)
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
        start = _Cursor.decode(cursor)
        found: dict[str, RemoteIssue] = {}
        after, page = start.after, 1
        with _translated("listing changed issues"):
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
        with _translated(f"reading issue #{ref}"):
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
        with _translated(f"creating an issue for {draft.item_key!r}"):
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
        with _translated(f"searching for {item_key!r}"):
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
        with _translated(f"updating issue #{ref}"):
            current = self._project.issues.get(iid).attributes
            data = plan_update(current, change, self.mapping)
            assigned = set(assignee_usernames(current))
            if change.assignees is not None and set(change.assignees) != assigned:
                data["assignee_ids"] = self._assignee_ids(change.assignees)
            if data:
                current = self._project.issues.update(iid, data)
        return issue_from_api(current, self.mapping)

    def comment(self, ref: str, text: str) -> None:
        with _translated(f"commenting on issue #{ref}"):
            self._project.issues.get(_iid(ref), lazy=True).notes.create({"body": text})

    def ensure_labels(self, labels: Iterable[str]) -> None:
        """Create missing project labels (GitLab would create them bare on first use anyway)."""
        with _translated("creating labels"):
            known = self._labels()
            for name in _unique(labels):
                if not _contains(known, name):
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
                with _translated(f"looking up user {username!r}"):
                    users = self._gl.users.list(username=username, get_all=False)
                if not users:
                    raise TrackerError(f"cannot assign {username!r}: GitLab has no such user")
                self._user_ids[username] = int(users[0].attributes["id"])
            ids.append(self._user_ids[username])
        return ids
