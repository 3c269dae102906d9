"""The `git` command line, run for one register's private repository in the state folder.

The `git` program, not a library: it is on every machine and in the image, it speaks every
transport and credential setup a team already uses (https, ssh, `insteadOf` rules, proxies),
and its plumbing reads and writes blobs byte for byte. The repository is bare: syncer never
checks files out, so no filter, `autocrlf` or hook ever touches the register's bytes.

Credentials never reach a command line (which `ps` shows) nor a file: a token travels as an
`http.<origin>.extraHeader` passed through the environment (`GIT_CONFIG_COUNT`, as
actions/checkout does with its own config), an SSH key as `GIT_SSH_COMMAND`'s `-i`. Every
error is one line with the remote's address shown without any user part, and scrubbed of
secrets.
"""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from syncer.redact import scrub
from syncer.sources.files import RegisterFileError

TIMEOUT_SECONDS = 120.0
"""A git command that runs longer is stopped: a hung remote must not hold the register's lock
for ever (the lock is held for the whole cycle)."""


class GitError(RegisterFileError):
    """A git command failed; the message is one line, safe to show."""


@dataclass(frozen=True)
class Credentials:
    """How git authenticates to the remote: a token for https, a key file for ssh, or none."""

    origin: str = ""
    """`scheme://host/` of an https remote: the only place the token header is sent."""
    username: str = ""
    token: str = ""
    ssh_key_file: Path | None = None

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """Variables that hand git the credentials, added after any `GIT_CONFIG_*` already
        set; never on the command line."""
        env: dict[str, str] = {}
        if self.token:
            pair = base64.b64encode(f"{self.username}:{self.token}".encode()).decode()
            index = int(base.get("GIT_CONFIG_COUNT", "0") or 0)
            env["GIT_CONFIG_COUNT"] = str(index + 1)
            env[f"GIT_CONFIG_KEY_{index}"] = f"http.{self.origin}.extraHeader"
            env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {pair}"
        if self.ssh_key_file is not None:
            key = shlex.quote(str(self.ssh_key_file))
            env["GIT_SSH_COMMAND"] = f"ssh -i {key} -o IdentitiesOnly=yes -o BatchMode=yes"
        return env


def origin_of(repository: str) -> str:
    parts = urlsplit(repository)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/"


_REPOSITORY_VARS = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"}
    | {"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX"}
)
"""Variables that point git at another repository (set when syncer runs inside a git hook):
never passed on, so every command works on the register's own repository."""


@dataclass(frozen=True)
class Result:
    code: int
    out: bytes
    err: str


class Git:
    """Runs git in one bare repository (`folder`) with a fixed environment."""

    def __init__(self, folder: Path, where: str, credentials: Credentials) -> None:
        self.folder = folder
        self.where = where
        """The remote as messages name it (no user part)."""
        base = {key: value for key, value in os.environ.items() if key not in _REPOSITORY_VARS}
        self._env = {
            **base,
            "GIT_TERMINAL_PROMPT": "0",  # never wait for a password nobody will type
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "LC_ALL": "C",  # git's messages in English, as the classification reads them
            "GIT_DIR": str(folder),
            **credentials.environment(base),
        }

    def run(
        self,
        *args: str,
        stdin: bytes = b"",
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> Result:
        """`git args…`; a failure (with `check`) is a `GitError` naming the command's verb."""
        try:
            done = subprocess.run(
                ["git", *args],
                input=stdin,
                capture_output=True,
                env={**self._env, **(env or {})},
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            raise GitError("the git program is not installed (syncer runs `git`)") from None
        except subprocess.TimeoutExpired:
            raise GitError(
                f"{self.where}: git {args[0]} took over {TIMEOUT_SECONDS:g}s; stopped"
            ) from None
        result = Result(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))
        if check and result.code != 0:
            raise GitError(self.explain(args[0], result.err))
        return result

    def text(self, *args: str, stdin: bytes = b"", env: Mapping[str, str] | None = None) -> str:
        return self.run(*args, stdin=stdin, env=env).out.decode("utf-8", "replace").strip()

    def explain(self, verb: str, stderr: str) -> str:
        """One line for a failed command: what it means for the user where it is recognised,
        else git's own last line. Scrubbed: a remote may echo a credential."""
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        said = " ".join(lines).lower()
        meaning = next((m for words, m in _MEANINGS if any(w in said for w in words)), "")
        last = lines[-1].removeprefix("fatal: ").removeprefix("error: ") if lines else ""
        detail = meaning or f"git {verb} failed" + (f": {last}" if last else "")
        return scrub(f"{self.where}: {detail}")


_MEANINGS: Sequence[tuple[tuple[str, ...], str]] = (
    (
        ("authentication failed", "could not read username", "could not read password",
         "invalid username or password", "permission denied (publickey", "http 401",
         "returned error: 401", "returned error: 403", "terminal prompts disabled"),
        "authentication failed: check the token (token_env) or key (ssh_key_file) and its "
        "right to push",
    ),
    (
        ("does not appear to be a git repository", "repository not found", "not found",
         "could not resolve host", "failed to connect", "connection refused",
         "unable to access", "no such file or directory"),
        "cannot reach the repository (check repository)",
    ),
    (
        ("host key verification failed",),
        "the ssh host key is unknown: add the host to known_hosts",
    ),
)  # fmt: skip
