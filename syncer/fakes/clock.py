"""The one clock a fake reads: its timestamps, rate-limit windows and resets all come from it.

Every fake takes a `Clock` (`SYSTEM_TIME` unless a test says otherwise). `VirtualTime` is a
clock whose `sleep` moves time forward instead of sleeping, for fakes and adapters alike: the
adapters sleep through an injected function, and a recording one that advanced nothing would
leave fake GitHub's create window shut for ever, and the adapter's write pacing would never see
a write leave its window. So the fake (given the clock) and the adapter (given its `sleep` and
`time`) read one virtual clock: a minute's pacing takes no real minute, and pacing that waited
too little shows up as a 403, too much in `waits`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch, as `time.time`."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring windows, as `time.monotonic`."""
        ...


class SystemTime:
    """The machine's clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_TIME = SystemTime()


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
