"""The GitHub adapter: issues of one repository, through PyGithub.

Two halves. Module-level pure functions map GitHub's issue JSON (PyGithub's `raw_data`, a list
item or a webhook's `issue`) to `RemoteIssue` and turn an `IssueChange` into a PATCH body; they
are tested on recorded payloads. `GitHubTracker` does the I/O: it holds no sync logic, retries
what GitHub asks it to retry, and translates failures into the typed errors of `base.py`.

Writes are paced (`pacing.WritePacer`) below GitHub's documented limit on content-generating
requests, so a large batch of creates waits a little between writes instead of meeting the
limit's 403; the 403 path stays, for the limit's other triggers and other clients of the token.

Incremental polling is the part worth reading twice. GitHub lists issues newest-update first
(`sort=updated`), filtered by the sync label; `since` is inclusive and second-granular. The
first page is requested conditionally (`If-None-Match`), which PyGithub cannot do for lists, so
it goes through PyGithub's requester directly: an idle poll is one request answered 304, which
GitHub does not count against the rate limit. Reading stops at the first issue older than the
newest one already returned, so a poll costs pages in proportion to what changed, not to the
size of the repository. The cursor (opaque JSON) keeps the query's `since`, the first page's
ETag, and the newest `updated_at` returned with the issues returned at that very second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException, RateLimitExceededException

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
    RetryPolicy,
    TrackerError,
    sorted_assignees,
    split_footer,
    with_footer,
)
from syncer.trackers.pacing import WriteLimits, WritePacer
from syncer.trackers.retry import Transient, call_with_retries

Json = dict[str, Any]
T = TypeVar("T")

KIND = "github"
PER_PAGE = 100
# Re-base the poll's `since` once its first page carries this many issues already returned:
# the next poll then costs one full answer instead of a 304, and later ones are small again.
REBASE_AFTER_STALE = 25
# GitHub's advice for a secondary rate limit that names no wait: at least a minute.
SECONDARY_LIMIT_WAIT = 60.0

log = logging.getLogger(__name__)

_LINK_RE = re.compile(r'<(?P<url>[^>]+)>;\s*rel="(?P<rel>[^"]+)"')


# --- pure mappers ----------------------------------------------------------------------------


def is_pull_request(raw: Json) -> bool:
    """True for pull requests, which GitHub mixes into the issue list.

    2012-era payloads carried `pull_request` with null URLs on plain issues, so the object's
    presence is not enough: a pull request's object has URLs.
    """
    pull = raw.get("pull_request")
    return isinstance(pull, dict) and bool(pull.get("url") or pull.get("html_url"))


def label_names(raw: Json) -> tuple[str, ...]:
    labels = raw.get("labels") or []
    return tuple(label["name"] if isinstance(label, dict) else str(label) for label in labels)


def assignee_logins(raw: Json) -> tuple[str, ...]:
    """Logins from `assignees`, or from the lone `assignee` older payloads carry; sorted."""
    users = raw.get("assignees")
    if users is None:
        users = [raw["assignee"]] if raw.get("assignee") else []
    return sorted_assignees(user["login"] for user in users)


def _has_label(labels: Iterable[str], wanted: str) -> bool:
    """GitHub label names are unique regardless of case, so compare them that way."""
    return wanted.casefold() in {label.casefold() for label in labels}


def status_of(raw: Json, mapping: FieldMapping) -> Status:
    if raw.get("state") == "closed":
        return Status.DONE
    if _has_label(label_names(raw), mapping.in_progress_label):
        return Status.IN_PROGRESS
    return Status.TODO


def priority_of(labels: Iterable[str], mapping: FieldMapping) -> Priority | None:
    """The most urgent priority whose label the issue carries (Priority is ordered by urgency)."""
    present = {label.casefold() for label in labels}
    for priority in Priority:
        name = mapping.priority_labels.get(priority)
        if name is not None and name.casefold() in present:
            return priority
    return None


def raw_status_of(raw: Json) -> str:
    """GitHub's own words for where the issue stands, e.g. `closed (not_planned)`."""
    state = str(raw.get("state", ""))
    reason = raw.get("state_reason")
    return f"{state} ({reason})" if reason else state


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def normalized_body(raw: Json) -> str:
    """The body as Markdown with `\\n` line ends (the web editor saves `\\r\\n`); null is empty."""
    return str(raw.get("body") or "").replace("\r\n", "\n")


