"""Below python-gitlab: retries with a bounded, injectable wait, and typed errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from gitlab.exceptions import GitlabError, GitlabParsingError

from syncer.trackers.base import (
    AnswerLost,
    AuthError,
    GarbledAnswer,
    NotFound,
    RateLimited,
    Refused,
    RetryPolicy,
    TrackerError,
)
from syncer.trackers.gitlab.mapping import api_time
from syncer.trackers.http import CountingAdapter, RequestHook, never_sent

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
"""Answers meaning the request was not acted on, so even a POST may be sent again."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
MAYBE_DONE = "GitLab may have done it, so it is not sent again"
UNTIMED_LIMIT_WAIT = 60.0
"""The wait for a 429 naming none (GitLab.com answers some without `Retry-After` or
`RateLimit-*`): GitLab's rate limits count requests per minute (Rack::Attack periods of 60 s),
so a minute clears any of them, where a 0.5-4 s backoff would only meet the limit again."""


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


class PatientAdapter(CountingAdapter):
    """Retries 429s, 5xx answers and dropped connections, one HTTP request at a time, and
    tells `on_request` of each attempt sent.

    Below python-gitlab, so a listing retries only the page that failed. A POST that GitLab
    may have acted on (a timeout, a 502 from its proxy) is not sent twice: a second issue would
    be worse than an error, which the sync engine settles by marker next cycle.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        on_request: RequestHook | None = None,
    ) -> None:
        super().__init__(on_request)
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
                wait = self._wait_for(response, attempt)
                if not self._may_wait(attempt, waited, wait):
                    return _give_up(response, wait)
                response.close()
            self.sleep(wait)
            waited, attempt = waited + wait, attempt + 1

    def _wait_for(self, response: requests.Response, attempt: int) -> float:
        """The wait GitLab asked for; a minute for a 429 naming none; else a backoff."""
        requested = _requested_wait(response)
        if requested is not None:
            return requested
        return UNTIMED_LIMIT_WAIT if response.status_code == 429 else self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return float(self.policy.backoff_seconds * 2 ** (attempt - 1))

    def _may_wait(self, attempt: int, waited: float, wait: float) -> bool:
        return attempt < self.policy.attempts and waited + wait <= self.policy.max_wait_seconds


def _resendable(request: requests.PreparedRequest, exc: Exception) -> bool:
    return never_sent(exc) or request.method in IDEMPOTENT_METHODS


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
def translated(action: str, *, once: bool = False) -> Iterator[None]:
    """python-gitlab's and requests' errors as syncer's typed ones, never quoting the token.

    `once`: the block sends a write that must not be sent twice (a create). A failure after it
    left that may come after GitLab did the work (no answer, a 5xx, a garbled answer) is then
    an `AnswerLost`.
    """
    try:
        yield
    except GitlabError as exc:
        error = _typed_error(action, exc)
        code = exc.response_code or 0
        lost = once and (isinstance(exc, GitlabParsingError) or code >= 500)
        raise (AnswerLost(f"{error}; {MAYBE_DONE}") if lost else error) from exc
    except requests.RequestException as exc:
        error = TrackerError(f"GitLab unreachable while {action}: {type(exc).__name__}")
        lost = once and not never_sent(exc)
        raise (AnswerLost(f"{error}; {MAYBE_DONE}") if lost else error) from exc
    except GarbledAnswer as exc:
        if once:
            raise AnswerLost(f"{exc}; {MAYBE_DONE}") from exc
        raise


ACCESS_NEEDED = (
    "the token needs the api scope and at least the Reporter role on the project (Planner on "
    "GitLab 17.7+)"
)


def _typed_error(action: str, exc: GitlabError) -> TrackerError:
    code = exc.response_code
    if isinstance(exc, GitlabParsingError):
        return GarbledAnswer(f"GitLab answered while {action} with a body that is not JSON")
    if code in (401, 403):
        return AuthError(f"GitLab refused the token while {action} (HTTP {code}); {ACCESS_NEEDED}")
    if code == 404:
        return NotFound(f"GitLab found nothing while {action} (HTTP 404)")
    if code in (400, 422):
        return Refused(f"GitLab refused it while {action}: HTTP {code} {exc.error_message}")
    return TrackerError(f"GitLab failed while {action}: HTTP {code} {exc.error_message}")
