"""Deliver a fake tracker's webhooks to a URL, in the background, in order.

Each fake builds its own payload and signature headers (GitHub, GitLab and Jira sign
differently); this only carries them, like the tracker's delivery queue would.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import httpx


@dataclass
class Delivery:
    event: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    error: str | None = None


@dataclass
class WebhookSender:
    """Posts deliveries one at a time from a daemon thread; `flush()` waits for the queue."""

    url: str
    timeout: float = 5.0
    delivered: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[Delivery] = field(default_factory=queue.Queue, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def send(self, delivery: Delivery) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fake-webhooks", daemon=True)
            self._thread.start()
        self._queue.put(delivery)

    def flush(self) -> None:
        self._queue.join()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                delivery = self._queue.get()
                try:
                    headers = {"Content-Type": "application/json", **delivery.headers}
                    answer = client.post(self.url, content=delivery.body, headers=headers)
                    delivery.status = answer.status_code
                except httpx.HTTPError as exc:
                    delivery.error = type(exc).__name__
                finally:
                    self.delivered.append(delivery)
                    self._queue.task_done()
