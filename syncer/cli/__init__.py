"""The `syncer` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

import atexit
import gc
from typing import Annotated

import typer

from syncer import __version__
from syncer.cli.common import Flags
from syncer.cli.daemon import daemon
from syncer.cli.doctor import doctor
from syncer.cli.init import init_command
from syncer.cli.reconcile import reconcile
from syncer.cli.register import item_json, parse_command
from syncer.cli.state import conflicts_app, status
from syncer.cli.tools import demo_command, fake_command


def _skip_collecting_at_exit() -> None:
    """At exit, Python's teardown runs the cyclic garbage collector several times over every
    object the process still holds: tens of thousands after importing pydantic, typer, rich
    and a tracker SDK, a sixth of an idle `syncer reconcile`'s CPU (issue 13). Frozen, they
    are skipped by those collections and freed as their modules are cleared. Nothing of
    syncer's waits for the collector at exit: the state store, tracker sessions and files
    are closed by the commands that open them, and log handlers are flushed by `logging`'s
    own exit handler, which still runs after this one."""
    gc.freeze()


atexit.register(_skip_collecting_at_exit)

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
