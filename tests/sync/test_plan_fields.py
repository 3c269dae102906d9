"""`plan()` for linked items: each field merged from the base both sides last agreed on, the
conflict policies, line-wise bodies, and several targets folded in one plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from syncer.model import Priority, RemoteIssue, Status
from syncer.register import Register
from syncer.sync.identity import Target
from syncer.sync.merge import Policy
from syncer.sync.operations import Operation, RecordConflict, UpdateIssue, WriteRegister
from syncer.sync.options import PlanOptions
from syncer.sync.values import People
from tests.sync.build import (
    BETWEEN,
    EARLIER,
    LATER,
    issue,
    md_link,
    planned,
    register,
    synced,
    target,
)

TEXT = f"""
# Debt

## Flaky login test
**Status**: Todo
**Priority**: High
**Owner**: @dana
**Target Date**: 2027-03-01
**Tracked in**: {md_link("gitlab", "1")}, {md_link("github", "8")}

Fails one run in ten.
Seen on CI.
Retries hide it.
"""
BODY = "Fails one run in ten.\nSeen on CI.\nRetries hide it."
USERS = {"@dana": "dana-k", "@kim": "kim.o"}
KEY = "flaky-login-test"
BEFORE = register(TEXT)
ON_GITLAB = issue(
    "1", "Flaky login test", kind="gitlab", body=BODY, priority=Priority.HIGH,
    due=date(2027, 3, 1), assignees=["dana-k"],
)  # fmt: skip
ON_GITHUB = issue("8", "Flaky login test", body=BODY, priority=Priority.HIGH)
GITLAB = synced(target("gitlab", user_map=USERS), BEFORE, ON_GITLAB)
GITHUB = synced(target("github"), BEFORE, ON_GITHUB)


def edited(old: str, new: str) -> Register:
    """The register after a person replaced `old` with `new`."""
    assert old in TEXT
    return register(TEXT.replace(old, new))


def reads(to: Target, now: RemoteIssue) -> Target:
    """`to` reading its linked issue as it is now (its bases stay)."""
    return replace(to, changed={now.ref: now})


REGISTER_EDITS = {
    "title": ("## Flaky login test", "## Flaky login tests", "Flaky login tests"),
    "status": ("**Status**: Todo", "**Status**: In Progress", "in_progress"),
    "priority": ("**Priority**: High", "**Priority**: Low", "low"),
    "due_date": ("2027-03-01", "2027-04-15", "2027-04-15"),
    "assignees": ("**Owner**: @dana", "**Owner**: @dana, @kim", "@dana, @kim"),
    "body": ("Seen on CI.", "Seen on CI and locally.",
             "Fails one run in ten.\nSeen on CI and locally.\nRetries hide it."),
}  # fmt: skip


def test_nothing_changed_on_either_side_plans_nothing() -> None:
    assert planned(BEFORE, GITLAB, GITHUB).operations == ()


@pytest.mark.parametrize("name", REGISTER_EDITS)
def test_a_field_changed_in_the_register_is_pushed_to_the_tracker(name: str) -> None:
    old, new, value = REGISTER_EDITS[name]
    reg = edited(old, new)

    the_plan = planned(reg, GITLAB)

    key = reg.items[0].key
    assert the_plan.operations == (UpdateIssue("gitlab", "1", key, {name: value}),)


TRACKER_EDITS: dict[str, tuple[dict[str, Any], str]] = {
    "title": ({"title": "Flaky login test on CI"}, "Flaky login test on CI"),
    "status": ({"status": Status.IN_PROGRESS}, "in_progress"),
    "priority": ({"priority": Priority.CRITICAL}, "critical"),
    "due_date": ({"due_date": date(2027, 5, 2)}, "2027-05-02"),
    "assignees": ({"assignees": ("kim.o",)}, "@kim"),
    "body": ({"body": BODY + "\nFixed by retry budget?"}, BODY + "\nFixed by retry budget?"),
}


@pytest.mark.parametrize("name", TRACKER_EDITS)
def test_a_field_changed_in_the_tracker_is_written_to_the_register(name: str) -> None:
    change, value = TRACKER_EDITS[name]

    the_plan = planned(BEFORE, reads(GITLAB, replace(ON_GITLAB, **change)))

    assert the_plan.operations == (WriteRegister(KEY, {name: value}, "gitlab"),)


def test_the_same_change_on_both_sides_is_no_change() -> None:
    reg = edited("**Status**: Todo", "**Status**: In Progress")

    the_plan = planned(reg, reads(GITLAB, replace(ON_GITLAB, status=Status.IN_PROGRESS)))

    assert the_plan.operations == ()


def test_a_body_the_tracker_renders_with_trailing_spaces_and_blank_lines_is_no_change() -> None:
    reformatted = replace(ON_GITLAB, body="\n" + BODY.replace("\n", "   \n") + "\n\n")

    assert planned(BEFORE, reads(GITLAB, reformatted)).operations == ()


def test_a_tracker_assignee_nobody_maps_is_no_change() -> None:
    helped = replace(ON_GITLAB, assignees=("dana-k", "contractor-7"))

    assert planned(BEFORE, reads(GITLAB, helped)).operations == ()


def test_github_which_has_no_due_dates_is_not_sent_one() -> None:
    reg = edited("2027-03-01", "2027-04-15")

    assert planned(reg, GITHUB).operations == ()


def title_conflict(policy: Policy, tracker_updated: datetime = EARLIER) -> tuple[Operation, ...]:
    """The title renamed differently on both sides; the register saved at BETWEEN."""
    reg = edited("## Flaky login test", "## Flaky login test in CI")
    now = replace(ON_GITLAB, title="Flaky login test (auth)", updated_at=tracker_updated)
    options = PlanOptions(policy=policy, register_mtime=BETWEEN)
    return planned(reg, reads(GITLAB, now), options=options).operations


def conflict(key: str, taken: str) -> RecordConflict:
    return RecordConflict(
        "gitlab", "1", key, "title", "Flaky login test", "Flaky login test in CI",
        "Flaky login test (auth)", taken,
    )  # fmt: skip


def test_register_wins_settles_a_conflict_with_the_registers_value() -> None:
    assert title_conflict(Policy.REGISTER_WINS) == (
        conflict("flaky-login-test-in-ci", "register"),
        UpdateIssue("gitlab", "1", "flaky-login-test-in-ci", {"title": "Flaky login test in CI"}),
    )


def test_tracker_wins_settles_a_conflict_with_the_trackers_value() -> None:
    assert title_conflict(Policy.TRACKER_WINS) == (
        conflict("flaky-login-test-in-ci", "tracker"),
        WriteRegister("flaky-login-test-in-ci", {"title": "Flaky login test (auth)"}, "gitlab"),
    )


def test_manual_keeps_a_conflict_open_and_writes_neither_side() -> None:
    assert title_conflict(Policy.MANUAL) == (conflict("flaky-login-test-in-ci", "open"),)


@pytest.mark.parametrize(("updated", "taken"), [(LATER, "tracker"), (EARLIER, "register")])
def test_newest_wins_takes_the_tracker_only_when_it_changed_after_the_register_file(
    updated: datetime, taken: str
) -> None:
    (recorded, _) = title_conflict(Policy.NEWEST_WINS, updated)

    assert recorded == conflict("flaky-login-test-in-ci", taken)


def test_bodies_edited_on_different_lines_are_merged_both_ways() -> None:
    reg = edited("Fails one run in ten.", "Fails one run in five.")
    theirs = replace(ON_GITLAB, body=BODY.replace("Retries hide it.", "Retries hide it often."))
    merged = "Fails one run in five.\nSeen on CI.\nRetries hide it often."

    the_plan = planned(reg, reads(GITLAB, theirs))

    assert the_plan.operations == (
        WriteRegister(KEY, {"body": merged}, "gitlab"),
        UpdateIssue("gitlab", "1", KEY, {"body": merged}),
    )


def test_bodies_edited_on_the_same_line_conflict() -> None:
    reg = edited("Seen on CI.", "Seen on CI and laptops.")
    theirs = replace(ON_GITLAB, body=BODY.replace("Seen on CI.", "Seen on CI nightly."))

    the_plan = planned(reg, reads(GITLAB, theirs))

    assert [(op.field, op.taken) for op in the_plan.of(RecordConflict)] == [("body", "register")]


def test_a_change_pulled_from_the_first_target_is_pushed_to_the_second_in_the_same_plan() -> None:
    the_plan = planned(BEFORE, reads(GITLAB, replace(ON_GITLAB, priority=Priority.LOW)), GITHUB)

    assert the_plan.operations == (
        WriteRegister(KEY, {"priority": "low"}, "gitlab"),
        UpdateIssue("github", "8", KEY, {"priority": "low"}),
    )


def test_a_change_pulled_from_the_second_target_is_pushed_to_the_first_in_the_same_plan() -> None:
    the_plan = planned(BEFORE, GITLAB, reads(GITHUB, replace(ON_GITHUB, status=Status.DONE)))

    assert the_plan.operations == (
        WriteRegister(KEY, {"status": "done"}, "github"),
        UpdateIssue("gitlab", "1", KEY, {"status": "done"}),
    )


def test_unassigning_on_one_tracker_keeps_the_people_only_another_tracker_can_name() -> None:
    reg = edited("**Owner**: @dana", "**Owner**: @dana, @kim")
    people = People.of([{"@dana": "dana-k"}, {"@kim": "kim.o"}])
    gitlab_issue = replace(ON_GITLAB, assignees=("dana-k",))
    github_issue = replace(ON_GITHUB, assignees=("kim.o",))
    gitlab = synced(
        target("gitlab", user_map={"@dana": "dana-k"}, people=people), reg, gitlab_issue
    )
    github = synced(target("github", user_map={"@kim": "kim.o"}, people=people), reg, github_issue)

    the_plan = planned(reg, reads(gitlab, replace(gitlab_issue, assignees=())), github)

    assert the_plan.operations == (WriteRegister(KEY, {"assignees": "@kim"}, "gitlab"),)
