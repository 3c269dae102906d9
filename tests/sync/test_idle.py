"""Idle cycles (docs/sync.md, "Idle cycles"): nothing changed, one request per target, no
parse; any doubt (the file, a tracker, the outbox, the configuration, a failed cycle) runs the
full cycle, which syncs the change. Through the composition root, as `reconcile` and the
daemon run registers, against the three fakes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.app import App, build_tracker
from syncer.cli import app
from syncer.config import load_config
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.idle import IDLE_NOTE
from syncer.sync.progress import CycleReport
from syncer.trackers.base import Tracker

ROOT = Path(__file__).resolve().parents[2]
REGISTER = "# Debt\n\n## Work\n\n- [ ] Alpha cleanup\n- [ ] Beta cleanup\n"
EXTRA = {
    "github": "seconds_between_writes = 0\n",
    "gitlab": "",
    "jira": "",
}


@dataclass
class Setup:
    """A register linked to its issues on one fake, settled: the next cycle is idle."""

    folder: Path
    fake: FakeTracker
    kind: str
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.folder / "syncer.toml"

    @property
    def register(self) -> Path:
        return self.folder / "TECH_DEBT.md"

    def write_config(self, extra: str = "") -> None:
        self.config.write_text(
            f'state = "syncer.sqlite"\n{extra}[[registers]]\nname = "debt"\n'
            'path = "TECH_DEBT.md"\n[[registers.targets]]\n'
            f'kind = "{self.kind}"\nrepo = "{self.fake.repo}"\n'
            f'base_url = "{self.fake.server.base_url}"\ntoken_env = "FAKE_TOKEN"\n'
            f"{EXTRA[self.kind]}retry = {{ max_wait_seconds = 0.5 }}\n",
            "utf-8",
        )

    def run(self, dry_run: bool = False) -> CycleReport:
        with App.build(load_config(self.config, self.env), self.env, open_store=False) as app:
            return app.run("debt", dry_run=dry_run)

    def last_notes(self) -> tuple[str, ...]:
        with Store(self.folder / "syncer.sqlite") as store:
            run = store.last_run("debt")
        assert run is not None
        return run.notes

    def tracker(self) -> Tracker:
        target = load_config(self.config, self.env).registers[0].targets[0]
        return build_tracker(target, self.env)

    def requests(self) -> int:
        return sum(1 for r in self.fake.server.requests if r.path not in CONNECTING)

    def issue_ref(self, title: str) -> str:
        item = next(i for i in parse(self.register.read_text("utf-8")).items if i.title == title)
        return item.links[0].url.rstrip("/").rsplit("/", 1)[-1]


FAKES = {"github": FakeGitHub, "gitlab": FakeGitLab, "jira": FakeJira}
CONNECTING = {"/rest/api/2/serverInfo", "/rest/api/2/field"}
"""What the jira library asks first in every process that searches (which Jira, which fields),
idle or not: not the idle check's."""


@pytest.fixture(params=sorted(FAKES))
def settled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    kind = str(request.param)
    fake_class = FAKES[kind]
    with fake_class() as fake:
        (tmp_path / "TECH_DEBT.md").write_text(REGISTER, "utf-8")
        setup = Setup(tmp_path, fake, kind, {"FAKE_TOKEN": fake.token})
        setup.write_config()
        for _ in range(3):  # create and link; read the creates back; settled
            report = setup.run()
            assert not report.errors, report.errors
        assert setup.register.read_text("utf-8").count("](") == 2, "both items are linked"
        yield setup


def test_an_idle_cycle_sends_one_request_and_does_not_parse(settled: Setup) -> None:
    before = settled.requests()
    report = settled.run()
    assert settled.requests() - before == 1, "one 'changed since?' request, nothing else"
    assert settled.last_notes() == (IDLE_NOTE,), "the run history says nothing changed"
    assert report.outcome == "ok" and report.plan is not None and not report.plan.operations
    assert not report.counts and not report.notes and not report.register_written


def test_a_person_editing_the_file_runs_the_full_cycle(settled: Setup) -> None:
    ref = settled.issue_ref("Alpha cleanup")
    settled.register.write_text(
        settled.register.read_text("utf-8").replace("Alpha cleanup", "Alpha tidy-up"), "utf-8"
    )
    report = settled.run()
    assert report.counts.get("updated") == 1
    assert settled.last_notes() != (IDLE_NOTE,)
    assert settled.tracker().get(ref).title == "Alpha tidy-up"


