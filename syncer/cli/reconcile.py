"""`syncer reconcile`: one cycle over every configured register (or one), then exit."""

from __future__ import annotations

import json
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncer.cli.collector import collector_paused
from syncer.cli.common import (
    EXIT_AUTH,
    EXIT_BUSY,
    EXIT_CONFLICTS,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    SIGNAL_EXIT_BASE,
    ConfigOption,
    JsonOption,
    err,
    fail,
    out,
    settings_from,
    state_errors,
)
from syncer.cli.output import show_table
from syncer.cli.progress import ProgressBar, ProgressLog

if TYPE_CHECKING:
    from syncer.sync.progress import CycleReport, StopFlag


def reconcile(
    config: ConfigOption = None,
    register: Annotated[str | None, typer.Option(help="Only this register.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(help="Sync a register that lost most items, or a tracker that lost all."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """One sync cycle over every configured register (or one), then exit."""
    with collector_paused():
        from syncer import log  # the engine, the store and the trackers: reconcile only
        from syncer.app import App
        from syncer.config import ConfigError
        from syncer.sync.progress import StopFlag
        from syncer.watch import watching

        settings = settings_from(config)
        log.configure(settings.log_format, logging.INFO if as_json is False else logging.WARNING)
    stop = StopFlag()
    reports: list[CycleReport] = []
    with state_errors(settings), _stopping_on_signals(stop):
        try:
            with collector_paused():  # the tracker SDKs load here
                app = App.build(settings, only=register, open_store=False)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        shown = ProgressBar(err) if err.is_terminal and not as_json else None
        with app, shown or nullcontext(), watching(shown or ProgressLog()):
            for name in app.jobs:
                if stop:
                    break
                reports.append(app.run(name, dry_run=dry_run, force=force, stop=stop))
            if not dry_run and not stop:
                app.prune()
    _print_errors(reports)
    if as_json:
        typer.echo(json.dumps([_report_json(r, dry_run) for r in reports], indent=1))
    else:
        _print_reports(reports, dry_run)
    if stop:
        typer.echo(f"interrupted by {stop.reason}: what was done is recorded", err=True)
        raise typer.Exit(SIGNAL_EXIT_BASE + signal.Signals[stop.reason].value)
    raise typer.Exit(exit_code(reports))


@contextmanager
def _stopping_on_signals(stop: StopFlag) -> Iterator[None]:
    """SIGTERM and Ctrl-C finish the tracker write in flight, then stop the cycle cleanly (it
    records its run and writes the links it made). A second signal stops at once."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop:
            raise KeyboardInterrupt
        stop.set(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def exit_code(reports: list[CycleReport]) -> int:
    """The most serious outcome decides, in the order the README lists them."""
    outcomes = {r.outcome for r in reports}
    for outcome, code in (
        ("auth", EXIT_AUTH),
        ("error", EXIT_ERROR),
        ("busy", EXIT_BUSY),
        ("refused", EXIT_REFUSED),
        ("conflicts", EXIT_CONFLICTS),
    ):
        if outcome in outcomes:
            return code
    return EXIT_OK


def _report_json(report: CycleReport, dry_run: bool) -> dict[str, Any]:
    from syncer.sync.operations import operation_json  # an idle run's process never loads them

    operations = report.plan.operations if report.plan else ()
    return {
        "register": report.register,
        "dry_run": dry_run,
        "outcome": report.outcome,
        "plan": [operation_json(op) for op in operations],
        "counts": dict(report.counts),
        "open_conflicts": report.open_conflicts,
        "refused": report.refused,
        "errors": list(report.errors),
        "notes": list(report.notes),
        "register_written": report.register_written,
    }


def _print_errors(reports: list[CycleReport]) -> None:
    """Failures go to stderr one line each, whatever the output format (stdout may be JSON)."""
    for report in reports:
        for line in report.errors:
            typer.echo(f"error: {report.register}: {line}", err=True)
        if report.refused:
            typer.echo(f"refused: {report.register}: {report.refused}", err=True)


def _print_reports(reports: list[CycleReport], dry_run: bool) -> None:
    for report in reports:
        if dry_run and report.plan:
            from syncer.sync.operations import describe  # an idle run's process never loads them

            out.print(
                f"[bold]{report.register}[/bold]: plan ({len(report.plan.operations)} operations)"
            )
            for op in report.plan.operations:
                out.print(f"  {describe(op)}", highlight=False, markup=False)
        for line in report.notes:
            out.print(f"note: {line}", highlight=False, markup=False)
    columns = ("created", "updated", "closed", "adopted", "register_edits", "items_added",
               "conflicts_settled")  # fmt: skip
    names = ("register", *columns, "open conflicts", "errors")
    show_table(
        out,
        "dry run: nothing changed" if dry_run else "reconcile",
        [(n.replace("_", " "), "left" if n == "register" else "right") for n in names],
        [
            [
                r.register,
                *(str(r.counts.get(c, 0)) for c in columns),
                str(r.open_conflicts),
                str(len(r.errors)),
            ]
            for r in reports
        ],
    )
