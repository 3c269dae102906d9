"""The daemon's HTTP app: webhook endpoints, health checks and metrics.

`build_app` takes everything it uses as arguments (secrets, the store's delivery memory, the
router, the daemon's `wake`, health checks, metrics), so it runs and is tested without a
daemon. What each endpoint answers, and why, is in docs/daemon.md.

A webhook is a trigger, never the truth: a valid new delivery about a managed issue wakes the
registers concerned and is answered at once; the cycle reads the tracker afresh. Nothing a client
sends makes an endpoint answer 5xx: a 5xx means the daemon itself failed (its state database).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import aclosing
from functools import partial
from typing import Any, get_args

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncer import log
from syncer.config import TrackerKind
from syncer.daemon.metrics import CONTENT_TYPE, DeliveryOutcome, Metrics
from syncer.daemon.webhooks import Delivery, Malformed, Unauthorized, parse, verify

MAX_BODY_BYTES = 1024 * 1024
"""Larger deliveries are refused (413) unread: issue events are a few KiB, and GitHub itself
caps payloads at 25 MB, so anything this big is not a delivery syncer wants."""

_STATUS: dict[DeliveryOutcome, int] = {
    "accepted": 202,
    "duplicate": 200,
    "ignored": 202,
    "unauthorized": 401,
    "malformed": 400,
    "too_large": 413,
}
_LOGGED_AS: dict[DeliveryOutcome, str] = {
    "accepted": "info",
    "duplicate": "info",
    "ignored": "debug",
    "unauthorized": "warning",
    "malformed": "warning",
    "too_large": "warning",
}
_STOPPING = "the daemon is shutting down"
_NOT_READY = "the state database is not open yet, or a register has not been read once"

_log = log.get("syncer.daemon.http")


def build_app(
    *,
    secrets: Mapping[TrackerKind, str | None],
    allow_unsigned: Collection[TrackerKind],
    remember_delivery: Callable[[str, str], bool],
    route: Callable[[Delivery], Sequence[str]],
    wake: Callable[[str], None],
    alive: Callable[[], bool],
    ready: Callable[[], bool],
    metrics: Metrics,
    stopping: Callable[[], bool] = lambda: False,
    max_body: int = MAX_BODY_BYTES,
    status_page: Callable[[Request], Awaitable[Response]] | None = None,
) -> Starlette:
    """The app serving `POST /webhooks/{github,gitlab,jira}`, `GET /healthz`, `/readyz` and
    `/metrics`, and with `status_page`, `GET` and `POST /` (`syncer.daemon.status_routes`).

    - `secrets`: each tracker's webhook secret (GitLab: token), None or absent when none is
      configured; `allow_unsigned`: trackers taken unsigned when they have no secret.
    - `remember_delivery(tracker, delivery_id)`: True the first time (`Store.remember_delivery`);
      `route(delivery)`: the registers to wake (`Router.registers_for`). Both may block: they
      run in a worker thread.
    - `wake(register)`: must not block (the daemon debounces and runs the cycle elsewhere).
    - `alive()`: the scheduler runs; `ready()`: the state database is open and each register
      was read once; `stopping()`: shutting down, webhooks are answered 503. None may block.
    """
    receiver = _Receiver(
        secrets={kind: secrets.get(kind) for kind in get_args(TrackerKind)},
        allow_unsigned=frozenset(allow_unsigned),
        remember_delivery=remember_delivery,
        route=route,
        wake=wake,
        metrics=metrics,
        stopping=stopping,
        max_body=max_body,
    )
    receiver.announce()

    async def healthz(_: Request) -> Response:
        if alive():
            return JSONResponse({"status": "ok"})
        return JSONResponse(
            {"status": "unavailable", "reason": "the scheduler is not running"}, 503
        )

    async def readyz(_: Request) -> Response:
        if stopping():
            return JSONResponse({"status": "stopping", "reason": _STOPPING}, 503)
        if ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "starting", "reason": _NOT_READY}, 503)

    async def metrics_page(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    routes = [
        Route(f"/webhooks/{kind}", partial(receiver.receive, kind), methods=["POST"])
        for kind in get_args(TrackerKind)
    ]
    routes += [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
    if status_page is not None:
        routes.append(Route("/", status_page, methods=["GET", "POST"]))
    return Starlette(routes=routes)


class _Receiver:
    """The webhook endpoints' one handler, holding what it was built with."""

    def __init__(
        self,
        *,
        secrets: dict[TrackerKind, str | None],
        allow_unsigned: frozenset[TrackerKind],
        remember_delivery: Callable[[str, str], bool],
        route: Callable[[Delivery], Sequence[str]],
        wake: Callable[[str], None],
        metrics: Metrics,
        stopping: Callable[[], bool],
        max_body: int,
    ) -> None:
        self.secrets = secrets
        self.allow_unsigned = allow_unsigned
        self.remember_delivery = remember_delivery
        self.route = route
        self.wake = wake
        self.metrics = metrics
        self.stopping = stopping
        self.max_body = max_body
        for value in secrets.values():
            if value:
                log.secret(value)

    def announce(self) -> None:
        """Say at start how each tracker's webhooks are checked; unsigned ones as a warning."""
        for kind, value in self.secrets.items():
            if value:
                continue
            if kind in self.allow_unsigned:
                _log.warning(
                    "webhooks accepted unsigned: anyone who can reach the endpoint can wake "
                    "a cycle",
                    tracker=kind,
                )
            else:
                _log.info("webhooks refused: no secret configured", tracker=kind)

    async def receive(self, tracker: TrackerKind, request: Request) -> Response:
        if self.stopping():
            return JSONResponse(
                {"outcome": "stopping", "detail": _STOPPING},
                503,
                headers={"Retry-After": "30"},
            )
        try:
            body = await read_capped(request, self.max_body)
        except ClientDisconnect:
            return self._answer(tracker, "malformed", detail="the body ended early")
        if body is None:
            detail = f"the body is larger than {self.max_body} bytes"
            return self._answer(tracker, "too_large", detail=detail)
        try:
            verify(
                tracker,
                request.headers,
                body,
                self.secrets[tracker],
                allow_unsigned=tracker in self.allow_unsigned,
            )
        except Unauthorized as refused:
            return self._answer(tracker, "unauthorized", detail=str(refused))
        try:
            delivery = parse(tracker, request.headers, body)
        except Malformed as malformed:
            return self._answer(tracker, "malformed", detail=str(malformed))
        return await self._dispatch(delivery)

    async def _dispatch(self, delivery: Delivery) -> Response:
        """Wake the registers a verified delivery concerns, unless it was seen before."""
        tracker, seen = delivery.tracker, delivery.delivery_id
        facts: dict[str, Any] = {"delivery": seen, "webhook_event": delivery.event}
        if not delivery.used:
            return self._answer(tracker, "ignored", detail="not an event syncer uses", **facts)
        registers = await run_in_threadpool(self.route, delivery)
        if not registers:
            detail = (
                "the issue is not linked and has no sync label in any register"
                if delivery.push is None
                else "no register is kept on that repository's branch"
            )
            return self._answer(tracker, "ignored", detail=detail, **facts)
        if seen is not None and not await run_in_threadpool(self.remember_delivery, tracker, seen):
            return self._answer(tracker, "duplicate", detail="delivered before", **facts)
        for register in registers:
            self.wake(register)
        return self._answer(tracker, "accepted", registers=list(registers), **facts)

    def _answer(self, tracker: TrackerKind, outcome: DeliveryOutcome, **facts: Any) -> Response:
        """Count, log and answer `outcome`. The log line carries no header or body content."""
        self.metrics.webhook(tracker, outcome)
        getattr(_log, _LOGGED_AS[outcome])("webhook", tracker=tracker, outcome=outcome, **facts)
        return JSONResponse({"outcome": outcome, **facts}, _STATUS[outcome])


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes: from Content-Length
    before reading anything, else while reading a chunked stream. The rest is never read."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)
