"""Waking the daemon that holds a register, wherever a webhook landed (PostgreSQL only).

Behind a load balancer a webhook reaches any daemon. Its cycle then finds the register locked
when another daemon is in the middle of a cycle that may have read the tracker before the
change, so the receiving daemon says so on the channel `syncer_wake`, and every daemon listens:
the one running that register runs it once more right after (`CycleRunner.again_if_running`).
If nobody held the register, the receiving daemon simply ran the cycle itself.

A listener keeps one connection of its own, in autocommit (LISTEN takes effect at once), and
checks its stop flag every second. SQLite has no such channel: daemons sharing one SQLite file
share one machine, and a skipped run there is caught by the next scheduled one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine, text

from syncer import log

CHANNEL = "syncer_wake"
_log = log.get("syncer.state")


def announce(engine: Engine, register: str) -> None:
    """Tell every listening daemon that `register` changed (delivered at commit)."""
    with engine.begin() as connection:
        connection.execute(
            text("SELECT pg_notify(:channel, :register)"),
            {
                "channel": CHANNEL,
                "register": register,
            },
        )


class WakeListener:
    """Calls `on_wake(register)` for each announcement, from a thread of its own, until
    `close()`."""

    def __init__(self, engine: Engine, on_wake: Callable[[str], None]) -> None:
        self._engine = engine
        self._on_wake = on_wake
        self._closed = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="syncer-wake", daemon=True)
        self._thread.start()

    def wait_listening(self, seconds: float) -> bool:
        """True once LISTEN is in effect (announcements from then on are heard)."""
        return self._listening.wait(seconds)

    def close(self) -> None:
        self._closed.set()
        self._thread.join()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                self._listen_once()
            except Exception as error:  # the server went away (or worse): listen again soon;
                # a listener that died would leave this daemon deaf until restarted
                _log.warning("wake listener lost its connection", error=str(error))
                self._closed.wait(1.0)

    def _listen_once(self) -> None:
        raw = self._engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert connection is not None
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self._listening.set()
            while not self._closed.is_set():
                for notice in connection.notifies(timeout=1.0):
                    self._on_wake(notice.payload)
        finally:
            raw.invalidate()  # never hand a listening connection back to the pool
