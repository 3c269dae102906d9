"""How a register's cycles plan (`syncer.sync.plan.plan`), as its configuration says.

Apart from the planner, so that wiring a register's job (`syncer.app`) does not load it: a
cycle that stops at the idle check never plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncer.sync.merge import Policy


@dataclass(frozen=True)
class PlanOptions:
    policy: Policy = Policy.REGISTER_WINS
    new_items_section: str | None = None
    register_url: str = ""
    force: bool = False
    register_mtime: datetime | None = None
