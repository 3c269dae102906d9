"""A clock whose `sleep` moves time forward instead of sleeping, for fakes and adapters alike.

The adapters sleep through an injected function; a recording one that advanced nothing would
leave fake GitHub's create window (measured on `time.monotonic`) shut for ever, and the
adapter's write pacing (on `time.time`) would never see a write leave its window. So the fake
(its module's `time` patched to this) and the adapter (given `sleep` and `time`) read one
virtual clock: a minute's pacing takes no real minute, and pacing that waited too little shows
up as a 403, too much in `waits`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class VirtualTime:
    offset: float = 0.0
    waits: list[float] = field(default_factory=list)
    """Every sleep asked for, in seconds."""

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.offset += seconds

    def __getattr__(self, name: str) -> Any:
        """Anything else a patched module takes from `time` (`gmtime`, `strftime`…)."""
        return getattr(time, name)
