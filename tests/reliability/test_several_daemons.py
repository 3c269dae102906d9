"""Three daemons on one PostgreSQL database share 20 registers (issue 11): every daemon
schedules every register, the register's lock decides who runs it.

Every register is synced; never two cycles of a register at once, seen both ways: in the run
history (a register's runs do not overlap) and in the fakes' request logs (each daemon has its
own token, so each request says who sent it, and it lies inside one of that daemon's runs of
that register, while no other daemon touches that register's tracker); the daemon holding a
register is killed with SIGKILL in the middle of a create: another daemon takes the register
within one schedule interval, with no duplicate issue and no lost edit (one made in the file and
one made in the tracker while it ran both arrive).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.model import RemoteIssue
from syncer.register import parse
from syncer.state.records import RunRecord
from syncer.state.store import Store
from syncer.trackers.github import GitHubTracker
from tests.postgres_server import PostgresServer
from tests.trackers.helpers import UNPACED_KEYS, wait_until

from .conftest import ROOT
from .request_log import cut_short_reads, cycles_of, overlapping_cycles, unattributed

REGISTERS, ITEMS, DAEMONS = 20, 3, 3
INTERVAL_S = 3
"""The schedule: each daemon tries each register this often."""
TAKEOVER_SLACK_S = 5.0
"""What a loaded machine may add to the interval before another daemon takes the register
(the benchmark's target: one schedule interval + 5 s)."""
LATENCY_S = 0.1
"""How long each fake takes to answer, as a real tracker does (100-500 ms): a cycle lasts long
enough that daemons' attempts at a register meet while it runs, which the lock must settle."""
TOKENS = tuple(f"daemon-{n}-token" for n in range(DAEMONS))
"""Each daemon's own token for every fake: the request logs say which daemon sent what."""
STALL_S = 20.0
"""How long the killed daemon's create is left unanswered: far longer than finding and killing
it takes, so it dies waiting."""
POLL_S = 0.25
"""Between checks of every register or of the run history: they cost CPU the daemons need."""
FILE_TITLE = "Register 0 item 1, retitled in the file"
TRACKER_TITLE = "Register 0 item 2, retitled in the tracker"
ADDED = "- [ ] **Register 0 item added while a daemon dies** - body\n"


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
        f'state = "{state}"\nhttp_port = 0\nschedule = "every {INTERVAL_S}s"\n\n'
        + "\n".join(tables),
        "utf-8",
    )
    return config


@pytest.fixture
def fakes() -> Iterator[list[FakeGitHub]]:
    with ExitStack() as stack:
        fakes = [
            stack.enter_context(FakeGitHub(create_limit=None, other_tokens=TOKENS))
            for _ in range(REGISTERS)
        ]
        for fake in fakes:
            fake.server.latency = LATENCY_S
        yield fakes


def start_daemon(config: Path, token: str) -> subprocess.Popen[bytes]:
    tokens = {f"GH_TOKEN_{n}": token for n in range(REGISTERS)}
    return subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "daemon", "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(ROOT), **tokens},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def items_of(folder: Path, register: int) -> list[tuple[str, int]]:
    """(title, links) of each item of register `register`'s file."""
    items = parse((folder / f"R{register}.md").read_text("utf-8")).items
    return [(item.title, len(item.links)) for item in items]


def synced(folder: Path, fakes: list[FakeGitHub]) -> bool:
    for n, fake in enumerate(fakes):
        items = items_of(folder, n)
        if fake.issue_count() != len(items) or any(links != 1 for _, links in items):
            return False
    return True


def edit_register_zero(folder: Path, fake: FakeGitHub) -> None:
    """A person edits register r0's file (a title, a new item) and, in the tracker, the issue
    of another of its items."""
    path = folder / "R0.md"
    text = path.read_text("utf-8").replace("Register 0 item 1", FILE_TITLE)
    path.write_text(text + ADDED, "utf-8")
    link = parse(text).items[2].links[0].text
    fake.human_edit(link.rsplit("#", 1)[1], title=TRACKER_TITLE)


def stall_the_next_create(fake: FakeGitHub) -> threading.Event:
    """The next create on `fake` is made at once and its answer held back: the daemon is caught
    between asking and hearing, where a duplicate is born."""
    caught = threading.Event()

    def on_arrival(method: str, path: str) -> None:
        if method == "POST" and path.endswith("/issues") and not caught.is_set():
            fake.stall_next(1, STALL_S)
            caught.set()

    fake.server.on_arrival(on_arrival)
    return caught


def kill_holder(
    store: Store, daemons: list[subprocess.Popen[bytes]]
) -> tuple[subprocess.Popen[bytes], float, float]:
    """SIGKILL to the daemon holding r0; it, the time just before it was killed, and a time
    by which it was dead."""
    holder = store.lock_holder("r0")
    victim = next(d for d in daemons if holder.endswith(f":{d.pid}"))
    killed_at = time.time()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    return victim, killed_at, time.time()


