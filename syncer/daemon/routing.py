"""Which registers a webhook delivery wakes.

A delivery wakes a register when one of its targets is the tracker and project the delivery is
about, and the issue is one syncer manages there: linked to an item, or carrying the target's
sync label (an issue a person just labelled, for syncer to adopt). Anything else is ignored, so
traffic about the rest of a busy repository costs no cycle.

A push wakes the registers kept in git on that repository's pushed branch (below, `_kept_on`):
the cycle fetches it and reads the register afresh, so a person's edit to the file is taken
in without waiting for the schedule.

Waking too much costs one cycle that finds nothing to do; waking too little delays a change
until the schedule. Where a delivery cannot tell two targets apart (two GitHub hosts with the
same `owner/name`), both are woken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from syncer.config import RegisterConfig, TargetConfig, TrackerKind
from syncer.daemon.webhooks import Delivery, IssueEvent, PushEvent
from syncer.sources.git.config import address
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
        if delivery.push is not None:
            push = delivery.push
            return tuple(
                register.name
                for register in self.registers
                if _kept_on(register, delivery.tracker, push)
            )
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


def _kept_on(register: RegisterConfig, forge: TrackerKind, push: PushEvent) -> bool:
    """The register is kept in git on the branch pushed to, in the repository pushed to: one
    of the payload's clone addresses is the register's repository written any way (https or
    ssh, with or without `.git`, any letter case), or, for an address the payload does not
    list (another ssh host name, a local mirror), the forge that sent it is the register's
    forge and its path (`pull_request_repo` or the repository's) is the pushed project's."""
    git = register.git
    if git is None or git.branch != push.branch:
        return False
    where = address(git.repository)
    if where is not None and any(address(url) == where for url in push.addresses):
        return True
    path = git.forge_repo()
    return (
        git.forge_kind() == forge
        and path is not None
        and path.casefold() == push.project.casefold()
    )
