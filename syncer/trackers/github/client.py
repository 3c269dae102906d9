"""`GitHubTracker`: one repository's issues through PyGithub (see the package docstring)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from github import Auth, Github, GithubException

from syncer import log
from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    AnswerLost,
    AuthError,
    Created,
    FieldMapping,
    GarbledAnswer,
    NotFound,
    RetryPolicy,
    TrackerError,
    create_each,
    read_issue,
    split_footer,
    with_footer,
)
from syncer.trackers.github.mapping import (
    KIND,
    Json,
    blind_fields,
    dedupe_labels,
    draft_labels,
    edit_fields,
    is_pull_request,
    issue_from_json,
    known_json,
    label_color,
    needs_current,
    normalized_body,
)
from syncer.trackers.github.poll import Page, PollCursor, next_link
from syncer.trackers.github.transport import (
    UNTIMED_LIMIT_WAIT,
    NoAnswer,
    Redirected,
    error_data,
    is_rate_limit,
    issue_number,
    moved_to,
    shielded,
    translate,
    wait_from_headers,
    wire_requests,
)
from syncer.trackers.http import RequestHook
from syncer.trackers.mentions import render_mentions
from syncer.trackers.pacing import MemoryLedger, WriteLedger, WriteLimits, WritePacer
from syncer.trackers.retry import Transient, call_with_retries

log.adopt_library_logger("github")  # PyGithub's own stderr handler would print unmasked

T = TypeVar("T")

PER_PAGE = 100
MAYBE_DONE = "GitHub may have done it, so it is not sent again"

# --- the adapter -----------------------------------------------------------------------------


class GitHubTracker:
    """One GitHub repository's issues as a `Tracker`.

    PyGithub's own retries and request pacing are turned off: this class retries with
    `RetryPolicy`, honouring `retry-after` and `x-ratelimit-reset`, paces its writes and,
    separately, its creates within `write_limits` (counted in `ledgers("writes")` and
    `ledgers("creates")` when given, so other processes of the token count them too), and
    sleeps through the injected `sleep` (tests pass a recording one). `clock` is wall time in
    epoch seconds. `on_request` hears of every request sent (`syncer.trackers.http`).

    Every request goes through `_call`, so every refusal is a typed `TrackerError`: requests
    are sent through PyGithub's requester (`_send`, `_page`) rather than its objects, which
    in some releases read on their own. A redirect (a renamed or transferred repository) is
    refused as it arrives (`transport.Redirected`) and reported as `Moved`, naming the new name.
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
        ledgers: Callable[[str], WriteLedger] | None = None,
        on_request: RequestHook | None = None,
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
        limits = write_limits or WriteLimits()
        ledger_of = ledgers or (lambda _kind: MemoryLedger())
        pace = partial(
            WritePacer, max_wait_seconds=self.retry.max_wait_seconds, clock=clock, sleep=sleep
        )
        self._writes = pace(limits.windows(), what="write", ledger=ledger_of("writes"))
        self._creates = pace(limits.create_windows(), what="creation", ledger=ledger_of("creates"))
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
        wire_requests(self._github, base_url, on_request)
        self._repo = self._github.get_repo(repo)
        self._issues_url = f"{self._repo.url}/issues"

    def close(self) -> None:
        self._github.close()

    # -- Tracker --

    def list_changed(self, cursor: str | None) -> Changes:
        state = PollCursor.decode(cursor)
        what = f"listing {self.repo} issues"
        try:
            first = self._page(self._issues_url, self._poll_params(state.since), what, state.etag)
        except NotFound as exc:
            raise NotFound(
                f"{self.repo}: not found, or the token has no access to it ({exc})"
            ) from None
        if first is None:
            return Changes(issues=(), cursor=state.encode(), not_modified=True)
        fresh, stale = self._fresh_since(first, state, what)
        issues = tuple(self._issue(raw, what) for raw in fresh)
        return Changes(issues=issues, cursor=state.advanced(fresh, first.etag, stale).encode())

    def get(self, ref: str) -> RemoteIssue:
        number = issue_number(ref)
        return self._issue(self._fetch(number), f"reading #{number}")

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        """One by one, in order: GitHub has no bulk create, and paces creation anyway."""
        return create_each(drafts, self._create)

    def _create(self, draft: IssueDraft) -> RemoteIssue:
        """POST the draft, once. A timeout, a 5xx or a garbled answer may come after GitHub
        made the issue, and a lookup right then may not see it yet: posting again could make a
        duplicate, so it ends in `AnswerLost` and the next cycle settles it by its marker."""
        what = f"creating {draft.item_key!r}"
        raw = self._call(partial(self._post_issue, draft), what, once=True)
        try:
            created = self._issue(raw, what)
        except GarbledAnswer as exc:
            raise AnswerLost(f"{exc}; {MAYBE_DONE}") from exc
        if draft.status is not Status.DONE:
            return created
        try:  # the POST's answer is the current issue: no re-read
            return self._edit(int(created.ref), raw, IssueChange(status=Status.DONE))
        except TrackerError as exc:
            raise AnswerLost(
                f"#{created.ref} was made for {draft.item_key!r} but not closed: {exc}"
            ) from exc

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        """One listing of the sync-labelled issues, open and closed, oldest first."""
        wanted = set(item_keys)
        if not wanted:
            return {}
        what = f"looking for markers in {self.repo}"
        params = {**self._poll_params(None), "sort": "created", "direction": "asc"}
        found: dict[str, list[RemoteIssue]] = {}
        for raw in self._listed(self._issues_url, params, what):
            key = split_footer(normalized_body(raw))[1]
            if key in wanted and not is_pull_request(raw):
                found.setdefault(key, []).append(self._issue(raw, what))
        return {key: tuple(issues) for key, issues in found.items()}

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        """One PATCH; the issue is read first only when the PATCH needs what `seen` lacks (a
        body keeps the footer the reading dropped), so a status change costs one request."""
        number = issue_number(ref)
        if seen is not None and change.body is None:
            fields = edit_fields(known_json(seen), change, self.mapping)
            return self._patched(number, fields) if fields else seen
        blind = blind_fields(change, self.mapping)
        if blind is not None:
            answer = self._call(lambda: self._patch(number, blind), f"updating #{number}")
            return self._edit(number, answer, IssueChange(status=change.status))
        return self._edit(number, self._fetch(number) if needs_current(change) else None, change)

    def _edit(self, number: int, current: Json | None, change: IssueChange) -> RemoteIssue:
        fields = edit_fields(current, change, self.mapping)
        if not fields:
            return self._issue(current or self._fetch(number), f"updating #{number}")
        return self._patched(number, fields)

    def _patched(self, number: int, fields: Json) -> RemoteIssue:
        what = f"updating #{number}"
        return self._issue(self._call(lambda: self._patch(number, fields), what), what)

    def comment(self, ref: str, text: str) -> None:
        number = issue_number(ref)
        url = f"{self._issues_url}/{number}/comments"
        post = partial(self._send, "POST", url, {"body": text})
        self._call(partial(self._writes.run, post), f"commenting on #{number}")

    def ensure_labels(self, labels: Iterable[str]) -> None:
        listed = self._listed(f"{self._repo.url}/labels", {"per_page": PER_PAGE}, "listing labels")
        existing = {str(label.get("name", "")).casefold() for label in listed}
        for name in dedupe_labels(labels):
            if name.casefold() not in existing:
                self._create_label(name)

    # -- requests --

    def _call(self, call: Callable[[], T], what: str, *, once: bool = False) -> T:
        """`call` with retries; GitHub's refusals come out as typed `TrackerError`s.

        `once`: a write that must not be sent twice. It is tried again only after answers that
        say GitHub did nothing (a rate limit) or when it never left; any other failure after
        it was sent is an `AnswerLost`.
        """
        classify = self._classify_unsent if once else self._classify
        try:
            return call_with_retries(
                shielded(call), classify, self.retry, sleep=self._sleep, clock=self._clock
            )
        except GithubException as exc:
            error = translate(exc, what)
            if once and exc.status >= 500:
                raise AnswerLost(
                    f"{error}; it may have been done, so it is not sent again"
                ) from exc
            raise error from exc
        except Redirected as exc:
            raise moved_to(self._github, self.repo, exc.status, exc.location) from None
        except NoAnswer as exc:
            if once and exc.sent:
                raise AnswerLost(
                    f"{exc} to {what}; it may have been done, so it is not sent again"
                ) from exc
            raise TrackerError(f"{exc} to {what}") from exc
        except ValueError as exc:  # PyGithub could not decode a body that looked like JSON
            garbled = f"GitHub answered {what} with a body that is not JSON"
            raise (AnswerLost(garbled) if once else GarbledAnswer(garbled)) from exc

    def _classify(self, exc: Exception) -> Transient | None:
        if isinstance(exc, NoAnswer):
            return Transient(str(exc)) if exc.transient else None
        if not isinstance(exc, GithubException):
            return None
        headers = exc.headers or {}
        if is_rate_limit(exc):
            wait = wait_from_headers(headers, self._clock())
            if wait is None:
                wait = UNTIMED_LIMIT_WAIT
            return Transient(f"{exc.status} rate limit", wait, rate_limited=True)
        if exc.status >= 500:
            return Transient(
                f"{exc.status} server error", wait_from_headers(headers, self._clock())
            )
        return None

    def _classify_unsent(self, exc: Exception) -> Transient | None:
        """`_classify` for writes sent once: only failures where GitHub did nothing."""
        if isinstance(exc, NoAnswer) and exc.sent:
            return None
        if isinstance(exc, GithubException) and not is_rate_limit(exc):
            return None
        return self._classify(exc)

    def _issue(self, raw: Any, what: str) -> RemoteIssue:
        garbled = f"GitHub answered {what} with something that is not an issue"
        return read_issue(issue_from_json, raw, self.mapping, garbled)

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

    def _page(
        self, url: str, params: Json | None, what: str, etag: str | None = None
    ) -> Page | None:
        """One page of a list, conditionally on `etag`; None when GitHub answers 304. Anything
        but a JSON list of objects is a `GarbledAnswer`: read as "no issues", a proxy's page
        would make every item look new."""
        headers = {"If-None-Match": etag} if etag else {}

        def request() -> Page | None:
            requester = self._github.requester
            status, answer_headers, body = requester.requestJson("GET", url, params, headers)
            if status == 304:
                return None
            if status >= 400:
                raise requester.createException(status, answer_headers, error_data(body))
            items = _json_list(body)
            if items is None:
                kind = answer_headers.get("content-type", "no content type")
                raise GarbledAnswer(
                    f"GitHub answered {what} with a body that is not a JSON list ({kind}, "
                    f"{len(body)} characters)"
                )
            return Page(items, answer_headers.get("etag"), next_link(answer_headers.get("link")))

        return self._call(request, what)

    def _pages(self, first: Page, what: str) -> Iterator[Page]:
        page: Page | None = first
        while page is not None:
            yield page
            page = self._page(page.next_url, None, what) if page.next_url else None

    def _listed(self, url: str, params: Json, what: str) -> Iterator[Json]:
        """Every item of a list, page after page."""
        first = self._page(url, params, what)
        for page in self._pages(first, what) if first is not None else ():
            yield from page.items

    def _fresh_since(self, first: Page, state: PollCursor, what: str) -> tuple[list[Json], int]:
        """Issues not yet returned, newest first; stops at the first one older than the cursor."""
        fresh: list[Json] = []
        stale = 0
        for page in self._pages(first, what):
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
        url = f"{self._issues_url}/{number}"
        return self._call(partial(self._send, "GET", url, None), f"reading #{number}")

    def _post_issue(self, draft: IssueDraft) -> Json:
        body = render_mentions(draft.body, self.mapping.mentions)
        fields = {
            "title": draft.title,
            "body": with_footer(body, draft.item_key, draft.register_url),
            "labels": draft_labels(draft, self.mapping),
            "assignees": list(draft.assignees),
        }
        post = partial(self._send, "POST", self._issues_url, fields)
        return self._creates.run(partial(self._writes.run, post))

    def _patch(self, number: int, fields: Json) -> Json:
        """PATCH through the requester: PyGithub's `Issue.edit` does not refresh `raw_data`."""
        url = f"{self._issues_url}/{number}"
        return self._writes.run(partial(self._send, "PATCH", url, fields))

    def _send(self, verb: str, url: str, fields: Json | None) -> Json:
        """One request through PyGithub's requester; its JSON object answer."""
        requester = self._github.requester
        status, headers, body = requester.requestJson(verb, url, input=fields)
        if status >= 400:
            raise requester.createException(status, headers, error_data(body))
        data = json.loads(body) if body else None
        if not isinstance(data, dict):
            raise ValueError(f"not a JSON object ({len(body)} characters)")
        return data

    def _create_label(self, name: str) -> None:
        try:
            url = f"{self._repo.url}/labels"
            post = partial(self._send, "POST", url, {"name": name, "color": label_color(name)})
            self._call(partial(self._writes.run, post), f"label {name!r}")
        except TrackerError as exc:
            if "already_exists" not in str(exc):
                raise


def _json_list(body: str) -> list[Json] | None:
    """`body` as a list of JSON objects, or None when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return None
    return data
