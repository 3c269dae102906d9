"""The GitHub Action (action.yml) run as GitHub would run its steps, without GitHub.

No YAML parser is installed, and the action's logic lives in one script (`action/reconcile.sh`)
so it can be run here: the test takes the `Reconcile` step's `run:` line and `env:` from
action.yml, fills in the `${{ }}` expressions as the runner does, and runs it in a workspace
whose configuration keeps its register in a real local git repository, against the fake
GitHub. The steps around it (setup-python, pip install, actions/cache) are GitHub's own; what
is checked of them is that they name the folder the script keeps the state in.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.register import parse
from tests.sources.git.repos import PATH, Remote, isolate

ROOT = Path(__file__).resolve().parent.parent
ACTION = (ROOT / "action.yml").read_text("utf-8")


def step(name: str) -> str:
    """The text of the step called `name`."""
    found = re.search(rf"    - name: {re.escape(name)}\n(.*?)(?=\n    - |\Z)", ACTION, re.S)
    assert found, name
    return found[1]


def expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m[1]], text)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as served:
        yield served


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub) -> Path:
    isolate(monkeypatch, tmp_path / "home")
    remote = Remote(tmp_path)
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "syncer.toml").write_text(
        f"""[[registers]]
name = "platform"
source = "git"

[registers.git]
repository = "{remote.bare}"
path = "{PATH}"

[[registers.targets]]
kind = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GITHUB_TOKEN"
seconds_between_writes = 0
""",
        "utf-8",
    )
    shim = tmp_path / "bin" / "syncer"  # what `pip install` puts on PATH
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m syncer.cli "$@"\n', "utf-8")
    shim.chmod(0o755)
    return folder


def run_reconcile_step(workspace: Path, token: str, config: str = "syncer.toml") -> tuple[int, str]:
    """The Reconcile step as the runner runs it; its exit code and its outputs file."""
    values = {
        "github.action_path": str(ROOT),
        "inputs.token": token,
        "inputs.config": config,
        "inputs.register": "",
    }
    text = step("Reconcile")
    env_block = re.search(r"      env:\n((?:        .*\n)+)", text)
    assert env_block
    env = dict(line.strip().split(": ", 1) for line in env_block[1].splitlines() if line.strip())
    run = re.search(r"      run: '(.*)'\n?", text)
    assert run
    outputs = workspace.parent / "github-output"
    outputs.write_text("", "utf-8")
    home = workspace.parent / "home"
    done = subprocess.run(
        ["bash", "-e", "-c", expand(run[1], values)],
        cwd=workspace,
        env={
            **{key: expand(value, values) for key, value in env.items()},
            "PATH": f"{workspace.parent / 'bin'}:/usr/bin:/bin",
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "PYTHONPATH": str(ROOT),
            "GITHUB_OUTPUT": str(outputs),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, outputs.read_text("utf-8") + done.stderr


def test_the_action_syncs_the_repositorys_register_and_keeps_its_state(
    workspace: Path, fake: FakeGitHub
) -> None:
    code, said = run_reconcile_step(workspace, fake.token)
    assert code == 0 and "exit-code=0" in said, said
    bare = workspace.parent / "remote.git"
    shown = subprocess.run(
        ["git", "-C", str(bare), "show", f"main:{PATH}"], capture_output=True, text=True, check=True
    ).stdout
    assert [link.text for item in parse(shown).items for link in item.links] == [
        f"{fake.repo}#1", f"{fake.repo}#2", f"{fake.repo}#3"
    ]  # fmt: skip
    state = workspace.parent / "home" / ".cache" / "syncer" / "syncer.sqlite"
    assert state.is_file(), "the state is where the cache steps save and restore it"
    fake.human_edit("1", closed=True)
    code, said = run_reconcile_step(workspace, fake.token)
    assert code == 0, said
    shown = subprocess.run(
        ["git", "-C", str(bare), "show", f"main:{PATH}"], capture_output=True, text=True, check=True
    ).stdout
    # With the state lost, the register's "open" would have won: the issue reopened.
    assert parse(shown).items[0].status.value == "done"
    assert fake.issue_count() == 3


def test_a_failing_run_fails_the_step_and_says_its_exit_code(
    workspace: Path, fake: FakeGitHub
) -> None:
    code, said = run_reconcile_step(workspace, fake.token, config="missing.toml")
    assert code == 2 and "exit-code=2" in said and "config file not found" in said


def test_the_cache_steps_keep_the_folder_the_script_uses_under_a_key_that_always_saves() -> None:
    restore, save = step("Restore syncer's state"), step("Keep syncer's state")
    assert "path: ~/.cache/syncer" in restore and "path: ~/.cache/syncer" in save
    key = (
        "key: syncer-state-${{ github.repository }}-${{ github.run_id }}-${{ github.run_attempt }}"
    )
    assert key in restore and key in save, "a new key each run: a cache entry is never updated"
    assert "restore-keys: syncer-state-${{ github.repository }}-" in restore
    assert "if: always()" in save
    assert 'run: python -m pip install --quiet "${{ github.action_path }}"' in step(
        "Install syncer"
    )
