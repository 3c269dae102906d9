"""Every request to one Jira site: through the `jira` library, retried within the
`RetryPolicy`, counted, and translated into syncer's typed errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Literal, TypeVar
from urllib.parse import urlsplit

import requests
from jira import JIRA, JIRAError

from syncer.trackers.base import AnswerLost, RateLimited, RetryPolicy
from syncer.trackers.http import CountingAdapter, RequestHook, count_on
from syncer.trackers.jira.errors import Failure, classify, utcnow
from syncer.trackers.jira.mapping import Json

Flavour = Literal["server", "cloud"]
T = TypeVar("T")

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
MAYBE_DONE = "Jira may have done it, so it is not sent again"
GATEWAY_PATH = "/ex/jira/"
"""How Atlassian's API gateway for Cloud (`api.atlassian.com/ex/jira/{cloudId}`, for scoped
tokens and OAuth) addresses a site: the API's address, not the site's."""


class JiraCalls:
    """One Jira site, as the adapter talks to it.

    `token` is a Server/Data Center personal access token (sent as Bearer), or with `email` a
    Cloud API token (Basic auth). `flavour` picks the search endpoint: Server's `search` with
    `startAt`, or Cloud's `search/jql` with `nextPageToken` (Cloud has removed the former).
    None (the default): it is read from `serverInfo`'s `deploymentType` on first need, which
    also gives the site's own address (`baseUrl`, where people browse issues: not the API's
    when that is Atlassian's gateway, `api.atlassian.com/ex/jira/{cloudId}`). A configured
    flavour costs no such request, except through the gateway, whose site must be asked for.
    The library's own retry loop sleeps up to minutes on its own schedule: it is turned off,
    and `call` retries instead, sleeping through the injected `sleep`.
    """

    def __init__(
        self,
        server: str,
        token: str,
        *,
        email: str | None,
        flavour: Flavour | None,
        retry: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        on_request: RequestHook | None = None,
    ) -> None:
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self.client = self._connect(server, token, email, on_request)
        self._flavour = flavour
        gateway = urlsplit(server).path.startswith(GATEWAY_PATH)
        self._site = None if flavour is None or gateway else server.rstrip("/")
        if flavour == "cloud":
            self.client.deploymentType = "Cloud"

    @property
    def flavour(self) -> Flavour:
        if self._flavour is None:
            self._flavour = self._server_info()[0]
        return self._flavour

    @property
    def site(self) -> str:
        """The site's web address, which browse links start with."""
        if self._site is None:
            self._site = self._server_info()[1]
        return self._site

    def _server_info(self) -> tuple[Flavour, str]:
        """(flavour, site address) as `serverInfo` tells them, remembered for the run."""
        info = self.call("server info", self.client.server_info)
        flavour: Flavour = "cloud" if info.get("deploymentType") == "Cloud" else "server"
        if flavour == "cloud":
            self.client.deploymentType = "Cloud"
        self._site = str(info.get("baseUrl") or self.client.server_url).rstrip("/")
        return flavour, self._site

    def _connect(
        self, server: str, token: str, email: str | None, on_request: RequestHook | None
    ) -> JIRA:
        """A client that makes no request until used (no server-info probe, no PyPI version
        check), never retries or sleeps by itself, and reports each request it sends. Its own
        logging is off (`logging=False`): it would set its logger to INFO over syncer's
        configuration and log a failed answer's whole body (a proxy's HTML page) at ERROR,
        where syncer reports the failure in one line."""
        auth: Json = {"basic_auth": (email, token)} if email else {"token_auth": token}
        client = JIRA(
            server=server,
            options={"check_update": False},
            get_server_info=False,
            max_retries=0,
            timeout=self.retry.timeout_seconds,
            logging=False,
            **auth,
        )
        count_on(client._session, CountingAdapter(on_request))
        return client

    def call(self, what: str, request: Callable[[], T], *, repeatable: bool = True) -> T:
        """Run one request, retrying what is worth retrying within the `RetryPolicy`.

        `repeatable=False` marks writes that must not be sent twice blindly: when Jira may have
        done one (a 5xx, a timeout after it left, a garbled answer), it ends at once in
        `AnswerLost` (429s are still retried: Jira did nothing)."""
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return request()
            except (JIRAError, requests.RequestException, ValueError, KeyError) as exc:
                failure = classify(exc, what, self.clock())
            if not repeatable and failure.maybe_done:
                raise AnswerLost(f"{failure.error}; {MAYBE_DONE}")
            if not failure.retryable:
                raise failure.error
            delay = failure.retry_after
            delay = self.backoff(attempt) if delay is None else delay
            if attempt >= self.retry.attempts or waited + delay > self.retry.max_wait_seconds:
                break
            self.sleep(delay)
            waited += delay
        raise _gave_up(failure, delay, self.clock())

    def user_time_zone(self) -> str | None:
        """The syncer user's time zone (`/myself` → `timeZone`), in which Jira reads JQL dates."""
        me = self.call("who am I", self.client.myself)
        return str(me["timeZone"]) if me.get("timeZone") else None

    def backoff(self, attempt: int) -> float:
        return float(self.retry.backoff_seconds * 2 ** (attempt - 1))

    def get_raw(self, ref: str, fields: tuple[str, ...] = FIELDS) -> Json:
        wanted = ",".join(fields)
        issue = self.call(f"get {ref}", lambda: self.client.issue(ref, fields=wanted))
        return dict(issue.raw)

    def search(self, jql: str) -> Iterator[Json]:
        """Every issue the JQL matches, page by page, with the mapper's fields."""
        for page in self.pages(jql):
            yield from page

    def pages(self, jql: str) -> Iterator[list[Json]]:
        return self._cloud_pages(jql) if self.flavour == "cloud" else self._server_pages(jql)

    def _server_pages(self, jql: str) -> Iterator[list[Json]]:
        start = 0
        while True:
            page = self.call("search", partial(self._server_page, jql, start))
            issues = list(page.get("issues") or [])
            yield issues
            start += len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return

    def _server_page(self, jql: str, start: int) -> Json:
        """One page of `/search`, the request `search_issues(..., json_result=True)` sends.
        Asked directly: `search_issues` first fetches every field's name (`/field`) in each
        process, to translate field names into ids, and `FIELDS` are ids already. An idle
        cycle on Jira Server is then its one search."""
        params = {
            "jql": jql,
            "startAt": start,
            "validateQuery": True,
            "fields": list(FIELDS),
            "maxResults": PAGE_SIZE,
        }
        page: Json = self.client._get_json("search", params=params)
        return page

    def _cloud_pages(self, jql: str) -> Iterator[list[Json]]:
        token: str | None = None
        while True:
            page = self.call("search", partial(self._cloud_page, jql, token))
            yield list(page.get("issues") or [])
            token = page.get("nextPageToken")
            if page.get("isLast", True) or not token:
                return

    def _cloud_page(self, jql: str, token: str | None) -> Json:
        page: Json = self.client.enhanced_search_issues(
            jql, nextPageToken=token, maxResults=PAGE_SIZE, fields=list(FIELDS), json_result=True
        )
        return page


def _gave_up(failure: Failure, delay: float, now: datetime) -> Exception:
    if failure.rate_limited:
        retry_at = now + timedelta(seconds=delay)
        return RateLimited(f"{failure.error} (retry at {retry_at:%H:%M:%S} UTC)", retry_at)
    return failure.error
