"""Idle cycles (docs/sync.md, "Idle cycles"): nothing changed, one request per target, no
parse; any doubt (the file, a tracker, the outbox, the configuration, a failed cycle) runs the
full cycle, which syncs the change. Through the composition root, as `reconcile` and the
daemon run registers, against the three fakes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.app import App
from syncer.cli import app
from syncer.config import TrackerKind, load_config
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.idle import IDLE_NOTE
from syncer.sync.progress import CycleReport
from tests.reliability.conftest import Setup

REGISTER = "# Debt\n\n## Work\n\n- [ ] Alpha cleanup\n- [ ] Beta cleanup\n"


@dataclass
class Idling(Setup):
    """The reliability suite's setup (a register, a config, a fake), run as `reconcile` runs
    it (the store opened on demand), with what these tests look at."""

    def reconcile(self, dry_run: bool = False) -> CycleReport:
        env = self.env()
        with App.build(load_config(self.config, env), env, open_store=False) as app:
            return app.run("debt", dry_run=dry_run)

    def last_notes(self) -> tuple[str, ...]:
        with Store(self.state) as store:
            run = store.last_run("debt")
        assert run is not None
        return run.notes

    def requests(self) -> int:
        return sum(1 for r in self.fake.server.requests if r.path not in CONNECTING)

    def issue_ref(self, title: str) -> str:
        item = next(i for i in parse(self.register.read_text("utf-8")).items if i.title == title)
        return item.links[0].url.rstrip("/").rsplit("/", 1)[-1]


FAKES = {"github": FakeGitHub, "gitlab": FakeGitLab, "jira": FakeJira}
CONNECTING = {"/rest/api/2/serverInfo"}
"""What syncer asks Jira first in a process whose configuration does not name the flavour
(Cloud or Server), idle or not: not the idle check's."""


@pytest.fixture(params=sorted(FAKES))
def settled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Idling]:
    kind: TrackerKind = request.param
    fake_class = FAKES[kind]
    with fake_class() as fake:
        setup = Idling(tmp_path, fake, kind)
        setup.write(REGISTER)
        for _ in range(3):  # create and link; read the creates back; settled
            report = setup.reconcile()
            assert not report.errors, report.errors
        assert setup.register.read_text("utf-8").count("](") == 2, "both items are linked"
        yield setup


def test_an_idle_cycle_sends_one_request_and_does_not_parse(settled: Idling) -> None:
    before = settled.requests()
    report = settled.reconcile()
    assert settled.requests() - before == 1, "one 'changed since?' request, nothing else"
    assert settled.last_notes() == (IDLE_NOTE,), "the run history says nothing changed"
    assert report.outcome == "ok" and report.plan is not None and not report.plan.operations
    assert not report.counts and not report.notes and not report.register_written


def test_a_person_editing_the_file_runs_the_full_cycle(settled: Idling) -> None:
    ref = settled.issue_ref("Alpha cleanup")
    settled.register.write_text(
        settled.register.read_text("utf-8").replace("Alpha cleanup", "Alpha tidy-up"), "utf-8"
    )
    report = settled.reconcile()
    assert report.counts.get("updated") == 1
    assert settled.last_notes() != (IDLE_NOTE,)
    assert settled.tracker().get(ref).title == "Alpha tidy-up"


def test_an_issue_edited_in_the_tracker_runs_the_full_cycle(settled: Idling) -> None:
    settled.fake.human_edit(settled.issue_ref("Beta cleanup"), title="Beta, edited there")
    report = settled.reconcile()
    assert report.counts.get("register_edits") == 1
    assert "- [ ] Beta, edited there" in settled.register.read_text("utf-8")
    assert settled.last_notes() != (IDLE_NOTE,)


def test_the_run_history_holds_the_idle_checks_requests_of_a_full_cycle(settled: Idling) -> None:
    """The idle check asked the tracker, saw a change, and the full cycle took it from there:
    the run recorded starts before that request, so the history covers every request a run
    sent (what tells, with several daemons, that no two worked on a register at once)."""
    settled.fake.human_edit(settled.issue_ref("Beta cleanup"), title="Beta, edited there")
    asked = len(settled.fake.server.requests)
    settled.reconcile()
    first = next(r for r in settled.fake.server.requests[asked:] if r.path not in CONNECTING)
    with Store(settled.state) as store:
        run = store.last_run("debt")
    assert run is not None and run.notes != (IDLE_NOTE,)
    assert run.started_at.timestamp() <= first.arrived_at


