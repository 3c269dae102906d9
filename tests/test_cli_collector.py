"""The garbage collector around a `syncer` command (`syncer.cli.collector`)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.cli.collector import collector_paused


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_the_collector_skips_syncers_objects_at_exit() -> None:
    """Python's teardown would run the cyclic collector several times over every object the
    imports left (a sixth of an idle reconcile's CPU, issue 13): the command line freezes
    them first. The check is registered before syncer's exit handler, so it runs after it."""
    script = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0, flush=True))\n"
        "from syncer.cli import app\n"
        "app(['--version'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    version, frozen = done.stdout.splitlines()
    assert version.startswith("syncer ")
    assert frozen == "frozen: True"


def test_a_paused_collector_runs_again_after_a_failure(collector_enabled: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(collector_enabled: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_reconcile_that_fails_to_start_leaves_the_collector_running(
    collector_enabled: None, tmp_path: Path
) -> None:
    """A process running syncer's command line in itself (a test, a wrapper) keeps its
    collector, whatever the command's start ran into."""
    missing = tmp_path / "missing.toml"
    result = CliRunner().invoke(app, ["reconcile", "--config", str(missing)])
    assert result.exit_code == 2
    assert "config file not found" in result.stderr
    assert gc.isenabled()
