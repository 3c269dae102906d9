"""A tracker target guessed from a git remote URL, for `syncer init` to draft.

The register usually lives in the repository whose issues it should become, so the `origin`
remote names the project: `https://github.com/acme/platform.git`,
`git@gitlab.example.com:group/sub/project.git`, `ssh://git@github.com/acme/platform`. A host
naming GitHub or GitLab decides the kind; any other host is not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_SCP_RE = re.compile(r"(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?!//)(?P<path>[^\s]+)")
TOKEN_ENV = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN"}


@dataclass(frozen=True)
class GuessedTarget:
    kind: str
    repo: str
    base_url: str
    """The API address to configure; empty for github.com and gitlab.com (the defaults)."""
    token_env: str


def guess_target(remote_url: str) -> GuessedTarget | None:
    """The GitHub or GitLab project a remote URL points at; None for anything else."""
    url = remote_url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ssh", "git") and parts.hostname:
        host, path = parts.hostname, parts.path
    elif (scp := _SCP_RE.fullmatch(url)) is not None:
        host, path = scp.group("host"), scp.group("path")
    else:
        return None
    repo = path.strip("/").removesuffix(".git")
    host = host.lower()
    labels = host.split(".")
    kind = next((k for k in TOKEN_ENV if any(label.startswith(k) for label in labels)), None)
    if kind is None or repo.count("/") < 1 or (kind == "github" and repo.count("/") != 1):
        return None
    return GuessedTarget(kind, repo, _api_url(kind, host), TOKEN_ENV[kind])


def _api_url(kind: str, host: str) -> str:
    if host == "gitlab.com" or host.endswith("github.com"):  # ssh.github.com is github.com
        return ""
    return f"https://{host}/api/v3" if kind == "github" else f"https://{host}"


def shown_remote(remote_url: str) -> str:
    """The remote as it may be printed and written: without a user or token in it
    (`https://x-access-token:ghp_…@github.com/…` is a common remote)."""
    url = remote_url.strip()
    parts = urlsplit(url)
    if parts.scheme and parts.hostname and "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[1]
        return parts._replace(netloc=netloc).geturl()
    return url
