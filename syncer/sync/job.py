"""What one cycle works on: a register and its connected targets, as the composition root wires
them (`syncer.app`). The engine never reads configuration itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from syncer.register.rules import RegisterRules
from syncer.sources.files import FileSource
from syncer.sync.options import PlanOptions

if TYPE_CHECKING:
    from syncer.model import RemoteIssue
    from syncer.sources.source import RegisterSource
    from syncer.state.records import LinkRecord
    from syncer.sync.identity import Target
    from syncer.sync.values import People, Reading
    from syncer.trackers.base import Tracker


@dataclass(frozen=True)
class TargetSpec:
    name: str
    kind: str
    repo: str
    tracker: Tracker
    field_labels: Mapping[str, str] = field(default_factory=dict)
    due_date_field: str | None = None
    user_map: Mapping[str, str] = field(default_factory=dict)
    """Register name → tracker user id, for assignees (none: assignees are not synced)."""
    sync_label: str = "tech-debt"

    def reading(self, people: People) -> Reading:
        from syncer.sync.values import Reading

        return Reading(self.due_date_field, self.user_map, people, self.field_labels)

    def view(
        self,
        changed: Mapping[str, RemoteIssue],
        links: Sequence[LinkRecord],
        people: People | None = None,
    ) -> Target:
        from syncer.sync.identity import Target
        from syncer.sync.values import People

        reading = self.reading(people or People())
        return Target(
            self.name,
            self.kind,
            self.repo,
            changed,
            links,
            reading,
            self.sync_label,
        )


@dataclass(frozen=True)
class RegisterJob:
    name: str
    path: Path
    targets: Sequence[TargetSpec]
    rules: RegisterRules = field(default_factory=RegisterRules)
    options: PlanOptions = field(default_factory=PlanOptions)
    hidden_links: bool = False
    source: RegisterSource | None = None
    """Where the register is read and written; none: the file at `path`."""
    config_fingerprint: str = ""
    """What the register's cycles depend on in the configuration, hashed (`syncer.app`): the
    idle check runs a full cycle when it is not what the last settled cycle saw."""

    @cached_property
    def register_source(self) -> RegisterSource:
        return self.source if self.source is not None else FileSource(self.path)

    @cached_property
    def people(self) -> People:
        """Every name the targets' user maps know: computed once, read per item and field."""
        from syncer.sync.values import People

        return People.of([target.user_map for target in self.targets])

    def spec(self, name: str) -> TargetSpec:
        return next(t for t in self.targets if t.name == name)
