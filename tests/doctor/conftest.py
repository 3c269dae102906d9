"""Running `syncer doctor` against fakes served over real HTTP, from a config in a temp folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from syncer.cli import app
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab

FAST_RETRY = "{attempts = 1, backoff_seconds = 0, max_wait_seconds = 0, timeout_seconds = 5}"
REGISTER = "# Debt\n\n## Slow build\n\n**Status**: open\n\nThe build takes an hour.\n"
TOKEN_VAR = "SYNCER_TEST_TOKEN"


def kind_of(fake: FakeTracker) -> str:
    if isinstance(fake, FakeGitHub):
        return "github"
    return "gitlab" if isinstance(fake, FakeGitLab) else "jira"


def write_config(
    folder: Path, fake: FakeTracker, *, extra: str = "", top: str = "", register: str = REGISTER
) -> Path:
    """A config with one register (TECH_DEBT.md, one item) syncing with `fake`; `extra` is
    added to the target's table, `top` to the top-level settings."""
    (folder / "TECH_DEBT.md").write_text(register, "utf-8")
    config = folder / "syncer.toml"
    config.write_text(
        f'state = "state/syncer.sqlite"\n{top}\n'
        '[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n'
        f'[[registers.targets]]\nkind = "{kind_of(fake)}"\nrepo = "{fake.repo}"\n'
        f'base_url = "{fake.server.base_url}"\ntoken_env = "{TOKEN_VAR}"\nretry = {FAST_RETRY}\n'
        f"{extra}\n",
        "utf-8",
    )
    return config


@dataclass(frozen=True)
class Ran:
    code: int
    checks: list[dict[str, Any]]

    def status(self, name: str) -> str:
        return str(self.named(name)["status"])

    def named(self, name: str) -> dict[str, Any]:
        """The one check called `name`."""
        (found,) = [check for check in self.checks if check["name"] == name]
        return found

    def failures(self) -> list[str]:
        return [check["name"] for check in self.checks if check["status"] == "fail"]


def run_doctor(config: Path, token: str, env: dict[str, str] | None = None) -> Ran:
    result = CliRunner().invoke(
        app, ["doctor", "--json", "--config", str(config)], env={TOKEN_VAR: token, **(env or {})}
    )
    return Ran(result.exit_code, json.loads(result.stdout))
