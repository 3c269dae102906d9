"""Retrying a tracker call as every adapter should: patiently, boundedly, as the server says.

Trackers say how long to wait (`Retry-After`, rate-limit reset headers); an adapter that guesses
instead either hammers the server or sleeps for nothing. This module holds the loop only; each
adapter supplies a `classify` function that reads its own library's exceptions and says whether a
failure is worth another try and how long the tracker asked to wait. Tracker-neutral on purpose:
any adapter may use it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from syncer.trackers.base import RateLimited, RetryPolicy, TrackerError

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transient:
    """A failure worth another attempt, as the tracker described it.

    `wait_seconds` is what the tracker asked for (`None`: it did not say, so back off);
    `rate_limited` marks "slow down" answers, which end in `RateLimited` rather than a plain
    `TrackerError` when the wait would be too long. `reason` is short and never carries secrets.
    """

    reason: str
    wait_seconds: float | None = None
    rate_limited: bool = False


def backoff_seconds(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff for the `attempt`-th failure (1-based) when the tracker gave no hint."""
    return float(policy.backoff_seconds * 2 ** (attempt - 1))


def call_with_retries(
    call: Callable[[], T],
    classify: Callable[[Exception], Transient | None],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> T:
    """Run `call`, retrying transient failures within `policy`.

    Non-transient exceptions (`classify` returns None) propagate untouched, for the adapter to
    translate. A transient failure is retried after the wait the tracker asked for, or a backoff;
    once the attempts are spent, or the total wait would exceed `policy.max_wait_seconds`, it ends
    in `RateLimited` (carrying when to come back) or `TrackerError`, chained to the last error.
    """
    waited = 0.0
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Exception as exc:
            transient = classify(exc)
            if transient is None:
                raise
            wait = transient.wait_seconds
            if wait is None:
                wait = backoff_seconds(policy, attempt)
            if attempt >= policy.attempts or waited + wait > policy.max_wait_seconds:
                raise _give_up(transient, wait, attempt, clock) from exc
            log.info("tracker call failed (%s); retrying in %.2fs", transient.reason, wait)
            sleep(wait)
            waited += wait


def _give_up(
    transient: Transient, wait: float, attempts: int, clock: Callable[[], float]
) -> Exception:
    if transient.rate_limited:
        retry_at = datetime.fromtimestamp(clock() + wait, tz=UTC)
        return RateLimited(
            f"rate limited ({transient.reason}); retry at {retry_at:%H:%M:%S}Z", retry_at
        )
    return TrackerError(f"gave up after {attempts} attempt(s): {transient.reason}")
