"""A token pasted where the name of its environment variable belongs is never echoed back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.config import ConfigError, load_config

PASTED = "Q2FLS8XW0PZ3MN7RT5YVK4JD"
"""All capitals and digits: passes for the name of an environment variable."""


def _config_with(tmp_path: Path, token_env: str, extra: str = "") -> Path:
    (tmp_path / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
    config = tmp_path / "syncer.toml"
    config.write_text(
        f'{extra}\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n'
        f'targets = [{{kind = "github", repo = "o/r", token_env = "{token_env}"}}]\n',
        "utf-8",
    )
    return config


def test_reconcile_does_not_echo_a_token_pasted_into_token_env(tmp_path: Path) -> None:
    config = _config_with(tmp_path, PASTED)
    result = CliRunner().invoke(app, ["reconcile", "--config", str(config)], env={})
    assert result.exit_code == 2
    assert PASTED not in result.stdout + result.stderr
    assert "token_env holds what looks like a token itself" in result.stderr
    assert "name that variable here" in result.stderr


def test_load_config_reads_no_pasted_token_aloud(tmp_path: Path) -> None:
    secret = f'github_webhook_secret_env = "{PASTED}"'
    settings = load_config(_config_with(tmp_path, PASTED, secret), env={})
    with pytest.raises(ConfigError) as target_error:
        settings.registers[0].targets[0].token(env={})
    with pytest.raises(ConfigError) as webhook_error:
        settings.webhook_secret("github", env={})
    for error in (target_error, webhook_error):
        assert PASTED not in str(error.value) and "looks like a token itself" in str(error.value)
    assert "github_webhook_secret_env holds" in str(webhook_error.value)


def test_a_pasted_token_that_is_no_name_at_all_is_called_a_token(tmp_path: Path) -> None:
    token = "ghp_" + "a1B2c3D4" * 5
    with pytest.raises(ConfigError) as error:
        load_config(_config_with(tmp_path, token), env={})
    assert token not in str(error.value) and "looks like a token itself" in str(error.value)


def test_a_variable_name_is_still_quoted_when_unset(tmp_path: Path) -> None:
    settings = load_config(_config_with(tmp_path, "GITHUB_TOKEN"), env={})
    with pytest.raises(ConfigError, match="environment variable GITHUB_TOKEN is not set"):
        settings.registers[0].targets[0].token(env={})
