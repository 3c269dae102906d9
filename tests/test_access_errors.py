"""A token a tracker refuses, or a repository it cannot see, says so in one line a person can
act on: exit 6 and the access the token needs; "not found, or no access" naming the repo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira

FAST_RETRY = "{attempts = 1, backoff_seconds = 0, max_wait_seconds = 0, timeout_seconds = 5}"


KINDS = {"github": FakeGitHub, "gitlab": FakeGitLab, "jira": FakeJira}
NEEDED = {"github": "repo scope", "gitlab": "api scope", "jira": "Create issues"}


@pytest.fixture(params=sorted(KINDS))
def fake(request: pytest.FixtureRequest) -> Iterator[FakeTracker]:
    with KINDS[request.param]() as running:
        yield running


def kind_of(fake: FakeTracker) -> str:
    return next(kind for kind, made in KINDS.items() if isinstance(fake, made))


def reconcile(tmp_path: Path, fake: FakeTracker, repo: str, token: str) -> tuple[int, str]:
    kind = kind_of(fake)
    (tmp_path / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
    config = tmp_path / "syncer.toml"
    config.write_text(
        'state = "state.sqlite"\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n'
        f'targets = [{{kind = "{kind}", repo = "{repo}", base_url = "{fake.server.base_url}", '
        f'token_env = "SYNCER_TEST_TOKEN", retry = {FAST_RETRY}}}]\n',
        "utf-8",
    )
    result = CliRunner().invoke(
        app, ["reconcile", "--config", str(config)], env={"SYNCER_TEST_TOKEN": token}
    )
    return result.exit_code, result.stderr


def test_a_refused_token_exits_6_naming_the_access_needed(
    tmp_path: Path, fake: FakeTracker
) -> None:
    code, said = reconcile(tmp_path, fake, fake.repo, "not-the-token")
    assert code == 6, said
    assert NEEDED[kind_of(fake)] in said
    assert len([line for line in said.splitlines() if line.startswith("error:")]) == 1


def test_a_repository_the_token_cannot_see_is_named(tmp_path: Path, fake: FakeTracker) -> None:
    other = "SECRET" if kind_of(fake) == "jira" else "someone-else/secret-project"
    code, said = reconcile(tmp_path, fake, other, fake.token)
    assert code == 1, said
    assert f"{other}: not found, or the token has no access to it" in said
