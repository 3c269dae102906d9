"""Crash sweep: an initial sync interrupted at every tracker request, then a clean reconcile.

Whatever the moment of the crash, the clean run must leave no duplicate issue, lose no item,
and converge (a further reconcile changes nothing).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from syncer.fakes.gitlab import FakeGitLab
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec

from .conftest import gitlab_tracker

ITEMS = 30
REGISTER = "# Debt\n\n## High Priority\n\n" + "".join(
    f"- [{'x' if n % 7 == 0 else ' '}] **Item number {n}** - body of item {n}\n"
    for n in range(ITEMS)
)


class Crash(BaseException):
    """Stands for the process dying: no `except Exception` in syncer may swallow it."""


@contextmanager
def crash_after(k: int, before_send: bool) -> Iterator[None]:
    original = requests.Session.send
    seen = 0

    def send(self: requests.Session, request: Any, **kw: Any) -> Any:
        nonlocal seen
        seen += 1
        if seen == k and before_send:
            raise Crash
        answer = original(self, request, **kw)
        if seen == k:
            raise Crash
        return answer

    requests.Session.send = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


def job(path: Path, fake: FakeGitLab) -> RegisterJob:
    target = TargetSpec("gitlab", "gitlab", fake.repo, gitlab_tracker(fake))
    return RegisterJob("debt", path, [target])


def assert_converged(path: Path, state: Path, fake: FakeGitLab) -> None:
    with Store(state) as store:
        report = run_cycle(job(path, fake), store)
        assert not report.errors and not report.refused, (report.errors, report.refused)
        text = path.read_text("utf-8")
        again = run_cycle(job(path, fake), store)
        assert not again.errors and path.read_text("utf-8") == text
        assert again.plan is not None and not again.plan.operations
    items = parse(text).items
    assert len(items) == ITEMS, "no item lost"
    assert fake.issue_count() == ITEMS, "no duplicate issue"
    refs = [link.text for item in items for link in item.links]
    assert len(refs) == ITEMS == len(set(refs)), "every item linked to its own issue"


@pytest.mark.parametrize("before_send", [True, False], ids=["before-send", "after-send"])
def test_crash_at_every_request_then_clean_reconcile(tmp_path: Path, before_send: bool) -> None:
    k = 1
    while True:
        with FakeGitLab() as fake:
            path, state = tmp_path / f"r{k}{before_send}.md", tmp_path / f"s{k}{before_send}.db"
            path.write_text(REGISTER, "utf-8")
            crashed = False
            with Store(state) as store, crash_after(k, before_send):
                try:
                    run_cycle(job(path, fake), store)
                except Crash:
                    crashed = True
            assert_converged(path, state, fake)
        if not crashed:
            break  # k passed the last request of a whole initial sync
        k += 1
    assert k > ITEMS, "the sweep covered every create"


@pytest.mark.parametrize("k", [1, 2, 9, 25])
def test_kill_9_mid_sync_then_clean_reconcile(tmp_path: Path, k: int) -> None:
    path, state = tmp_path / "TECH_DEBT.md", tmp_path / "state.db"
    path.write_text(REGISTER, "utf-8")
    with FakeGitLab() as fake:
        child = subprocess.run(
            [sys.executable, "-m", "tests.sync.crash_child", str(path), str(state),
             fake.server.base_url, fake.repo, fake.token, str(k)],
            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert child.returncode == -9, child.stderr
        assert path.read_text("utf-8") == REGISTER, "the file is never half-written"
        assert_converged(path, state, fake)