def version_of(raw: Json) -> str:
    """`updated_at` plus a digest of the fields syncer reads.

    GitHub's `updated_at` has one-second precision, so a person's edit in the same second as
    syncer's own write would otherwise look like syncer's echo. An ETag would not do either:
    list items have none, and a version must read the same from `get` and `list_changed`.
    """
    fields = [
        raw.get("title"),
        normalized_body(raw),
        raw.get("state"),
        raw.get("state_reason"),
        sorted(label_names(raw)),
        assignee_logins(raw),
    ]
    digest = hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:12]
    return f"{raw['updated_at']}#{digest}"


def issue_from_json(raw: Json, mapping: FieldMapping) -> RemoteIssue:
    """Normalize one GitHub issue (REST item or webhook `issue`) into a `RemoteIssue`."""
    labels = label_names(raw)
    body, marker = split_footer(normalized_body(raw))
    return RemoteIssue(
        tracker=KIND,
        id=str(raw["id"]),
        ref=str(raw["number"]),
        url=str(raw.get("html_url") or raw.get("url") or ""),
        title=str(raw.get("title") or ""),
        body=body,
        state=IssueState.CLOSED if raw.get("state") == "closed" else IssueState.OPEN,
        status=status_of(raw, mapping),
        updated_at=parse_time(raw["updated_at"]),
        version=version_of(raw),
        labels=labels,
        assignees=assignee_logins(raw),
        priority=priority_of(labels, mapping),
        marker=marker,
        raw_status=raw_status_of(raw),
    )


def body_keeping_footer(current: str, text: str) -> str:
    """`text` as the new body, keeping the footer and marker the current body ends with."""
    current = current.replace("\r\n", "\n")
    head, key = split_footer(current)
    if key is None:
        return text
    footer = current[len(head) :].lstrip("\n").removeprefix(FOOTER_RULE.strip("\n")).lstrip("\n")
    return f"{text.rstrip()}{FOOTER_RULE}{footer}" if text.strip() else footer


def _managed(mapping: FieldMapping) -> set[str]:
    """Labels syncer owns: a user-label change never removes them."""
    names = [mapping.sync_label, mapping.in_progress_label, *mapping.priority_labels.values()]
    return {name.casefold() for name in names}


def _dedupe(labels: Iterable[str]) -> list[str]:
    """Labels in order, each once regardless of case."""
    unique: dict[str, str] = {}
    for label in labels:
        unique.setdefault(label.casefold(), label)
    return list(unique.values())


def draft_labels(draft: IssueDraft, mapping: FieldMapping) -> list[str]:
    labels = [mapping.sync_label]
    if draft.priority is not None:
        labels.append(mapping.priority_labels[draft.priority])
    if draft.status is Status.IN_PROGRESS:
        labels.append(mapping.in_progress_label)
    return _dedupe([*labels, *draft.labels])


def changed_labels(current: Sequence[str], change: IssueChange, mapping: FieldMapping) -> list[str]:
    """The issue's labels after `change`: user labels replaced, priority and status swapped."""
    labels = list(current)
    if change.labels is not None:
        managed = _managed(mapping)
        labels = [x for x in labels if x.casefold() in managed] + list(change.labels)
    if change.priority is not None or change.clear_priority:
        priority_names = {name.casefold() for name in mapping.priority_labels.values()}
        labels = [x for x in labels if x.casefold() not in priority_names]
        if change.priority is not None and not change.clear_priority:
            labels.append(mapping.priority_labels[change.priority])
    if change.status is not None:
        labels = [x for x in labels if x.casefold() != mapping.in_progress_label.casefold()]
        if change.status is Status.IN_PROGRESS:
            labels.append(mapping.in_progress_label)
    return _dedupe([mapping.sync_label, *labels])


def state_fields(current_state: str, status: Status) -> Json:
    """PATCH fields moving an issue to `status`; empty when its state already fits."""
    if status is Status.DONE:
        return {} if current_state == "closed" else {"state": "closed", "state_reason": "completed"}
    return {"state": "open", "state_reason": "reopened"} if current_state == "closed" else {}


def needs_current(change: IssueChange) -> bool:
    """Whether building the PATCH needs the issue as it is now (its body, labels or state)."""
    touched = (change.body, change.status, change.labels, change.priority)
    return change.clear_priority or any(value is not None for value in touched)


def edit_fields(current: Json | None, change: IssueChange, mapping: FieldMapping) -> Json:
    """The PATCH body applying `change` to `current` (which `needs_current` says when to fetch)."""
    fields: Json = {}
    if change.title is not None:
        fields["title"] = change.title
    if change.assignees is not None:
        fields["assignees"] = list(change.assignees)
    if current is None:
        return fields
    if change.body is not None:
        fields["body"] = body_keeping_footer(str(current.get("body") or ""), change.body)
    if change.status is not None:
        fields.update(state_fields(str(current.get("state")), change.status))
    labels = changed_labels(label_names(current), change, mapping)
    if labels != list(label_names(current)):
        fields["labels"] = labels
    return fields


