"""A state database syncer cannot write is one line saying so, for every command: never a
traceback, never "corrupt database" for what is a permission or path problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app


def config_with_state(tmp_path: Path, state: str) -> Path:
    (tmp_path / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
    config = tmp_path / "syncer.toml"
    config.write_text(
        f'state = "{state}"\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n', "utf-8"
    )
    return config


@pytest.mark.parametrize("command", ["reconcile", "status", "conflicts"])
def test_a_state_folder_that_is_a_file_is_one_line(tmp_path: Path, command: str) -> None:
    config = config_with_state(tmp_path, "TECH_DEBT.md/state.sqlite")
    result = CliRunner().invoke(app, [command, "--config", str(config)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'TECH_DEBT.md' / 'state.sqlite'}: cannot write the state folder "
        f"{tmp_path / 'TECH_DEBT.md'} (a file, not a folder); syncer must be able to create "
        "and write its state database there"
    )
