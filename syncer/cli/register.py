"""`syncer parse`: what syncer reads in a register, and why.

With `--config` or `--register` it reads with that register's rules, exactly as `reconcile`
does, so what `parse` shows is what a cycle will sync.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncer.cli.common import EXIT_USAGE, ConfigOption, fail, out, settings_from
from syncer.cli.output import show_table
from syncer.sources.files import RegisterFileError, read_register

if TYPE_CHECKING:
    from syncer.config import RegisterConfig, Settings
    from syncer.register import Item, RegisterRules

RegisterOption = Annotated[
    str | None,
    typer.Option("--register", "-r", help="Read with this configured register's rules."),
]


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


def configured_rules(
    file: Path | None, config: Path | None, name: str | None
) -> tuple[Path, RegisterRules]:
    """The file to read and the rules to read it with.

    Neither `config` nor `name`: `file` with the built-in rules. `name`: that register's rules
    (its own file when `file` is not given). `config` alone: the rules of the register
    configured for `file`. A file no configured register names is refused: reading it with no
    rules while the user asked for a configuration would show what no cycle will read.
    """
    from syncer.config import ConfigError  # pydantic-settings: only when a config is read
    from syncer.register import RegisterRules

    if config is None and name is None:
        if file is None:
            fail("name the register file to read (or --register NAME)", EXIT_USAGE)
        return file, RegisterRules()
    settings = settings_from(config)
    try:
        configured = settings.register(name) if name else _register_of(settings, file)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    chosen = file or configured.path
    if chosen is None:
        fail(f"register {configured.name!r} lives in git ({configured.location}): name the file "
             "to read", EXIT_USAGE)  # fmt: skip
    return chosen, configured.rules


def _register_of(settings: Settings, file: Path | None) -> RegisterConfig:
    from syncer.config import ConfigError

    if file is None:
        raise ConfigError("name the register file to read, or one register with --register")
    wanted = file.resolve()
    for register in settings.registers:
        if register.path is not None and register.path.resolve() == wanted:
            return register
    known = ", ".join(f"{r.name} ({r.location})" for r in settings.registers) or "none"
    raise ConfigError(f"{file} is not a configured register (configured: {known}); pick one's "
                      "rules with --register NAME")  # fmt: skip


def parse_command(
    file: Annotated[Path | None, typer.Argument(help="The register to read.")] = None,
    config: ConfigOption = None,
    register_name: RegisterOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the items as JSON.")] = False,
) -> None:
    """Show the items found in a register, and why each was recognized."""
    from syncer.register import parse  # the parser: not for every command that imports this

    file, rules = configured_rules(file, config, register_name)
    try:
        register = parse(read_register(file), rules)
    except RegisterFileError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        typer.echo(json.dumps([item_json(i) for i in register.items], ensure_ascii=False, indent=1))
        return
    show_table(
        out,
        f"{file} — {len(register.items)} items",
        [(c, "left") for c in ("line", "kind", "status", "priority", "title", "why")],
        [
            [
                str(item.line),
                item.kind.value,
                item.status.value,
                item.priority.value if item.priority else "-",
                item.title,
                item.reason,
            ]
            for item in register.items
        ],
    )
    if register.damage.codec:
        typer.echo(
            f"note: the text is UTF-8 once mis-decoded as {register.damage.codec};"
            " read through the damage, left as is",
            err=True,
        )
