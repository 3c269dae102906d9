"""One writer per register: the store's lock, across threads and processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from syncer.state.lock import RegisterBusy
from syncer.state.store import Store

HOLD = """
import sys, time
from syncer.state.store import Store
store = Store(sys.argv[1])
with store.lock("debt", 5):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_child(state: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_process_gives_up_after_its_wait_naming_the_holder(tmp_path: Path) -> None:
    state = tmp_path / "syncer.sqlite"
    child = hold_in_child(state)
    try:
        with Store(state) as store:
            started = time.monotonic()
            with pytest.raises(RegisterBusy) as caught, store.lock("debt", 0.3):
                pytest.fail("the lock was held by another process")
            assert time.monotonic() - started >= 0.3
            assert f":{child.pid}" in str(caught.value)
            with store.lock("other", 0.1):
                pass  # another register is not held
    finally:
        child.kill()
        child.wait()


def test_a_holder_that_dies_lets_go(tmp_path: Path) -> None:
    state = tmp_path / "syncer.sqlite"
    child = hold_in_child(state)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with Store(state) as store, store.lock("debt", 2):
        pass


@pytest.mark.parametrize("state", ["file", ":memory:"])
def test_two_threads_of_one_process_exclude_each_other(tmp_path: Path, state: str) -> None:
    path = tmp_path / "syncer.sqlite" if state == "file" else state
    inside: list[int] = []
    overlaps: list[bool] = []
    with Store(path) as store:

        def cycle(n: int) -> None:
            with store.lock("debt", 10):
                overlaps.append(bool(inside))
                inside.append(n)
                time.sleep(0.02)
                inside.remove(n)

        threads = [threading.Thread(target=cycle, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert overlaps == [False] * 4


def test_the_wait_ends_as_soon_as_the_holder_lets_go(tmp_path: Path) -> None:
    with Store(tmp_path / "syncer.sqlite") as store:
        released = threading.Event()

        def holder() -> None:
            with store.lock("debt", 1):
                released.wait(5)

        thread = threading.Thread(target=holder)
        thread.start()
        time.sleep(0.05)
        threading.Timer(0.2, released.set).start()
        with store.lock("debt", 5):
            pass
        thread.join()


def test_the_write_ledger_remembers_the_last_hour_per_key(tmp_path: Path) -> None:
    path = tmp_path / "syncer.sqlite"
    now = time.time()
    with Store(path) as store:
        ledger = store.write_ledger("github:abc")
        for ago in (4000, 3000, 10, 5):
            ledger.record(now - ago)
        store.write_ledger("github:other").record(now)
    with Store(path) as reopened:
        assert reopened.write_ledger("github:abc").recent(now - 3600) == [
            now - 3000,
            now - 10,
            now - 5,
        ]
        assert reopened.write_ledger("github:other").recent(now - 60) == [now]
        assert reopened.recent_writes("github:abc", 0) == [now - 3000, now - 10, now - 5], (
            "a write older than every pacing window is forgotten"
        )
