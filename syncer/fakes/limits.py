"""Sliding-window limits a fake enforces on writes, as the real services do.

GitHub's secondary rate limit on content creation is the case in point: users measure it at
about 20 issues a minute and 150 an hour (the documented 80/500 is the ceiling, not what an
integration meets). A fake that let any pace through would let an adapter that ignores it pass
every test, so the fake GitHub enforces these figures by default.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

Windows = Sequence[tuple[float, int]]
"""(seconds, most events in any span that long) for each window."""


class WindowLimit:
    """Counts events over sliding windows and says how long the next one must wait."""

    def __init__(self, windows: Windows) -> None:
        self.windows = tuple(windows)
        self._longest = max((seconds for seconds, _ in self.windows), default=0.0)
        self._events: deque[float] = deque()

    def wait(self, now: float) -> int | None:
        """Whole seconds until one more event fits every window (at least 1), or None when it
        fits now. Whole seconds: GitHub's `retry-after` is an integer."""
        while self._events and now - self._events[0] >= self._longest:
            self._events.popleft()
        waits = [
            self._events[-limit] + seconds - now
            for seconds, limit in self.windows
            if sum(1 for at in self._events if now - at < seconds) >= limit
        ]
        return max(math.ceil(max(waits)), 1) if waits else None

    def record(self, now: float) -> None:
        self._events.append(now)

    def clear(self) -> None:
        self._events.clear()