def label_color(name: str) -> str:
    """A stable colour per label name, so every repository shows syncer's labels alike."""
    return hashlib.sha256(name.casefold().encode()).hexdigest()[:6]


# --- the poll cursor -------------------------------------------------------------------------


@dataclass(frozen=True)
class PollCursor:
    """Where `list_changed` stands; serialized into the opaque cursor string."""

    since: str | None = None
    etag: str | None = None
    newest: str | None = None
    at_newest: tuple[int, ...] = field(default_factory=tuple)

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> PollCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(data["since"], data["etag"], data["newest"], tuple(data["at_newest"]))
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable GitHub poll cursor; listing everything again")
            return cls()

    def already_returned(self, raw: Json) -> bool:
        if self.newest is None:
            return False
        updated, newest = parse_time(raw["updated_at"]), parse_time(self.newest)
        return updated < newest or (updated == newest and raw["number"] in self.at_newest)

    def is_older(self, raw: Json) -> bool:
        return self.newest is not None and parse_time(raw["updated_at"]) < parse_time(self.newest)

    def advanced(self, fresh: Sequence[Json], etag: str | None, stale: int) -> PollCursor:
        """The cursor after a poll that returned `fresh` and skipped `stale` known issues.

        Re-basing `since` only helps when it moves: many issues updated in one second would
        otherwise re-base on every poll, and every poll would cost a full answer.
        """
        newest, at_newest = self.newest, set(self.at_newest)
        for raw in fresh:
            if newest is None or parse_time(raw["updated_at"]) > parse_time(newest):
                newest, at_newest = raw["updated_at"], set()
            if parse_time(raw["updated_at"]) == parse_time(newest):
                at_newest.add(raw["number"])
        if stale >= REBASE_AFTER_STALE and newest != self.since:
            return PollCursor(newest, None, newest, tuple(sorted(at_newest)))
        return PollCursor(self.since, etag, newest, tuple(sorted(at_newest)))


@dataclass(frozen=True)
class Page:
    items: list[Json]
    etag: str | None
    next_url: str | None


def next_link(header: str | None) -> str | None:
    for match in _LINK_RE.finditer(header or ""):
        if match.group("rel") == "next":
            return match.group("url")
    return None


# --- failures --------------------------------------------------------------------------------


def is_rate_limit(exc: GithubException) -> bool:
    headers = exc.headers or {}
    return exc.status == 429 or (
        exc.status == 403
        and (
            isinstance(exc, RateLimitExceededException)
            or headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in headers
        )
    )


def wait_from_headers(headers: dict[str, Any], now: float) -> float | None:
    """The wait GitHub asked for: `retry-after`, else until `x-ratelimit-reset` when spent."""
    if (after := _seconds(headers.get("retry-after"))) is not None:
        return max(after, 0.0)
    reset = _seconds(headers.get("x-ratelimit-reset"))
    if headers.get("x-ratelimit-remaining") == "0" and reset is not None:
        return max(reset - now, 0.0)
    return None


