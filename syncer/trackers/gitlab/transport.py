"""Below python-gitlab: retries with a bounded, injectable wait, and typed errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from gitlab.exceptions import GitlabError
from requests.adapters import HTTPAdapter

from syncer.trackers.base import (
    AuthError,
    NotFound,
    RateLimited,
    RetryPolicy,
    TrackerError,
)
from syncer.trackers.gitlab.mapping import api_time

Json = Mapping[str, Any]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
"""Answers meaning the request was not acted on, so even a POST may be sent again."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


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


class PatientAdapter(HTTPAdapter):
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
def translated(action: str) -> Iterator[None]:
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
