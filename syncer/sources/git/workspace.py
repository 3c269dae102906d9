"""Where registers' repositories live on this machine, and building a register's source.

One bare repository per git register, in `<state>.repos/<register>.git` beside the state
database (as its locks live in `<state>.locks`): state, like the database, that a lost folder
only costs a fresh fetch. A repository whose register left the configuration is deleted the
next time syncer starts with it; only folders syncer made (they hold its marker file) are.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from syncer.config import ConfigError
from syncer.log import secret
from syncer.sources.git.commands import Credentials, Git, origin_of
from syncer.sources.git.config import (
    GitSourceConfig,
    display_url,
    repositories_folder,
    transport,
)
from syncer.sources.git.repository import MARKER, Repository
from syncer.sources.git.source import GitSource, Propose


def git_source(
    name: str,
    config: GitSourceConfig,
    state: Path,
    env: Mapping[str, str] | None = None,
) -> GitSource:
    """The register's source, its token read now (a missing one is a `ConfigError`)."""
    token = ""
    if config.token_env is not None:
        token = secret((os.environ if env is None else env).get(config.token_env, "").strip())
        if not token:
            raise ConfigError(
                f"register {name}: environment variable {config.token_env} is not set or empty"
            )
    credentials = Credentials(
        origin_of(config.repository) if transport(config.repository) == "https" else "",
        config.token_username,
        token if transport(config.repository) == "https" else "",
        config.ssh_key_file,
    )
    folder = repositories_folder(state) / f"{name}.git"
    git = Git(folder, display_url(config.repository), credentials)
    propose = _proposals(config, token) if config.pull_request else None
    return GitSource(name, config, Repository(git, config.repository), propose=propose)


def _proposals(config: GitSourceConfig, token: str) -> Propose:
    """The forge's pull (GitHub) or merge (GitLab) requests; its client library is imported for
    this mode only."""
    forge = config.forge_repo()
    assert forge is not None  # the configuration refuses pull_request without one
    if config.forge_kind() == "gitlab":
        from syncer.sources.git.merge_requests import gitlab_merge_requests

        return gitlab_merge_requests(config.forge_api(), forge, token)
    from syncer.sources.git.pulls import github_pulls

    return github_pulls(config.forge_api(), forge, token)


def prune_repositories(state: Path, keep: Iterable[str]) -> list[str]:
    """Delete the repositories of registers no longer configured as git registers; their
    names."""
    folder = repositories_folder(state)
    if not folder.is_dir():
        return []
    wanted = {f"{name}.git" for name in keep}
    gone = [
        path for path in folder.iterdir() if path.name not in wanted and (path / MARKER).is_file()
    ]
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    return [path.name.removesuffix(".git") for path in gone]
