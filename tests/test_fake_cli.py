"""`syncer fake KIND --json`: one JSON line each client library takes as is, then it serves."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import gitlab
import pytest
from github import Auth, Github
from jira import JIRA
from typer.testing import CliRunner

from syncer.cli import app


def gitlab_count(facts: dict[str, str]) -> int:
    client = gitlab.Gitlab(facts["base_url"], private_token=facts["token"], timeout=10)
    return len(client.projects.get(facts["repo"]).issues.list(get_all=True))


def github_count(facts: dict[str, str]) -> int:
    client = Github(base_url=facts["base_url"], auth=Auth.Token(facts["token"]), retry=None)
    issues = client.get_repo(facts["repo"]).get_issues(state="all")
    return sum(1 for issue in issues if issue.pull_request is None)


def jira_count(facts: dict[str, str]) -> int:
    client = JIRA(server=facts["base_url"], token_auth=facts["token"], max_retries=0)
    return len(client.search_issues(f"project = {facts['repo']}", maxResults=False))


@pytest.mark.parametrize(
    ("kind", "count"),
    [("gitlab", gitlab_count), ("github", github_count), ("jira", jira_count)],
)
def test_fake_serves_what_its_json_line_says(
    kind: str, count: Callable[[dict[str, str]], int]
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "fake", kind, "--json", "--issues", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        facts = json.loads(proc.stdout.readline())
        assert set(facts) == {"base_url", "repo", "token"}
        assert count(facts) == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unknown_tracker_is_refused() -> None:
    result = CliRunner().invoke(app, ["fake", "bitbucket"])
    assert result.exit_code == 2
    words = " ".join(result.stderr.replace("│", " ").split())
    assert "'bitbucket' is not one of 'github', 'gitlab', 'jira'" in words
