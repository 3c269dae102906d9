"""One virtual clock shared by processes: a bench's fake and the `syncer` processes it starts.

Benches of GitHub's creation limit (an hour's window) cannot wait real hours. In-process, the
fake and the adapter share `syncer.fakes.clock.VirtualTime`; across processes the offset from
real time lives in a file. The bench gives the fake's module a `FileClock` as its `time`; each
`syncer` process is started through this module (`python bench/virtual_clock.py CLOCK_FILE
reconcile ...`), which puts `time.time` and `time.sleep` on the same clock before syncer is
imported (the adapters' `clock=time.time, sleep=time.sleep` defaults are bound at import).
A sleep moves the shared offset instead of sleeping; real time still passes, so what a run
costs in real seconds counts too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, SupportsIndex

_real_time = time.time
_real_monotonic = time.monotonic


class FileClock:
    """Real time plus an offset kept in `path`, moved forward by `sleep` and `advance`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            path.write_text("0.0", "utf-8")

    def offset(self) -> float:
        return float(self.path.read_text("utf-8") or 0.0)

    def time(self) -> float:
        return _real_time() + self.offset()

    def monotonic(self) -> float:
        return _real_monotonic() + self.offset()

    def sleep(self, seconds: float | SupportsIndex) -> None:
        """Takes what `time.sleep` takes: it replaces it in `main`."""
        self.advance(float(seconds))

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.path.write_text(repr(self.offset() + seconds), "utf-8")

    def __getattr__(self, name: str) -> Any:
        """Anything else a patched module takes from `time` (`gmtime`, `strftime`…)."""
        return getattr(time, name)


def main(argv: list[str]) -> None:
    """Run the `syncer` command line `argv[1:]` on the clock kept in file `argv[0]`."""
    clock = FileClock(Path(argv[0]))
    time.time = clock.time
    time.sleep = clock.sleep
    from syncer.cli import app  # only now: defaults bound at import must see the clock

    sys.argv = ["syncer", *argv[1:]]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
