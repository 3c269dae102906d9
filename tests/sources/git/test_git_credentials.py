"""Pushing over https with a token: git gets it, nobody else sees it.

Against `git http-backend` on 127.0.0.1 behind Basic auth (`smart_http`), with every git
command line syncer runs recorded by a `git` on PATH that logs its arguments: the token is in
no command line, no error, and a wrong token is one line that says what to check.
"""

from __future__ import annotations

import base64
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.sources.git.commands import GitError
from syncer.sources.git.config import GitSourceConfig
from syncer.sources.git.source import GitSource
from syncer.sources.git.workspace import git_source
from tests.sources.git.repos import PATH, Remote
from tests.sources.git.smart_http import SmartHttp

TOKEN = "ghs_" + "S3cr3tT0kenValue" * 3


@pytest.fixture
def server(tmp_path: Path, remote: Remote) -> Iterator[SmartHttp]:
    with SmartHttp(remote.bare.parent, TOKEN) as served:
        yield served


@pytest.fixture
def command_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `git` first on PATH that appends its arguments to a log, then runs the real one."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "command-lines.log"
    real = shutil.which("git")
    script = folder / "git"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n', "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def source(tmp_path: Path, server: SmartHttp, token: str) -> GitSource:
    config = GitSourceConfig(
        repository=f"{server.url}/remote.git", path=PATH, token_env="PUSH_TOKEN"
    )
    return git_source("debt", config, tmp_path / "state.sqlite", {"PUSH_TOKEN": token})


def test_a_token_reaches_the_server_and_no_command_line(
    tmp_path: Path, remote: Remote, server: SmartHttp, command_lines: Path
) -> None:
    register = source(tmp_path, server, TOKEN)
    read = register.read()
    register.write(read.text + "\nChecked.\n", read, "syncer: a note\n")
    assert remote.register().endswith("Checked.\n")
    recorded = command_lines.read_text("utf-8")
    encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert "push" in recorded and TOKEN not in recorded and encoded not in recorded
    assert any(header.startswith("Basic ") for header in server.seen)


def test_a_wrong_token_is_one_line_saying_what_to_check(
    tmp_path: Path, remote: Remote, server: SmartHttp
) -> None:
    register = source(tmp_path, server, "ghs_" + "WrongTokenValue1" * 3)
    with pytest.raises(GitError) as caught:
        register.read()
    message = str(caught.value)
    assert "authentication failed: check the token (token_env)" in message, message
    assert "\n" not in message and "WrongTokenValue1" not in message
    assert message.startswith(f"{server.url}/remote.git: ")
