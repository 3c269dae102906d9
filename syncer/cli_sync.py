"""`syncer reconcile`, `syncer status` and `syncer conflicts`: the engine from the command line.

Exit codes of `reconcile` (documented in the README): 0 in sync, 1 a register or tracker
failed, 2 bad usage or configuration, 3 conflicts wait for `syncer conflicts resolve`, 4 a
register was refused (it lost most of its linked items; `--force` overrides).
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syncer import log
from syncer.config import ConfigError, Settings, load_config
from syncer.redact import scrub
from syncer.state.records import ConflictRecord
from syncer.state.store import Store, StoreError
from syncer.sync.execute import CycleReport, run_cycles
from syncer.sync.jobs import job_for
from syncer.sync.plan import describe

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFLICTS, EXIT_REFUSED = 0, 1, 2, 3, 4
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The TOML file (default: $SYNCER_CONFIG, ./syncer.toml)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
out = Console()
err = Console(stderr=True)


def _settings(config: Path | None) -> Settings:
    try:
        return load_config(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _store(settings: Settings) -> Store:
    try:
        return Store(settings.state)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


def reconcile(
    config: ConfigOption = None,
    register: Annotated[str | None, typer.Option(help="Only this register.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Sync a register even if it lost most items.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """One sync cycle over every configured register (or one), then exit."""
    settings = _settings(config)
    log.configure(settings.log_format, logging.INFO if as_json is False else logging.WARNING)
    try:
        chosen = [settings.register(register)] if register else list(settings.registers)
        with _store(settings) as store:
            reports = []
            for reg in chosen:
                job = job_for(settings, reg)
                spinner = (
                    err.status(f"reconciling {reg.name}…") if err.is_terminal else nullcontext()
                )
                with spinner:
                    reports.append(run_cycles(job, store, dry_run=dry_run, force=force))
            if not dry_run:
                _prune(store, settings)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        typer.echo(json.dumps([_report_json(r, dry_run) for r in reports], indent=1))
    else:
        _print_reports(reports, dry_run)
    raise typer.Exit(_exit_code(reports))


def _prune(store: Store, settings: Settings) -> None:
    """Drop the history older than the configuration keeps, once the cycles recorded theirs.

    Here rather than in the engine: how long history is kept is the deployment's choice, and
    one prune per invocation (not per register) is all the growth of one invocation needs.
    """
    pruned = store.prune(
        now=datetime.now(UTC),
        keep_for=timedelta(days=settings.state_keep_days),
        keep_runs=settings.state_keep_runs,
    )
    deleted = asdict(pruned)
    if any(deleted.values()):
        log.get().info("pruned", **deleted)


def _exit_code(reports: list[CycleReport]) -> int:
    if any(r.errors for r in reports):
        return EXIT_ERROR
    if any(r.refused for r in reports):
        return EXIT_REFUSED
    if any(r.open_conflicts for r in reports):
        return EXIT_CONFLICTS
    return EXIT_OK


def _report_json(report: CycleReport, dry_run: bool) -> dict[str, Any]:
    operations = report.plan.operations if report.plan else ()
    return {
        "register": report.register,
        "dry_run": dry_run,
        "plan": [describe(op) for op in operations],
        "counts": dict(report.counts),
        "open_conflicts": report.open_conflicts,
        "refused": scrub(report.refused),
        "errors": [scrub(line) for line in report.errors],
        "notes": [scrub(line) for line in report.notes],
        "register_written": report.register_written,
    }


def _print_reports(reports: list[CycleReport], dry_run: bool) -> None:
    for report in reports:
        if dry_run and report.plan:
            out.print(
                f"[bold]{report.register}[/bold]: plan ({len(report.plan.operations)} operations)"
            )
            for op in report.plan.operations:
                out.print(f"  {describe(op)}", highlight=False, markup=False)
        for line in report.notes:
            out.print(f"note: {scrub(line)}", highlight=False, markup=False)
        for line in report.errors:
            err.print(f"error: {scrub(line)}", highlight=False, markup=False)
        if report.refused:
            err.print(
                f"refused: {report.register}: {scrub(report.refused)}",
                highlight=False,
                markup=False,
            )
    columns = ("created", "updated", "closed", "adopted", "register_edits", "items_added",
               "conflicts_settled")  # fmt: skip
    table = Table(
        title="dry run: nothing changed" if dry_run else "reconcile", title_justify="left"
    )
    for name in ("register", *columns, "open conflicts", "errors"):
        table.add_column(name.replace("_", " "), justify="left" if name == "register" else "right")
    for r in reports:
        table.add_row(
            r.register,
            *(str(r.counts.get(c, 0)) for c in columns),
            str(r.open_conflicts),
            str(len(r.errors)),
        )
    out.print(table)


def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per register and target: last run, links, pending outbox, open conflicts."""
    settings = _settings(config)
    rows = []
    with _store(settings) as store:
        for reg in settings.registers:
            run = store.last_run(reg.name)
            conflicts = store.conflicts(reg.name)
            for target in reg.targets or []:
                rows.append(
                    {
                        "register": reg.name,
                        "target": target.name,
                        "last_run": run.started_at.isoformat() if run else None,
                        "finished": bool(run and run.finished_at),
                        "last_error": scrub(run.error) if run and run.error else "",
                        "counts": run.counts if run else {},
                        "links": len(store.links(reg.name, target.name)),
                        "pending": len(store.pending(reg.name, target.name)),
                        "open_conflicts": sum(1 for c in conflicts if c.target == target.name),
                    }
                )
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    table = Table(title="status", title_justify="left")
    for name in (
        "register",
        "target",
        "last run",
        "links",
        "pending",
        "open conflicts",
        "last error",
    ):
        table.add_column(name)
    for row in rows:
        cells = (
            "register",
            "target",
            "last_run",
            "links",
            "pending",
            "open_conflicts",
            "last_error",
        )
        table.add_row(*(str(row[c]) if row[c] not in (None, "") else "-" for c in cells))
    out.print(table)