def test_a_pending_write_runs_the_full_cycle_which_settles_it(settled: Idling) -> None:
    with Store(settled.folder / "syncer.sqlite") as store:
        store.add_intent("debt", settled.kind, "update", "alpha-cleanup", "t1", "{}")
    settled.reconcile()
    assert settled.last_notes() != (IDLE_NOTE,)
    with Store(settled.folder / "syncer.sqlite") as store:
        assert store.pending("debt") == []


def test_a_configuration_change_runs_the_full_cycle(settled: Idling) -> None:
    settled.write(settled.register.read_text("utf-8"), conflict_policy="tracker-wins")
    settled.reconcile()
    assert settled.last_notes() != (IDLE_NOTE,)
    settled.reconcile()
    assert settled.last_notes() == (IDLE_NOTE,), "idle again once a cycle settled under it"


def test_a_failed_cycle_leaves_no_mark_so_the_next_is_full(settled: Idling) -> None:
    settled.register.write_text(settled.register.read_text("utf-8") + "- [ ] Gamma\n", "utf-8")
    settled.fake.fail_next(20, status=500)
    assert settled.reconcile().errors
    settled.fake.clear_faults()
    settled.register.write_text(
        settled.register.read_text("utf-8").replace("- [ ] Gamma\n", ""), "utf-8"
    )
    before = settled.requests()
    settled.reconcile()
    assert settled.last_notes() != (IDLE_NOTE,)
    assert settled.requests() - before >= 1


def test_a_dry_run_of_an_idle_register_records_nothing(settled: Idling) -> None:
    notes = settled.last_notes()
    report = settled.reconcile(dry_run=True)
    assert report.plan is not None and not report.plan.operations
    assert settled.last_notes() == notes, "a dry run records no run"


def test_the_daemon_s_open_store_takes_the_same_idle_path(settled: Idling) -> None:
    """The daemon keeps its store open: the check runs through the store's own engine."""
    settings = load_config(settled.config, settled.env())
    with App.build(settings, settled.env()) as app:
        before = settled.requests()
        report = app.run("debt")
        assert settled.requests() - before == 1
        assert report.plan is not None and not report.plan.operations
    assert settled.last_notes() == (IDLE_NOTE,)


@pytest.mark.parametrize("flags", [["--dry-run"], ["--json"], ["--dry-run", "--json"], []])
def test_what_reconcile_prints_is_the_same_idle_or_not(settled: Idling, flags: list[str]) -> None:
    """An idle cycle prints what a full cycle finding nothing prints, in every format; its
    log line says it was idle."""

    def reconcile(*extra: str) -> tuple[int, str, bool]:
        command = ["reconcile", "--config", str(settled.config), *extra]
        env = {**settled.env(), "SYNCER_LOG_LEVEL": "info"}  # the cycle's log line, with --json too
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


def test_an_idle_reconcile_loads_neither_the_parser_nor_the_orm(settled: Idling) -> None:
    """What makes it light: the process never imports SQLAlchemy, the register's parser, the
    planner and its operations, or what git registers use."""
    script = (  # beside what the CLI framework loads itself (typer < 0.17 loads markdown_it)
        "import runpy, sys, typer\n"
        "framework = set(sys.modules)\n"
        f"sys.argv = ['syncer', 'reconcile', '--config', {str(settled.config)!r}]\n"
        "try:\n    runpy.run_module('syncer.cli', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "loaded = [m for m in ('sqlalchemy', 'sqlmodel', 'syncer.register.parsing',"
        " 'syncer.sync.plan', 'syncer.sync.operations', 'syncer.sources.git.workspace',"
        " 'syncer.config.describe', 'markdown_it') if m in set(sys.modules) - framework]\n"
        "print('loaded:', loaded)\n"
    )
    env = settled.env()
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "loaded: []" in done.stdout, done.stdout + done.stderr
    assert settled.last_notes() == (IDLE_NOTE,)
