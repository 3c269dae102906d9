"""The cyclic garbage collector around a command: what starting and ending a process cost.

Starting `syncer reconcile` imports pydantic, pydantic-settings, typer, rich, structlog and a
tracker SDK and builds the configuration's models: tens of thousands of objects that live as
long as the process. The collector, left alone, walks all of them again in each full collection
it runs on the way, and several more times in Python's teardown at exit. Together that was a
fifth of an idle reconcile's CPU (issue 13; docs/sync.md, "Idle cycles").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a command's start (imports, loading the configuration, connecting trackers) with
    the collector paused, then freeze what it made: later collections (a long cycle, the
    daemon) skip those objects too. The little garbage in cycles a start leaves is freed with
    the process. The collector is left as it was found, enabled or not, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def freeze_at_exit() -> None:
    """An `atexit` handler: Python's teardown then skips the process's objects in the
    collections it runs, and frees them as their modules are cleared. Nothing of syncer's
    waits for the collector at exit: the state store, tracker sessions and files are closed
    by the commands that open them, and `logging`'s own exit handler, which flushes the log,
    is registered earlier and so runs after this one."""
    gc.freeze()
