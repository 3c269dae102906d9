"""What a person expects of any command line: `--version`, `-h`, completion, choices shown, and
output that is whole when it goes to a file, a pipe or a CI log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from syncer import __version__
from syncer.cli import app

runner = CliRunner()
LONG_TITLE = "Replace the hand-rolled retry loop in the payment webhook handler " * 2


def test_version_prints_the_version_and_exits_zero() -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0
        assert result.stdout.strip() == f"syncer {__version__}"


def test_short_help_works_on_every_level() -> None:
    for argv in (["-h"], ["parse", "-h"], ["conflicts", "-h"], ["conflicts", "resolve", "-h"]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, argv
        assert "Usage:" in result.stdout, argv


def test_completion_can_be_installed() -> None:
    assert "--install-completion" in runner.invoke(app, ["-h"]).stdout


def test_tracker_choices_are_shown_and_enforced() -> None:
    assert "github" in runner.invoke(app, ["fake", "-h"]).stdout
    assert runner.invoke(app, ["fake", "bitbucket"]).exit_code == 2


def test_tables_written_to_a_pipe_are_never_cut(tmp_path: Path) -> None:
    """Regression: outside a terminal rich assumed 80 columns and cut or folded cells."""
    register = tmp_path / "TODO.md"
    register.write_text(f"# TODO\n\n- [ ] {LONG_TITLE.strip()}\n- [x] Short one\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-m", "syncer.cli", "parse", str(register)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert any(LONG_TITLE.strip() in line for line in lines), done.stdout
    assert not any(set(line) & set("│┃━─…") for line in lines), "plain text, no drawing"
    header = next(line for line in lines if line.startswith("line"))
    assert header.split() == ["line", "kind", "status", "priority", "title", "why"]
