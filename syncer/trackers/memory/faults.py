"""Faults a test schedules on an in-memory project, and what each does to the next calls.

The HTTP fakes misbehave per request (`syncer.fakes.control`); an in-memory project has no
requests, so a fault here is met by the next call of the `Tracker` protocol (each draft of
`create_many` is one call). What an HTTP adapter makes of a bad answer is what the engine
meets, so that is what a fault raises here, with no adapter in between to retry or wait:

- `throttle`: nothing is done; `RateLimited`, coming back `retry_after` seconds from now.
- `fail`: nothing is done; a plain `TrackerError`. Unlike a 502 over HTTP, the caller is told
  the truth: the write was not made (a connection refused before sending is this case).
- `stall` and `late`: the work is done, the answer is lost. A write ends in `AnswerLost` (it
  must not be sent again; a create is settled by its marker next cycle), a read in a plain
  `TrackerError`. Over HTTP they differ in *when* the work lands; in memory nothing happens
  between two calls, so both land at once.
- `garble`: the work is done, the answer cannot be read: `GarbledAnswer`, or `AnswerLost` for a
  create (a create answered so may exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from syncer.trackers.base import AnswerLost, GarbledAnswer, RateLimited, TrackerError

FaultKind = Literal["throttle", "fail", "stall", "late", "garble"]
Call = Literal["read", "create", "write"]
"""What a call does: reads, creates an issue, or changes one (updates, comments, labels)."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    on: Call | None = None
    """The kind of call that meets it; None: whichever comes next."""
    retry_after: float = 0.0
    """`throttle`: seconds until the project takes calls again."""
    status: int = 0
    """`fail`: the HTTP status it stands for, named in the error so a log reads alike."""

    def before(self, what: str, now: datetime) -> TrackerError | None:
        """The error that keeps the call from doing anything, if this fault is one."""
        if self.kind == "throttle":
            retry_at = now + timedelta(seconds=self.retry_after)
            return RateLimited(f"rate limited while {what}", retry_at)
        if self.kind == "fail":
            return TrackerError(f"failed while {what} ({self.status}); nothing was done")
        return None

    def after(self, what: str, call: Call) -> TrackerError:
        """The error the caller gets instead of the answer, the work being done."""
        if call == "create" or (call == "write" and self.kind != "garble"):
            return AnswerLost(f"no answer while {what}; it was done, so it is not sent again")
        if self.kind == "garble":
            return GarbledAnswer(f"an answer that could not be read while {what}")
        return TrackerError(f"no answer while {what}")
