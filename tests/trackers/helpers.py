"""Small helpers the tracker tests share."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from syncer.fakes.control import FakeTracker
from syncer.model import IssueDraft, RemoteIssue
from syncer.trackers.base import Tracker
from syncer.trackers.pacing import WriteLimits

UNPACED = WriteLimits(10**6, 10**6, 0, 10**6, 10**6)
"""GitHub write limits for tests about something else than pacing, whose fakes run with their
creation limit off (`FakeGitHub(create_limit=None)`): pacing on the real clock would sleep for
real. Pacing and the limit have their own tests (test_pacing.py, test_github_pacing.py,
test_github_like_github.py)."""
UNPACED_KEYS = {
    "seconds_between_writes": 0,
    "creates_per_minute": 10**6,
    "creates_per_hour": 10**6,
    "writes_per_minute": 10**6,
    "writes_per_hour": 10**6,
}
"""`UNPACED` as a GitHub target's configuration keys."""


def create_one(tracker: Tracker, draft: IssueDraft) -> RemoteIssue:
    """`create_many` of one draft: its issue, or its error raised."""
    [made] = create_all(tracker, [draft])
    return made


def create_all(tracker: Tracker, drafts: Sequence[IssueDraft]) -> list[RemoteIssue]:
    """`create_many`, for tests where every draft must be made: the issues, in order, or the
    first error raised."""
    issues = []
    for made in tracker.create_many(drafts):
        if made.error is not None:
            raise made.error
        assert made.issue is not None
        issues.append(made.issue)
    return issues


def wait_until(
    check: Callable[[], bool], what: str, patience: float = 10.0, poll: float = 0.02
) -> None:
    """Until `check()` holds: what a fake was told to do or answer late lands a moment after
    the client gave up. Bounded: a fake that never gets there fails the test. `poll`: seconds
    between checks, longer for a check that costs CPU the processes it waits for need."""
    deadline = time.monotonic() + patience
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(poll)


def settled(fake: FakeTracker) -> None:
    """Until the fake has recorded every request it answered (it records as it answers, so a
    fast client can be a moment ahead of the record, and a late answer later still)."""
    seen = -1
    while seen != len(fake.server.requests):
        seen = len(fake.server.requests)
        time.sleep(0.05)


class StoppedTime:
    """A fake tracker's clock (`syncer.fakes.clock.Clock`) stopped at `moment`: every write
    still moves the fake's timestamps on by its own rule, the clock itself never."""

    def __init__(self, moment: datetime) -> None:
        self._at = moment.timestamp()

    def time(self) -> float:
        return self._at

    def monotonic(self) -> float:
        return self._at


class SteppedTime:
    """A fake tracker's clock that moves `step` seconds on at every reading, from `start`."""

    def __init__(self, start: datetime, step: float) -> None:
        self._next = start.timestamp()
        self._step = step

    def time(self) -> float:
        now, self._next = self._next, self._next + self._step
        return now

    def monotonic(self) -> float:
        return self.time()
