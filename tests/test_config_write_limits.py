"""GitHub write limits in syncer.toml: validated where they are written, and obeyed by the
adapter the configuration builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import ConfigError, TargetConfig, load_config
from syncer.fakes.github import FakeGitHub
from syncer.model import IssueDraft
from syncer.trackers.base import RateLimited
from syncer.trackers.factory import build_tracker
from syncer.trackers.pacing import WriteLimits

MINIMAL = """
[[registers]]
name = "platform"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "{kind}"
repo = "{repo}"
token_env = "TOKEN"
base_url = "https://tracker.example.com"
"""


def refusal(tmp_path: Path, extra: str, kind: str = "github", repo: str = "acme/web") -> str:
    file = tmp_path / "syncer.toml"
    file.write_text(MINIMAL.format(kind=kind, repo=repo) + extra, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(file, env={})
    return str(caught.value)


def github_target(**values: object) -> TargetConfig:
    return TargetConfig.model_validate(
        {"kind": "github", "repo": "acme/web", "token_env": "TOKEN", **values}
    )


def test_the_defaults_are_githubs_documented_limits() -> None:
    assert github_target().write_limits() == WriteLimits(per_minute=80, per_hour=500)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("writes_per_minute = 0", "writes_per_minute: input should be greater than 0"),
        ("writes_per_hour = -5", "writes_per_hour: input should be greater than 0"),
        ('writes_per_minute = "80"', "writes_per_minute: input should be a valid integer"),
        ("writes_per_hour = 7.5", "writes_per_hour: input should be a valid integer"),
    ],
)
def test_limits_must_be_whole_numbers_above_zero(tmp_path: Path, line: str, problem: str) -> None:
    assert refusal(tmp_path, line + "\n").endswith(f"registers[0].targets[0].{problem}")


def test_other_trackers_refuse_them(tmp_path: Path) -> None:
    message = refusal(tmp_path, "writes_per_hour = 100\n", kind="jira", repo="PLAT")
    assert message.endswith("registers[0].targets[0].writes_per_hour: not used by jira targets")


def test_the_built_adapter_keeps_to_the_configured_pace() -> None:
    with FakeGitHub() as fake:
        target = github_target(
            repo=fake.repo,
            base_url=fake.server.base_url,
            writes_per_minute=1,
            retry={"max_wait_seconds": 0},
        )
        tracker = build_tracker(target, {"TOKEN": fake.token})
        tracker.create(IssueDraft("first", "First"))
        with pytest.raises(RateLimited):
            tracker.create(IssueDraft("second", "Second"))
        assert fake.issue_count() == 1
