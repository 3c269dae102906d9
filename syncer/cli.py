"""The `syncer` command line."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syncer import log
from syncer.cli_sync import conflicts_app, reconcile, status
from syncer.register import Item, parse
from syncer.sources.files import RegisterFileError, read_register

app = typer.Typer(
    name="syncer",
    help="Keep a Markdown tech-debt register and GitHub / GitLab / Jira issues in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """syncer: the register stays the source of truth; trackers follow, and speak back."""


app.command("reconcile")(reconcile)
app.command("status")(status)
app.add_typer(conflicts_app, name="conflicts")


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


@app.command("parse")
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


@app.command("demo")
def demo_command(
    folder: Annotated[
        Path | None,
        typer.Option(help="Where to leave the register and state (default: a temp dir)."),
    ] = None,
) -> None:
    """The two-way loop against a bundled fake GitHub: no token, no network."""
    from syncer.demo import run_demo

    log.configure("console", logging.WARNING)
    where = folder or Path(tempfile.mkdtemp(prefix="syncer-demo-"))
    reports = run_demo(where, typer.echo)
    typer.echo(f"\nfiles left in {where}")
    if any(r.errors for r in reports):
        raise typer.Exit(1)


FAKE_KINDS = ("github", "gitlab", "jira")


@app.command("fake")
def fake_command(
    kind: Annotated[str, typer.Argument(help="github, gitlab or jira")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
    issues: Annotated[int, typer.Option(help="Generated issues to start with.")] = 20,
    webhook_url: Annotated[str | None, typer.Option(help="Deliver signed webhooks here.")] = None,
    webhook_secret: Annotated[str | None, typer.Option(help="Webhook signing secret.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON line, then serve.")
    ] = False,
) -> None:
    """Serve a fake tracker (in memory, on 127.0.0.1) until interrupted."""
    if kind not in FAKE_KINDS:
        typer.echo(
            f"error: unknown tracker {kind!r}; choose one of {', '.join(FAKE_KINDS)}", err=True
        )
        raise typer.Exit(2)
    module = importlib.import_module(f"syncer.fakes.{kind}")
    fake = getattr(module, f"serve_{kind}")(port, issues, webhook_url, webhook_secret)
    facts = {"base_url": fake.server.base_url, "repo": fake.repo, "token": fake.token}
    if as_json:
        typer.echo(json.dumps(facts), nl=True)
    else:
        typer.echo(f"fake {kind} serving at {facts['base_url']}")
        typer.echo(f"  repo/project: {facts['repo']}\n  token: {facts['token']}")
        typer.echo("  (a fake: in memory, gone when stopped; Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.server.stop()


if __name__ == "__main__":
    app()