def first_run_after(store: Store, register: str, moment: float) -> RunRecord | None:
    later = [r for r in store.history.runs(10_000) if r.register == register]
    later = [r for r in later if r.started_at.timestamp() > moment and r.finished_at]
    return min(later, key=lambda r: r.started_at, default=None)


def stop_gracefully(daemons: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM: each daemon finishes the cycle it runs, so the only unfinished run in the
    history is the killed daemon's."""
    for daemon in daemons:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
    for daemon in daemons:
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
            pytest.fail(f"daemon {daemon.pid} did not stop within 60 s of SIGTERM")


def issues_of(fake: FakeGitHub) -> list[RemoteIssue]:
    """The issues as syncer reads them (with the fake's own token, not a daemon's)."""
    tracker = GitHubTracker(fake.repo, fake.token, base_url=fake.server.base_url)
    return list(tracker.list_changed(None).issues)


def assert_one_issue_per_item(fake: FakeGitHub, items: int) -> None:
    markers = Counter(issue.marker for issue in issues_of(fake))
    assert len(markers) == items and set(markers.values()) == {1}, markers


def assert_never_two_runs_at_once(runs: list[RunRecord], killed_at: float) -> None:
    """Per register, each run ended before the next one started; a run of the killed daemon
    has no end, and the next one started after the kill (the lock died with its holder)."""
    for register in {run.register for run in runs}:
        ordered = sorted((r for r in runs if r.register == register), key=lambda r: r.started_at)
        for run, after in pairwise(ordered):
            ended = run.finished_at.timestamp() if run.finished_at else killed_at
            assert ended <= after.started_at.timestamp(), (run, after)


def test_three_daemons_share_twenty_registers_and_take_over_from_a_killed_one(
    postgres_server: PostgresServer, fakes: list[FakeGitHub], tmp_path: Path
) -> None:
    with postgres_server.database() as url, Store(url) as store:
        config = write_config(tmp_path, fakes, url)
        daemons = [start_daemon(config, token) for token in TOKENS]
        try:
            wait_until(lambda: synced(tmp_path, fakes), "every register synced", 60, POLL_S)
            with store.lock("r0", 30):  # no cycle of r0 reads half of the edits
                edit_register_zero(tmp_path, fakes[0])
                caught = stall_the_next_create(fakes[0])
            assert caught.wait(60), "a daemon reached the create of r0's new item"
            victim, killed_at, dead_at = kill_holder(store, daemons)
            wait_until(
                lambda: first_run_after(store, "r0", killed_at) is not None,
                "another daemon ran r0",
                60,
                POLL_S,
            )
            wait_until(
                lambda: synced(tmp_path, fakes) and (TRACKER_TITLE, 1) in items_of(tmp_path, 0),
                "every register synced again, the tracker's edit in the file",
                60,
                POLL_S,
            )
        finally:
            stop_gracefully(daemons)
        runs = store.history.runs(10_000)
        takeover = first_run_after(store, "r0", killed_at)
    assert takeover is not None and not takeover.runner.endswith(f":{victim.pid}")
    assert takeover.started_at.timestamp() - killed_at <= INTERVAL_S + TAKEOVER_SLACK_S

    unfinished = {(r.register, r.runner.rsplit(":", 1)[1]) for r in runs if not r.finished_at}
    assert ("r0", str(victim.pid)) in unfinished, "the victim was killed in a run of r0"
    assert {pid for _, pid in unfinished} == {str(victim.pid)}, "the others finished theirs"
    assert_never_two_runs_at_once(runs, killed_at)
    pids = {token: daemon.pid for token, daemon in zip(TOKENS, daemons, strict=True)}
    [victim_token] = [token for token, pid in pids.items() if pid == victim.pid]
    for n, fake in enumerate(fakes):  # every request so far is a daemon's
        sent = list(fake.server.requests)
        cycles = cycles_of(sent, [r for r in runs if r.register == f"r{n}"], pids)
        cut_short = {id(r) for r in cut_short_reads(sent, victim_token, dead_at)}
        stray = [r for r in unattributed(sent, cycles) if id(r) not in cut_short]
        assert not stray, f"r{n}: requests outside their daemon's runs (killed {killed_at})"
        assert not overlapping_cycles(cycles), f"r{n}: two daemons at once on its tracker"
    assert len({run.runner for run in runs}) >= 2, "the work was shared"

    for n, fake in enumerate(fakes):
        assert_one_issue_per_item(fake, ITEMS + (n == 0))
    titles = {issue.title for issue in issues_of(fakes[0])}
    assert {FILE_TITLE, TRACKER_TITLE} <= titles, "the file's edit reached the tracker"
