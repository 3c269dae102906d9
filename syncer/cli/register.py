"""`syncer parse`: what syncer reads in a register, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syncer.register import Item, parse
from syncer.sources.files import RegisterFileError, read_register


def item_json(item: Item) -> dict[str, Any]:
    return {
        "key": item.key,
        "title": item.title,
        "kind": item.kind.value,
        "status": item.status.value,
        "raw_status": item.raw_status,
        "priority": item.priority.value if item.priority else None,
        "line": item.line,
        "span": list(item.span),
        "section": list(item.section),
        "fields": {f.name: f.value for f in item.fields},
        "links": [{"text": link.text, "url": link.url} for link in item.links],
        "body": item.body,
        "reason": item.reason,
    }


def parse_command(
    file: Annotated[Path, typer.Argument(help="The register to read.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the items as JSON.")] = False,
) -> None:
    """Show the items found in a register, and why each was recognized."""
    try:
        register = parse(read_register(file))
    except RegisterFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([item_json(i) for i in register.items], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{file} — {len(register.items)} items", title_justify="left")
    for column in ("line", "kind", "status", "priority", "title", "why"):
        table.add_column(column, overflow="fold")
    for item in register.items:
        table.add_row(
            str(item.line),
            item.kind.value,
            item.status.value,
            item.priority.value if item.priority else "-",
            item.title,
            item.reason,
        )
    Console().print(table)
    if register.damage.codec:
        typer.echo(
            f"note: the text is UTF-8 once mis-decoded as {register.damage.codec};"
            " read through the damage, left as is",
            err=True,
        )
