"""Run `syncer` as users do, as whole processes on a config file, against fake trackers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncer.fakes.gitlab import FakeGitLab

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = "FAKE_TRACKER_TOKEN"


def checkbox_register(count: int, done_every: int = 7) -> str:
    return "# Debt\n\n## High Priority\n\n" + "".join(
        f"- [{'x' if n % done_every == 0 else ' '}] **Item number {n}** - body of item {n}\n"
        for n in range(count)
    )


@dataclass
class Setup:
    """A folder with a register, a config naming it and a fake GitLab, and how to run syncer."""

    folder: Path
    fake: FakeGitLab

    @property
    def config(self) -> Path:
        return self.folder / "syncer.toml"

    @property
    def register(self) -> Path:
        return self.folder / "TECH_DEBT.md"

    @property
    def state(self) -> Path:
        return self.folder / "syncer.sqlite"

    def write(self, register: str, **top: object) -> None:
        self.register.write_text(register, "utf-8")
        extra = "".join(f"{key} = {_toml(value)}\n" for key, value in top.items())
        self.config.write_text(
            f"""state = "syncer.sqlite"
{extra}
[[registers]]
name = "debt"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "gitlab"
repo = "{self.fake.repo}"
base_url = "{self.fake.server.base_url}"
token_env = "{TOKEN_ENV}"
retry = {{ attempts = 3, backoff_seconds = 0.05, max_wait_seconds = 5, timeout_seconds = 10 }}
""",
            "utf-8",
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            TOKEN_ENV: self.fake.token,
            "SYNCER_CONFIG": str(self.config),
        }

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "syncer.cli", *args],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "syncer.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def finish(
    processes: Sequence[subprocess.Popen[str]], timeout: float = 120
) -> list[tuple[int, str]]:
    """Wait for every process; (exit code, stderr) each, in order."""
    results = []
    for process in processes:
        _, stderr = process.communicate(timeout=timeout)
        results.append((process.returncode, stderr))
    return results


@pytest.fixture(scope="module")
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture
def setup(tmp_path: Path, gitlab: FakeGitLab) -> Setup:
    gitlab.reset()
    return Setup(tmp_path, gitlab)
