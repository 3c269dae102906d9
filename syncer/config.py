"""syncer's configuration: one TOML file, with top-level values overridable from the environment.

The file says what to sync (registers and their tracker targets); the environment says where and
how this process runs (`SYNCER_STATE`, `SYNCER_HTTP_PORT`, ...) and holds the secrets. Secrets
never enter these models: a target names the environment variable or file holding its token, and
`TargetConfig.token()` reads it at the moment it is needed, so no repr, error or log line built
from the configuration can carry one. For the same reason, error messages never quote the values
they refuse, only the key path where they were found.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeAlias, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from syncer import secrets
from syncer.model import Priority, Status
from syncer.redact import looks_like_token
from syncer.register.rules import RegisterRules
from syncer.sources.git.config import GitSourceConfig, display_url
from syncer.state.location import StoreError, parse_location
from syncer.trackers.base import FieldMapping, Mentions, RetryPolicy
from syncer.trackers.pacing import WriteLimits

TrackerKind: TypeAlias = Literal["github", "gitlab", "jira"]
ConflictPolicy: TypeAlias = Literal["register-wins", "tracker-wins", "newest-wins", "manual"]
LinkStyle: TypeAlias = Literal["visible", "hidden"]

ENV_PREFIX = "SYNCER_"
DEFAULT_CONFIG = Path("syncer.toml")
CONFIG_ENV = "SYNCER_CONFIG"
DEFAULT_BASE_URLS: dict[str, str] = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
}
_DEFAULTS = FieldMapping()
_WRITE_LIMITS = WriteLimits()


class ConfigError(Exception):
    """The configuration cannot be used. One problem per line, the most important first; each
    names the file (or environment variable) and the key path. Never carries a secret."""


# --- Schedules -----------------------------------------------------------------------------------

_EVERY = re.compile(r"every\s+(\d+)\s*([smhd])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names for lowest.. in order)
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day_of_week", 0, 7, _WEEKDAYS),
)
_CRON_PART = re.compile(r"(?P<range>\*|(?P<lo>\w+)(?:-(?P<hi>\w+))?)(?:/(?P<step>\d+))?")
_SCHEDULE_HELP = "use 'every N' with s, m, h or d (e.g. 'every 15m') or a 5-field cron expression"


@dataclass(frozen=True)
class Cron:
    """A cron schedule, each field expanded to the values it allows (weekdays: 0 is Sunday).

    Expanded sets, not the text, because schedulers disagree on the text (APScheduler 3 counts
    weekday 0 as Monday): the daemon hands its scheduler `trigger_fields()`.
    """

    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    day_of_week: frozenset[int]

    def trigger_fields(self) -> dict[str, str]:
        """Keyword arguments for APScheduler's `CronTrigger`: explicit lists, weekdays by name."""
        out: dict[str, str] = {}
        for name, lo, hi, _ in _CRON_FIELDS:
            values: frozenset[int] = getattr(self, name)
            full = len(values) == (7 if name == "day_of_week" else hi - lo + 1)
            if full:
                out[name] = "*"
            elif name == "day_of_week":
                out[name] = ",".join(_WEEKDAYS[v] for v in sorted(values))
            else:
                out[name] = ",".join(str(v) for v in sorted(values))
        return out


def parse_schedule(text: str) -> timedelta | Cron:
    """An interval (`every 15m`) or a cron expression (`*/10 7-19 * * mon-fri`).

    Raises ValueError saying what is wrong. Cron's rule that a restricted day-of-month and
    day-of-week mean "either" (not "both") surprises nearly everyone and schedulers implement it
    differently, so restricting both is refused.
    """
    text = text.strip()
    every = _EVERY.fullmatch(text)
    if every:
        count = int(every.group(1))
        if count < 1:
            raise ValueError(f"{text!r}: the interval must be at least 1")
        return timedelta(seconds=count * _UNIT_SECONDS[every.group(2).lower()])
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"{text!r} is not a schedule: {_SCHEDULE_HELP}")
    sets = [_cron_field(part, *spec) for part, spec in zip(parts, _CRON_FIELDS, strict=True)]
    cron = Cron(*sets)
    if len(cron.day) < 31 and len(cron.day_of_week) < 7:
        raise ValueError(
            f"{text!r}: restrict the day of month or the day of week, not both "
            "(cron would run on either, which is rarely what was meant)"
        )
    return cron


