"""The register's new text after a cycle (`register_edits`, `link_added_items`): values pulled
from trackers, links made this cycle, links of deleted issues, items added from trackers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from syncer.model import Status
from syncer.register import NewItem, Register, RegisterRules, parse
from syncer.sync.operations import AddItem, InsertLink, Operation, WriteRegister
from syncer.sync.planned import Plan
from syncer.sync.register_edits import (
    Added,
    Edited,
    Gone,
    NewLink,
    RegisterChanges,
    link_added_items,
    register_edits,
)
from tests.sync.build import issue, md_link, planned, register, target, url

TEXT = """
# Debt

## Flaky login test
**Status**: Todo
**Owner**: @dana, Lee Park (backend)

Fails one run in ten.

## Checklist

- [ ] Remove dead code
"""
BEFORE = register(TEXT)
USERS = {"@dana": "dana-k", "@kim": "kim.o"}
VIEWS = {"gitlab": target("gitlab", user_map=USERS), "github": target("github")}


def edits(
    ops: Sequence[Operation] = (),
    changes: RegisterChanges | None = None,
    reg: Register = BEFORE,
) -> Edited:
    return register_edits(reg, Plan("debt", tuple(ops)), changes or RegisterChanges(), VIEWS, False)


def test_nothing_to_say_leaves_the_text_as_it_is() -> None:
    assert edits() == Edited(BEFORE.text, 0, [])


def test_values_pulled_from_a_tracker_are_written_into_the_item() -> None:
    pulled = {
        "title": "Flaky auth test",
        "status": "in_progress",
        "priority": "high",
        "body": "Fails often.\nSee CI.",
        "due_date": "2027-05-02",
    }

    edited = edits([WriteRegister("flaky-login-test", pulled, "gitlab")])

    item = parse(edited.text).items[0]
    assert VIEWS["gitlab"].reading.item(item) == {**pulled, "assignees": "@dana"}
    assert edited.notes == []


def test_assignees_pulled_from_a_tracker_keep_the_owners_nobody_maps() -> None:
    edited = edits([WriteRegister("flaky-login-test", {"assignees": "@kim"}, "gitlab")])

    assert "**Owner**: @kim, Lee Park (backend)\n" in edited.text


def test_links_to_two_trackers_made_in_one_cycle_share_one_line() -> None:
    found_again = InsertLink("flaky-login-test", "gitlab", "1", url("gitlab", "1"), "acme/infra#1")
    created = NewLink("github", "flaky-login-test", issue("8", "Flaky login test"))

    edited = edits([found_again], RegisterChanges(new_links=[created]))

    tracked = f"**Tracked in**: {md_link('gitlab', '1')}, {md_link('github', '8')}\n"
    assert edited.text == TEXT.lstrip().replace(
        "Lee Park (backend)\n", "Lee Park (backend)\n" + tracked
    )


def test_a_stored_link_reaches_the_file_whatever_its_target_did_this_cycle() -> None:
    """The store holds it, so its issue exists: an item renamed before its link is written in
    would otherwise lose it (a target unreachable on the retry kept links out of the file)."""
    found_again = InsertLink("flaky-login-test", "gitlab", "1", url("gitlab", "1"), "acme/infra#1")

    edited = edits([found_again], RegisterChanges())

    assert "[acme/infra#1](" in edited.text


def test_the_link_of_an_issue_deleted_in_its_tracker_leaves_the_item_and_the_item_stays() -> None:
    both = f"**Tracked in**: {md_link('gitlab', '1')}, {md_link('github', '8')}\n"
    reg = register(TEXT.replace("Lee Park (backend)\n", "Lee Park (backend)\n" + both))

    edited = edits(changes=RegisterChanges(gone=[Gone("gitlab", "1")]), reg=reg)

    after = parse(edited.text).items[0]
    assert after.title == "Flaky login test"
    assert [link.text for link in after.links] == ["acme/app#8"]


@pytest.mark.parametrize(
    ("name", "value"), [("due_date", "2027-05-02"), ("assignees", "@dana, @kim")]
)
def test_what_a_checkbox_cannot_hold_is_a_note_not_an_error(name: str, value: str) -> None:
    edited = edits([WriteRegister("remove-dead-code", {name: value}, "gitlab")])

    assert edited.text == BEFORE.text
    assert len(edited.notes) == 1
    assert edited.notes[0].startswith(f"remove-dead-code.{name}: 'Remove dead code' has no")


def added_and_linked(*issues_added: Added, reg: Register = BEFORE) -> tuple[Register, int]:
    """The register after items are added from trackers and linked in the second pass; and
    how many of the added issues found their item."""
    ops = [AddItem(a.target, a.issue, a.new) for a in issues_added]
    first = edits(ops, RegisterChanges(added=issues_added), reg)
    text, placed = link_added_items(first.text, issues_added, VIEWS, RegisterRules(), False)
    return parse(text), len(placed)


def from_github(ref: str, title: str) -> Added:
    """An open GitHub issue with the sync label, added as an item."""
    found = issue(ref, title)
    (add,) = planned(register("# Debt\n"), target("github", [found])).of(AddItem)
    return Added("github", found, add.new)


def test_an_item_added_from_a_tracker_is_written_and_then_linked_to_its_issue() -> None:
    reg, placed = added_and_linked(from_github("5", "Upgrade the ORM"))

    added = reg.items[-1]
    assert (added.title, added.status, [link.text for link in added.links]) == (
        "Upgrade the ORM", Status.TODO, ["acme/app#5"],
    )  # fmt: skip
    assert placed == 1


def test_an_added_item_goes_under_the_configured_section() -> None:
    sections = register(
        """
        ## Inbox

        - [ ] Triage the flaky tests

        ## Checklist

        - [ ] Remove dead code
        """
    )
    new = NewItem("Upgrade the ORM", section="Inbox")

    reg, _ = added_and_linked(Added("github", issue("5", "Upgrade the ORM"), new), reg=sections)

    assert [(item.title, item.section) for item in reg.items] == [
        ("Triage the flaky tests", ("Inbox",)),
        ("Upgrade the ORM", ("Inbox",)),
        ("Remove dead code", ("Checklist",)),
    ]


def test_two_issues_with_one_title_are_added_as_two_items_each_with_its_own_link() -> None:
    reg, _ = added_and_linked(from_github("5", "Update deps"), from_github("6", "Update deps"))

    assert [[link.text for link in item.links] for item in reg.items[-2:]] == [
        ["acme/app#5"],
        ["acme/app#6"],
    ]


@pytest.mark.parametrize("title", ["[WIP] Fix the cache", "Fix the cache (P1)"])
def test_an_item_added_from_an_issue_whose_title_reads_back_otherwise_is_linked(
    title: str,
) -> None:
    headings = register(
        """
        ## Known debt

        ### Slow build
        **Status**: Todo
        **Priority**: P1
        """
    )

    reg, placed = added_and_linked(from_github("5", title), reg=headings)

    assert [link.text for link in reg.items[-1].links] == ["acme/app#5"]
    assert placed == 1


FIELDED = register(
    f"""
    # Debt

    ## Flaky login test
    **Status**: Todo
    **Priority**: High
    **Owner**: @dana
    **Target Date**: 2027-03-01
    **Tracked in**: {md_link("gitlab", "1")}

    Fails one run in ten.
    """
)


@pytest.mark.parametrize("name", ["priority", "due_date", "assignees"])
def test_a_value_cleared_in_a_tracker_leaves_the_items_body_as_it_was(name: str) -> None:
    gitlab = VIEWS["gitlab"]
    before = gitlab.reading.item(FIELDED.items[0])

    edited = edits([WriteRegister("flaky-login-test", {name: None}, "gitlab")], reg=FIELDED)

    after = gitlab.reading.item(register(edited.text).items[0])
    assert after == {**before, name: None}


@pytest.mark.parametrize(
    "body",
    [
        "Intro\n## Steps to reproduce\nRun it twice.",
        "Intro\n---\nMore",
        "Intro\n### Notes\nStatus: flaky since May",
    ],
    ids=["same-level heading", "setext rule", "sub-heading over a field line"],
)
def test_a_body_pulled_from_a_tracker_stays_the_items_body(body: str) -> None:
    edited = edits([WriteRegister("flaky-login-test", {"body": body}, "gitlab")])

    after = register(edited.text)
    assert [item.title for item in after.items] == [item.title for item in BEFORE.items]
    assert after.items[0].body == body or edited.notes


def test_a_status_pulled_from_a_tracker_reaches_the_views_restating_the_item() -> None:
    text = (
        "---\ntasks_completed: 0\n---\n\n# Debt\n\n## Flaky login test\n**Status**: Todo\n\n"
        "## Progress\n\n| Item | Status |\n|---|---|\n| Flaky login test | Todo |\n"
    )
    before = register(text)

    edited = edits([WriteRegister("flaky-login-test", {"status": "done"}, "gitlab")], reg=before)

    assert edited.text == text.replace("Todo", "Done").replace("completed: 0", "completed: 1")
    assert edited.edits == 1, "the views restate the one edit, they are not edits of their own"
