"""`advanced_links`: bases move only for what both sides now hold, so a write that failed is
seen again next cycle, and an idle cycle leaves every stored link as it was."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import Any

from syncer.model import Priority, RemoteIssue, Status
from syncer.register import Register
from syncer.state.records import LinkRecord
from syncer.sync.bases import Written, advanced_links
from syncer.sync.identity import Target
from syncer.sync.merge import Policy
from syncer.sync.operations import UpdateIssue
from syncer.sync.options import PlanOptions
from syncer.sync.planned import Plan
from tests.sync.build import LATER, issue, md_link, planned, register, synced, target

TEXT = f"""
# Debt

## Flaky login test
**Status**: Todo
**Priority**: High
**Tracked in**: {md_link("gitlab", "1")}, {md_link("github", "8")}

Fails one run in ten.
"""
BEFORE = register(TEXT)
KEY = "flaky-login-test"
ON_GITLAB = issue("1", "Flaky login test", kind="gitlab", body="Fails one run in ten.",
                  priority=Priority.HIGH)  # fmt: skip
ON_GITHUB = issue("8", "Flaky login test", body="Fails one run in ten.", priority=Priority.HIGH)
GITLAB = synced(target("gitlab"), BEFORE, ON_GITLAB)
GITHUB = synced(target("github"), BEFORE, ON_GITHUB)


def edited(old: str, new: str, text: str = TEXT) -> Register:
    assert old in text
    return register(text.replace(old, new))


def after_a_write(found: RemoteIssue, **change: Any) -> RemoteIssue:
    """The issue as a tracker answers a write: changed, with a new version."""
    return replace(found, updated_at=LATER, **change)


def advanced(
    final: Register,
    the_plan: Plan,
    targets: Iterable[Target],
    *,
    issues: Iterable[RemoteIssue] = (),
    pushed: Collection[tuple[str, str, str]] = (),
    register_written: bool = True,
) -> dict[str, LinkRecord]:
    """The links `advanced_links` saves after a cycle that left `final` and these issues,
    by target name."""
    views = {to.name: to for to in targets}
    latest = {(to.name, found.ref): found for to in views.values() for found in to.changed.values()}
    latest.update(((found.tracker, found.ref), found) for found in issues)
    records = [record for to in views.values() for record in to.links]
    written = Written(latest, set(pushed), register_written)
    return {rec.target: rec for rec in advanced_links(records, final, the_plan, views, written)}


def reads(to: Target, now: RemoteIssue) -> Target:
    return replace(to, changed={now.ref: now})


def test_an_idle_cycle_changes_no_link() -> None:
    the_plan = planned(BEFORE, GITLAB, GITHUB)

    assert advanced(BEFORE, the_plan, [GITLAB, GITHUB]) == {}


def test_bases_advance_for_a_field_whose_push_succeeded() -> None:
    reg = edited("**Status**: Todo", "**Status**: In Progress")
    the_plan = planned(reg, GITLAB)
    answer = after_a_write(ON_GITLAB, status=Status.IN_PROGRESS)

    saved = advanced(reg, the_plan, [GITLAB], issues=[answer], pushed=[("gitlab", "1", "status")])

    assert saved["gitlab"].base_register["status"] == "in_progress"
    assert saved["gitlab"].base_tracker["status"] == "in_progress"
    assert saved["gitlab"].tracker_version == answer.version


def test_a_failed_push_keeps_the_old_bases_so_the_next_cycle_pushes_again() -> None:
    reg = edited("**Status**: Todo", "**Status**: In Progress")
    the_plan = planned(reg, GITLAB)

    saved = advanced(reg, the_plan, [GITLAB])

    assert saved == {}
    again = planned(reg, GITLAB)
    assert again.operations == the_plan.operations


def test_a_value_pulled_into_the_register_advances_both_bases_once_written() -> None:
    now = replace(ON_GITLAB, priority=Priority.LOW)
    the_plan = planned(BEFORE, reads(GITLAB, now))
    final = edited("**Priority**: High", "**Priority**: Low")

    saved = advanced(final, the_plan, [reads(GITLAB, now)])

    assert saved["gitlab"].base_register["priority"] == "low"
    assert saved["gitlab"].base_tracker["priority"] == "low"


def test_a_register_write_that_did_not_happen_keeps_the_bases_of_the_values_it_carried() -> None:
    """A person saved the file mid-cycle: what was pulled is pulled again next cycle, and the
    push made in the same cycle is not lost."""
    reg = edited("**Status**: Todo", "**Status**: In Progress")
    now = replace(ON_GITLAB, priority=Priority.LOW)
    the_plan = planned(reg, reads(GITLAB, now))
    answer = after_a_write(now, status=Status.IN_PROGRESS)

    saved = advanced(
        reg, the_plan, [reads(GITLAB, now)], issues=[answer],
        pushed=[("gitlab", "1", "status")], register_written=False,
    )  # fmt: skip

    assert saved["gitlab"].base_register["priority"] == "high"
    assert saved["gitlab"].base_tracker["priority"] == "high"
    assert saved["gitlab"].base_register["status"] == "in_progress"


def test_a_conflict_left_open_keeps_the_bases() -> None:
    reg = edited("## Flaky login test", "## Flaky login test in CI")
    now = replace(ON_GITLAB, title="Flaky auth test")
    the_plan = planned(reg, reads(GITLAB, now), options=PlanOptions(policy=Policy.MANUAL))

    saved = advanced(reg, the_plan, [reads(GITLAB, now)])

    assert saved["gitlab"].base_register["title"] == "Flaky login test"
    assert saved["gitlab"].base_tracker["title"] == "Flaky login test"


def relayed_with_the_register_write_skipped() -> tuple[Plan, dict[str, LinkRecord]]:
    """A title pulled from GitLab and pushed to GitHub, while the register write was skipped."""
    now = replace(ON_GITLAB, title="Flaky auth test")
    the_plan = planned(BEFORE, reads(GITLAB, now), GITHUB)
    answer = after_a_write(ON_GITHUB, title="Flaky auth test")
    saved = advanced(
        BEFORE, the_plan, [reads(GITLAB, now), GITHUB], issues=[answer],
        pushed=[("github", "8", "title")], register_written=False,
    )  # fmt: skip
    return the_plan, saved


def test_a_relay_whose_register_write_was_skipped_is_unsettled_on_the_tracker_it_reached() -> None:
    _, saved = relayed_with_the_register_write_skipped()

    assert saved["github"].unsettled == {"title"}
    assert saved["github"].base_tracker["title"] == "Flaky auth test"
    assert saved["github"].base_register["title"] == "Flaky login test"
    assert "gitlab" not in saved


def test_a_relay_the_first_tracker_takes_back_is_undone_on_the_second() -> None:
    _, saved = relayed_with_the_register_write_skipped()
    github = target("github", [replace(ON_GITHUB, title="Flaky auth test")], [saved["github"]])

    the_plan = planned(BEFORE, GITLAB, github)

    assert the_plan.operations == (UpdateIssue("github", "8", KEY, {"title": "Flaky login test"}),)


def test_an_unsettled_field_settles_once_the_register_agrees() -> None:
    _, saved = relayed_with_the_register_write_skipped()
    reg = edited("## Flaky login test", "## Flaky auth test")
    gitlab = reads(GITLAB, replace(ON_GITLAB, title="Flaky auth test"))
    github = target("github", [replace(ON_GITHUB, title="Flaky auth test")], [saved["github"]])
    the_plan = planned(reg, gitlab, github)

    settled = advanced(reg, the_plan, [gitlab, github])

    assert settled["github"].unsettled == frozenset()
    assert settled["github"].base_register["title"] == "Flaky auth test"


def test_item_key_and_in_file_follow_the_file() -> None:
    """An item renamed before its link reached the file: once written in, the link is known
    to have been in the file, under the item's new key."""
    reg = edited("## Flaky login test", "## Flaky login tests")
    fresh = replace(GITLAB.links[0], in_file=False, item_key="old-key")
    gitlab = replace(GITLAB, links=[fresh])

    saved = advanced(reg, planned(reg, gitlab), [gitlab])

    assert (saved["gitlab"].item_key, saved["gitlab"].in_file) == ("flaky-login-tests", True)


def test_a_link_whose_text_is_not_in_the_file_stays_as_it_is() -> None:
    reg = edited(f"**Tracked in**: {md_link('gitlab', '1')}, ", "**Tracked in**: ")
    the_plan = planned(reg, GITLAB)

    assert advanced(reg, the_plan, [GITLAB]) == {}
