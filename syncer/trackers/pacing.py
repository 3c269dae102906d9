"""Pacing writes below a tracker's documented write limits, so the limit is never hit.

GitHub limits content-generating requests (POST, PATCH, PUT, DELETE) separately from its hourly
request quota: no more than 80 a minute and 500 an hour, per its documentation. Only reacting
to the 403 it answers past that costs a refused request and a wait GitHub chooses, and GitHub
may block an integration that keeps running into the limit. Counting our own writes over
sliding windows instead lets an adapter wait just long enough before the write that would
cross a limit, and not at all for a burst that fits.

The pacer only knows the writes of its own adapter instance (other clients of the same token,
or an earlier run, are invisible to it), so adapters keep reacting to limit answers as well.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from syncer.trackers.base import RateLimited

T = TypeVar("T")

MINUTE = 60.0
HOUR = 3600.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteLimits:
    """At most `per_minute` writes in any minute and `per_hour` in any hour.

    The defaults are GitHub's documented figures for content-generating requests.
    """

    per_minute: int = 80
    per_hour: int = 500

    def windows(self) -> tuple[tuple[float, int], ...]:
        """(seconds, most writes in any span that long) for each limit."""
        return ((MINUTE, self.per_minute), (HOUR, self.per_hour))


def delay_before_write(
    stamps: Sequence[float], windows: Sequence[tuple[float, int]], now: float
) -> float:
    """Seconds from `now` until one more write keeps every window within its limit.

    `stamps` are past writes, oldest first. A window of `seconds` allowing `limit` writes has
    room once the `limit`-th most recent write is `seconds` old: from then on it holds at most
    `limit - 1` of them, plus the new one.
    """
    waits = [stamps[-limit] + seconds - now for seconds, limit in windows if len(stamps) >= limit]
    return max([0.0, *waits])


class WritePacer:
    """Runs writes no faster than `limits` allow, sleeping through the injected `sleep`.

    A wait longer than `max_wait_seconds` is not slept: it raises `RateLimited` with the moment
    the write would fit, as a tracker's own limit answer does, so the cycle stops cleanly and
    the next one resumes. `clock` is wall time in epoch seconds.
    """

    def __init__(
        self,
        limits: WriteLimits,
        *,
        max_wait_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = limits
        self._windows = limits.windows()
        self._stamps: deque[float] = deque(maxlen=max(limit for _, limit in self._windows))
        self._max_wait = max_wait_seconds
        self._clock = clock
        self._sleep = sleep

    def run(self, write: Callable[[], T]) -> T:
        """`write`, once the windows have room for it.

        The write is counted when it returns or fails (a refused or unanswered request may
        still have counted on the tracker's side), and at that moment rather than when it was
        sent: the tracker saw it no later, so the pacer never frees a slot before the tracker.
        """
        self._wait_for_room()
        try:
            return write()
        finally:
            self._stamps.append(self._clock())

    def _wait_for_room(self) -> None:
        wait = delay_before_write(self._stamps, self._windows, self._clock())
        if wait <= 0:
            return
        if wait > self._max_wait:
            retry_at = datetime.fromtimestamp(self._clock() + wait, tz=UTC)
            raise RateLimited(
                f"write limit reached ({self._limits.per_minute} a minute, "
                f"{self._limits.per_hour} an hour); retry at {retry_at:%H:%M:%S}Z",
                retry_at,
            )
        log.info("pacing writes: waiting %.2fs for the write limit", wait)
        self._sleep(wait)
