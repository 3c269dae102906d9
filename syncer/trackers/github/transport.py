"""GitHub's failures as syncer's typed errors, what is worth another try, and counting the
requests PyGithub sends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from github import Github, GithubException, RateLimitExceededException
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

from syncer.trackers.base import AuthError, Moved, NotFound, Refused, TrackerError
from syncer.trackers.http import CountingAdapter, RequestHook, never_sent

T = TypeVar("T")

UNTIMED_LIMIT_WAIT = 60.0
"""GitHub's advice for a rate-limit answer (403 or 429) that names no wait: at least a
minute. A short backoff would only meet the limit again, and GitHub may ban an integration
that keeps doing so."""

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
        self.sent = not never_sent(exc)
        """False when the request never left (GitHub cannot have acted on it)."""


def shielded(call: Callable[[], T]) -> Callable[[], T]:
    """`call`, with `requests` failures replaced by a token-free `NoAnswer`."""

    def run() -> T:
        try:
            return call()
        except requests.RequestException as exc:
            failure = NoAnswer(exc)
        raise failure  # outside `except`: not even `__context__` keeps the request

    return run


def error_message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "no message")
    errors = data.get("errors")
    return f"{message} {json.dumps(errors)}" if errors else message


ACCESS_NEEDED = (
    "the token needs the repo scope (classic token; public_repo for a public repository) or, "
    "for a fine-grained token, Issues: read and write on the repository"
)


def translate(exc: GithubException, what: str) -> TrackerError:
    """A typed error for a GitHub refusal; the message names the call, never the token."""
    message = f"GitHub answered {exc.status} to {what}: {error_message(exc)}"
    if exc.status == 401 or (exc.status == 403 and not is_rate_limit(exc)):
        return AuthError(f"{message}; {ACCESS_NEEDED}")
    if exc.status in (404, 410):
        return NotFound(message)
    if exc.status in (400, 422):
        return Refused(message)
    return TrackerError(message)


def error_data(body: str) -> Any:
    """An error answer's body for PyGithub's exception: its JSON, or its start as a message (a
    proxy's 502 page is HTML)."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return {"message": body[:200]}


class Redirected(Exception):
    """GitHub answered with a redirect: the repository was renamed or transferred (301 for
    reads, 307 for writes, both to `/repositories/{id}/...`).

    Raised as the answer arrives, before PyGithub sees it: PyGithub follows a 301 with the
    query string dropped (a listing would come back unfiltered: open issues of every label)
    and hands a 307's body over as if it were the answer.
    """

    def __init__(self, status: int, location: str | None) -> None:
        super().__init__(f"GitHub answered {status} (moved to {location or 'nowhere'})")
        self.status = status
        self.location = location


def _refuse_redirects(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code in (301, 302, 303, 307, 308):
        response.close()
        raise Redirected(response.status_code, response.headers.get("location"))


def wire_requests(github: Github, base_url: str, on_request: RequestHook | None) -> None:
    """Have every answer to `github`'s requests checked for a redirect (`Redirected`), and
    every request reported to `on_request` when given (`syncer.trackers.http`).

    PyGithub builds its connection, and the `requests` session in it, on first use from the
    connection class its `Requester` holds. This one requester is given a factory that hooks
    each new session and mounts a `CountingAdapter` on it. `Requester.injectConnectionClasses`
    would do it for every PyGithub client in the process (and turn connection reuse off), so
    it is not used; the price is setting the requester's private `__connectionClass`, which the
    counting and rename tests against the fake would catch breaking.
    """
    plain = base_url.startswith("http://")
    base = HTTPRequestsConnectionClass if plain else HTTPSRequestsConnectionClass

    def connect(
        *args: Any, **kwargs: Any
    ) -> HTTPRequestsConnectionClass | HTTPSRequestsConnectionClass:
        connection = base(*args, **kwargs)
        connection.session.hooks["response"].append(_refuse_redirects)
        if on_request is None:
            return connection
        connection.adapter = CountingAdapter(
            on_request,
            max_retries=connection.retry,
            pool_connections=connection.pool_size,
            pool_maxsize=connection.pool_size,
        )
        connection.session.mount(f"{connection.protocol}://", connection.adapter)
        return connection

    setattr(github.requester, "_Requester__connectionClass", connect)  # noqa: B010


def moved_to(github: Github, repo: str, status: int, location: str | None) -> Moved:
    """The error for a redirect away from `repo`, naming where it went when GitHub says.

    GitHub answers writes to a renamed or transferred repository with 307 to
    `/repositories/{id}/...`, which PyGithub does not follow; the repository at that id has
    the new name. Following the write instead would keep syncer writing to a place its
    configuration does not name, so the user is told the one setting to change.
    """
    found = re.search(r"/repositories/(\d+)", location or "")
    new_name = None
    if found:
        try:
            new_name = github.get_repo(int(found[1])).full_name
        except (GithubException, requests.RequestException, Redirected):
            new_name = None
    if new_name is None:
        return Moved(f"GitHub answered {status} for {repo}: it has moved (renamed or transferred)")
    return Moved(
        f"GitHub repository {repo} was renamed or transferred to {new_name}: "
        f'set repo = "{new_name}" for this target'
    )


def issue_number(ref: str) -> int:
    try:
        return int(ref.strip().lstrip("#"))
    except ValueError:
        raise NotFound(f"{ref!r} is not a GitHub issue number") from None
