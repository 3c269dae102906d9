"""`source = "git"` in the configuration: what is taken, and one line for what is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import ConfigError, Settings, load_config
from syncer.sources.git.config import GitSourceConfig, address

TARGET = """
[[registers.targets]]
kind = "github"
repo = "acme/platform"
token_env = "GITHUB_TOKEN"
"""


def load(tmp_path: Path, register: str) -> Settings:
    config = tmp_path / "syncer.toml"
    config.write_text(f'[[registers]]\nname = "platform"\n{register}\n{TARGET}', "utf-8")
    return load_config(config, env={})


def refusal(tmp_path: Path, register: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, register)
    return str(caught.value)


def test_a_git_register_with_its_defaults(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        'source = "git"\n[registers.git]\nrepository = "../shared/repo.git"\npath = "TODO.md"',
    )
    git = settings.registers[0].git
    assert git is not None and settings.registers[0].path is None
    assert git.repository == str(tmp_path.parent / "shared" / "repo.git")
    assert (git.branch, git.path, git.author_name) == ("main", "TODO.md", "syncer")
    assert settings.registers[0].location.startswith("TODO.md in ")


def test_a_file_register_is_still_the_default(tmp_path: Path) -> None:
    settings = load(tmp_path, 'path = "TECH_DEBT.md"')
    assert settings.registers[0].source == "file"
    assert settings.registers[0].path == tmp_path / "TECH_DEBT.md"


@pytest.mark.parametrize(
    ("register", "expected"),
    [
        ('source = "git"', 'registers[0].git: required with source = "git"'),
        ('source = "git"\npath = "x.md"\n[registers.git]\nrepository = "r"\npath = "x.md"',
         "registers[0].path: a git register's path goes in its git table"),
        ('path = "x.md"\n[registers.git]\nrepository = "r"\npath = "x.md"',
         'registers[0].source: the git table needs source = "git"'),
        ('source = "git"\n[registers.git]\nrepository = "r"\npath = "../x.md"',
         "registers[0].git.path: must be a path inside the repository"),
        ('source = "git"\n[registers.git]\nrepository = "r"\npath = "x.md"\nbranch = "a..b"',
         "registers[0].git.branch: is not a branch name git accepts"),
        ('source = "git"\n[registers.git]\nrepository = "https://u:hunter22@github.com/a/b"\n'
         'path = "x.md"', "registers[0].git.repository: holds a password or token"),
        ('source = "git"\n[registers.git]\nrepository = "git@github.com:a/b.git"\n'
         'path = "x.md"\ntoken_env = "TOKEN"', "token_env is for https:// repositories"),
        ('source = "git"\n[registers.git]\nrepository = "https://github.com/a/b"\n'
         'path = "x.md"\ntoken_env = "not a name"',
         "registers[0].git.token_env: must be the name of an environment variable"),
        ('source = "git"\n[registers.git]\nrepository = "https://github.com/a/b"\n'
         'path = "x.md"\npull_request = true', "pull_request needs token_env"),
        ('source = "git"\n[registers.git]\nrepository = "/srv/repo.git"\npath = "x.md"\n'
         'pull_request = true\ntoken_env = "T"', 'set forge = "github" or "gitlab"'),
        ('source = "git"\n[registers.git]\nrepository = "/srv/repo.git"\npath = "x.md"\n'
         'pull_request = true\ntoken_env = "T"\nforge = "gitlab"',
         "name the repository on GitLab in pull_request_repo (group/project)"),
        ('source = "git"\n[registers.git]\nrepository = "r"\npath = "x.md"\nforge = "gitea"',
         "registers[0].git.forge: "),
        ('source = "git"\n[registers.git]\nrepository = "r"\npath = "x.md"\nbrnch = "main"',
         "registers[0].git.brnch: unknown key (did you mean branch?)"),
    ],
)  # fmt: skip
def test_what_is_wrong_is_one_line_naming_the_key(
    tmp_path: Path, register: str, expected: str
) -> None:
    message = refusal(tmp_path, register)
    assert expected in message and "\n" not in message, message
    assert "hunter22" not in message


def test_two_registers_on_one_file_of_one_branch_are_refused(tmp_path: Path) -> None:
    git = '[registers.git]\nrepository = "https://github.com/a/b"\npath = "x.md"\n'
    config = tmp_path / "syncer.toml"
    config.write_text(
        f'[[registers]]\nname = "one"\nsource = "git"\n{git}'
        f'[[registers]]\nname = "two"\nsource = "git"\n{git}',
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"registers\[1\]\.git: the same file as registers\[0\]"):
        load_config(config, env={})


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("https://github.com/Acme/Services.git", ("github.com", "acme/services")),
        ("https://github.com/acme/services", ("github.com", "acme/services")),
        ("https://x-access-token@GitHub.com/acme/services/", ("github.com", "acme/services")),
        ("git@github.com:acme/services.git", ("github.com", "acme/services")),
        ("ssh://git@github.com:22/acme/services.git", ("github.com", "acme/services")),
        ("git@gitlab.acme.example:group/sub/web", ("gitlab.acme.example", "group/sub/web")),
        ("/srv/repos/services.git", None),
        ("file:///srv/repos/services.git", None),
    ],
)
def test_every_way_of_writing_a_remote_gives_one_address(
    repository: str, expected: tuple[str, str] | None
) -> None:
    assert address(repository) == expected


@pytest.mark.parametrize(
    ("table", "forge", "repo", "api"),
    [
        ({"repository": "git@github.com:acme/web.git"}, "github", "acme/web",
         "https://api.github.com"),
        ({"repository": "https://github.acme.example/acme/web"}, "github", "acme/web",
         "https://github.acme.example/api/v3"),
        ({"repository": "https://gitlab.com/group/sub/web.git"}, "gitlab", "group/sub/web",
         "https://gitlab.com"),
        ({"repository": "git@git.acme.example:team/web.git", "forge": "gitlab"}, "gitlab",
         "team/web", "https://git.acme.example"),
        ({"repository": "/srv/web.git", "pull_request_repo": "team/web",
          "pull_request_api": "https://gitlab.acme.example"}, "gitlab", "team/web",
         "https://gitlab.acme.example"),
    ],
)  # fmt: skip
def test_the_forge_its_repository_and_api_are_read_from_the_address(
    table: dict[str, str], forge: str, repo: str, api: str
) -> None:
    config = GitSourceConfig(
        path="x.md",
        pull_request=True,
        token_env="T",
        **table,  # type: ignore[arg-type]
    )
    assert (config.forge_kind(), config.forge_repo(), config.forge_api()) == (forge, repo, api)
