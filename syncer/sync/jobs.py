"""From configuration to the jobs `run_cycle` takes: one per register, trackers connected."""

from __future__ import annotations

from collections.abc import Mapping

from syncer.config import RegisterConfig, Settings
from syncer.sync.execute import RegisterJob, TargetSpec
from syncer.sync.merge import Policy
from syncer.sync.plan import PlanOptions
from syncer.trackers.factory import build_tracker


def job_for(
    settings: Settings, register: RegisterConfig, env: Mapping[str, str] | None = None
) -> RegisterJob:
    targets = [
        TargetSpec(
            t.name,
            t.kind,
            t.repo,
            build_tracker(t, env),
            field_labels=dict(t.field_labels),
            due_date_field=None if t.kind == "github" else t.due_date_field,
            user_map=dict(t.user_map),
        )
        for t in register.targets
    ]
    options = PlanOptions(
        policy=Policy(register.conflict_policy or settings.conflict_policy),
        new_items_section=register.new_items_section,
        register_url=str(register.register_url or ""),
    )
    style = register.link_style or settings.link_style
    return RegisterJob(
        register.name,
        register.path,
        targets,
        rules=register.rules,
        options=options,
        hidden_links=style == "hidden",
    )
