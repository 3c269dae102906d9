"""One writer per register: `syncer reconcile` next to itself, as cron and CI run it.

Before the lock, two runs started together on a fresh 30-item register made 60 issues, and
every later run died with a traceback ("item … is already linked"). Now a second run waits for
the first (or gives up after `lock_wait_seconds` with exit 5, writing nothing).
"""

from __future__ import annotations

import json
import random
import signal
from collections import Counter

from syncer.model import IssueState
from syncer.register import parse, set_title
from syncer.trackers.gitlab import GitLabTracker
from tests.postgres_server import ON_POSTGRESQL

from .conftest import Setup, checkbox_register, finish

EXIT_OK, EXIT_BUSY = 0, 5
TRIALS = 6 if ON_POSTGRESQL else 20
"""Twenty on SQLite; six when the suite runs again on PostgreSQL (CI's second pass, where each
trial's process starts cost about 4 s): the lock there is also tried by three daemons sharing
twenty registers (`test_several_daemons`)."""


def issues(setup: Setup) -> list[tuple[str, str, IssueState, str | None]]:
    """(ref, title, state, marker) of every issue with the sync label, read through the adapter."""
    tracker = GitLabTracker(setup.fake.repo, setup.fake.token, url=setup.fake.server.base_url)
    return [(i.ref, i.title, i.state, i.marker) for i in tracker.list_changed(None).issues]


def assert_no_duplicates(setup: Setup, items: int) -> None:
    found = issues(setup)
    markers = Counter(marker for _, _, _, marker in found)
    assert len(found) == items and set(markers.values()) == {1}, markers.most_common(3)
    register = parse(setup.register.read_text("utf-8"))
    assert all(len(item.links) == 1 for item in register.items)
    assert len({item.links[0].text for item in register.items}) == items


def test_two_runs_started_together_make_each_issue_once(setup: Setup) -> None:
    setup.write(checkbox_register(30))
    results = finish([setup.start("reconcile"), setup.start("reconcile")])
    assert [code for code, _ in results] == [EXIT_OK, EXIT_OK], results
    assert all("Traceback" not in stderr for _, stderr in results)
    assert_no_duplicates(setup, 30)
    after = setup.run("reconcile", "--json")
    assert after.returncode == EXIT_OK, after.stderr
    assert json.loads(after.stdout)[0]["plan"] == []
    status = json.loads(setup.run("status", "--json").stdout)[0]
    assert (status["links"], status["pending"]) == (30, 0)


def test_a_run_that_cannot_wait_exits_5_and_writes_nothing(setup: Setup) -> None:
    setup.write(checkbox_register(30), lock_wait_seconds=0)
    first, second = setup.start("reconcile"), setup.start("reconcile")
    results = finish([first, second])
    codes = sorted(code for code, _ in results)
    assert codes in ([EXIT_OK, EXIT_OK], [EXIT_OK, EXIT_BUSY]), results
    busy = [stderr for code, stderr in results if code == EXIT_BUSY]
    assert all("being synced by another syncer" in stderr for stderr in busy)
    assert all(len(stderr.strip().splitlines()) <= 2 for stderr in busy), busy
    assert_no_duplicates(setup, 30)


def test_trials_of_concurrent_runs_lose_and_duplicate_nothing(setup: Setup) -> None:
    """2 to 4 runs at once after edits on both sides, with a daemon syncing every 3 seconds
    beside them (its runs skip a register another process holds)."""
    chance = random.Random(20261204)
    setup.write(checkbox_register(10), lock_wait_seconds=60, schedule="every 3s", http_port=0)
    daemon = setup.start("daemon")
    finish([setup.start("reconcile") for _ in range(2)])
    for trial in range(TRIALS):
        register = parse(setup.register.read_text("utf-8"))
        item, other = register.items[trial % 10], register.items[(trial + 5) % 10]
        setup.register.write_text(set_title(register, item.key, f"Item renamed {trial}"), "utf-8")
        setup.fake.human_edit(other.links[0].text.split("#")[1], title=f"Retitled {trial}")
        runs = [setup.start("reconcile") for _ in range(chance.randint(2, 4))]
        results = finish(runs)
        assert {code for code, _ in results} == {EXIT_OK}, (trial, results)
        titles = {title for _, title, _, _ in issues(setup)}
        assert f"Item renamed {trial}" in titles, "the register's edit reached the tracker"
        text = setup.register.read_text("utf-8")
        assert f"Retitled {trial}" in text, "the tracker's edit reached the register"
        assert_no_duplicates(setup, 10)
    daemon.send_signal(signal.SIGTERM)
    ((code, stderr),) = finish([daemon])
    assert code == EXIT_OK and "Traceback" not in stderr, stderr[-2000:]
