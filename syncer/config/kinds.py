"""The kinds of tracker a target may be: one model per kind, told apart by its `kind` key.

Each model lives with its adapter (`syncer/trackers/<kind>/config.py`), so adding a tracker is
its folder and one line in `TargetConfig` (and its name in `TrackerKind`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeAlias, get_args

from pydantic import Field, TypeAdapter

from syncer.config.targets import Target
from syncer.trackers.github.config import GitHubTarget
from syncer.trackers.gitlab.config import GitLabTarget
from syncer.trackers.jira.config import JiraTarget

TargetConfig: TypeAlias = Annotated[
    GitHubTarget | GitLabTarget | JiraTarget,
    Field(discriminator="kind"),
]

_TARGET: TypeAdapter[TargetConfig] = TypeAdapter(TargetConfig)


def parse_target(data: Mapping[str, Any]) -> TargetConfig:
    """One target from its keys, as a `[[registers.targets]]` table holds them (outside a whole
    configuration: tests and tools). Raises pydantic's `ValidationError`."""
    return _TARGET.validate_python(data)


def target_models() -> tuple[type[Target], ...]:
    """Every kind's model, in the order of `TargetConfig`."""
    models: tuple[type[Target], ...] = get_args(get_args(TargetConfig)[0])
    return models
