"""The `syncer` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

import atexit
from typing import Annotated

import typer

from syncer import __version__
from syncer.cli.collector import freeze_at_exit
from syncer.cli.common import Flags
from syncer.cli.daemon import daemon
from syncer.cli.doctor import doctor
from syncer.cli.init import init_command
from syncer.cli.reconcile import reconcile
from syncer.cli.register import item_json, parse_command
from syncer.cli.state import conflicts_app, status
from syncer.cli.tools import demo_command, fake_command

atexit.register(freeze_at_exit)

app = typer.Typer(
    name="syncer",
    help="Keep a Markdown tech-debt register and GitHub / GitLab / Jira issues in sync.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(asked: bool) -> None:
    if asked:
        typer.echo(f"syncer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say which config file is used.")
    ] = False,
) -> None:
    """syncer: the register stays the source of truth; trackers follow, and speak back."""
    Flags.verbose = verbose


app.command("reconcile")(reconcile)
app.command("status")(status)
app.command("doctor")(doctor)
app.command("daemon")(daemon)
app.add_typer(conflicts_app, name="conflicts")
app.command("parse")(parse_command)
app.command("init")(init_command)
app.command("demo")(demo_command)
app.command("fake")(fake_command)

__all__ = ["app", "item_json"]
