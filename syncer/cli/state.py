"""`syncer status` and `syncer conflicts`: what the state database says, for people."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncer.cli.common import (
    EXIT_BUSY,
    EXIT_USAGE,
    ConfigOption,
    JsonOption,
    describe_source,
    fail,
    opened_store,
    out,
    settings_from,
)
from syncer.cli.output import show_table
from syncer.cli.progress import tally
from syncer.redact import scrub

if TYPE_CHECKING:
    from syncer.state.records import ConflictRecord


def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per register and target: last run, its outcome and who ran it (`host:pid`), who holds
    the register now, links, pending writes, conflicts."""
    settings = settings_from(config)
    rows = []
    with opened_store(settings) as store:
        for reg in settings.registers:
            run = store.last_run(reg.name)
            conflicts = store.conflicts(reg.name)
            held_by = store.lock_holder(reg.name)
            for target in reg.targets or []:
                rows.append(
                    {
                        "register": reg.name,
                        "target": target.name,
                        "last_run": run.started_at.isoformat() if run else None,
                        "finished": bool(run and run.finished_at),
                        "last_error": scrub(run.error) if run else "",
                        "last_notes": list(run.notes) if run else [],
                        "ran_by": run.runner if run else "",
                        "held_by": held_by,
                        "counts": run.counts if run else {},
                        "did": tally(run.counts) if run else "",
                        "links": len(store.links(reg.name, target.name)),
                        "pending": len(store.pending(reg.name, target.name)),
                        "open_conflicts": sum(1 for c in conflicts if c.target == target.name),
                    }
                )
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    columns = {
        "register": "register",
        "target": "target",
        "last run": "last_run",
        "last run did": "did",
        "ran by": "ran_by",
        "held by": "held_by",
        "links": "links",
        "pending": "pending",
        "open conflicts": "open_conflicts",
        "last error": "last_error",
        "notes": "last_notes",
    }
    out.print(f"config: {describe_source(settings)}", highlight=False, markup=False)
    show_table(
        out,
        "status",
        [(name, "left") for name in columns],
        [[_cell(row[key]) for key in columns.values()] for row in rows],
    )


def _cell(value: Any) -> str:
    """A status cell: `-` for nothing, the first note and how many more for a list."""
    if isinstance(value, list):
        return (
            f"{value[0]} (+{len(value) - 1} more)"
            if len(value) > 1
            else _cell(value[0] if value else None)
        )
    return "-" if value in (None, "") else str(value)


conflicts_app = typer.Typer(help="List and settle conflicts kept open (policy `manual`).")


@conflicts_app.callback(invoke_without_command=True)
def conflicts(ctx: typer.Context, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List open conflicts."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(config)
    with opened_store(settings) as store:
        found = store.conflicts()
    if as_json:
        typer.echo(json.dumps([_conflict_json(c) for c in found], indent=1))
        return
    if not found:
        out.print("no open conflicts")
        return
    names = ("id", "register", "item", "field", "target", "register value", "tracker value")
    show_table(
        out,
        "open conflicts",
        [(name, "left") for name in names],
        [
            [
                str(c.id),
                c.register,
                c.item_key,
                c.field,
                f"{c.target} {c.ref}",
                c.register_value or "∅",
                c.tracker_value or "∅",
            ]
            for c in found
        ],
    )


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
    from syncer.state.lock import RegisterBusy
    from syncer.state.settle import ConflictNotOpen, settle_conflict

    if take not in ("register", "tracker"):
        fail("--take must be register or tracker", EXIT_USAGE)
    settings = settings_from(config)
    with opened_store(settings) as store:
        try:
            found = settle_conflict(
                store, conflict_id, take, wait_seconds=settings.lock_wait_seconds
            )
        except ConflictNotOpen as exc:
            fail(str(exc), EXIT_USAGE)
        except RegisterBusy as exc:
            fail(str(exc), EXIT_BUSY)
    out.print(f"conflict {conflict_id} settled: {take} value of {found.item_key}.{found.field}"
              " goes to the other side at the next reconcile")  # fmt: skip