def _cron_field(text: str, name: str, lo: int, hi: int, names: tuple[str, ...]) -> frozenset[int]:
    def number(token: str) -> int:
        if token.isdigit():
            value = int(token)
        elif token.lower() in names:
            value = names.index(token.lower()) + lo
        else:
            raise ValueError(f"cron {name} field {text!r}: {token!r} is not a {name} value")
        if not lo <= value <= hi:
            raise ValueError(f"cron {name} field {text!r}: {value} is outside {lo}-{hi}")
        return value

    values: set[int] = set()
    for part in text.split(","):
        match = _CRON_PART.fullmatch(part)
        if match is None:
            raise ValueError(f"cron {name} field {text!r} is not valid")
        if match["range"] == "*":
            start, end = lo, hi
        else:
            start = number(match["lo"])
            end = number(match["hi"]) if match["hi"] else (hi if match["step"] else start)
        step = int(match["step"] or 1)
        if start > end or step < 1:
            raise ValueError(f"cron {name} field {text!r}: {part!r} is an empty range")
        values.update(range(start, end + 1, step))
    if name == "day_of_week" and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return frozenset(values)


def _check_schedule(value: str) -> str:
    parse_schedule(value)
    return value.strip()


Schedule = Annotated[str, AfterValidator(_check_schedule)]


