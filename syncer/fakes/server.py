"""Serve a fake tracker's Starlette app over real HTTP on a free loopback port.

`FakeServer` runs uvicorn in a background thread and records every request it answered, so
tests and benchmarks can count what a client really sent, and when. Its `latency` is the time a
real tracker takes to answer (100-500 ms), which the fakes otherwise answer in none: a benchmark
of several processes sharing the work measures waiting on the network, as a deployment does,
instead of two cores' worth of CPU.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from syncer.fakes.webhooks import WebhookSender
from syncer.serve import ServedApp


class Startable:
    """`with thing:` for anything with `start()` returning itself and `stop()`."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]
    arrived_at: float
    """When the request arrived (`time.time()`, the clock a run's history is written in)."""
    answered_at: float
    """When its answer started to leave: a client cannot have it before this."""


ArrivalHook = Callable[[str, str], None]
"""(method, path) of a request that just arrived, before the fake's app sees it."""


class _Recorder:
    """ASGI middleware appending a `RecordedRequest` per answered HTTP request."""

    def __init__(self, app: ASGIApp, log: list[RecordedRequest], lock: threading.Lock) -> None:
        self.app = app
        self.log = log
        self.lock = lock
        self.on_arrival: ArrivalHook | None = None
        self.latency = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived_at = time.time()
        if self.on_arrival is not None:
            self.on_arrival(scope["method"], scope["path"])
        if self.latency > 0:  # awaited: other requests go on meanwhile, as on a real server
            await asyncio.sleep(self.latency)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def record_then_send(message: MutableMapping[str, Any]) -> None:
            # Recorded before the response leaves, so a client that has its answer always
            # finds its request in the log.
            if message["type"] == "http.response.start":
                entry = RecordedRequest(
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=int(message["status"]),
                    headers=headers,
                    arrived_at=arrived_at,
                    answered_at=time.time(),
                )
                with self.lock:
                    self.log.append(entry)
            await send(message)

        await self.app(scope, receive, record_then_send)


class FakeServer(Startable):
    """Context manager: `with FakeServer(app) as server: server.base_url ...`.

    Served like the daemon's own app (`syncer.serve.ServedApp`: a socket bound up front,
    uvicorn on a thread), with every answered request recorded."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._recorder = _Recorder(app, self.requests, self._lock)
        self._served = ServedApp(host, port)
        self.host, self.port = self._served.host, self._served.port

    @property
    def base_url(self) -> str:
        return self._served.base_url

    @property
    def latency(self) -> float:
        """Seconds every request waits before the fake takes it in (0: none, the default).
        A real tracker answers in 100-500 ms; the wait holds no lock, so requests arriving
        together wait together, as on a real server. Faults come on top of it."""
        return self._recorder.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"latency is seconds, at least 0, not {seconds}")
        self._recorder.latency = seconds

    def start(self) -> Self:
        self._served.start(self._recorder)
        return self

    def stop(self) -> None:
        """A fake going away drops the answers it still holds back (a stalled request whose
        client is long gone), as a tracker's server that dies does, instead of keeping the
        test waiting for them."""
        self._served.stop(finish_answers=False)

    def on_arrival(self, hook: ArrivalHook | None) -> None:
        """Call `hook(method, path)` as each request arrives, before the fake (and the faults
        it has scheduled) sees it: a test arms a fault for one request it picks (the create,
        not whatever comes next). `None` stops calling it; a fake's `reset()` does too."""
        self._recorder.on_arrival = hook

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        """How many answered requests match `method` (any if None) and start with the path."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            )

    @contextmanager
    def counting(self) -> Iterator[list[RecordedRequest]]:
        """Collect only the requests answered inside the `with` block."""
        with self._lock:
            start = len(self.requests)
        collected: list[RecordedRequest] = []
        try:
            yield collected
        finally:
            with self._lock:
                collected.extend(self.requests[start:])


class ServedFake(Startable):
    """Lifecycle shared by the fake trackers: serve on start, deliver pending webhooks on stop.

    Subclasses set `server` (their `FakeServer`) and `webhooks` (a `WebhookSender` or None).
    """

    server: FakeServer
    webhooks: WebhookSender | None
    webhook_secret: str | None

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.flush_webhooks()
        self.server.stop()

    def send_webhooks_to(self, url: str, secret: str | None) -> None:
        """Deliver this fake's webhooks to `url` from now on, signed with `secret`: for a
        receiver (the daemon) whose address is known only once the fake serves."""
        self.webhooks = WebhookSender(url)
        self.webhook_secret = secret

    def flush_webhooks(self) -> None:
        """Wait until every webhook fired so far was delivered (or failed)."""
        if self.webhooks is not None:
            self.webhooks.flush()

    def _forget_traffic(self) -> None:
        """The part of each fake's `reset()` they share: forget requests served, webhooks sent.

        Webhooks already fired are delivered first, not dropped half-way: one arriving after
        the reset would describe an issue that is gone, or that another one now stands in for.
        Called before the fake takes its lock, as a webhook receiver may call the fake back.
        """
        self.flush_webhooks()
        if self.webhooks is not None:
            self.webhooks.delivered.clear()
        self.server.on_arrival(None)
        self.server.clear_requests()
