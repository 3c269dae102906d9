"""Tokens from a password command or the system keyring, as bugwarrior and vdirsyncer allow:
read when needed, and every failure one line naming the source, never the secret."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from syncer import secrets
from syncer.config import ConfigError, TargetConfig, parse_target

TOKEN = "ghp_" + "k7Qz" * 9
PY = sys.executable


def target(**source: object) -> TargetConfig:
    return parse_target({"kind": "github", "repo": "o/r", **source})


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "secret_helper.py"
    path.write_text(body, "utf-8")
    return f"{PY} {path}"


def test_the_first_line_a_command_prints_is_the_token(tmp_path: Path) -> None:
    command = script(tmp_path, f"print({TOKEN!r})\nprint('login: syncer-bot')\n")
    assert target(token_command=command).token() == TOKEN


def test_a_failing_command_is_one_line_without_what_it_printed(tmp_path: Path) -> None:
    command = script(
        tmp_path, f"import sys\nprint({TOKEN!r})\nsys.stderr.write({TOKEN!r})\nsys.exit(3)\n"
    )
    with pytest.raises(ConfigError) as refused:
        target(token_command=command).token()
    message = str(refused.value)
    assert message == f"target github:o/r: token_command: {PY!r} failed (exit status 3)"
    assert TOKEN not in message


def test_a_missing_program_and_a_silent_one_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="program 'no-such-pass-tool' not found"):
        target(token_command="no-such-pass-tool show github").token()
    with pytest.raises(ConfigError, match="printed nothing"):
        target(token_command=script(tmp_path, "print()\n")).token()


def test_a_token_pasted_into_the_command_is_not_run_or_echoed() -> None:
    with pytest.raises(ConfigError) as refused:
        target(token_command=f"echo {TOKEN}").token()
    assert TOKEN not in str(refused.value)
    assert "looks like a token itself" in str(refused.value)


def test_a_command_that_hangs_is_stopped(tmp_path: Path) -> None:
    command = script(tmp_path, "import time\ntime.sleep(30)\n")
    with pytest.raises(secrets.SecretError, match=r"gave no answer in 0\.5 s"):
        secrets.from_command(command, timeout=0.5)


class FakeKeyring(KeyringBackend):
    """An in-memory keyring standing in for the system's (Secret Service, macOS Keychain)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def fake_keyring() -> Iterator[FakeKeyring]:
    previous = keyring.get_keyring()
    fake = FakeKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


def test_the_keyring_entry_is_the_token(fake_keyring: FakeKeyring) -> None:
    fake_keyring.set_password("syncer", "github", TOKEN)
    entry = {"service": "syncer", "username": "github"}
    assert target(token_keyring=entry).token() == TOKEN
    with pytest.raises(ConfigError, match="keyring entry 'syncer' / 'gitlab' does not exist"):
        target(token_keyring={"service": "syncer", "username": "gitlab"}).token()


def test_without_the_keyring_package_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(ConfigError, match=r"pip install 'syncer\[keyring\]'"):
        target(token_keyring={"service": "syncer", "username": "github"}).token()


def test_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="set exactly one of token_env, token_file"):
        target(token_env="GITHUB_TOKEN", token_command="pass show github")
