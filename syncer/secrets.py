"""Where a tracker token comes from, besides an environment variable: a file, a password
command (`pass show github`, `op read …`), or the system keyring.

Read at the moment a token is needed, never held by the configuration. Every failure is a
`SecretError` naming the source (file, program, keyring entry), never the secret, and never a
command's output or error text, which may hold it. (The composition root registers every
token it reads with `syncer.log.secret`, so no log line can show it afterwards.)
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from syncer.redact import looks_like_token

COMMAND_TIMEOUT_SECONDS = 30.0
"""Long enough to type a passphrase into a GPG agent's prompt; a command that hangs longer is
stopped rather than stalling a daemon's cycle."""


class SecretError(Exception):
    """The secret cannot be read; the message says from where and why, without the secret."""


def from_file(path: Path) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SecretError(f"token file {path} does not exist") from None
    except UnicodeDecodeError:
        raise SecretError(f"token file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise SecretError(f"cannot read token file {path}: {exc.strerror}") from None
    if not value:
        raise SecretError(f"token file {path} is empty")
    return value


def from_command(command: str, timeout: float = COMMAND_TIMEOUT_SECONDS) -> str:
    """The first line the command prints (`pass` keeps the password on its first line and
    other fields after it). Run without a shell: `command` is split as a shell would split it,
    and nothing in it is expanded."""
    try:
        argv = shlex.split(command)
    except ValueError:
        raise SecretError("token_command is not a valid command line (unbalanced quotes)") from None
    if not argv:
        raise SecretError("token_command is empty")
    if any(looks_like_token(arg) for arg in argv):
        raise SecretError(
            "token_command holds what looks like a token itself; it must name a program that "
            "prints the token"
        )
    program = argv[0]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise SecretError(f"token_command: program {program!r} not found") from None
    except PermissionError:
        raise SecretError(f"token_command: program {program!r} cannot be run") from None
    except subprocess.TimeoutExpired:
        raise SecretError(f"token_command: {program!r} gave no answer in {timeout:g} s") from None
    if done.returncode != 0:
        raise SecretError(f"token_command: {program!r} failed (exit status {done.returncode})")
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[0].strip():
        raise SecretError(f"token_command: {program!r} printed nothing")
    return lines[0].strip()


def from_keyring(service: str, username: str) -> str:
    """The password the system keyring keeps for (`service`, `username`), through the
    `keyring` package (`pip install 'syncer[keyring]'`)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise SecretError(
            "token_keyring needs the keyring package: pip install 'syncer[keyring]'"
        ) from None
    where = f"keyring entry {service!r} / {username!r}"
    try:
        value = keyring.get_password(service, username)
    except KeyringError as exc:
        raise SecretError(f"{where}: the keyring cannot be read ({type(exc).__name__})") from None
    if not value or not value.strip():
        raise SecretError(f"{where} does not exist or is empty")
    return value.strip()
