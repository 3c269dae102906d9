"""`syncer init`: what a person sees when pointing syncer at a register, and the draft it writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.config import load_config
from syncer.remote_guess import GuessedTarget, guess_target, shown_remote

runner = CliRunner()
DUTCH = Path(__file__).resolve().parent / "data" / "fixtures" / "dutch-register.md"
"""A register in a language whose status words syncer does not ship: init drafts them."""


def repo_with(folder: Path, remote: str | None) -> Path:
    """A git repository holding the Dutch register (the fake of a user's checkout)."""
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    if remote is not None:
        subprocess.run(["git", "-C", str(folder), "remote", "add", "origin", remote], check=True)
    register = folder / "docs" / "TODO.md"
    register.parent.mkdir()
    register.write_bytes(DUTCH.read_bytes())
    return register


def init(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["init", *args])
    return result.exit_code, result.stdout, result.stderr


def test_init_says_what_it_found_and_why(tmp_path: Path) -> None:
    register = repo_with(tmp_path, "https://github.com/acme/platform.git")
    code, out, _ = init(str(register), "--config", str(tmp_path / "syncer.toml"))
    assert code == 0
    assert f"{register}: 6 items (4 heading, 2 checkbox)" in out
    assert "3  heading with item fields (Status)" in out and "2  top-level checkbox" in out
    assert "1  heading alike its siblings (bold-label fields)" in out
    assert "2  Hoge prioriteit" in out, "sections used, with how many items each"
    assert "1  Klaar → todo  (unknown word: read as todo)" in out


def test_the_draft_loads_once_the_token_is_set_and_reads_with_its_rules(tmp_path: Path) -> None:
    register = repo_with(tmp_path, "git@github.com:acme/platform.git")
    config = tmp_path / "syncer.toml"
    assert init(str(register), "--config", str(config))[0] == 0
    settings = load_config(config, env={})
    drafted = settings.registers[0]
    assert (drafted.name, drafted.path) == ("todo", register)
    assert dict(drafted.rules.status_words) == {"Bezig": "todo", "Openstaand": "todo",
                                                "Klaar": "todo"}  # fmt: skip
    target = drafted.targets[0]
    assert (target.kind, target.repo, target.base_url) == (
        "github", "acme/platform", "https://api.github.com")  # fmt: skip
    assert target.token(env={"GITHUB_TOKEN": "t0ken"}) == "t0ken"
    edited = config.read_text("utf-8").replace('"Klaar" = "todo"', '"Klaar" = "done"')
    config.write_text(edited, "utf-8")
    parsed = runner.invoke(app, ["parse", "--json", "--config", str(config), "--register", "todo"])
    assert parsed.exit_code == 0 and '"status": "done"' in parsed.stdout


def test_init_never_overwrites_a_config(tmp_path: Path) -> None:
    register = repo_with(tmp_path, None)
    config = tmp_path / "syncer.toml"
    config.write_text("# mine\n", "utf-8")
    code, _, err = init(str(register), "--config", str(config))
    assert code == 2 and err.count("\n") == 1 and "already exists" in err
    assert config.read_text("utf-8") == "# mine\n"


def test_without_a_remote_the_draft_says_to_add_a_target_and_still_loads(tmp_path: Path) -> None:
    register = repo_with(tmp_path, None)
    config = tmp_path / "syncer.toml"
    code, out, _ = init(str(register), "--config", str(config))
    assert code == 0 and "add a target" in out
    assert "# No target: no git remote names a GitHub or GitLab project" in config.read_text()
    assert load_config(config, env={}).registers[0].targets == []


def test_a_token_in_the_remote_is_never_printed_or_written(tmp_path: Path) -> None:
    secret = "ghp_" + "a1B2" * 9
    register = repo_with(tmp_path, f"https://x-access-token:{secret}@github.com/acme/platform")
    config = tmp_path / "syncer.toml"
    code, out, err = init(str(register), "--config", str(config))
    assert code == 0
    assert secret not in out + err + config.read_text("utf-8")
    assert "https://github.com/acme/platform" in config.read_text("utf-8")


def test_a_missing_register_is_one_line_error(tmp_path: Path) -> None:
    code, _, err = init(str(tmp_path / "nope.md"), "--config", str(tmp_path / "syncer.toml"))
    assert code == 2 and err == f"error: {tmp_path / 'nope.md'}: no such file\n"
    assert not (tmp_path / "syncer.toml").exists()


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("https://github.com/acme/platform.git", GuessedTarget("github", "acme/platform", "",
                                                               "GITHUB_TOKEN")),
        ("git@github.com:acme/platform.git", GuessedTarget("github", "acme/platform", "",
                                                           "GITHUB_TOKEN")),
        ("ssh://git@ssh.github.com:443/acme/platform.git",
         GuessedTarget("github", "acme/platform", "", "GITHUB_TOKEN")),
        ("https://github.acme.corp/acme/platform", GuessedTarget(
            "github", "acme/platform", "https://github.acme.corp/api/v3", "GITHUB_TOKEN")),
        ("git@gitlab.com:group/sub/project.git", GuessedTarget("gitlab", "group/sub/project", "",
                                                               "GITLAB_TOKEN")),
        ("https://gitlab.example.com/group/project.git", GuessedTarget(
            "gitlab", "group/project", "https://gitlab.example.com", "GITLAB_TOKEN")),
        ("https://bitbucket.org/acme/platform.git", None),
        ("/srv/git/platform.git", None),
        ("https://github.com/acme", None),
    ],
)  # fmt: skip
def test_targets_are_guessed_from_https_and_ssh_remotes(
    remote: str, expected: GuessedTarget | None
) -> None:
    assert guess_target(remote) == expected


def test_a_shown_remote_keeps_no_credentials() -> None:
    assert shown_remote("https://user:pw@gitlab.com/g/p.git") == "https://gitlab.com/g/p.git"
    assert shown_remote("git@github.com:acme/platform.git") == "git@github.com:acme/platform.git"


def test_status_texts_differing_in_emoji_or_case_are_drafted_once(tmp_path: Path) -> None:
    register = tmp_path / "PENDIENTES.md"
    register.write_text(
        "# Schuld\n\n### 1. Cache\n**Status:** (Openstaand)\n\n### 2. Indexen\n"
        "**Status:** openstaand\n\n### 3. Logs\n**Status:** ✅ Klaar\n",
        "utf-8",
    )
    config = tmp_path / "syncer.toml"
    assert init(str(register), "--config", str(config))[0] == 0
    words = load_config(config, env={}).registers[0].rules.status_words
    assert list(words) == ["Openstaand"]


def test_a_register_with_no_items_says_which_rules_would_name_them(tmp_path: Path) -> None:
    register = tmp_path / "TODO.md"
    register.write_text("# Ideeën\n\n### Caching\n**Risico**: hoog\n", "utf-8")
    code, out, _ = init(str(register), "--config", str(tmp_path / "syncer.toml"))
    assert code == 0 and f"{register}: 0 items\n" in out
    assert "item_fields and title_columns" in out
