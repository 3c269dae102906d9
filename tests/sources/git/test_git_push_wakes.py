"""The daemon keeps a register in git and a person's push wakes it: the push webhook the forge
sends (GitHub's, signed) names the repository and branch, and the register's next cycle runs
at once instead of at its schedule. Over real HTTP: the repository behind `git http-backend`,
the issues in the fake GitLab (so the GitHub secret is read for the register's forge alone)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from syncer.config import load_config
from syncer.daemon.service import Daemon
from syncer.fakes.github import signature_256
from syncer.fakes.gitlab import FakeGitLab
from tests.sources.git.repos import PATH, Remote
from tests.sources.git.smart_http import SmartHttp

TOKEN = "ghs_" + "PushW4kesT0ken" * 3
HOOK_SECRET = "push-hook-secret"
PUSH = json.loads(
    (Path(__file__).parents[2] / "data/fixtures/webhooks/github/push.tag.json").read_text("utf-8")
)


def within(seconds: float, check: Callable[[], bool]) -> bool:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def daemon(tmp_path: Path, remote: Remote) -> Iterator[tuple[Daemon, FakeGitLab, str]]:
    with SmartHttp(remote.bare.parent, TOKEN) as server, FakeGitLab() as fake:
        repository = f"{server.url}/remote.git"
        config = tmp_path / "syncer.toml"
        config.write_text(
            f"""state = "state/syncer.sqlite"
http_port = 0
schedule = "every 1h"
webhook_debounce_seconds = 0.2
github_webhook_secret_env = "HOOK_SECRET"

[[registers]]
name = "platform"
source = "git"

[registers.git]
repository = "{repository}"
path = "{PATH}"
token_env = "PUSH_TOKEN"
forge = "github"

[[registers.targets]]
kind = "gitlab"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GL_TOKEN"
""",
            "utf-8",
        )
        env = {"PUSH_TOKEN": TOKEN, "GL_TOKEN": fake.token, "HOOK_SECRET": HOOK_SECRET}
        running = Daemon(load_config(config, env), env)
        running.start()
        try:
            assert within(30, running.runner.ready)
            yield running, fake, repository
        finally:
            running.shutdown()


def push_hook(daemon: Daemon, repository: str, branch: str) -> httpx.Response:
    payload = {**PUSH, "ref": f"refs/heads/{branch}", "deleted": False}
    payload["repository"] = {**PUSH["repository"], "clone_url": repository}
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": signature_256(HOOK_SECRET, body),
        "Content-Type": "application/json",
    }
    return httpx.post(f"{daemon.base_url}/webhooks/github", content=body, headers=headers)


def test_a_push_to_the_registers_branch_brings_a_new_item_in_at_once(
    daemon: tuple[Daemon, FakeGitLab, str], remote: Remote
) -> None:
    running, fake, repository = daemon
    assert fake.issue_count() == 3
    remote.person.edit(
        lambda text: text.replace("## Notes", "- [ ] Pin the base image\n\n## Notes"), "Add an item"
    )
    elsewhere = push_hook(running, repository, "feature")
    assert elsewhere.json()["outcome"] == "ignored"
    assert running.scheduler.get_job("wake:platform") is None, "another branch wakes nothing"
    answer = push_hook(running, repository, "main")
    assert answer.status_code == 202 and answer.json()["registers"] == ["platform"]
    assert within(20, lambda: fake.issue_count() == 4), "woken: the new item is an issue"
