"""What GitLab checks before a request reaches its handler: faults a test scheduled, the
request rate limit, the token; and what it does to the answer on the way out.

Faults are the ones every fake shares (`syncer.fakes.faults`); time is the fake's one clock
(`syncer.fakes.clock`: a `VirtualTime` lets a minute's limit window take no real minute).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.clock import Clock
from syncer.fakes.faults import Fault, Faults, answer_with
from syncer.fakes.gitlab.state import ApiError

Handler = Callable[[Request], Awaitable[Response]]

GUEST, REPORTER, DEVELOPER, MAINTAINER = 10, 20, 30, 40
"""GitLab's access levels (roles) in a project."""


@dataclass
class RequestBudget:
    """A fixed window of `limit` requests, like GitLab's `throttle_authenticated_api`."""

    limit: int
    window: float
    clock: Clock
    started: float = field(init=False)
    used: int = 0

    def __post_init__(self) -> None:
        self.started = self.clock.monotonic()

    def spend(self) -> None:
        now = self.clock.monotonic()
        if now >= self.started + self.window:
            self.started, self.used = now, 0
        self.used += 1

    @property
    def exhausted(self) -> bool:
        return self.used > self.limit

    def seconds_left(self) -> float:
        return max(0.0, self.started + self.window - self.clock.monotonic())

    def headers(self) -> dict[str, str]:
        reset = self.clock.time() + self.seconds_left()
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


def throttled_for(retry_after: float, now: float) -> Response:
    """The 429 `throttle_next` schedules: Rack::Attack's, its headers counting from `now`."""
    reset = now + retry_after
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

    def __init__(
        self, token: str, budget: RequestBudget | None, lock: threading.RLock, clock: Clock
    ) -> None:
        self.token = token
        self.budget = budget
        self.lock = lock
        self.clock = clock
        self.faults = Faults()
        self.scopes: tuple[str, ...] = ("api",)
        """The token's scopes: without `api` it may only read, as on GitLab."""
        self.access_level = DEVELOPER
        """The token user's role in the project: below Reporter it may not write issues."""

    def reset(self) -> None:
        """No faults scheduled, the rate-limit window unused."""
        self.faults.clear()
        if self.budget is not None:
            self.budget = RequestBudget(self.budget.limit, self.budget.window, self.clock)

    def guard(self, handler: Handler) -> Handler:
        """`handler` behind what GitLab checks before routing; its `ApiError`s as answers."""

        async def guarded(request: Request) -> Response:
            fault = self.faults.next()
            await request.body()  # taken in whole before going silent, as a server does

            async def work() -> Response:
                with self.lock:
                    refusal = self._refusal(request)
                if refusal is not None:
                    return refusal
                try:
                    response = await handler(request)
                except ApiError as error:
                    response = JSONResponse(error.body, error.status)
                with self.lock:
                    if self.budget is not None:
                        response.headers.update(self.budget.headers())
                return response

            return await answer_with(fault, work, self._throttled, server_error)

        return guarded

    def _throttled(self, fault: Fault) -> Response:
        return throttled_for(fault.seconds, self.clock.time()) if fault.timed else throttled_bare()

    def _refusal(self, request: Request) -> Response | None:
        if self.budget is not None:
            self.budget.spend()
            if self.budget.exhausted:
                return throttled(self.budget.seconds_left(), self.budget.headers())
        if _presented_token(request) != self.token:
            return JSONResponse({"message": "401 Unauthorized"}, 401)
        if request.method != "GET" and "api" not in self.scopes:
            return JSONResponse(
                {
                    "error": "insufficient_scope",
                    "error_description": "The request requires higher privileges than provided"
                    " by the access token.",
                    "scope": "api",
                },
                403,
            )
        if request.method != "GET" and self.access_level < REPORTER:
            return JSONResponse({"message": "403 Forbidden"}, 403)
        return None


def _presented_token(request: Request) -> str | None:
    bearer = request.headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:]
    return request.headers.get("private-token")
