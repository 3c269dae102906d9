"""How `syncer reconcile` shows a long run: a progress bar in a terminal, a line per batch
elsewhere (`syncer.watch` says what happens).

The bar counts tracker writes done out of those planned, by kind (created, updated, linked,
closed), with the time left; while a tracker's limit holds the next write back it says how
long and until when. Outside a terminal, or with `--json`, the same facts go to the log, one
line per tenth of the writes (ten at least) and one per wait of a second or more, so a CI log
shows progress without a bar's redraws.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

KINDS = (
    ("created", "created"),
    ("updated", "updated"),
    ("adopted", "linked"),
    ("closed", "closed"),
)
log = logging.getLogger("syncer.progress")


def tally(counts: Mapping[str, int]) -> str:
    """`12 created, 3 updated`: the tracker writes of a run, by kind."""
    return ", ".join(f"{counts[key]} {word}" for key, word in KINDS if counts.get(key))


class ProgressBar:
    """A rich progress bar per register, on stderr."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (  # a terminal's bar only: not for a log line per batch
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.fields[register]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[tally]}"),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._current = ""

    def __enter__(self) -> ProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._bar.stop()

    def planned(self, register: str, writes: int) -> None:
        if writes:
            self._current = register
            self._tasks[register] = self._bar.add_task(
                "", total=writes, register=register, tally=""
            )

    def wrote(self, register: str, done: int, counts: Mapping[str, int]) -> None:
        task = self._tasks.get(register)
        if task is not None:
            self._bar.update(task, completed=done, tally=tally(counts))

    def waiting(self, seconds: float, what: str) -> None:
        task = self._tasks.get(self._current)
        if task is not None and seconds >= 1:
            until = datetime.fromtimestamp(time.time() + seconds).strftime("%H:%M:%S")
            message = f"waiting {seconds:.0f} s for the {what} limit (until {until})"
            self._bar.update(task, tally=message)


class ProgressLog:
    """The same facts as log lines: one per tenth of a register's writes, one per long wait."""

    def __init__(self) -> None:
        log.setLevel(logging.INFO)  # said with --json too, where other info lines are not
        self._planned: dict[str, int] = {}
        self._said: dict[str, int] = {}
        self._current = ""

    def planned(self, register: str, writes: int) -> None:
        self._planned[register], self._said[register], self._current = writes, 0, register
        if writes:
            log.info("%s: %d tracker writes planned", register, writes)

    def wrote(self, register: str, done: int, counts: Mapping[str, int]) -> None:
        total = self._planned.get(register, 0)
        step = max(10, -(-total // 10))  # a tenth, and never fewer than ten writes
        if done == total or done - self._said.get(register, 0) >= step:
            self._said[register] = done
            log.info("%s: %d of %d tracker writes done (%s)", register, done, total, tally(counts))

    def waiting(self, seconds: float, what: str) -> None:
        if seconds >= 1:
            log.info("%s: waiting %.0f s for the %s limit", self._current, seconds, what)
