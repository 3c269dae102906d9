"""What GitLab checks before a request reaches its handler: faults a test scheduled, the
request rate limit, the token; and what it does to the answer on the way out.

Time is read through this module's `time`, which tests replace with a `VirtualTime`
(`syncer.fakes.clock`, the `clock` fixture) so a minute's limit window takes no real minute.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.faults import Garble, garbled
from syncer.fakes.gitlab.state import ApiError

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class RequestBudget:
    """A fixed window of `limit` requests, like GitLab's `throttle_authenticated_api`."""

    limit: int
    window: float
    started: float = field(default_factory=lambda: time.monotonic())
    used: int = 0

    def spend(self) -> None:
        now = time.monotonic()
        if now >= self.started + self.window:
            self.started, self.used = now, 0
        self.used += 1

    @property
    def exhausted(self) -> bool:
        return self.used > self.limit

    def seconds_left(self) -> float:
        return max(0.0, self.started + self.window - time.monotonic())

    def headers(self) -> dict[str, str]:
        reset = time.time() + self.seconds_left()
        return {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Observed": str(self.used),
            "RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "RateLimit-Reset": str(math.ceil(reset)),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }


def throttled(retry_after: float, headers: dict[str, str]) -> Response:
    """GitLab's 429: plain text, `Retry-After` in whole seconds (HTTP allows no fractions)."""
    wait = str(max(1, math.ceil(retry_after)))
    return Response("Retry later\n", 429, {**headers, "Retry-After": wait}, "text/plain")


def throttled_bare() -> Response:
    """A 429 naming no wait at all: what GitLab.com answers from some of its limits (and its
    edge in front of it), with neither `Retry-After` nor `RateLimit-*` headers."""
    return Response("Retry later\n", 429, media_type="text/plain")


def throttled_for(retry_after: float) -> Response:
    """The 429 `throttle_next` schedules: Rack::Attack's, its headers counting from now."""
    reset = time.time() + retry_after
    headers = {
        "RateLimit-Name": "throttle_authenticated_api",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(math.ceil(reset)),
        "RateLimit-ResetTime": formatdate(reset, usegmt=True),
    }
    return throttled(retry_after, headers)


def server_error(status: int) -> Response:
    if status == 500:
        return JSONResponse({"message": "500 Internal Server Error"}, status)
    page = (
        f"<html><body><h1>{status}</h1><p>Whoops, GitLab is taking too much time.</p></body></html>"
    )
    return Response(page, status, media_type="text/html")


class Gate:
    """The checks and faults in front of every handler, under the fake's lock."""

    def __init__(self, token: str, budget: RequestBudget | None, lock: threading.RLock) -> None:
        self.token = token
        self.budget = budget
        self.lock = lock
        self.refusals: deque[Callable[[], Response]] = deque()
        """Answers given instead of the next requests' (429s, 5xx), without doing their work."""
        self.stalls: deque[float] = deque()
        """Seconds to hold the next answers back, after doing their work."""
        self.lates: deque[float] = deque()
        """Seconds to hold the next requests back, before doing their work."""
        self.garbles: deque[Garble] = deque()

    def clear_faults(self) -> None:
        for faults in (self.refusals, self.stalls, self.lates, self.garbles):
            faults.clear()

    def reset(self) -> None:
        """No faults scheduled, the rate-limit window unused."""
        self.clear_faults()
        if self.budget is not None:
            self.budget = RequestBudget(self.budget.limit, self.budget.window)

    def guard(self, handler: Handler) -> Handler:
        """`handler` behind what GitLab checks before routing; its `ApiError`s as answers."""

        async def guarded(request: Request) -> Response:
            with self.lock:
                refusal = self._refusal(request)
                if refusal is not None:
                    return refusal
                stall = self.stalls.popleft() if self.stalls else 0.0
                late = self.lates.popleft() if self.lates else 0.0
                garble = self.garbles.popleft() if self.garbles else None
            await request.body()  # taken in whole before going silent, as a server does
            await asyncio.sleep(late)
            try:
                response = await handler(request)
            except ApiError as error:
                response = JSONResponse(error.body, error.status)
            with self.lock:
                if self.budget is not None:
                    response.headers.update(self.budget.headers())
            await asyncio.sleep(stall)
            return response if garble is None else garbled(response, garble)

        return guarded

    def _refusal(self, request: Request) -> Response | None:
        if self.refusals:
            return self.refusals.popleft()()
        if self.budget is not None:
            self.budget.spend()
            if self.budget.exhausted:
                return throttled(self.budget.seconds_left(), self.budget.headers())
        if _presented_token(request) != self.token:
            return JSONResponse({"message": "401 Unauthorized"}, 401)
        return None


def _presented_token(request: Request) -> str | None:
    bearer = request.headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:]
    return request.headers.get("private-token")
