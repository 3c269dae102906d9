"""Jira's and the transport's failures as syncer's typed errors, never quoting a secret."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from jira import JIRAError
from jira.resilientsession import parse_error_msg

from syncer.trackers.base import AuthError, GarbledAnswer, NotFound, Refused, TrackerError
from syncer.trackers.http import never_sent

T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """One failed request: the error to raise, whether another try may help, and whether Jira
    may have done the work anyway (it got the request but its answer was lost)."""

    error: TrackerError
    retryable: bool = False
    rate_limited: bool = False
    retry_after: float | None = None
    maybe_done: bool = False


ACCESS = (
    "the account needs the Browse projects, Create issues, Edit issues and Transition issues "
    "permissions on the project (Jira Cloud: its email with an API token)"
)


def _retry_after(response: requests.Response | None, now: datetime) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        moment = parsedate_to_datetime(value)
        return max(0.0, (moment - now).total_seconds())


def classify(exc: Exception, what: str, now: datetime) -> Failure:
    """Turn a library or transport error into a typed error, without the exception's text.

    A body the library could not read (`ValueError` from decoding JSON, `KeyError` from an
    answer without the keys it needs) is a `GarbledAnswer`: not retried (a proxy's page does
    not go away in a second), and a write answered so may have been done.
    """
    if isinstance(exc, ValueError | KeyError):
        garbled = GarbledAnswer(f"{what}: Jira's answer is not the JSON its API promises")
        return Failure(garbled, maybe_done=True)
    if not isinstance(exc, JIRAError):
        error = TrackerError(f"{what}: no answer from Jira ({type(exc).__name__})")
        return Failure(error, True, maybe_done=not never_sent(exc))
    status, response = exc.status_code, exc.response
    detail = parse_error_msg(response) if response is not None else (exc.text or "")
    if status in (401, 403):
        return Failure(AuthError(f"{what}: Jira refused the credentials (HTTP {status}); {ACCESS}"))
    if status == 404:
        return Failure(NotFound(f"{what}: not found in Jira (HTTP 404)"))
    if status == 429:
        error = TrackerError(f"{what}: rate limited by Jira (HTTP 429)")
        return Failure(error, True, True, _retry_after(response, now))
    if status is None:
        return Failure(TrackerError(f"{what}: {detail or 'the Jira client failed'}"))
    if status >= 500:
        error = TrackerError(f"{what}: Jira failed (HTTP {status}): {detail}".rstrip(": "))
        return Failure(error, True, False, _retry_after(response, now), maybe_done=True)
    return Failure(Refused(f"{what}: Jira refused it (HTTP {status}): {detail}"))


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
