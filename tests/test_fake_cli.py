"""`syncer fake KIND --json`: one JSON line a client library can use as is, then it serves."""

from __future__ import annotations

import json
import subprocess
import sys

import gitlab
from typer.testing import CliRunner

from syncer.cli import app


def test_fake_gitlab_serves_what_its_json_line_says() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "fake", "gitlab", "--json", "--issues", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        facts = json.loads(proc.stdout.readline())
        client = gitlab.Gitlab(facts["base_url"], private_token=facts["token"], timeout=10)
        issues = client.projects.get(facts["repo"]).issues.list(get_all=True)
        assert len(issues) == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unknown_tracker_is_refused() -> None:
    result = CliRunner().invoke(app, ["fake", "bitbucket"])
    assert result.exit_code == 2 and "unknown tracker 'bitbucket'" in result.stderr
