"""One writer per register: a lock held for a whole cycle, across threads and processes.

Two runs on one register at once (cron overlapping itself, a webhook during a scheduled cycle,
two CI jobs) would both see the same unlinked items and both create their issues. So a cycle
holds its register's lock from the first read to the last write, and a second run waits a
bounded time, then gives up without writing anything.

The store owns the lock, so each backend brings the kind that fits it: a file lock beside a
SQLite database here, an advisory lock for a shared server database.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

POLL_SECONDS = 0.05
"""How often a waiting run tries the lock again (flock itself cannot wait with a timeout)."""


class RegisterBusy(Exception):
    """Another run holds the register's lock and did not let go within the wait."""


class RegisterLocks(Protocol):
    def hold(self, register: str, wait_seconds: float) -> AbstractContextManager[None]:
        """Hold `register`'s lock for the `with` block; `RegisterBusy` after `wait_seconds`."""
        ...

    def holder(self, register: str) -> str:
        """`host:pid` of the process holding `register`'s lock now, "" when nobody does."""
        ...


def runner_name() -> str:
    """`host:pid`: who holds a lock or ran a cycle, as a person would look for it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def locks_beside(database: str | Path) -> FileLocks:
    """The file locks of the SQLite state `database`: a folder `<database>.locks` beside it
    (the store's, and the idle check's before the store is opened)."""
    return FileLocks(Path(f"{database}.locks"))


class FileLocks:
    """flock(2) on one file per register, in a folder beside the state database.

    flock, not fcntl record locks: a record lock belongs to the process, so two threads of one
    daemon would both "hold" it, while a flock belongs to the open file and so also keeps two
    threads apart. The kernel lets go when the holder dies: a crash never leaves a register
    locked. The holder writes its `host:pid` into the file, for the message a waiter gives up
    with.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def hold(self, register: str, wait_seconds: float) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{register}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, register, wait_seconds, path)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, runner_name().encode(), 0)
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self, register: str) -> str:
        path = self.folder / f"{register}.lock"
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return ""
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(path)  # what a holder that died wrote is no holder: it let go
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return ""
        finally:
            os.close(fd)


def _acquire(fd: int, register: str, wait_seconds: float, path: Path) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(path)
                raise RegisterBusy(
                    f"register {register!r} is being synced by another syncer"
                    f"{f' ({holder})' if holder else ''}; gave up after {wait_seconds:g}s"
                ) from None
            time.sleep(POLL_SECONDS)


def _holder(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace").strip()
    except OSError:
        return ""


class ThreadLocks:
    """For a private in-memory store: one process, so a lock per register name is enough."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, register: str, wait_seconds: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(register, threading.Lock())
        if not lock.acquire(timeout=max(wait_seconds, 0.0)):
            raise RegisterBusy(
                f"register {register!r} is being synced; gave up after {wait_seconds:g}s"
            )
        try:
            yield
        finally:
            lock.release()

    def holder(self, register: str) -> str:
        lock = self._locks.get(register)
        return runner_name() if lock is not None and lock.locked() else ""
