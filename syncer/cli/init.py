"""`syncer init`: read a register, say what was found and why, draft a `syncer.toml` beside it.

The draft is a start, not a guess to trust: the user completes it (the target's token, the
meaning of status words syncer does not know) and checks it with `syncer parse --config`. An
existing configuration is never overwritten, whatever it holds.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncer.cli.common import EXIT_ERROR, EXIT_USAGE, fail
from syncer.sources.files import RegisterFileError, read_register

if TYPE_CHECKING:
    from syncer.register.survey import Survey

USUAL_NAMES = ("TECH_DEBT.md", "TECHNICAL_DEBT.md", "TECH-DEBT.md", "TODO.md", "DEBT.md")
"""Where a register usually is, looked for in the current folder when no file is named."""


def init_command(
    file: Annotated[
        Path | None, typer.Argument(help=f"The register (default: {', '.join(USUAL_NAMES)}).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Where to write the draft (default: ./syncer.toml)."),
    ] = None,
) -> None:
    """Read a register, show what syncer finds in it and why, and draft a syncer.toml."""
    from syncer.config import DEFAULT_CONFIG  # pydantic-settings: loaded once a command needs it
    from syncer.draft_config import draft_toml, register_name  # the parser: `init` only
    from syncer.register import parse
    from syncer.register.survey import survey
    from syncer.remote_guess import guess_target, shown_remote

    config = config or DEFAULT_CONFIG
    if config.exists():
        fail(f"{config} already exists: syncer init never overwrites a configuration "
             "(move it away, or draft elsewhere with --config PATH)", EXIT_USAGE)  # fmt: skip
    file = file or _usual_register()
    try:
        register = parse(read_register(file))
    except RegisterFileError as exc:
        fail(str(exc), EXIT_USAGE)
    found = survey(register)
    _tell(file, found)
    remote = _origin(file.absolute().parent)
    target = guess_target(remote) if remote else None
    where = Path(os.path.relpath(file.absolute(), config.absolute().parent)).as_posix()
    draft = draft_toml(register_name(file), where, found, target, shown_remote(remote))
    try:
        with config.open("x", encoding="utf-8") as out:  # "x": a file made meanwhile stays
            out.write(draft)
    except FileExistsError:
        fail(f"{config} already exists: syncer init never overwrites a configuration", EXIT_USAGE)
    except OSError as exc:
        fail(f"{config}: cannot write the draft: {exc.strerror or exc}", EXIT_ERROR)
    typer.echo(f"\nwrote {config}: " + _next_steps(found, target is not None))


def _usual_register() -> Path:
    found = next((Path(name) for name in USUAL_NAMES if Path(name).is_file()), None)
    if found is None:
        fail(f"no register named: pass its file (none of {', '.join(USUAL_NAMES)} is here)",
             EXIT_USAGE)  # fmt: skip
    return found


def _origin(folder: Path) -> str:
    """`git remote get-url origin` in the register's folder; empty outside a repository."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "remote", "get-url", "origin"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _tell(file: Path, found: Survey) -> None:
    total = sum(n for _, n in found.kinds)
    kinds = ", ".join(f"{n} {kind.value.replace('_', ' ')}" for kind, n in found.kinds)
    typer.echo(f"{file}: {total} items" + (f" ({kinds})" if kinds else ""))
    if not total:
        typer.echo("  no heading with item fields, top-level checkbox or item table was found;"
                   " [registers.rules] item_fields and title_columns name yours")  # fmt: skip
    for title, rows in (("why", found.reasons), ("sections", found.sections)):
        if rows:
            typer.echo(f"{title}:")
            for what, n in rows:
                typer.echo(f"  {n:>4}  {what}")
    if found.statuses:
        typer.echo("statuses seen:")
        for raw, status, n in found.statuses:
            unknown = "  (unknown word: read as todo)" if raw in found.unknown_statuses else ""
            typer.echo(f"  {n:>4}  {raw} → {status.value}{unknown}")


def _next_steps(found: Survey, has_target: bool) -> str:
    steps = [] if has_target else ["add a target"]
    steps += ["set the token's environment variable"]
    if found.unknown_statuses:
        steps.append("say what the unknown status words mean")
    return "; ".join(steps) + ", then run `syncer reconcile --dry-run`"