def test_an_issue_edited_in_the_tracker_runs_the_full_cycle(settled: Setup) -> None:
    settled.fake.human_edit(settled.issue_ref("Beta cleanup"), title="Beta, edited there")
    report = settled.run()
    assert report.counts.get("register_edits") == 1
    assert "- [ ] Beta, edited there" in settled.register.read_text("utf-8")
    assert settled.last_notes() != (IDLE_NOTE,)


def test_a_pending_write_runs_the_full_cycle_which_settles_it(settled: Setup) -> None:
    with Store(settled.folder / "syncer.sqlite") as store:
        store.add_intent("debt", settled.kind, "update", "alpha-cleanup", "t1", "{}")
    settled.run()
    assert settled.last_notes() != (IDLE_NOTE,)
    with Store(settled.folder / "syncer.sqlite") as store:
        assert store.pending("debt") == []


def test_a_configuration_change_runs_the_full_cycle(settled: Setup) -> None:
    settled.write_config('conflict_policy = "tracker-wins"\n')
    settled.run()
    assert settled.last_notes() != (IDLE_NOTE,)
    settled.run()
    assert settled.last_notes() == (IDLE_NOTE,), "idle again once a cycle settled under it"


def test_a_failed_cycle_leaves_no_mark_so_the_next_is_full(settled: Setup) -> None:
    settled.register.write_text(settled.register.read_text("utf-8") + "- [ ] Gamma\n", "utf-8")
    settled.fake.fail_next(20, status=500)
    assert settled.run().errors
    settled.fake.clear_faults()
    settled.register.write_text(
        settled.register.read_text("utf-8").replace("- [ ] Gamma\n", ""), "utf-8"
    )
    before = settled.requests()
    settled.run()
    assert settled.last_notes() != (IDLE_NOTE,)
    assert settled.requests() - before >= 1


def test_a_dry_run_of_an_idle_register_records_nothing(settled: Setup) -> None:
    notes = settled.last_notes()
    report = settled.run(dry_run=True)
    assert report.plan is not None and not report.plan.operations
    assert settled.last_notes() == notes, "a dry run records no run"


def test_the_daemon_s_open_store_takes_the_same_idle_path(settled: Setup) -> None:
    """The daemon keeps its store open: the check runs through the store's own engine."""
    settings = load_config(settled.config, settled.env)
    with App.build(settings, settled.env) as app:
        before = settled.requests()
        report = app.run("debt")
        assert settled.requests() - before == 1
        assert report.plan is not None and not report.plan.operations
    assert settled.last_notes() == (IDLE_NOTE,)


@pytest.mark.parametrize("flags", [["--dry-run"], ["--json"], ["--dry-run", "--json"], []])
def test_what_reconcile_prints_is_the_same_idle_or_not(settled: Setup, flags: list[str]) -> None:
    """An idle cycle prints what a full cycle finding nothing prints, in every format; its
    log line says it was idle."""

    def reconcile(*extra: str) -> tuple[int, str, bool]:
        command = ["reconcile", "--config", str(settled.config), *extra]
        env = {**settled.env, "SYNCER_LOG_LEVEL": "info"}  # the cycle's log line, with --json too
        result = CliRunner().invoke(app, command, env=env)
        return result.exit_code, result.stdout, "idle" in result.stderr

    with Store(settled.folder / "syncer.sqlite") as store:
        store.glance.mark("debt", None)
    *full, was_idle = reconcile(*flags)
    assert not was_idle
    reconcile()  # settles again (a dry run leaves the state as it was)
    *idle, was_idle = reconcile(*flags)
    assert was_idle
    assert idle == full


def test_an_idle_reconcile_loads_neither_the_parser_nor_the_orm(settled: Setup) -> None:
    """What makes it light: the process never imports SQLAlchemy or the register's parser."""
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['syncer', 'reconcile', '--config', {str(settled.config)!r}]\n"
        "try:\n    runpy.run_module('syncer.cli', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "loaded = [m for m in ('sqlalchemy', 'sqlmodel', 'syncer.register.parsing',"
        " 'syncer.sync.plan', 'markdown_it') if m in sys.modules]\n"
        "print('loaded:', loaded)\n"
    )
    env = {**os.environ, **settled.env, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "loaded: []" in done.stdout, done.stdout + done.stderr
    assert settled.last_notes() == (IDLE_NOTE,)
