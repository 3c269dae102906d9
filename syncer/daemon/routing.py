"""Which registers a webhook delivery wakes.

A delivery wakes a register when one of its targets is the tracker and project the delivery is
about, and the issue is one syncer manages there: linked to an item, or carrying the target's
sync label (an issue a person just labelled, for syncer to adopt). Anything else is ignored, so
traffic about the rest of a busy repository costs no cycle.

Waking too much costs one cycle that finds nothing to do; waking too little delays a change
until the schedule. Where a delivery cannot tell two targets apart (two GitHub hosts with the
same `owner/name`), both are woken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from syncer.config import RegisterConfig, TargetConfig
from syncer.daemon.webhooks import Delivery, IssueEvent
from syncer.state.records import LinkRecord

LinkFinder = Callable[[str, str, str], LinkRecord | None]
"""`(register, target name, ref) -> LinkRecord | None`: the store's `Store.link_for_ref`."""


@dataclass(frozen=True)
class Router:
    """Routes deliveries over the configured registers (`Settings.registers`).

    `find_link` may block (a database read): call `registers_for` off the event loop.
    """

    registers: Sequence[RegisterConfig]
    find_link: LinkFinder

    def registers_for(self, delivery: Delivery) -> tuple[str, ...]:
        """The names of the registers to wake, in configuration order; () to ignore it."""
        issue = delivery.issue
        if issue is None:
            return ()
        return tuple(
            register.name
            for register in self.registers
            if any(
                self._manages(register, target, issue)
                for target in register.targets
                if target.kind == delivery.tracker and _same_project(target, issue)
            )
        )

    def _manages(self, register: RegisterConfig, target: TargetConfig, issue: IssueEvent) -> bool:
        label = target.sync_label.casefold()
        if any(name.casefold() == label for name in issue.labels):
            return True
        return self.find_link(register.name, target.name, issue.ref) is not None


def _same_project(target: TargetConfig, issue: IssueEvent) -> bool:
    """GitHub `owner/name` and GitLab paths ignore letter case, as both trackers do; a GitLab
    target may name its project by id instead. Jira keys are upper case by definition."""
    if target.kind == "gitlab" and target.repo.isdigit():
        return target.repo == issue.project_id
    return target.repo.casefold() == issue.project.casefold()
