"""`syncer reconcile --json` run in-process, its output read as the shape the command prints
(`syncer.cli.reconcile._report_json`), so tests index reports without casting each value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict, cast

from typer.testing import CliRunner

from syncer.cli import app
from syncer.sync.progress import Outcome


class CycleJson(TypedDict):
    """One register's report, as `reconcile --json` prints it."""

    register: str
    dry_run: bool
    outcome: Outcome
    plan: list[dict[str, object]]
    counts: dict[str, int]
    open_conflicts: int
    refused: str
    errors: list[str]
    notes: list[str]
    register_written: bool


def reconcile_json(config: Path, env: dict[str, str]) -> tuple[int, list[CycleJson], str]:
    """Exit code, every register's report (none when nothing was printed) and stderr."""
    result = CliRunner().invoke(app, ["reconcile", "--config", str(config), "--json"], env=env)
    return result.exit_code, cast(list[CycleJson], json.loads(result.stdout or "[]")), result.stderr
