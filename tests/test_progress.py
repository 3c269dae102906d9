"""A long run shows what it does (issue 13): writes done by kind, and the waits a tracker's
limits impose with when they end; a bar in a terminal, log lines elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from io import StringIO
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from syncer.cli import app
from syncer.cli.progress import ProgressBar
from syncer.fakes.clock import VirtualTime
from syncer.fakes.gitlab import FakeGitLab
from syncer.trackers.pacing import WritePacer
from syncer.watch import watching

ITEMS = 12


class RecordingWatcher:
    """A watcher that keeps what it was told."""

    def __init__(self) -> None:
        self.waits: list[tuple[float, str]] = []
        self.done: list[int] = []

    def planned(self, register: str, writes: int) -> None:
        self.planned_writes = writes

    def wrote(self, register: str, done: int, counts: Mapping[str, int]) -> None:
        self.done.append(done)

    def waiting(self, seconds: float, what: str) -> None:
        self.waits.append((seconds, what))


def test_outside_a_terminal_progress_is_a_log_line_per_batch(tmp_path: Path) -> None:
    register = tmp_path / "TECH_DEBT.md"
    register.write_text("# Debt\n\n" + "".join(f"- [ ] Item {n}\n" for n in range(ITEMS)), "utf-8")
    with FakeGitLab() as fake:
        config = tmp_path / "syncer.toml"
        config.write_text(
            'state = "s.sqlite"\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n'
            f'targets = [{{kind = "gitlab", repo = "{fake.repo}", '
            f'base_url = "{fake.server.base_url}", token_env = "T"}}]\n',
            "utf-8",
        )
        result = CliRunner().invoke(
            app, ["reconcile", "--config", str(config), "--json"], env={"T": fake.token}
        )
    assert result.exit_code == 0, result.stderr
    assert f"debt: {ITEMS} tracker writes planned" in result.stderr
    assert f"debt: {ITEMS} of {ITEMS} tracker writes done ({ITEMS} created)" in result.stderr
    assert result.stderr.count("tracker writes done") <= 10, "a line per batch, not per write"


def test_a_wait_for_a_limit_is_told_before_it_is_slept() -> None:
    clock = VirtualTime()
    pacer = WritePacer(
        ((60.0, 2),), what="creation", max_wait_seconds=120, sleep=clock.sleep, clock=clock.time
    )
    with watching(RecordingWatcher()) as watcher:
        for _ in range(3):
            pacer.run(lambda: None)
    assert len(watcher.waits) == 1 and watcher.waits[0][1] == "creation"
    assert watcher.waits[0][0] == clock.waits[0] > 50


def test_the_bar_counts_by_kind_and_says_how_long_a_wait_lasts() -> None:
    bar = ProgressBar(Console(file=StringIO(), force_terminal=True))
    bar.planned("debt", 300)
    bar.wrote("debt", 40, {"created": 38, "adopted": 2})
    [task] = bar._bar.tasks
    assert task.completed == 40 and task.total == 300
    assert task.fields["tally"] == "38 created, 2 linked"
    bar.waiting(42, "creation")
    assert task.fields["tally"].startswith("waiting 42 s for the creation limit (until ")
