"""What every tracker target has, whatever its kind: where it is, whose token, which label marks
the issues syncer owns, field labels, people, retries.

Each kind's model lives with its adapter (`syncer/trackers/<kind>/config.py`): it adds the keys
only that tracker reads, maps them onto the adapter's `FieldMapping` and builds the adapter.
A key of another kind is then simply not a field of the model, so it is refused like any unknown
key (`syncer.config.describe` says whose key it is) and a setting never looks applied when the
tracker would ignore it. Secrets never enter these models: a target names where its token is,
and `token()` reads it when called.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from syncer import secrets
from syncer.config.errors import ConfigError, problem_at, read_secret
from syncer.config.values import ConfigPath, EnvName, Text, TrackerKind, http_url
from syncer.model import Priority
from syncer.trackers.base import FieldMapping, Mentions, RetryPolicy, Tracker

if TYPE_CHECKING:
    from syncer.trackers.http import RequestHook
    from syncer.trackers.pacing import WriteLedger

TOKEN_SOURCES = ("token_env", "token_file", "token_command", "token_keyring")
DEFAULTS = FieldMapping()
"""The adapters' defaults, which a target's keys default to."""


@dataclass(frozen=True)
class Connection:
    """What a target's adapter is connected with besides the target's own keys."""

    token: str = field(repr=False)
    ledgers: Callable[[str], WriteLedger] | None = None
    """Where writes of one kind (`writes`, `creates`) are counted across processes, for a
    tracker that paces its writes."""
    on_request: RequestHook | None = None
    """Hears of every HTTP request the adapter sends (`syncer.trackers.http`)."""


class KeyringEntry(BaseModel):
    """A password in the system keyring (`keyring set SERVICE USERNAME`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Text
    username: Text


class Target(BaseModel, ABC):
    """One tracker a register syncs with: the keys every kind has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    REPO_SHAPE: ClassVar[tuple[re.Pattern[str], str]]
    """How the kind's `repo` is written: the pattern, and the words that say so."""

    name: Text
    kind: TrackerKind
    repo: str
    base_url: str = Field(default="", validate_default=True)
    token_env: EnvName | None = None
    token_file: ConfigPath | None = None
    token_command: Text | None = None
    token_keyring: KeyringEntry | None = None
    sync_label: Text = DEFAULTS.sync_label
    field_labels: dict[str, Text] = Field(default_factory=dict)
    user_map: dict[str, Text] = Field(default_factory=dict)
    retry: RetryPolicy = RetryPolicy()

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
        pattern, written = cls.REPO_SHAPE
        if not pattern.fullmatch(value):
            raise ValueError(f"a {info.data.get('kind')} repo is written {written}")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return http_url(value) if value else cls.default_base_url()

    @field_validator("field_labels")
    @classmethod
    def _field_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for field_name in value:
            if field_name.strip().lower() in ("status", "priority"):
                raise problem_at(
                    f"{field_name} has its own mapping (labels and Jira settings)", field_name
                )
        return value

    @model_validator(mode="after")
    def _one_token_source(self) -> Self:
        given = [key for key in TOKEN_SOURCES if getattr(self, key) is not None]
        if len(given) != 1:
            where = given[1] if len(given) > 1 else "token_env"
            raise problem_at(f"set exactly one of {', '.join(TOKEN_SOURCES)}", where)
        retry = self.retry
        waits = (retry.backoff_seconds, retry.max_wait_seconds, retry.timeout_seconds)
        if retry.attempts < 1 or min(waits) < 0:
            raise problem_at("attempts must be at least 1 and times not negative", "retry")
        return self

    @classmethod
    @abstractmethod
    def default_base_url(cls) -> str:
        """The address when `base_url` is not given (the hosted service's), or a ValueError
        saying why it must be."""

    @abstractmethod
    def mapping(self) -> FieldMapping:
        """The adapter's view of this target's labels and tracker vocabulary."""

    @abstractmethod
    def tracker(self, connection: Connection) -> Tracker:
        """The connected adapter. Its client library is imported here, not with the model, so
        reading a configuration loads no tracker SDK."""

    def synced_due_date_field(self) -> str | None:
        """The register field the tracker's due date syncs with; None where the tracker has
        no due dates."""
        return None

    def token(self, env: Mapping[str, str] | None = None) -> str:
        """The token, read now: from the environment (`env`, else `os.environ`), the token
        file, the password command or the system keyring (`syncer.secrets`).

        Read on demand rather than at load so it is never held by the configuration; the error
        names the variable, file, program or keyring entry, never a value.
        """
        what = f"target {self.name}"
        try:
            if self.token_env is not None:
                return read_secret(self.token_env, "token_env", what, env)
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


class LabelledTarget(Target):
    """A tracker whose status and priority are labels (GitHub, GitLab)."""

    in_progress_label: Text = DEFAULTS.in_progress_label
    priority_labels: dict[Priority, Text] = Field(default_factory=dict, validate_default=True)
    mentions: Mentions = DEFAULTS.mentions

    @field_validator("priority_labels")
    @classmethod
    def _priority_labels(cls, value: dict[Priority, str]) -> dict[Priority, str]:
        """Given labels replace the default for their priority only: the rest keep theirs."""
        return {**DEFAULTS.priority_labels, **value}

    @model_validator(mode="after")
    def _one_meaning_per_label(self) -> Self:
        seen: set[str] = set()
        for label in (self.sync_label, self.in_progress_label, *self.priority_labels.values()):
            if label.lower() in seen:
                raise problem_at(
                    f"the label {label!r} has two meanings: sync_label, in_progress_label and "
                    "priority_labels must all differ"
                )
            seen.add(label.lower())
        return self

    def mapping(self) -> FieldMapping:
        return FieldMapping(
            sync_label=self.sync_label,
            in_progress_label=self.in_progress_label,
            mentions=self.mentions,
            priority_labels=dict(self.priority_labels),
        )


class DatedTarget(Target):
    """A tracker whose issues have a due date (GitLab, Jira)."""

    due_date_field: Text | None = "Target Date"

    def synced_due_date_field(self) -> str | None:
        return self.due_date_field