# --- Small value checks --------------------------------------------------------------------------

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_REGISTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_REPO = {
    "github": (re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+"), "owner/name"),
    "gitlab": (re.compile(r"[\w.-]+(/[\w.-]+)+|\d+"), "group/project (or a project id)"),
    "jira": (re.compile(r"[A-Z][A-Z0-9_]*"), "a project key such as PLAT"),
}

# Set while `load_config` builds a `Settings`: the folder relative paths are anchored to. It is a
# context variable because pydantic-settings builds the instance inside `__init__`, which takes
# no validation context.
_FOLDER: ContextVar[Path | None] = ContextVar("syncer_config_folder", default=None)


def _anchor(value: Path) -> Path:
    """Relative paths are relative to the config file's folder, whatever the working directory
    (a daemon's is often `/`); `~` is the user's home, as in a shell."""
    value = value.expanduser()
    folder = _FOLDER.get()
    if folder is None or value.is_absolute():
        return value
    return Path(os.path.normpath(folder / value))  # `../web/TODO.md` shown as the file it is


_PASTED_TOKEN = (
    "holds what looks like a token itself; put the token in an environment variable and name "
    "that variable here"
)


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        if looks_like_token(value):
            raise ValueError(_PASTED_TOKEN)
        raise ValueError(
            "must be the name of an environment variable (A-Z, 0-9 and _), never the secret itself"
        )
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _kinds_text(value: Any) -> Any:
    """A list of tracker kinds from the environment: `jira,gitlab` or JSON `["jira"]`."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("write tracker kinds separated by commas, e.g. jira,gitlab") from None
    return [part.strip() for part in value.split(",") if part.strip()]


ConfigPath = Annotated[Path, AfterValidator(_anchor)]


def _state_location(value: Any) -> Any:
    """A database URL stays text (a `sqlite:///` one becomes its file); anything else is a path."""
    if not isinstance(value, str):
        return value
    try:
        return parse_location(value)
    except StoreError as exc:
        raise ValueError(str(exc)) from None


def _anchor_file(value: Path | str) -> Path | str:
    return _anchor(value) if isinstance(value, Path) else value


StateLocation = Annotated[
    Path | str, BeforeValidator(_state_location), AfterValidator(_anchor_file)
]
TrackerKinds = Annotated[frozenset[TrackerKind], NoDecode, BeforeValidator(_kinds_text)]
PositiveCount = Annotated[int, Field(strict=True, gt=0)]
EnvName = Annotated[str, AfterValidator(_env_name)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Text = Annotated[str, AfterValidator(_nonblank)]


def _problem_at(message: str, *at: str | int) -> PydanticCustomError:
    """A validation error located below the validator's own place (`at` is appended to the key
    path), so a duplicate is reported at `registers[2].name`, not at `registers`."""
    return PydanticCustomError("config", "{message}", {"message": message, "at": at})


def _read_secret(var: str, key: str, what: str, env: Mapping[str, str] | None) -> str:
    """The secret in environment variable `var` (named by the config's `key`).

    A token pasted where its variable's name belongs passes the name check when it is all
    capitals; the "not set" error must not echo it onto a terminal or into CI logs.
    """
    value = (os.environ if env is None else env).get(var, "").strip()
    if not value:
        if looks_like_token(var):
            raise ConfigError(f"{what}: {key} {_PASTED_TOKEN}")
        raise ConfigError(f"{what}: environment variable {var} is not set or empty")
    return value


# --- Models --------------------------------------------------------------------------------------

# Keys that one kind of tracker would silently ignore: refused, like unknown keys, so a setting
# never looks applied when it is not.
_GITHUB_ONLY = frozenset(
    {"writes_per_minute", "writes_per_hour", "seconds_between_writes"}
    | {"creates_per_minute", "creates_per_hour"}
)
_UNUSED_BY: dict[str, frozenset[str]] = {
    "github": frozenset(
        {"email", "jira_flavour", "jira_priorities", "jira_issue_type", "jira_done_statuses"}
        | {"jira_in_progress_statuses", "jira_transitions", "jira_resolution", "due_date_field"}
    ),
    "gitlab": frozenset(
        {"email", "jira_flavour", "jira_priorities", "jira_issue_type", "jira_done_statuses"}
        | {"jira_in_progress_statuses", "jira_transitions", "jira_resolution"}
        | _GITHUB_ONLY
    ),
    "jira": frozenset({"in_progress_label", "priority_labels", "mentions"}) | _GITHUB_ONLY,
}


TOKEN_SOURCES = ("token_env", "token_file", "token_command", "token_keyring")


class KeyringEntry(BaseModel):
    """A password in the system keyring (`keyring set SERVICE USERNAME`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Text
    username: Text


class TargetConfig(BaseModel):
    """One tracker a register syncs with, and how register fields map onto it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    kind: TrackerKind
    repo: str
    base_url: str = Field(default="", validate_default=True)
    token_env: EnvName | None = None
    token_file: ConfigPath | None = None
    token_command: Text | None = None
    token_keyring: KeyringEntry | None = None
    email: str | None = None
    jira_flavour: Literal["server", "cloud"] | None = None
    """None: Jira says (`serverInfo`'s `deploymentType`), whatever its address."""
    sync_label: Text = _DEFAULTS.sync_label
    in_progress_label: Text = _DEFAULTS.in_progress_label
    priority_labels: dict[Priority, Text] = Field(default_factory=dict, validate_default=True)
    field_labels: dict[str, Text] = Field(default_factory=dict)
    jira_priorities: dict[Priority, Text] = Field(default_factory=dict, validate_default=True)
    jira_done_statuses: tuple[Text, ...] = _DEFAULTS.jira_done_statuses
    jira_in_progress_statuses: tuple[Text, ...] = _DEFAULTS.jira_in_progress_statuses
    jira_transitions: dict[Status, tuple[Text, ...]] = Field(
        default_factory=dict, validate_default=True
    )
    jira_issue_type: Text = _DEFAULTS.jira_issue_type
    jira_resolution: Text = _DEFAULTS.jira_resolution
    user_map: dict[str, Text] = Field(default_factory=dict)
    due_date_field: Text | None = "Target Date"
    retry: RetryPolicy = RetryPolicy()
    writes_per_minute: PositiveCount = _WRITE_LIMITS.per_minute
    writes_per_hour: PositiveCount = _WRITE_LIMITS.per_hour
    seconds_between_writes: float = Field(default=_WRITE_LIMITS.seconds_between, ge=0)
    creates_per_minute: PositiveCount = _WRITE_LIMITS.creates_per_minute
    creates_per_hour: PositiveCount = _WRITE_LIMITS.creates_per_hour
    mentions: Mentions = _DEFAULTS.mentions

    @model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        """`name` defaults to `kind:repo`."""
        if not isinstance(data, dict):
            return data
        kind, repo = data.get("kind"), data.get("repo")
        if "name" not in data and isinstance(kind, str) and isinstance(repo, str):
            return {**data, "name": f"{kind}:{repo}"}
        return data

    @field_validator("repo")
    @classmethod
    def _repo_shape(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind in _REPO and not _REPO[kind][0].fullmatch(value):
            raise ValueError(f"a {kind} repo is written {_REPO[kind][1]}")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if value:
            return _http_url(value)
        if kind == "jira":
            raise ValueError("required for jira targets: the address of your Jira")
        return DEFAULT_BASE_URLS.get(str(kind), "")

    @field_validator("priority_labels")
    @classmethod
    def _priority_labels(cls, value: dict[Priority, str]) -> dict[Priority, str]:
        """Given labels replace the default for their priority only: the rest keep theirs."""
        return {**_DEFAULTS.priority_labels, **value}

    @field_validator("jira_priorities")
    @classmethod
    def _jira_priorities(cls, value: dict[Priority, str]) -> dict[Priority, str]:
        return {**_DEFAULTS.jira_priorities, **value}

    @field_validator("jira_transitions")
    @classmethod
    def _jira_transitions(
        cls, value: dict[Status, tuple[str, ...]]
    ) -> dict[Status, tuple[str, ...]]:
        return {**{Status(k): v for k, v in _DEFAULTS.jira_transitions.items()}, **value}

    @field_validator("field_labels")
    @classmethod
    def _field_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for field_name in value:
            if field_name.strip().lower() in ("status", "priority"):
                raise _problem_at(
                    f"{field_name} has its own mapping (labels and Jira settings)", field_name
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        unused = sorted(self.model_fields_set & _UNUSED_BY[self.kind])
        if unused:
            raise _problem_at(f"not used by {self.kind} targets", unused[0])
        given = [key for key in TOKEN_SOURCES if getattr(self, key) is not None]
        if len(given) != 1:
            where = given[1] if len(given) > 1 else "token_env"
            raise _problem_at(f"set exactly one of {', '.join(TOKEN_SOURCES)}", where)
        if self.kind == "jira" and self._surely_cloud() and not self.email:
            raise _problem_at(
                "required for Jira Cloud: its API tokens go with the account's email", "email"
            )
        if self.email is not None and "@" not in self.email:
            raise _problem_at("must be an email address", "email")
        labels = [self.sync_label]
        if self.kind != "jira":
            labels += [self.in_progress_label, *self.priority_labels.values()]
        seen: set[str] = set()
        for label in labels:
            if label.lower() in seen:
                raise _problem_at(
                    f"the label {label!r} has two meanings: sync_label, in_progress_label and "
                    "priority_labels must all differ"
                )
            seen.add(label.lower())
        retry = self.retry
        waits = (retry.backoff_seconds, retry.max_wait_seconds, retry.timeout_seconds)
        if retry.attempts < 1 or min(waits) < 0:
            raise _problem_at("attempts must be at least 1 and times not negative", "retry")
        return self

    def _surely_cloud(self) -> bool:
        """Jira Cloud as configured, or at an address only Cloud has: its API tokens need the
        account's email, which is worth saying before the first request (the flavour itself
        is left to Jira to say: Cloud also lives on custom domains and behind the gateway)."""
        host = urlsplit(self.base_url).hostname or ""
        return self.jira_flavour == "cloud" or host.endswith(".atlassian.net")

    def mapping(self) -> FieldMapping:
        """The adapter's view of this target's labels and Jira vocabulary."""
        return FieldMapping(
            sync_label=self.sync_label,
            in_progress_label=self.in_progress_label,
            mentions=self.mentions,
            priority_labels=dict(self.priority_labels),
            jira_priorities=dict(self.jira_priorities),
            jira_issue_type=self.jira_issue_type,
            jira_resolution=self.jira_resolution,
            jira_done_statuses=self.jira_done_statuses,
            jira_in_progress_statuses=self.jira_in_progress_statuses,
            jira_transitions={
                status.value: names for status, names in self.jira_transitions.items()
            },
        )

    def write_limits(self) -> WriteLimits:
        """How fast the GitHub adapter may write and create (GitHub's limits by default)."""
        return WriteLimits(
            per_minute=self.writes_per_minute,
            per_hour=self.writes_per_hour,
            seconds_between=self.seconds_between_writes,
            creates_per_minute=self.creates_per_minute,
            creates_per_hour=self.creates_per_hour,
        )

    def token(self, env: Mapping[str, str] | None = None) -> str:
        """The token, read now: from the environment (`env`, else `os.environ`), the token
        file, the password command or the system keyring (`syncer.secrets`).

        Read on demand rather than at load so it is never held by the configuration; the error
        names the variable, file, program or keyring entry, never a value.
        """
        what = f"target {self.name}"
        try:
            if self.token_env is not None:
                return _read_secret(self.token_env, "token_env", what, env)
            if self.token_file is not None:
                return secrets.from_file(self.token_file)
            if self.token_command is not None:
                return secrets.from_command(self.token_command)
            if self.token_keyring is not None:
                entry = self.token_keyring
                return secrets.from_keyring(entry.service, entry.username)
        except secrets.SecretError as exc:
            raise ConfigError(f"{what}: {exc}") from None
        raise ConfigError(f"{what}: set one of {', '.join(TOKEN_SOURCES)}")


def _git_source(value: GitSourceConfig) -> GitSourceConfig:
    """The git table under this file's rules: a variable's name, paths from the file's folder."""
    if value.token_env is not None:
        try:
            _env_name(value.token_env)
        except ValueError as exc:
            raise _problem_at(str(exc), "token_env") from None
    return value.anchored(_anchor)


class RegisterConfig(BaseModel):
    """One register file and the trackers it syncs with. `None` overrides mean "the global one"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: Literal["file", "git"] = "file"
    path: ConfigPath | None = None
    """The register file (`source = "file"`); a git register's path is in its `git` table."""
    git: Annotated[GitSourceConfig, AfterValidator(_git_source)] | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    rules: RegisterRules = RegisterRules()
    conflict_policy: ConflictPolicy | None = None
    link_style: LinkStyle | None = None
    schedule: Schedule | None = None
    new_items_section: Text | None = None
    register_url: HttpUrl | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        """Register names appear on the command line, in metrics and in the state store."""
        if not _REGISTER_NAME.fullmatch(value):
            raise ValueError("use letters, digits, '.', '_' and '-' (starting with a letter/digit)")
        return value

    @field_validator("targets")
    @classmethod
    def _unique_targets(cls, value: list[TargetConfig]) -> list[TargetConfig]:
        first: dict[str, int] = {}
        for index, target in enumerate(value):
            if target.name in first:
                raise _problem_at(
                    f"target name {target.name!r} is already used by targets[{first[target.name]}]"
                    " (give each target of one repo its own name)",
                    index,
                    "name",
                )
            first[target.name] = index
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.source == "file" and self.git is not None:
            raise _problem_at('the git table needs source = "git"', "source")
        if self.source == "file" and self.path is None:
            raise _problem_at("required", "path")
        if self.source == "git" and self.git is None:
            raise _problem_at('required with source = "git": add a [registers.git] table', "git")
        if self.source == "git" and self.path is not None:
            raise _problem_at("a git register's path goes in its git table", "path")
        return self

    @property
    def location(self) -> str:
        """Where the register lives, as messages name it (a file, or a path in a repository)."""
        if self.git is not None:
            return f"{self.git.path} in {display_url(self.git.repository)} ({self.git.branch})"
        return str(self.path)


def _one_register_per_label(registers: list[RegisterConfig]) -> None:
    """Two registers syncing one project under one sync label would each read the other's
    issues as their own (adopting them, adding them as items): refused, naming the fix."""
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, register in enumerate(registers):
        for position, target in enumerate(register.targets):
            key = (
                target.kind,
                target.base_url,
                target.repo.casefold(),
                target.sync_label.casefold(),
            )
            if key in seen and seen[key] != index:
                raise _problem_at(
                    f"registers[{seen[key]}] syncs the same {target.kind} project under the same"
                    " sync_label: give each register its own sync_label",
                    index,
                    "targets",
                    position,
                    "sync_label",
                )
            seen.setdefault(key, index)


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
    def source(self) -> ConfigSource | None:
        """The file this configuration was read from, and how it was found (None when built
        in code)."""
        return self._source

    @property
    def state_files(self) -> Path:
        """What syncer's own local files are named after (git registers' clones live in
        `<this>.repos`): the SQLite state itself, or, for a server database, `syncer` beside
        the config file. Clones are caches, so each daemon of a shared database keeps its own."""
        if isinstance(self.state, Path):
            return self.state
        return (self._source.path.parent if self._source else Path.cwd()) / "syncer"

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
        if _FOLDER.get() is not None:
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
                raise _problem_at(
                    f"register name {register.name!r} is already used by "
                    f"registers[{names[register.name]}]",
                    index,
                    "name",
                )
            git = register.git
            where = register.path if git is None else (git.repository, git.branch, git.path)
            if where in paths:
                raise _problem_at(
                    f"the same file as registers[{paths[where]}]: two registers would "
                    "overwrite each other's links",
                    index,
                    "path" if git is None else "git",
                )
            names[register.name] = index
            paths[where] = index
        _one_register_per_label(value)
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
        return None if var is None else _read_secret(var, key, f"{kind} webhooks", env)

    def status_token(self, env: Mapping[str, str] | None = None) -> str | None:
        """The token the status page asks for, read now; `None` when none is configured."""
        var = self.status_token_env
        return None if var is None else _read_secret(var, "status_token_env", "status page", env)


# --- Loading -------------------------------------------------------------------------------------


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
        raise ConfigError(_describe(exc, str(path), env_vars)) from None
    settings._source = source
    return settings


@contextmanager
def _anchored(folder: Path) -> Iterator[None]:
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)


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


_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_MISSING = ("missing", "missing_argument", "missing_keyword_only_argument")
_TABLE_ARRAYS = {"registers": "[[registers]]", "targets": "[[registers.targets]]"}


def _describe(exc: ValidationError, where: str, env_vars: Mapping[str, str]) -> str:
    """One line per problem: unknown keys first, shallowest first (a misspelt key or table is
    usually why another one is "missing"), then bad values, then missing keys. Values themselves
    are never quoted."""
    ranked = [_line(error, where, env_vars) for error in exc.errors(include_input=False)]
    ranked.sort(key=lambda pair: pair[0])
    return "\n".join(line for _, line in ranked)


def _line(
    error: ErrorDetails, where: str, env_vars: Mapping[str, str]
) -> tuple[tuple[int, int], str]:
    ctx = error.get("ctx") or {}
    loc = (*error["loc"], *ctx.get("at", ()))
    kind = error["type"]
    rank = (1, 0)
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        message = "unknown key, " + _message(error)
    elif kind in _UNKNOWN:
        rank = (0, len(loc))
        message = "unknown key"
        known = _keys_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.7)
        if close:
            message += f" (did you mean {close[0]}?)"
    elif kind in _MISSING:
        rank = (2, 0)
        message = "required"
    elif kind == "list_type" and loc and loc[-1] in _TABLE_ARRAYS:
        message = f"must be a list of tables: write {_TABLE_ARRAYS[str(loc[-1])]}"
    else:
        message = _message(error)
    if loc and loc[0] in env_vars:
        return rank, f"{env_vars[str(loc[0])]} (environment): {message}"
    path = _key_path(loc)
    return rank, f"{where}: {path}: {message}" if path else f"{where}: {message}"


def _message(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return "must be one of " + ", ".join(choices)
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _key_path(loc: tuple[Any, ...]) -> str:
    """`registers[0].targets[1].kind`; keys that are not plain names are quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at a key path, found by walking the models' annotations."""
    node: Any = Settings
    for part in loc:
        node = _child(node, part)
    node = _child(node, None)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    if is_dataclass(node):
        return [f.name for f in fields(node)]
    return []


def _child(node: Any, part: str | int | None) -> Any:
    """The type one step below `node` (`part=None`: `node` itself, unwrapped of `X | None`)."""
    origin, args = get_origin(node), get_args(node)
    if origin is Union or origin is types.UnionType:
        node = next(arg for arg in args if arg is not type(None))
        origin, args = get_origin(node), get_args(node)
    if origin is Annotated:  # a model checked by a validator of its own (`git`)
        node = args[0]
        origin, args = get_origin(node), get_args(node)
    if part is None:
        return node
    if origin in (list, tuple) and isinstance(part, int):
        return args[0]
    if origin is dict:
        return args[1]
    if isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
        return node.model_fields[str(part)].annotation
    return None
