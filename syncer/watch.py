"""What a long run tells whoever watches it: tracker writes done out of those planned, and the
waits a tracker's limits impose.

A first sync of hundreds of items spends minutes waiting on GitHub's write limits; the person
at the terminal should see counts, the current wait and when it ends, not a bare spinner. The
engine and the write pacer say what happens here; the command line decides how to show it (a
progress bar, or a log line per batch). Without a watcher (the daemon, tests) nothing is said.
A context variable carries the watcher, so the pure planner and the adapters take no new
argument for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar


class Watcher(Protocol):
    def planned(self, register: str, writes: int) -> None:
        """A register's cycle is about to make `writes` tracker writes."""

    def wrote(self, register: str, done: int, counts: Mapping[str, int]) -> None:
        """`done` of the planned writes are behind it; `counts` by kind (created, updated…)."""

    def waiting(self, seconds: float, what: str) -> None:
        """A tracker's `what` limit holds the next write back for `seconds`."""


class _Nobody:
    def planned(self, register: str, writes: int) -> None:
        return None

    def wrote(self, register: str, done: int, counts: Mapping[str, int]) -> None:
        return None

    def waiting(self, seconds: float, what: str) -> None:
        return None


_NOBODY = _Nobody()
_WATCHER: ContextVar[Watcher | None] = ContextVar("syncer_watcher", default=None)


def current() -> Watcher:
    return _WATCHER.get() or _NOBODY


_AnyWatcher = TypeVar("_AnyWatcher", bound=Watcher)


@contextmanager
def watching(watcher: _AnyWatcher) -> Iterator[_AnyWatcher]:
    """`watcher` hears this thread's (and its tasks') runs inside the block; it is handed back
    as its own type, so a caller reads what it recorded without a cast."""
    token = _WATCHER.set(watcher)
    try:
        yield watcher
    finally:
        _WATCHER.reset(token)
