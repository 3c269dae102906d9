"""Pacing writes below a tracker's write limits, so the limit is never hit.

GitHub limits content-generating requests (POST, PATCH, PUT, DELETE) separately from its hourly
request quota: no more than 80 a minute and 500 an hour, per its documentation, at least a
second apart, per its best practices; and it limits issue creation harder still, at about 20 a
minute and 150 an hour as its users measure it (the figure is not published). Only reacting
to the 403 it answers past that costs a refused request and a wait GitHub chooses, and GitHub
may block an integration that keeps running into the limit. Counting our own writes over
sliding windows instead lets an adapter wait just long enough before the write that would
cross a limit, and not at all for a burst that fits. Creates are counted twice: as writes,
and in their own windows.

The writes counted are kept in a `WriteLedger`. By default it is the pacer's own memory; the
state database keeps one per token, so that a `reconcile` run right after another, a restarted
daemon, or two pacers of one token alive at once (a daemon's registers, a cron job beside the
daemon) count each other's writes. Other clients of the token stay invisible, so adapters keep
reacting to limit answers as well.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from syncer import watch
from syncer.trackers.base import RateLimited

T = TypeVar("T")

MINUTE = 60.0
HOUR = 3600.0

log = logging.getLogger(__name__)


class WriteLedger(Protocol):
    """Where writes are remembered across processes (one ledger per token)."""

    def recent(self, since: float) -> list[float]:
        """Epoch seconds of the writes at or after `since`, oldest first."""
        ...

    def record(self, at: float) -> None:
        """Remember a write made at `at` (epoch seconds)."""
        ...


class MemoryLedger:
    """A ledger held in memory: the writes of the pacers given it, in this process only.

    Writes older than a `since` asked about are forgotten: every pacer asks for its longest
    window, so nothing it will ask about again is lost."""

    def __init__(self) -> None:
        self._stamps: deque[float] = deque()

    def recent(self, since: float) -> list[float]:
        while self._stamps and self._stamps[0] < since:
            self._stamps.popleft()
        return list(self._stamps)

    def record(self, at: float) -> None:
        self._stamps.append(at)


Windows = tuple[tuple[float, int], ...]
"""(seconds, most writes in any span that long) for each limit."""


@dataclass(frozen=True)
class WriteLimits:
    """At most `per_minute` writes in any minute and `per_hour` in any hour, at least
    `seconds_between` apart; of them, at most `creates_per_minute` and `creates_per_hour`
    creates.

    The defaults are GitHub's: its documented figures for content-generating requests and the
    gap its best practices ask for, and the creation limit its users measure.
    """

    per_minute: int = 80
    per_hour: int = 500
    seconds_between: float = 1.0
    creates_per_minute: int = 20
    creates_per_hour: int = 150

    def windows(self) -> Windows:
        """The limits every write counts against."""
        gap = ((self.seconds_between, 1),) if self.seconds_between > 0 else ()
        return (*gap, (MINUTE, self.per_minute), (HOUR, self.per_hour))

    def create_windows(self) -> Windows:
        """The limits creates count against, besides `windows`."""
        return ((MINUTE, self.creates_per_minute), (HOUR, self.creates_per_hour))


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
    """Runs writes no faster than `windows` allow, sleeping through the injected `sleep`.

    A wait longer than `max_wait_seconds` is not slept: it raises `RateLimited` with the moment
    the write would fit, as a tracker's own limit answer does, so the cycle stops cleanly and
    the next one resumes. `clock` is wall time in epoch seconds.

    `ledger` is asked for the writes of the longest window before each write, and told of each
    write: pacers sharing a ledger behave as one pacer, whichever process they live in. Asking
    each time rather than once costs one look-up per write (a write is an HTTP request, far
    slower), and keeps two pacers alive at once from each filling the window on its own.
    """

    def __init__(
        self,
        windows: Windows,
        *,
        what: str,
        max_wait_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        ledger: WriteLedger | None = None,
    ) -> None:
        self._what = what
        self._windows = windows
        self._longest = max(seconds for seconds, _ in self._windows)
        self._max_wait = max_wait_seconds
        self._clock = clock
        self._sleep = sleep
        self._ledger = ledger if ledger is not None else MemoryLedger()

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
            self._ledger.record(self._clock())

    def _wait_for_room(self) -> None:
        now = self._clock()
        stamps = sorted(self._ledger.recent(now - self._longest))
        wait = delay_before_write(stamps, self._windows, now)
        if wait <= 0:
            return
        if wait > self._max_wait:
            retry_at = datetime.fromtimestamp(self._clock() + wait, tz=UTC)
            limits = ", ".join(_limit(seconds, most) for seconds, most in self._windows)
            raise RateLimited(
                f"{self._what} limit reached ({limits}); retry at {retry_at:%H:%M:%S}Z", retry_at
            )
        log.info("pacing %s: waiting %.2fs for the limit", self._what, wait)
        watch.current().waiting(wait, self._what)
        self._sleep(wait)


def _limit(seconds: float, most: int) -> str:
    """One window in words: "20 in a minute", "1 s apart"."""
    if most == 1:
        return f"{seconds:g} s apart"
    return f"{most} in " + {MINUTE: "a minute", HOUR: "an hour"}.get(seconds, f"{seconds:g} s")
