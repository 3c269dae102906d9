"""One writer per register: the store's lock, across threads and processes, on every backend
(a file lock beside SQLite, a session advisory lock on PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.app import StoredLedger
from syncer.cli import app
from syncer.state.lock import RegisterBusy
from syncer.state.store import Store
from tests.trackers.helpers import wait_until

HOLD = """
import sys, time
from syncer.state.store import Store
store = Store(sys.argv[1])
with store.lock("debt", 5):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_child(state: str | Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_process_gives_up_after_its_wait_naming_the_holder(
    location: str | Path,
) -> None:
    child = hold_in_child(location)
    try:
        with Store(location) as store:
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


def test_a_holder_that_dies_lets_go(location: str | Path) -> None:
    child = hold_in_child(location)
    with Store(location) as store:
        with pytest.raises(RegisterBusy), store.lock("debt", 0):
            pytest.fail("the child holds the lock")
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        with store.lock("debt", 10):
            pass


def overlapping_cycles(store: Store) -> list[bool]:
    """Four threads each run a "cycle" under the lock; whether each found another inside."""
    inside: list[int] = []
    overlaps: list[bool] = []

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
    return overlaps


def test_two_threads_of_one_process_exclude_each_other(location: str | Path) -> None:
    with Store(location) as store:
        assert overlapping_cycles(store) == [False] * 4


def test_two_threads_exclude_each_other_on_a_private_store() -> None:
    with Store(":memory:") as store:
        assert overlapping_cycles(store) == [False] * 4


def test_the_wait_ends_as_soon_as_the_holder_lets_go(location: str | Path) -> None:
    with Store(location) as store:
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


def test_the_write_ledger_remembers_the_last_hour_per_key(location: str | Path) -> None:
    now = time.time()
    with Store(location) as store:
        ledger = StoredLedger(lambda: store, "github:abc")
        for ago in (4000, 3000, 10, 5):
            ledger.record(now - ago)
        StoredLedger(lambda: store, "github:other").record(now)
    with Store(location) as reopened:
        assert StoredLedger(lambda: reopened, "github:abc").recent(now - 3600) == [
            now - 3000,
            now - 10,
            now - 5,
        ]
        assert StoredLedger(lambda: reopened, "github:other").recent(now - 60) == [now]
        assert reopened.recent_writes("github:abc", 0) == [now - 3000, now - 10, now - 5], (
            "a write older than every pacing window is forgotten"
        )


def test_who_holds_a_register_is_named_while_it_is_held(location: str | Path) -> None:
    """For `syncer status`: `host:pid` of the holder, nothing once it let go (or died)."""
    with Store(location) as store:
        assert store.lock_holder("debt") == ""
        child = hold_in_child(location)
        try:
            assert store.lock_holder("debt").endswith(f":{child.pid}")
            assert store.lock_holder("other") == ""
        finally:
            child.kill()
            child.wait()
        # PostgreSQL ends a dead client's session (and its advisory locks) once its backend
        # notices the closed socket: a moment later, not at the instant the process died.
        wait_until(lambda: store.lock_holder("debt") == "", "the dead holder's lock let go")


def test_status_names_who_holds_a_register_and_who_ran_it(
    location: str | Path, tmp_path: Path
) -> None:
    (tmp_path / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
    config = tmp_path / "syncer.toml"
    config.write_text(
        f'state = "{location}"\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n'
        '[[registers.targets]]\nkind = "github"\nrepo = "o/r"\ntoken_env = "GH_TOKEN"\n',
        "utf-8",
    )
    with Store(location) as store:
        store.finish_run(store.start_run("debt").id, {})
    child = hold_in_child(location)
    try:
        result = CliRunner().invoke(app, ["status", "--json", "--config", str(config)])
    finally:
        child.kill()
        child.wait()
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["held_by"].endswith(f":{child.pid}")
    assert row["ran_by"].endswith(f":{os.getpid()}")
