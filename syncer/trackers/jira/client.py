"""`JiraTracker`: one Jira project through the `jira` library (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, TypeVar

import requests
from jira import JIRA, JIRAError

from syncer.model import Changes, IssueChange, IssueDraft, RemoteIssue, Status
from syncer.trackers.base import (
    FieldMapping,
    NotFound,
    RateLimited,
    RetryPolicy,
    TrackerError,
)
from syncer.trackers.jira.cursor import Cursor, reached_seen
from syncer.trackers.jira.errors import Refused, Unconfirmed, chunks, classify, utcnow
from syncer.trackers.jira.mapping import (
    Json,
    Place,
    assigning,
    description_for,
    issue_from_json,
    join_description,
    jql_string,
    label_to_jira,
    marker_phrase,
    pick_step,
    place_after,
    place_of,
    split_description,
)
from syncer.trackers.markup import markdown_to_jira

Flavour = Literal["server", "cloud"]
T = TypeVar("T")

BULK_LIMIT = 50
"""Jira's limit on issues per bulk-create request."""
PAGE_SIZE = 100
FIELDS = (
    "summary",
    "description",
    "status",
    "priority",
    "labels",
    "assignee",
    "duedate",
    "updated",
    "created",
    "resolution",
)
"""The issue fields the mapper reads; searches ask for these and no more."""

_JQL_MINUTE = "%Y/%m/%d %H:%M"


# --- The adapter ------------------------------------------------------------------------------


