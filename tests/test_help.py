"""`--help` works for every command: the first thing a new user types.

Typer before 0.16 crashes on `--help` under Click 8.2+ (what pip installs next to it), while
the commands themselves still run; this is what holds the `typer>=0.16` floor.
"""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from syncer.cli import app


def command_paths(group: typer.Typer, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command and group under `group`, `group` itself first."""
    paths = [path]
    for command in group.registered_commands:
        assert command.name, "every command is registered by name"
        paths.append((*path, command.name))
    for sub in group.registered_groups:
        assert sub.name and sub.typer_instance, "every group is registered by name"
        paths.extend(command_paths(sub.typer_instance, (*path, sub.name)))
    return paths


PATHS = command_paths(app)


def test_every_command_is_covered() -> None:
    assert {("reconcile",), ("daemon",), ("init",), ("conflicts",)} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "syncer")
def test_help_shows_usage(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
