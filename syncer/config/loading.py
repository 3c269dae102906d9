"""Finding and reading the configuration file, merging the environment over it, and turning every
problem into one `ConfigError` (`describe`)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource

from syncer.config.errors import ConfigError
from syncer.config.settings import ENV_PREFIX, ConfigSource, Settings
from syncer.config.values import CONFIG_FOLDER

DEFAULT_CONFIG = Path("syncer.toml")
CONFIG_ENV = "SYNCER_CONFIG"


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of `os.environ`
    (tests, and callers that pass the environment explicitly)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {
            (key if self.case_sensitive else key.lower()): value
            for key, value in self._env.items()
            if not (self.env_ignore_empty and value == "")
        }


def user_config_file(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/syncer/syncer.toml`, by default `~/.config/syncer/syncer.toml`."""
    base = env.get("XDG_CONFIG_HOME", "").strip()
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return folder / "syncer" / DEFAULT_CONFIG.name


def find_config(path: Path | None, env: Mapping[str, str]) -> ConfigSource:
    """The file to read, as tools people know look for theirs: the path given, else
    `$SYNCER_CONFIG`, else `./syncer.toml`, else the user config folder (XDG). A path given
    or named by the variable must exist; the two defaults are taken only where they do."""
    if path is not None:
        return ConfigSource(path, "--config")
    configured = env.get(CONFIG_ENV, "")
    if configured:
        return ConfigSource(Path(configured), f"${CONFIG_ENV}")
    if DEFAULT_CONFIG.is_file():
        return ConfigSource(DEFAULT_CONFIG, "./syncer.toml")
    user = user_config_file(env)
    if user.is_file():
        return ConfigSource(user, "user config folder")
    raise ConfigError(
        f"no config file: looked for ./{DEFAULT_CONFIG} and {user}"
        f" (pass --config or set {CONFIG_ENV})"
    )


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the configuration found by `find_config`; `Settings.source` says which it was.

    `SYNCER_*` variables of `env` (default `os.environ`) override the file's top-level values.
    Every problem found is reported in one `ConfigError`.
    """
    env = os.environ if env is None else env
    source = find_config(path, env)
    path = source.path
    note = f" (from {CONFIG_ENV})" if source.found_by.startswith("$") else ""
    data = _read_toml(path, note)
    hidden = [key for key in data if key.startswith("_")]
    if hidden:  # BaseSettings would take `_secrets_dir`, `_env_file`... as its own arguments
        raise ConfigError("\n".join(f"{path}: {key}: unknown key" for key in hidden))
    for key in env:
        upper = key.upper()
        if upper == f"{ENV_PREFIX}REGISTERS" or upper.startswith(f"{ENV_PREFIX}REGISTERS__"):
            raise ConfigError(f"{key} (environment): registers can only be set in {path}")
    env_values = _MappingEnvSource(Settings, env)()
    env_vars = {name: f"{ENV_PREFIX}{name.upper()}" for name in env_values}
    try:
        with _anchored(path.absolute().parent):
            settings = Settings(**{**data, **env_values})
    except ValidationError as exc:
        from syncer.config.describe import describe  # a file that loads never needs it

        raise ConfigError(describe(exc, str(path), env_vars)) from None
    settings._source = source
    return settings


@contextmanager
def _anchored(folder: Path) -> Iterator[None]:
    token = CONFIG_FOLDER.set(folder)
    try:
        yield
    finally:
        CONFIG_FOLDER.reset(token)


def _read_toml(path: Path, note: str) -> dict[str, Any]:
    """The file's tables; `note` says where the path came from when the file is missing."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found{note}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # Windows editors add a BOM; TOML itself has none
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: TOML files must be UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_error(str(path), text, str(exc))) from None


def _syntax_error(where: str, text: str, message: str) -> str:
    """`file:line:column: invalid TOML: what`, also for errors tomllib places "at end of
    document" (an unclosed bracket), which point just after the last character written."""
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        line, column = int(found[1]), int(found[2])
        message = message[: found.start()]
    else:
        message = re.sub(r"\s*\(at end of document\)$", "", message)
        end = len(text.rstrip())
        line = text.count("\n", 0, end) + 1
        column = end - (text.rfind("\n", 0, end) + 1) + 1
    return f"{where}:{line}:{column}: invalid TOML: {message}"