class JiraTracker:
    """One Jira project, through the `jira` library.

    `token` is a Server/Data Center personal access token (sent as Bearer), or with `email` a
    Cloud API token (Basic auth). `flavour` picks the search endpoint: Server's `search` with
    `startAt`, or Cloud's `search/jql` with `nextPageToken` (Cloud has removed the former).
    """

    kind = "jira"

    def __init__(
        self,
        server: str,
        project: str,
        token: str,
        *,
        email: str | None = None,
        flavour: Flavour = "server",
        mapping: FieldMapping | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        overlap: timedelta = timedelta(minutes=1),
    ) -> None:
        self.project = project
        self.flavour: Flavour = flavour
        self._mapping = mapping or FieldMapping()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._overlap = overlap
        self._transitions: dict[Place, list[Json]] = {}
        self._client = self._connect(server, token, email)

    def _connect(self, server: str, token: str, email: str | None) -> JIRA:
        """A client that makes no request until used (no server-info probe, no PyPI version
        check) and never retries or sleeps by itself."""
        auth: Json = {"basic_auth": (email, token)} if email else {"token_auth": token}
        client = JIRA(
            server=server,
            options={"check_update": False},
            get_server_info=False,
            max_retries=0,
            timeout=self._retry.timeout_seconds,
            **auth,
        )
        if self.flavour == "cloud":
            client.deploymentType = "Cloud"
        return client

    # --- reads ---------------------------------------------------------------------------------

    def list_changed(self, cursor: str | None) -> Changes:
        """Newest first, stopping at the page where what was already seen begins.

        The JQL window overlaps the last poll by a minute (JQL dates have minute granularity),
        so it may hold many issues seen before (a bulk create): reading newest first and
        stopping there keeps an idle poll at one request however full the window is.
        """
        state = Cursor.decode(cursor)
        hits: dict[str, Json] = {}
        pages = self._cloud_pages if self.flavour == "cloud" else self._server_pages
        for page in pages(self._changed_jql(state)):
            hits.update((str(raw["key"]), raw) for raw in page)
            if state.since is not None and reached_seen(state, page):
                break
        fresh = [raw for raw in hits.values() if state.is_new(raw)]
        issues = tuple(issue_from_json(raw, self._mapping) for raw in fresh)
        return Changes(issues=issues, cursor=state.advance(fresh, self._overlap).encode())

    def _changed_jql(self, state: Cursor) -> str:
        sync_label = label_to_jira(self._mapping.sync_label)
        jql = f"project = {jql_string(self.project)} AND labels = {jql_string(sync_label)}"
        start = state.window_start(self._overlap)
        if start is not None:
            jql += f' AND updated >= "{start.strftime(_JQL_MINUTE)}"'
        return jql + " ORDER BY updated DESC, key ASC"

    def get(self, ref: str) -> RemoteIssue:
        return issue_from_json(self._get_raw(ref), self._mapping)

    def _get_raw(self, ref: str) -> Json:
        fields = ",".join(FIELDS)
        issue = self._call(f"get {ref}", lambda: self._client.issue(ref, fields=fields))
        return dict(issue.raw)

    def find_by_marker(self, item_key: str) -> RemoteIssue | None:
        raw = self._find_by_markers([item_key]).get(item_key)
        return issue_from_json(raw, self._mapping) if raw else None

    def _find_by_markers(self, item_keys: Sequence[str]) -> dict[str, Json]:
        """The oldest issue carrying each key's marker, by one text search."""
        if not item_keys:
            return {}
        phrases = " OR ".join(f"description ~ {marker_phrase(key)}" for key in item_keys)
        jql = f"project = {jql_string(self.project)} AND ({phrases}) ORDER BY created ASC"
        found: dict[str, Json] = {}
        for raw in self._search(jql):
            _, _, marker = split_description(str(raw["fields"].get("description") or ""))
            if marker is not None and marker in item_keys and marker not in found:
                found[marker] = raw
        return found

    def _search(self, jql: str) -> Iterator[Json]:
        """Every issue the JQL matches, page by page, with the mapper's fields."""
        pages = self._cloud_pages if self.flavour == "cloud" else self._server_pages
        for page in pages(jql):
            yield from page

    def _server_pages(self, jql: str) -> Iterator[list[Json]]:
        start = 0
        while True:
            page = self._call("search", partial(self._server_page, jql, start))
            issues = list(page.get("issues") or [])
            yield issues
            start += len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return

    def _server_page(self, jql: str, start: int) -> Json:
        return self._client.search_issues(
            jql, startAt=start, maxResults=PAGE_SIZE, fields=list(FIELDS), json_result=True
        )

    def _cloud_pages(self, jql: str) -> Iterator[list[Json]]:
        token: str | None = None
        while True:
            page = self._call("search", partial(self._cloud_page, jql, token))
            yield list(page.get("issues") or [])
            token = page.get("nextPageToken")
            if page.get("isLast", True) or not token:
                return

    def _cloud_page(self, jql: str, token: str | None) -> Json:
        page: Json = self._client.enhanced_search_issues(
            jql, nextPageToken=token, maxResults=PAGE_SIZE, fields=list(FIELDS), json_result=True
        )
        return page

    # --- writes --------------------------------------------------------------------------------

    def create(self, draft: IssueDraft) -> RemoteIssue:
        key = self._create_keys([draft], bulk=False)[0]
        if draft.status is not Status.TODO:
            self._move(key, self._new_place(), draft.status)
        return self.get(key)

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[RemoteIssue]:
        """Bulk create, 50 per request; then the transitions drafts need; then one search per
        100 issues to read them back (a GET for any the search index has not caught up with)."""
        keys = [key for chunk in chunks(drafts, BULK_LIMIT) for key in self._create_keys(chunk)]
        for draft, key in zip(drafts, keys, strict=True):
            if draft.status is not Status.TODO:
                self._move(key, self._new_place(), draft.status)
        raws: dict[str, Json] = {}
        for chunk in chunks(keys, PAGE_SIZE):
            keys_jql = ", ".join(jql_string(key) for key in chunk)
            raws.update((str(r["key"]), r) for r in self._search(f"key in ({keys_jql})"))
        return [issue_from_json(raws.get(key) or self._get_raw(key), self._mapping) for key in keys]

    def _create_keys(self, drafts: Sequence[IssueDraft], *, bulk: bool = True) -> list[str]:
        """Create the drafts and return their keys in order. After an unanswered attempt, the
        drafts Jira did create are found by their markers and only the rest are sent again."""
        found: dict[str, str] = {}
        attempt = 0
        while missing := [d for d in drafts if d.item_key not in found]:
            try:
                created = self._post_bulk(missing) if bulk else self._post_one(missing[0])
                found.update(zip((d.item_key for d in missing), created, strict=True))
            except Unconfirmed:
                attempt += 1
                if attempt >= self._retry.attempts:
                    raise
                self._sleep(self._backoff(attempt))
                markers = self._find_by_markers([d.item_key for d in missing])
                found.update((key, str(raw["key"])) for key, raw in markers.items())
        return [found[d.item_key] for d in drafts]

    def _post_one(self, draft: IssueDraft) -> list[str]:
        fields = self._create_fields(draft)
        issue = self._call(
            f"create issue{assigning(draft.assignees)}",
            lambda: self._client.create_issue(fields=fields, prefetch=False),
            repeatable=False,
        )
        return [str(issue.key)]

    def _post_bulk(self, drafts: Sequence[IssueDraft]) -> list[str]:
        field_list = [self._create_fields(d) for d in drafts]
        results = self._call(
            "bulk create",
            lambda: self._client.create_issues(field_list, prefetch=False),
            repeatable=False,
        )
        failed = [(d, r) for d, r in zip(drafts, results, strict=True) if r["status"] == "Error"]
        if failed:
            draft, result = failed[0]
            raise TrackerError(
                f"bulk create: Jira refused {len(failed)} of {len(drafts)} issues, first "
                f"{draft.item_key!r}{assigning(draft.assignees)}: {result['error']}"
            )
        return [str(r["issue"].key) for r in results]

    def _create_fields(self, draft: IssueDraft) -> Json:
        fields: Json = {
            "project": {"key": self.project},
            "issuetype": {"name": self._mapping.jira_issue_type},
            "summary": draft.title,
            "description": description_for(draft.body, draft.item_key, draft.register_url),
            "labels": self._labels_out(draft.labels),
        }
        if draft.priority is not None:
            fields["priority"] = {"name": self._mapping.jira_priorities[draft.priority]}
        if draft.due_date is not None:
            fields["duedate"] = draft.due_date.isoformat()
        if draft.assignees:
            fields["assignee"] = self._assignee_field(draft.assignees)
        return fields

    def _labels_out(self, labels: Iterable[str]) -> list[str]:
        wanted = [*labels, self._mapping.sync_label]
        return list(dict.fromkeys(label_to_jira(label) for label in wanted))

    def _assignee_field(self, assignees: Sequence[str]) -> Json | None:
        """Jira's `assignee` value: a Jira issue has one, so the first is kept and the others
        are dropped; none unassigns. Users go by `accountId` on Cloud, by `name` on Server."""
        if not assignees:
            return None
        key = "accountId" if self.flavour == "cloud" else "name"
        return {key: assignees[0]}

    def update(self, ref: str, change: IssueChange) -> RemoteIssue:
        """Fields in one edit (Jira has one assignee: the first is kept); status by transition."""
        fields = ",".join((*FIELDS, "issuetype"))  # the issue type picks the workflow
        issue = self._call(f"get {ref}", lambda: self._client.issue(ref, fields=fields))
        edits = self._edit_fields(issue.raw["fields"], change)
        if edits:
            what = f"update {ref}{assigning(change.assignees)}"
            self._call(what, lambda: issue.update(fields=edits))
        current = issue_from_json(issue.raw, self._mapping)
        if change.status is None or change.status is current.status:
            return current
        self._move(ref, place_of(issue.raw["fields"]), change.status)
        return self.get(ref)

    def _edit_fields(self, fields: Mapping[str, Any], change: IssueChange) -> Json:
        edits: Json = {}
        if change.title is not None:
            edits["summary"] = change.title
        if change.body is not None:
            _, footer, _ = split_description(str(fields.get("description") or ""))
            edits["description"] = join_description(markdown_to_jira(change.body), footer)
        if change.labels is not None:
            edits["labels"] = self._labels_out(change.labels)
        if change.priority is not None:
            edits["priority"] = {"name": self._mapping.jira_priorities[change.priority]}
        elif change.clear_priority:
            edits["priority"] = None
        if change.due_date is not None:
            edits["duedate"] = change.due_date.isoformat()
        elif change.clear_due_date:
            edits["duedate"] = None
        if change.assignees is not None:
            edits["assignee"] = self._assignee_field(change.assignees)
        return edits

    def _new_place(self) -> Place:
        return None, self._mapping.jira_issue_type

    def _move(self, ref: str, place: Place, target: Status) -> None:
        """Move `ref`, standing at `place`, to `target`: by one transition, or by two through in
        progress where the workflow offers no direct way (To Do → In Progress → Done)."""
        via = () if target is Status.IN_PROGRESS else (Status.IN_PROGRESS,)
        taken, heading = self._step(ref, place, (target, *via))
        if heading is not target:
            self._step(ref, place_after(taken, place), (target,))

    def _step(
        self, ref: str, place: Place, wanted: Sequence[Status]
    ) -> tuple[Mapping[str, Any], Status]:
        """Take the transition towards the first of `wanted` offered at `place`.

        A cached list is tried first. Should Jira refuse its transition, or none fit, it is not
        trusted further: the issue's own list is asked for and replaces it.
        """
        cached = self._transitions.get(place)
        if cached is not None:
            step = pick_step(cached, wanted, self._mapping)
            if step is not None and self._accepted(ref, step[0]):
                return step
        offered = self._offered(ref, place)
        step = pick_step(offered, wanted, self._mapping)
        if step is None:
            names = ", ".join(str(t.get("name")) for t in offered)
            raise TrackerError(
                f"{ref}: no transition leads to {wanted[0].value} (offered: {names})"
            )
        self._transition(ref, step[0])
        return step

    def _offered(self, ref: str, place: Place) -> list[Json]:
        """The transitions Jira offers `ref` now, remembered for every issue at `place`."""
        offered = self._call(f"transitions of {ref}", lambda: self._client.transitions(ref))
        self._transitions[place] = list(offered)
        return self._transitions[place]

    def _accepted(self, ref: str, transition: Mapping[str, Any]) -> bool:
        """Whether Jira took a cached transition; False when it refused it for this issue."""
        try:
            self._transition(ref, transition)
        except (Refused, NotFound):
            return False
        return True

    def _transition(self, ref: str, transition: Mapping[str, Any]) -> None:
        transition_id = str(transition["id"])
        self._call(f"transition {ref}", lambda: self._client.transition_issue(ref, transition_id))

    def comment(self, ref: str, text: str) -> None:
        """Not repeated after an unanswered attempt: a doubled comment is worse than an error."""
        body = markdown_to_jira(text)
        self._call(
            f"comment on {ref}", lambda: self._client.add_comment(ref, body), repeatable=False
        )

    def ensure_labels(self, labels: Iterable[str]) -> None:
        """Nothing to do: Jira creates a label the first time an issue carries it."""

    # --- retries -------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return float(self._retry.backoff_seconds * 2 ** (attempt - 1))

    def _call(self, what: str, request: Callable[[], T], *, repeatable: bool = True) -> T:
        """Run one request, retrying what is worth retrying within the `RetryPolicy`.

        `repeatable=False` marks writes that must not be sent twice blindly: a 5xx or timeout
        on them raises `Unconfirmed` at once (429s are still retried: Jira did nothing)."""
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return request()
            except (JIRAError, requests.RequestException) as exc:
                failure = classify(exc, what, self._clock())
            if not failure.retryable:
                raise failure.error
            if not repeatable and not failure.rate_limited:
                raise Unconfirmed(str(failure.error))
            delay = failure.retry_after
            delay = self._backoff(attempt) if delay is None else delay
            if attempt >= self._retry.attempts or waited + delay > self._retry.max_wait_seconds:
                break
            self._sleep(delay)
            waited += delay
        if failure.rate_limited:
            retry_at = self._clock() + timedelta(seconds=delay)
            raise RateLimited(f"{failure.error} (retry at {retry_at:%H:%M:%S} UTC)", retry_at)
        raise failure.error
