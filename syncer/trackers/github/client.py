"""`GitHubTracker`: one repository's issues through PyGithub (see the package docstring)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from github import Auth, Github, GithubException

from syncer.model import (
    Changes,
    IssueChange,
    IssueDraft,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    AuthError,
    FieldMapping,
    RetryPolicy,
    TrackerError,
    split_footer,
    with_footer,
)
from syncer.trackers.github.mapping import (
    KIND,
    Json,
    dedupe_labels,
    draft_labels,
    edit_fields,
    is_pull_request,
    issue_from_json,
    label_color,
    needs_current,
    normalized_body,
)
from syncer.trackers.github.poll import Page, PollCursor, next_link
from syncer.trackers.github.transport import (
    SECONDARY_LIMIT_WAIT,
    NoAnswer,
    is_rate_limit,
    issue_number,
    maybe_acted,
    shielded,
    translate,
    wait_from_headers,
)
from syncer.trackers.pacing import WriteLimits, WritePacer
from syncer.trackers.retry import Transient, call_with_retries

T = TypeVar("T")

PER_PAGE = 100

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
        for name in dedupe_labels(labels):
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
