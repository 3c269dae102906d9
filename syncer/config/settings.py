"""The whole configuration (`Settings`): registers from the file, how and where this process runs
from the file or `SYNCER_*` environment variables, and the webhook and status page secrets read
on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncer.config.errors import ConfigError, problem_at, read_secret
from syncer.config.registers import RegisterConfig, one_register_per_label
from syncer.config.schedules import Schedule
from syncer.config.values import (
    CONFIG_FOLDER,
    ConflictPolicy,
    EnvName,
    LinkStyle,
    StateLocation,
    Text,
    TrackerKind,
    TrackerKinds,
)

ENV_PREFIX = "SYNCER_"


@dataclass(frozen=True)
class ConfigSource:
    """Which file the configuration came from, and how it was found (for `--verbose` and
    `status`: with four places to look, "which file did it use?" needs an answer)."""

    path: Path
    found_by: str
    """`--config`, `$SYNCER_CONFIG`, `./syncer.toml` or `user config folder`."""


class Settings(BaseSettings):
    """The whole configuration. Top-level values may come from `SYNCER_*` environment variables,
    which override the file; registers come only from the file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
    )

    # A SQLite file, or a server database's URL (`postgresql://user@host:5432/db`).
    state: StateLocation = Field(default=Path("syncer.sqlite"), validate_default=True)
    # Retention of the state's history (`Store.prune`): a month of settled writes and resolved
    # conflicts answers "what did syncer do lately" and keeps the file small; 200 runs is two
    # days of a 15-minute schedule, and `status` needs only the last. A century bounds the date
    # arithmetic; "keep nothing" is not offered, as the last run must always survive.
    state_keep_days: int = Field(default=30, ge=1, le=36_500)
    state_keep_runs: int = Field(default=200, ge=1)
    # How long a run waits for another run of the same register to finish before giving up
    # (exit 5); the daemon's scheduled runs do not wait for another process at all.
    lock_wait_seconds: float = Field(default=60.0, ge=0, le=3600)
    conflict_policy: ConflictPolicy = "register-wins"
    link_style: LinkStyle = "visible"
    schedule: Schedule = "every 15m"
    github_webhook_secret_env: EnvName | None = None
    gitlab_webhook_token_env: EnvName | None = None
    jira_webhook_secret_env: EnvName | None = None
    # Trackers whose webhooks are taken unsigned when no secret is configured for them (Jira
    # Server before 10 cannot sign). A configured secret is always required all the same.
    allow_unsigned_webhooks: TrackerKinds = frozenset()
    _source: ConfigSource | None = PrivateAttr(default=None)

    @property
    def state_files(self) -> Path:
        """What syncer's own local files are named after (git registers' clones live in
        `<this>.repos`): the SQLite state itself, or, for a server database, `syncer` beside
        the config file. Clones are caches, so each daemon of a shared database keeps its own."""
        if isinstance(self.state, Path):
            return self.state
        return (self._source.path.parent if self._source else Path.cwd()) / "syncer"

    @property
    def source(self) -> ConfigSource | None:
        """The file this configuration was read from, and how it was found (None when built
        in code)."""
        return self._source

    # A burst of deliveries about one register makes one cycle, this long after the last.
    webhook_debounce_seconds: float = Field(default=2.0, gt=0, le=300)
    http_host: Text = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # The token the status page asks for (docs/daemon.md): without one, the page is served on a
    # loopback address only.
    status_token_env: EnvName | None = None
    log_format: Literal["json", "console"] = "console"
    registers: list[RegisterConfig]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """`load_config` merges the environment it was given itself, so while it builds, nothing
        else is read (no `os.environ`, no `.env`); built directly, keyword arguments win over
        `SYNCER_*` variables, as usual with pydantic-settings."""
        if CONFIG_FOLDER.get() is not None:
            return (init_settings,)
        return init_settings, env_settings

    @field_validator("registers")
    @classmethod
    def _unique_registers(cls, value: list[RegisterConfig]) -> list[RegisterConfig]:
        if not value:
            raise ValueError("at least one register is required: add a [[registers]] table")
        names: dict[str, int] = {}
        paths: dict[object, int] = {}
        for index, register in enumerate(value):
            if register.name in names:
                raise problem_at(
                    f"register name {register.name!r} is already used by "
                    f"registers[{names[register.name]}]",
                    index,
                    "name",
                )
            git = register.git
            where = register.path if git is None else (git.repository, git.branch, git.path)
            if where in paths:
                raise problem_at(
                    f"the same file as registers[{paths[where]}]: two registers would "
                    "overwrite each other's links",
                    index,
                    "path" if git is None else "git",
                )
            names[register.name] = index
            paths[where] = index
        one_register_per_label(value)
        return value

    def register(self, name: str) -> RegisterConfig:
        """The register called `name`; a `ConfigError` listing the known ones otherwise."""
        for register in self.registers:
            if register.name == name:
                return register
        known = ", ".join(r.name for r in self.registers)
        raise ConfigError(f"no register named {name!r} (configured: {known})")

    def webhook_secret(self, kind: TrackerKind, env: Mapping[str, str] | None = None) -> str | None:
        """The secret (GitHub, Jira) or token (GitLab) webhooks of `kind` must carry, read now;
        `None` when none is configured, which means webhooks of that kind are not accepted."""
        key = {
            "github": "github_webhook_secret_env",
            "gitlab": "gitlab_webhook_token_env",
            "jira": "jira_webhook_secret_env",
        }[kind]
        var: str | None = getattr(self, key)
        return None if var is None else read_secret(var, key, f"{kind} webhooks", env)

    def status_token(self, env: Mapping[str, str] | None = None) -> str | None:
        """The token the status page asks for, read now; `None` when none is configured."""
        var = self.status_token_env
        return None if var is None else read_secret(var, "status_token_env", "status page", env)
