"""What every `syncer` command shares: options, consoles, exit codes, one-line errors.

Exit codes (documented in the README): 0 in sync, 1 a register, tracker or the state database
failed, 2 bad usage or configuration, 3 conflicts wait for `syncer conflicts resolve`, 4 a
register was refused (it lost most of its linked items; `--force` overrides), 5 another run held
a register for longer than `lock_wait_seconds` (nothing was written to it), 6 a tracker refused
the credentials, 130 and 143 interrupted by SIGINT (Ctrl-C) and SIGTERM (what was done is recorded).

The configuration, the state database and the trackers are imported where a command uses them,
not here: every command imports this module, and `syncer parse` or `syncer --help` should not
wait for SQLAlchemy and three tracker SDKs to load.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from syncer.config import Settings
    from syncer.state.store import Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFLICTS, EXIT_REFUSED, EXIT_BUSY = 0, 1, 2, 3, 4, 5
EXIT_AUTH = 6
"""A tracker refused the credentials (gh uses 4 for this; syncer's 4 was taken by refusals)."""
SIGNAL_EXIT_BASE = 128
"""A process stopped by signal N exits 128 + N, as shells report it (130 for SIGINT)."""

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The TOML file (default: $SYNCER_CONFIG, ./syncer.toml)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
out = Console(soft_wrap=True)
"""Lines are never broken by rich (a terminal wraps them itself; a file or CI log keeps them
whole); tables go through `syncer.cli.output`."""
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit with `code`: what a user sees instead of a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class Flags:
    """The options given before the command (`syncer -v status`), for every command to read."""

    verbose = False


def settings_from(config: Path | None) -> Settings:
    from syncer.config import ConfigError, load_config

    try:
        settings = load_config(config)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    if Flags.verbose and settings.source is not None:
        typer.echo(f"config: {describe_source(settings)}", err=True)
    return settings


def describe_source(settings: Settings) -> str:
    """`path (found by how)`: which config file a command used."""
    source = settings.source
    return "-" if source is None else f"{source.path.absolute()} (found by {source.found_by})"


@contextmanager
def state_errors(settings: Settings) -> Iterator[None]:
    """The state database failing (unreadable, read-only, from a newer syncer) is one line.

    SQLAlchemy is not imported for this: a run that never opened the store (an idle cycle,
    `syncer.sync.idle`) cannot have raised its errors, and should not pay for loading it."""
    from syncer.redact import scrub
    from syncer.state.location import StoreError, shown

    try:
        yield
    except StoreError as exc:
        fail(str(exc), EXIT_ERROR)
    except Exception as exc:
        database = sys.modules.get("sqlalchemy.exc")
        if database is None or not isinstance(exc, database.SQLAlchemyError):
            raise
        reason = scrub(str(getattr(exc, "orig", None) or exc))
        fail(f"{shown(settings.state)}: the state database cannot be used: {reason}", EXIT_ERROR)


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    from syncer.state.store import Store

    with state_errors(settings), Store(settings.state) as store:
        yield store