def _seconds(value: Any) -> float | None:
    """A header's number of seconds; None when absent or not a number (never a crash)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class NoAnswer(Exception):
    """GitHub gave no usable answer (timeout, refused connection, broken response).

    Stands in for the `requests` exception, which holds the request and so its Authorization
    header: nothing syncer raises or chains may carry the token.
    """

    def __init__(self, exc: requests.RequestException) -> None:
        super().__init__(f"no answer from GitHub ({type(exc).__name__})")
        self.transient = isinstance(exc, requests.Timeout | requests.ConnectionError)


def shielded(call: Callable[[], T]) -> Callable[[], T]:
    """`call`, with `requests` failures replaced by a token-free `NoAnswer`."""

    def run() -> T:
        try:
            return call()
        except requests.RequestException as exc:
            failure = NoAnswer(exc)
        raise failure  # outside `except`: not even `__context__` keeps the request

    return run


def maybe_acted(exc: Exception) -> bool:
    """Whether GitHub may have done the work although the call failed (timeout, 5xx)."""
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return True
    return isinstance(exc, GithubException) and exc.status >= 500


def error_message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "no message")
    errors = data.get("errors")
    return f"{message} {json.dumps(errors)}" if errors else message


def translate(exc: GithubException, what: str) -> TrackerError:
    """A typed error for a GitHub refusal; the message names the call, never the token."""
    message = f"GitHub answered {exc.status} to {what}: {error_message(exc)}"
    if exc.status == 401 or (exc.status == 403 and not is_rate_limit(exc)):
        return AuthError(message)
    if exc.status in (404, 410):
        return NotFound(message)
    return TrackerError(message)


def issue_number(ref: str) -> int:
    try:
        return int(ref.strip().lstrip("#"))
    except ValueError:
        raise NotFound(f"{ref!r} is not a GitHub issue number") from None


# --- the adapter -----------------------------------------------------------------------------


class GitHubTracker:
    """One GitHub repository's issues as a `Tracker`.

    PyGithub's own retries and request pacing are turned off: this class retries with
    `RetryPolicy`, honouring `retry-after` and `x-ratelimit-reset`, paces its writes within
    `write_limits`, and sleeps through the injected `sleep` (tests pass a recording one).
    `clock` is wall time in epoch seconds.
    """

    kind = KIND

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        base_url: str = "https://api.github.com",
        mapping: FieldMapping | None = None,
        retry: RetryPolicy | None = None,
        write_limits: WriteLimits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise AuthError("no GitHub token configured")
        self.repo = repo
        self.mapping = mapping or FieldMapping()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._pacer = WritePacer(
            write_limits or WriteLimits(),
            max_wait_seconds=self.retry.max_wait_seconds,
            clock=clock,
            sleep=sleep,
        )
        self._github = Github(
            base_url=base_url.rstrip("/"),
            auth=Auth.Token(token),
            timeout=max(math.ceil(self.retry.timeout_seconds), 1),
            user_agent="syncer (PyGithub)",
            per_page=PER_PAGE,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self._repo = self._github.get_repo(repo)
        self._issues_url = f"{self._repo.url}/issues"

    def close(self) -> None:
        self._github.close()

    # -- Tracker --

    def list_changed(self, cursor: str | None) -> Changes:
        state = PollCursor.decode(cursor)
        first = self._page(self._issues_url, self._poll_params(state.since), state.etag)
        if first is None:
            return Changes(issues=(), cursor=state.encode(), not_modified=True)
        fresh, stale = self._fresh_since(first, state)
        issues = tuple(issue_from_json(raw, self.mapping) for raw in fresh)
        return Changes(issues=issues, cursor=state.advanced(fresh, first.etag, stale).encode())

    def get(self, ref: str) -> RemoteIssue:
        return issue_from_json(self._fetch(issue_number(ref)), self.mapping)

    def create(self, draft: IssueDraft) -> RemoteIssue:
        """POST the draft; after an ambiguous failure, look for it by marker before re-posting.

        A timeout or 5xx may come after GitHub created the issue: posting again would make a
        duplicate, the one thing the marker exists to prevent.
        """
        maybe_created = False

        def post() -> Json:
            nonlocal maybe_created
            if maybe_created and (found := self._find_raw(draft.item_key)) is not None:
                return found
            try:
                return self._post_issue(draft)
            except Exception as exc:
                maybe_created = maybe_acted(exc)
                raise

        raw = self._call(post, f"creating {draft.item_key!r}")
        created = issue_from_json(raw, self.mapping)
        if draft.status is Status.DONE:  # the POST's answer is the current issue: no re-read
            return self._edit(issue_number(created.ref), raw, IssueChange(status=Status.DONE))
        return created

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[RemoteIssue]:
        """One by one, in order: GitHub has no bulk create, and paces creation anyway."""
        return [self.create(draft) for draft in drafts]

    def find_by_marker(self, item_key: str) -> RemoteIssue | None:
        raw = self._find_raw(item_key)
        return None if raw is None else issue_from_json(raw, self.mapping)

    def update(self, ref: str, change: IssueChange) -> RemoteIssue:
        number = issue_number(ref)
        current = self._fetch(number) if needs_current(change) else None
        return self._edit(number, current, change)

    def _edit(self, number: int, current: Json | None, change: IssueChange) -> RemoteIssue:
        fields = edit_fields(current, change, self.mapping)
        if not fields:
            return issue_from_json(current or self._fetch(number), self.mapping)
        raw = self._call(lambda: self._patch(number, fields), f"updating #{number}")
        return issue_from_json(raw, self.mapping)

    def comment(self, ref: str, text: str) -> None:
        number = issue_number(ref)
        issue = self._repo.get_issue(number)
        post = partial(issue.create_comment, text)
        self._call(partial(self._pacer.run, post), f"commenting on #{number}")

    def ensure_labels(self, labels: Iterable[str]) -> None:
        existing = {
            label.name.casefold()
            for label in self._call(lambda: list(self._repo.get_labels()), "listing labels")
        }
        for name in _dedupe(labels):
            if name.casefold() not in existing:
                self._create_label(name)

    # -- requests --

    def _call(self, call: Callable[[], T], what: str) -> T:
        """`call` with retries; GitHub's refusals come out as typed `TrackerError`s."""
        try:
            return call_with_retries(
                shielded(call), self._classify, self.retry, sleep=self._sleep, clock=self._clock
            )
        except GithubException as exc:
            raise translate(exc, what) from exc
        except NoAnswer as exc:
            raise TrackerError(f"{exc} to {what}") from exc

    def _classify(self, exc: Exception) -> Transient | None:
        if isinstance(exc, NoAnswer):
            return Transient(str(exc)) if exc.transient else None
        if not isinstance(exc, GithubException):
            return None
        headers = exc.headers or {}
        if is_rate_limit(exc):
            wait = wait_from_headers(headers, self._clock())
            if wait is None and exc.status == 403:
                wait = SECONDARY_LIMIT_WAIT
            return Transient(f"{exc.status} rate limit", wait, rate_limited=True)
        if exc.status >= 500:
            return Transient(
                f"{exc.status} server error", wait_from_headers(headers, self._clock())
            )
        return None

    def _poll_params(self, since: str | None) -> Json:
        params: Json = {
            "state": "all",
            "labels": self.mapping.sync_label,
            "sort": "updated",
            "direction": "desc",
            "per_page": PER_PAGE,
        }
        if since is not None:
            params["since"] = since
        return params

    def _page(self, url: str, params: Json | None, etag: str | None = None) -> Page | None:
        """One page of a list, conditionally on `etag`; None when GitHub answers 304."""
        headers = {"If-None-Match": etag} if etag else {}

        def request() -> Page | None:
            requester = self._github.requester
            status, answer_headers, body = requester.requestJson("GET", url, params, headers)
            if status == 304:
                return None
            data = _json_or_none(body)
            if status >= 400:
                raise requester.createException(status, answer_headers, data)
            items = data if isinstance(data, list) else []
            return Page(items, answer_headers.get("etag"), next_link(answer_headers.get("link")))

        return self._call(request, f"listing {self.repo} issues")

    def _pages(self, first: Page) -> Iterator[Page]:
        page: Page | None = first
        while page is not None:
            yield page
            page = self._page(page.next_url, None) if page.next_url else None

    def _fresh_since(self, first: Page, state: PollCursor) -> tuple[list[Json], int]:
        """Issues not yet returned, newest first; stops at the first one older than the cursor."""
        fresh: list[Json] = []
        stale = 0
        for page in self._pages(first):
            for position, raw in enumerate(page.items):
                if is_pull_request(raw):
                    continue
                if state.is_older(raw):
                    return fresh, stale + len(page.items) - position
                if state.already_returned(raw):
                    stale += 1
                else:
                    fresh.append(raw)
        return fresh, stale

    def _fetch(self, number: int) -> Json:
        issue = self._repo.get_issue(number)
        return self._call(lambda: issue.raw_data, f"reading #{number}")

    def _post_issue(self, draft: IssueDraft) -> Json:
        created = self._pacer.run(
            lambda: self._repo.create_issue(
                draft.title,
                body=with_footer(draft.body, draft.item_key, draft.register_url),
                labels=draft_labels(draft, self.mapping),
                assignees=list(draft.assignees),
            )
        )
        return created.raw_data

    def _find_raw(self, item_key: str) -> Json | None:
        """Newest first, since an unrecorded issue is usually the last one created."""
        params = {**self._poll_params(None), "sort": "created"}
        first = self._page(self._issues_url, params)
        for page in self._pages(first) if first else ():
            for raw in page.items:
                if not is_pull_request(raw) and split_footer(normalized_body(raw))[1] == item_key:
                    return raw
        return None

    def _patch(self, number: int, fields: Json) -> Json:
        """PATCH through the requester: PyGithub's `Issue.edit` does not refresh `raw_data`."""
        url = f"{self._issues_url}/{number}"
        requester = self._github.requester
        _, data = self._pacer.run(lambda: requester.requestJsonAndCheck("PATCH", url, input=fields))
        return dict(data)

    def _create_label(self, name: str) -> None:
        try:
            post = partial(self._repo.create_label, name, label_color(name))
            self._call(partial(self._pacer.run, post), f"label {name!r}")
        except TrackerError as exc:
            if "already_exists" not in str(exc):
                raise


def _json_or_none(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return {"message": body[:200]}
