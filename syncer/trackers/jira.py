"""The Jira adapter: `JiraTracker` on the `jira` library, and the pure mapper beneath it.

Jira specifics it translates, so nothing above it needs to know:

- **Bodies** are wiki markup (REST v2); `syncer.trackers.markup` converts both ways.
- **The footer and marker.** Wiki markup has no hidden comments, so the footer is written in wiki
  terms, below a ruler: `_Tracked by syncer from [the tech-debt register|url]._` and, in subtle
  grey, `syncer:item=<key>`. It is cut off before the description is converted, so the body
  syncer sees is only the item's text. The key is kept in the description, not in a per-issue
  label: one label per item would flood the project's label list and its autocomplete, and the
  marker only has to be found right after a crash. `find_by_marker` asks Jira's text index for
  the marker's words as a phrase (Lucene ignores the punctuation, so the query has none to
  escape) and keeps only issues whose footer carries exactly that key.
- **Labels** cannot contain spaces in Jira; a space is written as `_` and read back as a space
  (`area: api` ↔ `area:_api`). A label people made with `_` in Jira reads with a space and is
  written back unchanged. The sync label is always kept.
- **Fields.** Priority is Jira's priority field (`FieldMapping.jira_priorities`; an issue created
  without one gets the project's default, as in Jira), due date is `duedate`, and of the
  assignees only the first is kept: a Jira issue has one (users are `name` on Server,
  `accountId` on Cloud).
- **Status** moves through workflow transitions, chosen by name (`FieldMapping.jira_transitions`)
  or, failing that, by where a transition leads; where the workflow offers no direct way, in two
  steps through in progress (To Do → In Progress → Done). Done/in progress come from the status
  name (`jira_done_statuses`, `jira_in_progress_statuses`) or its category (`done`,
  `indeterminate`).
- **Transitions are cached.** Jira offers the same transitions to every issue of one type in one
  status (its workflow's step), so the list is asked for once per (status, issue type) and
  reused: moving 80 new issues out of To Do costs one GET and 80 POSTs, not 160 requests. A
  cached transition is only a guess: when Jira refuses it (the workflow changed, a condition
  fails for this issue) or none fits, the issue's own list is asked for and replaces the entry,
  so the cache can cost a request but never fail a move.
- **Incremental reads.** JQL's `updated >=` takes minutes, so the query starts at the cursor's
  minute minus an overlap (Jira's search index can lag a write), written in the UTC offset Jira
  reported (the user's time zone, in which Jira reads JQL dates). The cursor remembers the
  (key, updated) pairs inside that window, and those are dropped from the answer: an idle poll
  returns nothing for one request.
- **Retries.** The library's own retry loop sleeps up to minutes on its own schedule; it is
  turned off (`max_retries=0`) and every request goes through `_call`, which retries 429s (as
  long as `Retry-After` fits in `RetryPolicy.max_wait_seconds`), 5xx and timeouts with backoff.
  A create that failed without an answer may have happened: before trying again, the adapter
  looks for its marker, so a retry never makes a duplicate.
- **Secrets.** `JIRAError`'s text includes the request headers, token and all; it is never
  shown, chained or logged: errors are rebuilt from the status code and the response body.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, Literal, TypeVar

import requests
from jira import JIRA, JIRAError
from jira.resilientsession import parse_error_msg

from syncer.model import Changes, IssueChange, IssueDraft, IssueState, Priority, RemoteIssue, Status
from syncer.trackers.base import (
    AuthError,
    FieldMapping,
    NotFound,
    RateLimited,
    RetryPolicy,
    TrackerError,
)
from syncer.trackers.markup import escape_jira_text, jira_to_markdown, markdown_to_jira

Flavour = Literal["server", "cloud"]
Json = dict[str, Any]
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

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
_JQL_MINUTE = "%Y/%m/%d %H:%M"
_FOOTER_RULE = "\n\n----\n"
_MARKER_COLOUR = "#97a0af"
_MARKER = re.compile(r"(?:\{color:[^}]*\})?syncer:item=(?P<key>(?:\\.|[^\s{}\\])+)(?:\{color\})?")


# --- The pure mapper --------------------------------------------------------------------------


def parse_jira_time(text: str) -> datetime:
    """`2021-05-04T10:11:12.000+0000` (Jira's format, with the offset it reports in)."""
    return datetime.strptime(text, _TIME_FORMAT)


def description_for(body: str, item_key: str, register_url: str = "") -> str:
    """The wiki description syncer writes: the body, a ruler, the footer and the marker."""
    source = (
        f"[the tech-debt register|{register_url}]" if register_url else "the tech-debt register"
    )
    footer = (
        f"_Tracked by syncer from {source}._\n"
        f"{{color:{_MARKER_COLOUR}}}syncer:item={escape_jira_text(item_key)}{{color}}"
    )
    wiki = markdown_to_jira(body)
    return join_description(wiki, footer)


def join_description(wiki_body: str, footer: str) -> str:
    """A body and a footer (as `split_description` returned it) made one description again."""
    if not footer:
        return wiki_body
    return f"{wiki_body.rstrip()}{_FOOTER_RULE}{footer}" if wiki_body.strip() else footer


def split_description(wiki: str) -> tuple[str, str, str | None]:
    """(body, footer, item key) of a description; the footer is '' when there is no marker."""
    matches = list(_MARKER.finditer(wiki))
    if not matches:
        return wiki, "", None
    marker = matches[-1]
    head = wiki[: marker.start()]
    cut = head.rfind(_FOOTER_RULE)
    if cut == -1 and head.lstrip().startswith("_Tracked by syncer"):
        cut = 0
    start = cut if cut != -1 else marker.start()
    footer = wiki[start:].lstrip("\n").removeprefix("----\n")
    key = re.sub(r"\\(.)", r"\1", marker.group("key"))
    return wiki[:start].rstrip("\n"), footer, key


def label_to_jira(label: str) -> str:
    """Jira labels cannot hold spaces: write each as `_`."""
    return label.replace(" ", "_")


def label_from_jira(label: str, mapping: FieldMapping) -> str:
    if label == label_to_jira(mapping.sync_label):
        return mapping.sync_label
    return label.replace("_", " ")


def status_of(status: Mapping[str, Any], mapping: FieldMapping) -> tuple[IssueState, Status]:
    """Closed when the status is a done one (by name or category); in progress likewise."""
    name = str(status.get("name") or "")
    category = str((status.get("statusCategory") or {}).get("key") or "")
    if name in mapping.jira_done_statuses or category == "done":
        return IssueState.CLOSED, Status.DONE
    if name in mapping.jira_in_progress_statuses or category == "indeterminate":
        return IssueState.OPEN, Status.IN_PROGRESS
    return IssueState.OPEN, Status.TODO


def _priority_of(priority: Mapping[str, Any] | None, mapping: FieldMapping) -> Priority | None:
    if not priority:
        return None
    name = str(priority.get("name") or "").lower()
    return next((p for p, jira in mapping.jira_priorities.items() if jira.lower() == name), None)


def _user_of(user: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The assignee as a 1-tuple (Jira has one), in the identifier writes take: Cloud user
    objects carry `accountId` (and no `name` since Atlassian's privacy changes), Server and
    Data Center ones `name` (their `key` is internal and not accepted when assigning)."""
    if not user:
        return ()
    ident = user.get("accountId") or user.get("name")
    return (str(ident),) if ident else ()


def _assigning(assignees: Sequence[str] | None) -> str:
    """The assignee a write sets, for its error message: Jira Cloud refuses an unknown account
    with "Specify a valid value for assignee", which does not say which one."""
    return f" assigning {assignees[0]!r}" if assignees else ""


def _browse_url(raw: Mapping[str, Any]) -> str:
    base = str(raw.get("self", "")).split("/rest/api/", 1)[0]
    return f"{base}/browse/{raw['key']}"


def issue_from_json(raw: Mapping[str, Any], mapping: FieldMapping) -> RemoteIssue:
    """A Jira issue as REST v2 returns it (`issue.raw`, a search hit, a webhook's `issue`)."""
    fields = raw.get("fields")
    if not isinstance(fields, Mapping) or "updated" not in fields:
        raise TrackerError(f"Jira issue {raw.get('key')} came without its fields")
    description = fields.get("description")
    if description is not None and not isinstance(description, str):
        raise TrackerError(
            f"Jira issue {raw.get('key')} has its description in Atlassian Document Format "
            "(REST v3); syncer reads REST v2, where it is wiki markup"
        )
    body_wiki, _, marker = split_description(description or "")
    status = fields.get("status") or {}
    state, syncer_status = status_of(status, mapping)
    due = fields.get("duedate")
    return RemoteIssue(
        tracker="jira",
        id=str(raw["id"]),
        ref=str(raw["key"]),
        url=_browse_url(raw),
        title=str(fields.get("summary") or ""),
        body=jira_to_markdown(body_wiki),
        state=state,
        status=syncer_status,
        updated_at=parse_jira_time(fields["updated"]),
        version=str(fields["updated"]),
        labels=tuple(label_from_jira(label, mapping) for label in fields.get("labels") or ()),
        assignees=_user_of(fields.get("assignee")),
        priority=_priority_of(fields.get("priority"), mapping),
        due_date=date.fromisoformat(due) if due else None,
        marker=marker,
        raw_status=str(status.get("name") or ""),
    )


def pick_transition(
    transitions: Sequence[Mapping[str, Any]], target: Status, mapping: FieldMapping
) -> Mapping[str, Any] | None:
    """The transition to take towards `target`: the first configured name offered, else any
    transition whose destination status means `target`."""
    by_name = {str(t.get("name", "")).lower(): t for t in transitions}
    for name in mapping.jira_transitions.get(target.value, ()):
        if name.lower() in by_name:
            return by_name[name.lower()]
    for transition in transitions:
        destination = transition.get("to")
        if destination and status_of(destination, mapping)[1] is target:
            return transition
    return None


def pick_step(
    transitions: Sequence[Mapping[str, Any]], wanted: Sequence[Status], mapping: FieldMapping
) -> tuple[Mapping[str, Any], Status] | None:
    """The transition towards the first of `wanted` that one leads to, and that status."""
    for status in wanted:
        chosen = pick_transition(transitions, status, mapping)
        if chosen is not None:
            return chosen, status
    return None


Place = tuple[str | None, str]
"""Where an issue stands in its workflow: (status name, issue type name). Jira offers the same
transitions to every issue at one place, conditions aside. The status is None for an issue just
created: every new issue of a type starts in its workflow's initial status, whatever its name."""


def place_after(transition: Mapping[str, Any], place: Place) -> Place:
    """Where an issue at `place` stands once it took `transition`."""
    return str((transition.get("to") or {}).get("name") or ""), place[1]


def place_of(fields: Mapping[str, Any]) -> Place:
    """Where an issue stands, from its `status` and `issuetype` fields."""
    status = str((fields.get("status") or {}).get("name") or "")
    return status, str((fields.get("issuetype") or {}).get("name") or "")


def _jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _marker_phrase(item_key: str) -> str:
    """The marker as the words Jira's index makes of it, for a phrase search."""
    words = re.findall(r"\w+", f"syncer:item={item_key}")
    return _jql_string('"' + " ".join(words) + '"')


# --- The incremental cursor -------------------------------------------------------------------


def _window_start(since: str, overlap: timedelta) -> datetime:
    """Where the next query starts: the minute of `since` (JQL has no seconds), less overlap."""
    return parse_jira_time(since).replace(second=0, microsecond=0) - overlap


def _reached_seen(state: _Cursor, page: list[Json]) -> bool:
    """Whether later pages (older issues) can hold nothing new: the page is all seen, or a seen
    issue on it is strictly newer than the page's last one (so its ties are all on this page)."""
    if not page:
        return True
    seen = [raw for raw in page if not state.is_new(raw)]
    if len(seen) == len(page):
        return True
    last = parse_jira_time(str(page[-1]["fields"]["updated"]))
    return any(parse_jira_time(str(raw["fields"]["updated"])) > last for raw in seen)


@dataclass(frozen=True)
class _Cursor:
    """Where a poll got to: the newest `updated` seen, and the (key → updated) pairs inside the
    overlap window, which the next poll will see again and must not report twice."""

    since: str | None = None
    seen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def decode(cls, text: str | None) -> _Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(since=data.get("since"), seen=dict(data.get("seen") or {}))

    def encode(self) -> str:
        return json.dumps({"since": self.since, "seen": self.seen}, sort_keys=True)

    def window_start(self, overlap: timedelta) -> datetime | None:
        return None if self.since is None else _window_start(self.since, overlap)

    def is_new(self, raw: Mapping[str, Any]) -> bool:
        return self.seen.get(str(raw["key"])) != str(raw["fields"]["updated"])

    def advance(self, raws: Iterable[Mapping[str, Any]], overlap: timedelta) -> _Cursor:
        entries = {**self.seen, **{str(r["key"]): str(r["fields"]["updated"]) for r in raws}}
        stamps = [s for s in (self.since, *entries.values()) if s]
        if not stamps:
            return self
        since = max(stamps, key=parse_jira_time)
        start = _window_start(since, overlap)
        seen = {k: u for k, u in entries.items() if parse_jira_time(u) >= start}
        return _Cursor(since, seen)


# --- Errors and retries -----------------------------------------------------------------------


class _Unconfirmed(TrackerError):
    """A write got no answer (5xx, timeout): Jira may or may not have applied it."""


class _Refused(TrackerError):
    """Jira answered and refused the request as sent (a 4xx other than auth, 404 and 429)."""


@dataclass(frozen=True)
class _Failure:
    error: TrackerError
    retryable: bool = False
    rate_limited: bool = False
    retry_after: float | None = None


def _retry_after(response: requests.Response | None, now: datetime) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        moment = parsedate_to_datetime(value)
        return max(0.0, (moment - now).total_seconds())


def _classify(exc: Exception, what: str, now: datetime) -> _Failure:
    """Turn a library or transport error into a typed error, without the exception's text."""
    if not isinstance(exc, JIRAError):
        return _Failure(TrackerError(f"{what}: no answer from Jira ({type(exc).__name__})"), True)
    status, response = exc.status_code, exc.response
    detail = parse_error_msg(response) if response is not None else (exc.text or "")
    if status in (401, 403):
        return _Failure(AuthError(f"{what}: Jira refused the credentials (HTTP {status})"))
    if status == 404:
        return _Failure(NotFound(f"{what}: not found in Jira (HTTP 404)"))
    if status == 429:
        error = TrackerError(f"{what}: rate limited by Jira (HTTP 429)")
        return _Failure(error, True, True, _retry_after(response, now))
    if status is None:
        return _Failure(TrackerError(f"{what}: {detail or 'the Jira client failed'}"))
    if status >= 500:
        error = TrackerError(f"{what}: Jira failed (HTTP {status}): {detail}".rstrip(": "))
        return _Failure(error, True, False, _retry_after(response, now))
    return _Failure(_Refused(f"{what}: Jira refused it (HTTP {status}): {detail}"))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
        clock: Callable[[], datetime] = _utcnow,
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
        state = _Cursor.decode(cursor)
        hits: dict[str, Json] = {}
        pages = self._cloud_pages if self.flavour == "cloud" else self._server_pages
        for page in pages(self._changed_jql(state)):
            hits.update((str(raw["key"]), raw) for raw in page)
            if state.since is not None and _reached_seen(state, page):
                break
        fresh = [raw for raw in hits.values() if state.is_new(raw)]
        issues = tuple(issue_from_json(raw, self._mapping) for raw in fresh)
        return Changes(issues=issues, cursor=state.advance(fresh, self._overlap).encode())

    def _changed_jql(self, state: _Cursor) -> str:
        sync_label = label_to_jira(self._mapping.sync_label)
        jql = f"project = {_jql_string(self.project)} AND labels = {_jql_string(sync_label)}"
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
        phrases = " OR ".join(f"description ~ {_marker_phrase(key)}" for key in item_keys)
        jql = f"project = {_jql_string(self.project)} AND ({phrases}) ORDER BY created ASC"
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
        keys = [key for chunk in _chunks(drafts, BULK_LIMIT) for key in self._create_keys(chunk)]
        for draft, key in zip(drafts, keys, strict=True):
            if draft.status is not Status.TODO:
                self._move(key, self._new_place(), draft.status)
        raws: dict[str, Json] = {}
        for chunk in _chunks(keys, PAGE_SIZE):
            keys_jql = ", ".join(_jql_string(key) for key in chunk)
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
            except _Unconfirmed:
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
            f"create issue{_assigning(draft.assignees)}",
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
                f"{draft.item_key!r}{_assigning(draft.assignees)}: {result['error']}"
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
            what = f"update {ref}{_assigning(change.assignees)}"
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
        except (_Refused, NotFound):
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
        on them raises `_Unconfirmed` at once (429s are still retried: Jira did nothing)."""
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return request()
            except (JIRAError, requests.RequestException) as exc:
                failure = _classify(exc, what, self._clock())
            if not failure.retryable:
                raise failure.error
            if not repeatable and not failure.rate_limited:
                raise _Unconfirmed(str(failure.error))
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
