"""`[registers.git]`: where a register lives in a git repository, and how syncer pushes there.

Checked here: what the value alone says (a URL that embeds a password, a path that climbs out
of the repository, a branch name git refuses). What needs the configuration's own rules (an
environment variable's name, paths relative to the config file) is checked by
`syncer.config`, which owns them. Like the rest of the configuration, the model never holds a
secret: `token_env` names the variable, read when a push needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

_SCP_LIKE = re.compile(r"[\w.-]+@[\w.-]+:(?!//).+")
_BAD_REF = re.compile(r"\.\.|[\x00-\x20\x7f~^:?*\[\\]|@\{|//|^[-/.]|[/.]$|\.lock$|/\.")
_HOSTED = re.compile(r"(?:[\w.-]+@)?([\w.-]+):(?!//)")

Forge = Literal["github", "gitlab"]


def repositories_folder(state: Path) -> Path:
    """Where git registers' clones are kept, beside the state (`syncer.sources.git.workspace`).
    Here, with the git table, so a run can tell there are none to prune without loading the
    workspace's modules."""
    return Path(f"{state}.repos")


def transport(repository: str) -> str:
    """`https` (also `http`), `ssh` or `local` (a path or `file://`): what credentials fit."""
    if _SCP_LIKE.fullmatch(repository):
        return "ssh"
    scheme = urlsplit(repository).scheme.lower()
    if scheme in ("http", "https"):
        return "https"
    if scheme in ("ssh", "git+ssh", "ssh+git"):
        return "ssh"
    return "local"


def address(repository: str) -> tuple[str, str] | None:
    """(host, path) of a remote, the same for every way of writing it: `https://host/o/n`,
    `https://host/o/n.git`, `ssh://git@host:22/o/n.git`, `git@host:o/n.git` give
    (`host`, `o/n`). Both in lower case: GitHub and GitLab ignore letter case in them. None for
    a local repository."""
    found = _host_and_path(repository)
    return (found[0].lower(), found[1].lower()) if found else None


def _host_and_path(repository: str) -> tuple[str, str] | None:
    scp = _HOSTED.match(repository) if _SCP_LIKE.fullmatch(repository) else None
    if scp:
        host, path = scp[1], repository[scp.end() :]
    elif transport(repository) != "local":
        parts = urlsplit(repository)
        host, path = parts.hostname or "", parts.path
    else:
        return None
    path = path.strip("/").removesuffix(".git").strip("/")
    return (host, path) if host and path else None


def display_url(repository: str) -> str:
    """The repository as messages show it: never with the user part of a URL."""
    parts = urlsplit(repository)
    if parts.scheme and "@" in parts.netloc:
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return repository


