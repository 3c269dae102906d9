"""The one way the three fakes misbehave on purpose: faults scheduled for the next requests.

A test (or `syncer demo`) schedules a fault per coming request through `ScheduledFaults`, the
fault methods of `syncer.fakes.control.TrackerControl`; each fake's endpoint takes the next one
and hands it to `answer_with`, which plays it the same way on every fake. Only the shapes of a
rate-limit and a server-error answer are the tracker's own.

`garble` answers 200 with a body that is not JSON, the way real deployments do it: a proxy or
load balancer that cuts the body short, or one that answers with its own HTML page (a sign-in
page, an error page served as 200). The work of a write is done first: only its answer is lost.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.responses import Response

Garble = Literal["cut", "html"]
"""`cut`: the real answer, cut in half; `html`: a proxy's HTML page instead of the answer."""

FaultKind = Literal["throttle", "fail", "stall", "late", "garble"]

PROXY_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\n"
    b"<body><h1>Service temporarily unavailable</h1>\n"
    b"<p>The upstream server sent an invalid response. Please try again later.</p>\n"
    b"</body></html>\n"
)
_DROPPED = {"content-length", "content-type", "etag"}


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, met by one request."""

    kind: FaultKind
    seconds: float = 0.0
    """The wait a throttle names, or how long a stalled or late answer keeps the client."""
    status: int = 0
    """A failure's status; for a throttle, 0 means the tracker's usual one (403 or 429)."""
    acted: bool = False
    """A failure answered after doing the work anyway."""
    how: Garble = "cut"
    timed: bool = True
    """A throttle that says how long to wait (`Retry-After` and the like); False: a bare one."""


class Faults:
    """The faults scheduled for a fake's next requests: one per request, in order."""

    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()
        self._lock = threading.Lock()

    def schedule(self, requests: int, fault: Fault) -> None:
        with self._lock:
            self._queue.extend([fault] * requests)

    def next(self) -> Fault | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


class ScheduledFaults:
    """`TrackerControl`'s fault methods, for a fake holding its `Faults` as `faults`."""

    faults: Faults

    def throttle_next(
        self, requests: int, retry_after: float | None = 1.0, status: int = 0
    ) -> None:
        """Answer the next calls with the tracker's rate-limit answer; `retry_after=None`: a
        bare one naming no wait (GitHub and GitLab.com send those too); `status` 0: the
        tracker's usual status."""
        timed = retry_after is not None
        fault = Fault("throttle", seconds=retry_after or 0.0, status=status, timed=timed)
        self.faults.schedule(requests, fault)

    def fail_next(self, requests: int, status: int = 502, *, acted: bool = False) -> None:
        """Answer the next calls with a server error; `acted`: after doing the work anyway."""
        self.faults.schedule(requests, Fault("fail", status=status, acted=acted))

    def stall_next(self, requests: int, seconds: float) -> None:
        self.faults.schedule(requests, Fault("stall", seconds=seconds))

    def late_next(self, requests: int, seconds: float) -> None:
        self.faults.schedule(requests, Fault("late", seconds=seconds))

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        self.faults.schedule(requests, Fault("garble", how=how))

    def clear_faults(self) -> None:
        self.faults.clear()


async def answer_with(
    fault: Fault | None,
    work: Callable[[], Awaitable[Response]],
    throttled: Callable[[Fault], Response],
    failed: Callable[[int], Response],
) -> Response:
    """The answer to a request that meets `fault`: `work` does what was asked and answers;
    `throttled` and `failed` give the tracker's own rate-limit and server-error answers."""
    if fault is None:
        return await work()
    if fault.kind == "throttle":
        return throttled(fault)
    if fault.kind == "fail" and not fault.acted:
        return failed(fault.status)
    if fault.kind == "late":  # taken in, silent, and only then done
        await asyncio.sleep(fault.seconds)
    response = await work()
    if fault.kind == "stall":  # done at once, answered late
        await asyncio.sleep(fault.seconds)
    if fault.kind == "fail":
        return failed(fault.status)
    if fault.kind == "garble":
        return garbled(response, fault.how)
    return response


def garbled(response: Response, how: Garble) -> Response:
    """`response` as a 200 whose body is not valid JSON, its other headers kept."""
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED}
    if how == "html":
        return Response(PROXY_PAGE, 200, headers, media_type="text/html")
    body = bytes(response.body)
    cut = body[: len(body) // 2] if len(body) > 1 else b"{"
    return Response(cut, 200, headers, media_type="application/json")
