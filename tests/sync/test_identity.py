"""Which item is which issue: the links in the file are the identity, stored links fill in what
the file does not say yet, and what the file claims is checked before it is believed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from syncer.model import RemoteIssue
from syncer.register import Register
from syncer.sync.identity import Target
from syncer.sync.operations import (
    AddItem,
    AdoptIssue,
    CloseRemoved,
    CreateIssue,
    InsertLink,
    UpdateIssue,
)
from syncer.sync.planned import Plan
from tests.sync.build import (
    agreed,
    issue,
    link,
    md_link,
    planned,
    ref_of,
    register,
    synced,
    target,
    url,
)

TITLES = {"1": "Remove dead code", "2": "Pin dependencies", "3": "Drop Python 3.9"}
ISSUES = [issue(ref, title) for ref, title in TITLES.items()]


def checklist(*lines: str) -> Register:
    return register("# TODO\n\n" + "".join(f"- [ ] {line}\n" for line in lines))


LINKED = checklist(*(f"{title} {md_link('github', ref)}" for ref, title in TITLES.items()))
GITHUB = synced(target("github"), LINKED, *ISSUES)


def github_with(extra: RemoteIssue) -> Target:
    """GITHUB, having read one more issue."""
    return replace(GITHUB, changed={**GITHUB.changed, extra.ref: extra})


def refs_touched(the_plan: Plan) -> set[str]:
    """Every issue an operation of the plan names."""
    return {ref for op in the_plan.operations if (ref := ref_of(op))}


def without_link_text(ref: str) -> Register:
    """LINKED, with the link to issue `ref` taken out of its item's line."""
    return register(LINKED.text.replace(f" {md_link('github', ref)}", ""))


def test_an_item_whose_link_is_in_the_file_syncs_with_its_issue_and_nothing_else() -> None:
    the_plan = planned(LINKED, GITHUB)

    assert the_plan.operations == ()
    assert {(pair.ref, pair.item_key) for pair in the_plan.pairs} == {
        ("1", "remove-dead-code"),
        ("2", "pin-dependencies"),
        ("3", "drop-python-3-9"),
    }


@pytest.mark.parametrize("in_file", [False, True])
def test_a_stored_link_missing_from_the_file_is_found_by_the_items_key_and_written_in(
    in_file: bool,
) -> None:
    """A crash after the create, a person's save mid-cycle, or a link line deleted by hand."""
    github = replace(GITHUB, links=[replace(rec, in_file=in_file) for rec in GITHUB.links])

    the_plan = planned(without_link_text("2"), github)

    assert the_plan.operations == (
        InsertLink("pin-dependencies", "github", "2", url("github", "2"), "acme/app#2"),
    )


def test_an_item_renamed_before_its_link_reached_the_file_is_found_by_a_close_title() -> None:
    renamed = register(
        without_link_text("1").text.replace("Remove dead code", "Remove the dead code paths")
    )
    github = replace(GITHUB, links=[replace(rec, in_file=rec.ref != "1") for rec in GITHUB.links])

    the_plan = planned(renamed, github)

    assert the_plan.operations == (
        InsertLink("remove-the-dead-code-paths", "github", "1", url("github", "1"), "acme/app#1"),
        UpdateIssue("github", "1", "remove-the-dead-code-paths",
                    {"title": "Remove the dead code paths"}),
    )  # fmt: skip


def test_an_item_renamed_beyond_recognition_is_a_removed_item_and_a_new_one() -> None:
    """The known limit: below 60% alike, nothing tells a rename from a removal plus an add."""
    renamed = register(
        without_link_text("1").text.replace("Remove dead code", "Delete unused modules")
    )
    github = replace(GITHUB, links=[replace(rec, in_file=False) for rec in GITHUB.links])

    the_plan = planned(renamed, github)

    assert [op.ref for op in the_plan.of(CloseRemoved)] == ["1"]
    assert [op.item_key for op in the_plan.of(CreateIssue)] == ["delete-unused-modules"]


def test_a_link_once_in_the_file_is_never_handed_to_a_look_alike_new_item() -> None:
    """The item was removed and a similar one written: the old issue closes, the new gets one."""
    replaced = register(
        without_link_text("1").text.replace("Remove dead code", "Remove the dead code paths")
    )

    the_plan = planned(replaced, GITHUB)

    assert [op.ref for op in the_plan.of(CloseRemoved)] == ["1"]
    assert [op.item_key for op in the_plan.of(CreateIssue)] == ["remove-the-dead-code-paths"]
    assert the_plan.of(InsertLink) == []


def test_an_item_removed_from_the_register_closes_its_issue_with_a_comment() -> None:
    removed = register(LINKED.text.replace(f"- [ ] Drop Python 3.9 {md_link('github', '3')}\n", ""))

    the_plan = planned(removed, GITHUB)

    assert the_plan.operations == (
        CloseRemoved(
            "github",
            "3",
            "drop-python-3-9",
            "Removed from the tech-debt register; closed by syncer.",
        ),
    )


