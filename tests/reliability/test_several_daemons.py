"""Three daemons on one PostgreSQL database share the registers: every daemon schedules every
register, the register's lock decides who runs it. All synced, never two cycles of a register at
once (the run history), and a daemon killed with SIGKILL mid-cycle leaves nothing another
cannot settle: the register is taken over, with no duplicate issue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.register import parse
from syncer.state.records import RunRecord
from syncer.state.store import Store
from syncer.trackers.github import GitHubTracker
from tests.postgres_server import PostgresServer
from tests.trackers.helpers import UNPACED_KEYS, wait_until

from .conftest import ROOT

REGISTERS, ITEMS, DAEMONS = 6, 5, 3


def register_text(register: int) -> str:
    return "# Debt\n\n## Work\n\n" + "".join(
        f"- [ ] **Register {register} item {n}** - body\n" for n in range(ITEMS)
    )


def write_config(folder: Path, fakes: list[FakeGitHub], state: str) -> Path:
    unpaced = "".join(f"{key} = {value}\n" for key, value in UNPACED_KEYS.items())
    tables = []
    for n, fake in enumerate(fakes):
        (folder / f"R{n}.md").write_text(register_text(n), "utf-8")
        tables.append(
            f'[[registers]]\nname = "r{n}"\npath = "R{n}.md"\n[[registers.targets]]\n'
            f'kind = "github"\nrepo = "{fake.repo}"\nbase_url = "{fake.server.base_url}"\n'
            f'token_env = "GH_TOKEN_{n}"\n{unpaced}'
        )
    config = folder / "syncer.toml"
    config.write_text(
        f'state = "{state}"\nhttp_port = 0\nschedule = "every 2s"\n\n' + "\n".join(tables),
        "utf-8",
    )
    return config


@pytest.fixture
def fakes() -> Iterator[list[FakeGitHub]]:
    with ExitStack() as stack:
        yield [stack.enter_context(FakeGitHub(create_limit=None)) for _ in range(REGISTERS)]


def start_daemon(config: Path, fakes: list[FakeGitHub]) -> subprocess.Popen[bytes]:
    tokens = {f"GH_TOKEN_{n}": fake.token for n, fake in enumerate(fakes)}
    return subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "daemon", "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(ROOT), **tokens},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def synced(folder: Path, fakes: list[FakeGitHub]) -> bool:
    for n, fake in enumerate(fakes):
        items = parse((folder / f"R{n}.md").read_text("utf-8")).items
        if fake.issue_count() != ITEMS or not all(len(item.links) == 1 for item in items):
            return False
    return True


def taken_over(store: Store, killed: int) -> bool:
    """Another daemon finished a run of r0 after the one that was killed in it."""
    run = store.last_run("r0")
    return run is not None and run.finished_at is not None and not run.runner.endswith(f":{killed}")


def assert_one_issue_per_item(fake: FakeGitHub) -> None:
    tracker = GitHubTracker(fake.repo, fake.token, base_url=fake.server.base_url)
    markers = Counter(issue.marker for issue in tracker.list_changed(None).issues)
    assert len(markers) == ITEMS and set(markers.values()) == {1}, markers


def assert_never_two_at_once(runs: list[RunRecord]) -> None:
    """Per register, each finished run ended before the next one started (a run killed
    mid-cycle has no end: the lock died with its holder)."""
    by_register: dict[str, list[RunRecord]] = {}
    for run in sorted(runs, key=lambda r: r.id):
        by_register.setdefault(run.register, []).append(run)
    for register_runs in by_register.values():
        for run, after in pairwise(register_runs):
            if run.finished_at is not None:
                assert run.finished_at <= after.started_at, (run, after)


def test_three_daemons_share_registers_and_take_over_from_a_killed_one(
    postgres_server: PostgresServer, fakes: list[FakeGitHub], tmp_path: Path
) -> None:
    stalled = threading.Event()

    def stall_first_create(method: str, path: str) -> None:
        if method == "POST" and path.endswith("/issues") and not stalled.is_set():
            fakes[0].stall_next(1, 60)  # the issue is made at once, the answer never comes
            stalled.set()

    fakes[0].server.on_arrival(stall_first_create)
    with postgres_server.database() as url, Store(url) as store:
        config = write_config(tmp_path, fakes, url)
        daemons = [start_daemon(config, fakes) for _ in range(DAEMONS)]
        try:
            assert stalled.wait(60), "a daemon reached register r0's first create"
            holder = store.lock_holder("r0")
            killed = next(d for d in daemons if holder.endswith(f":{d.pid}"))
            os.kill(killed.pid, signal.SIGKILL)
            killed.wait()
            wait_until(
                lambda: synced(tmp_path, fakes) and taken_over(store, killed.pid),
                "every register synced, r0 by another daemon",
                120,
            )
            runs = store.history.runs(10_000)
        finally:
            for daemon in daemons:
                daemon.kill()
                daemon.wait()
    for fake in fakes:
        assert_one_issue_per_item(fake)
    assert_never_two_at_once(runs)
    runners = {run.runner for run in runs}
    assert len(runners) >= 2, f"the work was shared: {runners}"
    assert any(r.register == "r0" and r.runner.endswith(f":{killed.pid}") for r in runs)
