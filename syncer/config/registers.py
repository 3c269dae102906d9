"""A register: one Markdown file (or a file in a git repository) and the tracker targets it
syncs with, with the overrides of the global settings it may carry."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from syncer.config.errors import problem_at
from syncer.config.kinds import TargetConfig
from syncer.config.schedules import Schedule
from syncer.config.values import (
    ConfigPath,
    ConflictPolicy,
    HttpUrl,
    LinkStyle,
    Text,
    anchor,
    env_name,
)
from syncer.register.rules import RegisterRules
from syncer.sources.git.config import GitSourceConfig, display_url

_REGISTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _git_source(value: GitSourceConfig) -> GitSourceConfig:
    """The git table under this file's rules: a variable's name, paths from the file's folder."""
    if value.token_env is not None:
        try:
            env_name(value.token_env)
        except ValueError as exc:
            raise problem_at(str(exc), "token_env") from None
    return value.anchored(anchor)


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
                raise problem_at(
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
            raise problem_at('the git table needs source = "git"', "source")
        if self.source == "file" and self.path is None:
            raise problem_at("required", "path")
        if self.source == "git" and self.git is None:
            raise problem_at('required with source = "git": add a [registers.git] table', "git")
        if self.source == "git" and self.path is not None:
            raise problem_at("a git register's path goes in its git table", "path")
        return self

    @property
    def location(self) -> str:
        """Where the register lives, as messages name it (a file, or a path in a repository)."""
        if self.git is not None:
            return f"{self.git.path} in {display_url(self.git.repository)} ({self.git.branch})"
        return str(self.path)


def one_register_per_label(registers: list[RegisterConfig]) -> None:
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
                raise problem_at(
                    f"registers[{seen[key]}] syncs the same {target.kind} project under the same"
                    " sync_label: give each register its own sync_label",
                    index,
                    "targets",
                    position,
                    "sync_label",
                )
            seen.setdefault(key, index)
