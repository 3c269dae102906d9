"""`syncer doctor`: is everything a reconcile needs in place? Asked without writing anything.

Prints one row per check with what to do about each failure, and exits 1 when a check failed
(2 when the configuration does not load: nothing else can be checked then). Warnings alone
exit 0: syncer runs, but something is worth a look.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from syncer.cli.common import (
    EXIT_ERROR,
    EXIT_USAGE,
    ConfigOption,
    Flags,
    JsonOption,
    describe_source,
    out,
)
from syncer.cli.output import show_table
from syncer.redact import scrub

if TYPE_CHECKING:
    from syncer.doctor import Check

MARKS = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def doctor(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Check the configuration, registers, state database and every tracker; write nothing."""
    from syncer.config import ConfigError, load_config
    from syncer.doctor import Check, failed, run_checks

    try:
        settings = load_config(config)
    except ConfigError as exc:
        checks = [
            Check("loads", "config", "fail", str(exc), "fix the config file as the message says")
        ]
        _show(checks, as_json)
        raise typer.Exit(EXIT_USAGE) from None
    loaded = Check("loads", "config", "ok", describe_source(settings))
    checks = [loaded, *run_checks(settings)]
    if Flags.verbose:
        typer.echo(f"config: {describe_source(settings)}", err=True)
    _show(checks, as_json)
    if failed(checks):
        raise typer.Exit(EXIT_ERROR)


def _show(checks: list[Check], as_json: bool) -> None:
    """The checks as a table (or JSON); every text scrubbed, as a tracker's words may be in it."""
    if as_json:
        typer.echo(
            json.dumps([{k: scrub(v) for k, v in asdict(c).items()} for c in checks], indent=1)
        )
        return
    rows = [
        [MARKS[c.status], c.subject, c.name, scrub(c.detail), scrub(c.fix) or "-"] for c in checks
    ]
    columns = [
        ("", "left"),
        ("of", "left"),
        ("check", "left"),
        ("found", "left"),
        ("to do", "left"),
    ]
    show_table(out, "doctor", columns, rows)
    counts = {status: sum(1 for c in checks if c.status == status) for status in MARKS}
    out.print(
        f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} failed,"
        f" {counts['skip']} skipped",
        highlight=False,
        markup=False,
    )