conflicts_app = typer.Typer(help="List and settle conflicts kept open (policy `manual`).")


@conflicts_app.callback(invoke_without_command=True)
def conflicts(ctx: typer.Context, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List open conflicts."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(config)
    with _store(settings) as store:
        found = store.conflicts()
    if as_json:
        typer.echo(json.dumps([_conflict_json(c) for c in found], indent=1))
        return
    if not found:
        out.print("no open conflicts")
        return
    table = Table(title="open conflicts", title_justify="left")
    for name in ("id", "register", "item", "field", "target", "register value", "tracker value"):
        table.add_column(name, overflow="fold")
    for c in found:
        table.add_row(str(c.id), c.register, c.item_key, c.field, f"{c.target} {c.ref}",
                      c.register_value or "∅", c.tracker_value or "∅")  # fmt: skip
    out.print(table)


def _conflict_json(c: ConflictRecord) -> dict[str, Any]:
    return {
        "id": c.id, "register": c.register, "target": c.target, "ref": c.ref,
        "item": c.item_key, "field": c.field, "base": c.base,
        "register_value": c.register_value, "tracker_value": c.tracker_value,
        "state": c.state.value, "resolution": c.resolution,
    }  # fmt: skip


@conflicts_app.command("resolve")
def resolve(
    conflict_id: Annotated[int, typer.Argument(metavar="ID")],
    take: Annotated[str, typer.Option(help="register or tracker: whose value wins.")],
    config: ConfigOption = None,
) -> None:
    """Settle a conflict; the next reconcile carries the chosen value to the other side."""
    if take not in ("register", "tracker"):
        typer.echo("error: --take must be register or tracker", err=True)
        raise typer.Exit(EXIT_USAGE)
    settings = _settings(config)
    with _store(settings) as store:
        found = store.conflict(conflict_id)
        if found is None or found.state.value != "open":
            typer.echo(f"error: no open conflict {conflict_id}", err=True)
            raise typer.Exit(EXIT_USAGE)
        link = store.link_for_ref(found.register, found.target, found.ref)
        if link is not None:
            store.save_link(_bases_for(link, found, take))
        store.resolve_conflict(conflict_id, take)
    out.print(f"conflict {conflict_id} settled: {take} value of {found.item_key}.{found.field}"
              " goes to the other side at the next reconcile")  # fmt: skip


def _bases_for(link: Any, conflict: ConflictRecord, take: str) -> Any:
    """Make the next cycle see a one-sided change: the losing side's value becomes its base."""
    if take == "register":
        tracker = dict(link.base_tracker) | {conflict.field: conflict.tracker_value}
        return replace(link, base_tracker=tracker)
    register = dict(link.base_register) | {conflict.field: conflict.register_value}
    return replace(link, base_register=register)