MANAGED = {
    "made by syncer": issue("7", "Upgrade the ORM", marker="upgrade-the-orm"),
    "the sync label": issue("7", "Upgrade the ORM"),
}


@pytest.mark.parametrize("why", MANAGED)
def test_a_link_in_the_file_the_store_does_not_know_adopts_a_managed_issue(why: str) -> None:
    """A lost or older state database: the file's link is the identity, adopted once."""
    orm = MANAGED[why]
    reg = register(LINKED.text + f"- [ ] Upgrade the ORM {md_link('github', '7')}\n")

    the_plan = planned(reg, github_with(orm))

    assert the_plan.operations == (AdoptIssue("github", "upgrade-the-orm", orm, in_file=True),)
    assert the_plan.of(AddItem) == []
    assert the_plan.notes == (
        "github: 1 link(s) in the file were unknown to the state database (a new or restored"
        " database, or an older register): adopted with the register's values",
    )


def test_a_link_to_an_issue_syncer_made_for_another_register_is_refused() -> None:
    """A line copied from another register's file: its issue carries syncer's marker, but the
    other register's sync label, not this one's: adopting it would take it over."""
    theirs = issue("7", "Upgrade the ORM", marker="upgrade-the-orm", labels=("debt-web",))
    reg = register(LINKED.text + f"- [ ] Upgrade the ORM {md_link('github', '7')}\n")

    the_plan = planned(reg, github_with(theirs))

    assert the_plan.operations == ()
    assert "an issue syncer does not manage" in the_plan.notes[0]


def test_a_link_to_an_issue_syncer_does_not_manage_is_refused_and_that_issue_left_alone() -> None:
    """A link typed into the file cannot hand syncer someone else's issue."""
    foreign = issue("7", "Customer escalation", labels=("bug",))
    reg = register(LINKED.text + f"- [ ] Upgrade the ORM {md_link('github', '7')}\n")

    the_plan = planned(reg, github_with(foreign))

    assert the_plan.notes == (
        "github: 'Upgrade the ORM' (line 6) links acme/app#7, an issue syncer does not manage"
        " (no 'tech-debt' label): the link is ignored",
    )
    assert "7" not in refs_touched(the_plan)
    assert the_plan.operations == ()
    assert "7" not in {pair.ref for pair in the_plan.pairs}


def test_two_items_linking_one_issue_sync_with_neither_and_nothing_is_closed_or_created() -> None:
    split = register(LINKED.text + f"- [ ] Pin dev dependencies {md_link('github', '2')}\n")

    the_plan = planned(split, GITHUB)

    assert the_plan.notes == (
        "github: 'Pin dependencies' (line 4) and 'Pin dev dependencies' (line 6) both link"
        " acme/app#2: neither syncs with it until one of the links is removed",
    )
    assert the_plan.operations == ()
    assert "2" not in {pair.ref for pair in the_plan.pairs}


def test_a_dispute_over_the_only_linked_issue_is_not_taken_for_a_truncated_register() -> None:
    reg = checklist(f"Alpha {md_link('github', '1')}", f"Alpha variant {md_link('github', '1')}")
    alpha = issue("1", "Alpha")
    github = target("github", [alpha], [agreed(target(), reg.items[0], alpha)])

    the_plan = planned(reg, github)

    assert not the_plan.refused
    assert the_plan.operations == ()
    assert len(the_plan.notes) == 1


def test_an_items_second_link_to_one_target_is_left_alone() -> None:
    """An item syncs with one issue per target: its first link's."""
    extra = issue("4", "Old pinning issue")
    second = f"{md_link('github', '2')} {md_link('github', '4')}"
    reg = register(LINKED.text.replace(md_link("github", "2"), second))
    github = replace(
        GITHUB,
        changed={**GITHUB.changed, "4": extra},
        links=[*GITHUB.links, link(GITHUB, "4", "pin-dependencies")],
    )

    the_plan = planned(reg, github)

    assert the_plan.operations == ()
    assert ("2", "pin-dependencies") in {(pair.ref, pair.item_key) for pair in the_plan.pairs}
    assert "4" not in {pair.ref for pair in the_plan.pairs}


def test_a_link_to_another_target_does_not_count_for_this_one() -> None:
    reg = checklist(f"Remove dead code {md_link('jira', 'OPS-1')}")
    jira_issue = issue("OPS-1", "Remove dead code", kind="jira")
    jira = synced(target("jira"), reg, jira_issue)

    the_plan = planned(reg, target("github"), jira)

    assert [(op.target, op.item_key) for op in the_plan.of(CreateIssue)] == [
        ("github", "remove-dead-code")
    ]
    assert [(pair.target, pair.ref) for pair in the_plan.pairs] == [("jira", "OPS-1")]
