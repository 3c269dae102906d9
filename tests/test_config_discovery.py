"""Where `syncer` finds its config, as tools people know find theirs: `--config`, then
`$SYNCER_CONFIG`, then `./syncer.toml`, then the user config folder; and it says which."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.config import ConfigError, find_config, load_config

MINIMAL = '[[registers]]\nname = "{name}"\npath = "TECH_DEBT.md"\n'


def write(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] One\n", "utf-8")
    path = folder / "syncer.toml"
    path.write_text(MINIMAL.format(name=name), "utf-8")
    return path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A working folder with ./syncer.toml, a user config folder, and two other files."""
    work = tmp_path / "work"
    monkeypatch.chdir(write(work, "here").parent)
    return {
        "here": work / "syncer.toml",
        "user": write(tmp_path / "xdg" / "syncer", "user"),
        "given": write(tmp_path / "given", "given"),
        "env": write(tmp_path / "env", "env"),
    }


def env_for(places: dict[str, Path], **extra: str) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(places["user"].parent.parent), **extra}


def names(path: Path | None, env: dict[str, str]) -> tuple[str, str]:
    settings = load_config(path, env)
    assert settings.source is not None
    return settings.registers[0].name, settings.source.found_by


def test_each_place_in_order(places: dict[str, Path]) -> None:
    env = env_for(places, SYNCER_CONFIG=str(places["env"]))
    assert names(places["given"], env) == ("given", "--config")
    assert names(None, env) == ("env", "$SYNCER_CONFIG")
    assert names(None, env_for(places)) == ("here", "./syncer.toml")
    places["here"].unlink()
    assert names(None, env_for(places)) == ("user", "user config folder")


def test_nothing_found_names_every_place_looked(places: dict[str, Path], tmp_path: Path) -> None:
    places["here"].unlink()
    with pytest.raises(ConfigError) as refused:
        find_config(None, {"XDG_CONFIG_HOME": str(tmp_path / "empty")})
    message = str(refused.value)
    assert "./syncer.toml" in message and str(tmp_path / "empty" / "syncer") in message
    assert "\n" not in message


def test_verbose_and_status_say_which_file(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    places["here"].unlink()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(places["user"].parent.parent))
    monkeypatch.delenv("SYNCER_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["-v", "status"])
    assert result.exit_code == 0, result.output
    said = f"config: {places['user']} (found by user config folder)"
    assert said in result.stderr
    assert said in result.stdout, "status names the file even without -v"
