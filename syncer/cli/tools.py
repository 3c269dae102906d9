"""`syncer demo` and `syncer fake`: the loop on a laptop, and fake trackers to try things on."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    folder: Annotated[
        Path | None,
        typer.Option(help="Where to leave the register and state (default: a temp dir)."),
    ] = None,
) -> None:
    """The two-way loop against a bundled fake GitHub: no token, no network."""
    from syncer import log
    from syncer.demo import run_demo

    log.configure("console", logging.WARNING)
    where = folder or Path(tempfile.mkdtemp(prefix="syncer-demo-"))
    reports = run_demo(where, typer.echo)
    typer.echo(f"\nfiles left in {where}")
    if any(r.errors for r in reports):
        raise typer.Exit(1)


class FakeKind(StrEnum):
    """The trackers `syncer fake` serves (shown as the choices in `--help`)."""

    github = "github"
    gitlab = "gitlab"
    jira = "jira"


def fake_command(
    kind: Annotated[FakeKind, typer.Argument(help="The tracker to fake.")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
    issues: Annotated[int, typer.Option(help="Generated issues to start with.")] = 20,
    webhook_url: Annotated[str | None, typer.Option(help="Deliver signed webhooks here.")] = None,
    webhook_secret: Annotated[str | None, typer.Option(help="Webhook signing secret.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON line, then serve.")
    ] = False,
) -> None:
    """Serve a fake tracker (in memory, on 127.0.0.1) until interrupted."""
    module = importlib.import_module(f"syncer.fakes.{kind.value}")
    fake = getattr(module, f"serve_{kind.value}")(port, issues, webhook_url, webhook_secret)
    facts = {"base_url": fake.server.base_url, "repo": fake.repo, "token": fake.token}
    if as_json:
        typer.echo(json.dumps(facts), nl=True)
    else:
        typer.echo(f"fake {kind.value} serving at {facts['base_url']}")
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