class GitSourceConfig(BaseModel):
    """A register file in a git repository (`source = "git"`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: str
    """A URL (`https://…`, `ssh://…`, `git@host:owner/name.git`, `file://…`) or a local path."""
    branch: str = "main"
    path: str
    """The register's path inside the repository, from its root (`docs/TECH_DEBT.md`)."""
    author_name: str = "syncer"
    author_email: str = "syncer@syncer.invalid"
    token_env: str | None = None
    """The variable holding a token for an https remote (GitHub: any token that may push)."""
    token_username: str = "x-access-token"
    """The user name sent with the token (GitHub takes any; GitLab: `oauth2`)."""
    ssh_key_file: Path | None = None
    pull_request: bool = False
    """Push to `syncer/<register>` and open or update one pull request instead (protected
    branches)."""
    pull_request_repo: str | None = None
    """The repository the pull request is opened in, `owner/name` on GitHub or the project's
    path on GitLab (`group/sub/project`); default: the path of `repository`."""
    pull_request_api: str | None = None
    """The forge's API: default `https://api.github.com` for github.com, `https://<host>/api/v3`
    for another GitHub (Enterprise) host, `https://<host>` for GitLab."""
    forge: Forge | None = None
    """Which forge hosts the repository: where `pull_request` opens its request, which push
    webhooks name it. Default: read from the host's name (github.com, gitlab.example.com)."""

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        parts = urlsplit(value)
        if parts.scheme and parts.password is not None:
            raise ValueError(
                "holds a password or token; put the token in an environment variable and "
                "name it in token_env"
            )
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not value or _BAD_REF.search(value):
            raise ValueError("is not a branch name git accepts")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        path = PurePosixPath(value)
        if not value.strip() or path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError("must be a path inside the repository, such as docs/TECH_DEBT.md")
        return str(path)

    @field_validator("author_name", "token_username")
    @classmethod
    def _nonblank(cls, value: str) -> str:
        if not value.strip() or any(c in value for c in "<>\n"):
            raise ValueError("must be a plain name")
        return value

    @field_validator("author_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value or any(c in value for c in "<> \n"):
            raise ValueError("must be an email address")
        return value

    @model_validator(mode="after")
    def _credentials_fit(self) -> Self:
        kind = transport(self.repository)
        if self.token_env is not None and kind != "https" and not self.pull_request:
            raise ValueError("token_env is for https:// repositories (use ssh_key_file for ssh)")
        if self.ssh_key_file is not None and kind != "ssh":
            raise ValueError("ssh_key_file is for ssh repositories (git@host:… or ssh://…)")
        if self.pull_request:
            if self.token_env is None:
                raise ValueError("pull_request needs token_env: the token opens the pull request")
            forge = self.forge_kind()
            if forge is None:
                raise ValueError(
                    "pull_request: the host does not say whether it is GitHub or GitLab; set "
                    'forge = "github" or "gitlab"'
                )
            if self.forge_repo() is None:
                shape = "owner/name" if forge == "github" else "group/project"
                raise ValueError(
                    f"pull_request: name the repository on {_NAMES[forge]} in "
                    f"pull_request_repo ({shape})"
                )
        elif self.pull_request_repo is not None or self.pull_request_api is not None:
            raise ValueError("pull_request_repo and pull_request_api need pull_request = true")
        return self

    def forge_kind(self) -> Forge | None:
        """`forge`, else read from the repository's host, else from `pull_request_api`'s: a
        host named github… or …github.com is GitHub's, likewise for GitLab; None when neither
        says (a local path, `git.acme.example`)."""
        if self.forge is not None:
            return self.forge
        hosts = [(address(self.repository) or ("", ""))[0]]
        hosts.append((urlsplit(self.pull_request_api or "").hostname or "").lower())
        for host in hosts:
            for forge in ("github", "gitlab"):
                if forge in host.split("."):
                    return forge
        return None

    def forge_repo(self) -> str | None:
        """The path of the pull request's repository on its forge (`owner/name`,
        `group/sub/project`): configured, or read from the repository's address."""
        if self.pull_request_repo is not None:
            return self.pull_request_repo
        found = _host_and_path(self.repository)
        return found[1] if found else None

    def forge_api(self) -> str:
        """The API `pull_request` talks to (see `pull_request_api`)."""
        if self.pull_request_api is not None:
            return self.pull_request_api
        host = (address(self.repository) or ("", ""))[0]
        if self.forge_kind() == "gitlab":
            return f"https://{host}"
        return "https://api.github.com" if host in ("", "github.com") else f"https://{host}/api/v3"

    def anchored(self, anchor: Callable[[Path], Path]) -> Self:
        """Local paths (the repository, the key file) made absolute by the configuration's
        rule (`syncer.config`: relative to the config file)."""
        update: dict[str, object] = {}
        if transport(self.repository) == "local" and "://" not in self.repository:
            update["repository"] = str(anchor(Path(self.repository)))
        if self.ssh_key_file is not None:
            update["ssh_key_file"] = anchor(self.ssh_key_file)
        return self.model_copy(update=update)


_NAMES: dict[Forge, str] = {"github": "GitHub", "gitlab": "GitLab"}
