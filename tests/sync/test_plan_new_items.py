"""`plan()` for items without an issue and issues without an item: what is created, what is
adopted, what is closed as a duplicate, what becomes an item. Values in, operations out."""

from __future__ import annotations

from datetime import date

import pytest

from syncer.model import IssueDraft, IssueState, Priority, Status
from syncer.register import NewItem, add_item, parse
from syncer.sync.operations import (
    AddItem,
    AdoptIssue,
    CloseDuplicate,
    CreateIssue,
)
from syncer.sync.options import PlanOptions
from tests.sync.build import issue, link, md_link, planned, register, target

FLAKY = register(
    """
    # Debt

    ## Known debt

    ### Flaky login test
    **Status**: In Progress
    **Priority**: High
    **Owner**: @dana, Lee Park (backend) and @zoe
    **Target Date**: 2027-03-01
    **Effort**: Medium effort

    Fails one run in ten.
    Seen on CI.
    """
)
CHECKLIST = register(
    """
    # TODO

    - [ ] Remove dead code
    - [x] Pin dependencies
    """
)


def test_a_new_item_gets_an_issue_drafted_from_its_title_body_status_and_priority() -> None:
    the_plan = planned(FLAKY, target("github"))

    assert the_plan.operations == (
        CreateIssue(
            "github",
            "flaky-login-test",
            IssueDraft(
                item_key="flaky-login-test",
                title="Flaky login test",
                body="Fails one run in ten.\nSeen on CI.",
                status=Status.IN_PROGRESS,
                priority=Priority.HIGH,
            ),
        ),
    )


def test_a_done_item_gets_an_issue_drafted_done() -> None:
    drafts = {op.item_key: op.draft for op in planned(CHECKLIST, target()).of(CreateIssue)}

    assert drafts["pin-dependencies"].status is Status.DONE
    assert drafts["remove-dead-code"].status is Status.TODO


def test_the_items_other_fields_become_labels_named_by_the_leading_words_of_their_value() -> None:
    github = target("github", field_labels={"Effort": "effort: ", "Risk": "risk: "})

    (create,) = planned(FLAKY, github).of(CreateIssue)

    assert create.draft.labels == ("effort: medium effort",)  # `2 weeks` would stay `2 weeks`


@pytest.mark.parametrize(("kind", "due"), [("gitlab", date(2027, 3, 1)), ("github", None)])
def test_the_due_date_is_drafted_only_where_the_target_syncs_due_dates(
    kind: str, due: date | None
) -> None:
    (create,) = planned(FLAKY, target(kind)).of(CreateIssue)

    assert create.draft.due_date == due


def test_assignees_are_drafted_through_the_user_map_leaving_out_names_it_does_not_know() -> None:
    github = target("github", user_map={"@dana": "dana-k", "Lee Park": "lpark"})

    (create,) = planned(FLAKY, github).of(CreateIssue)

    assert create.draft.assignees == ("dana-k", "lpark")


def test_without_a_user_map_no_assignee_is_drafted() -> None:
    (create,) = planned(FLAKY, target("github")).of(CreateIssue)

    assert create.draft.assignees == ()


def test_the_draft_points_back_at_the_register() -> None:
    options = PlanOptions(register_url="https://example.test/TECH_DEBT.md")

    (create,) = planned(FLAKY, target(), options=options).of(CreateIssue)

    assert create.draft.register_url == "https://example.test/TECH_DEBT.md"


def test_an_unlinked_item_adopts_an_open_issue_with_the_same_normalized_title() -> None:
    same = issue("7", "flaky LOGIN test!")

    the_plan = planned(FLAKY, target("github", [same]))

    assert the_plan.operations == (AdoptIssue("github", "flaky-login-test", same),)


def test_a_closed_issue_with_the_same_title_is_not_adopted() -> None:
    closed = issue("7", "Flaky login test", status=Status.DONE)

    the_plan = planned(FLAKY, target("github", [closed]))

    assert [type(op) for op in the_plan.operations] == [CreateIssue]


def test_an_issue_carrying_the_items_marker_is_adopted_even_when_closed() -> None:
    """A done item's issue is closed: after a lost state database it is found again by its
    marker, not given a second issue."""
    closed = issue("4", "Pin dependencies", status=Status.DONE, marker="pin-dependencies")

    the_plan = planned(CHECKLIST, target("github", [closed]))

    assert AdoptIssue("github", "pin-dependencies", closed) in the_plan.operations
    assert [op.item_key for op in the_plan.of(CreateIssue)] == ["remove-dead-code"]


def test_the_items_marker_wins_over_a_title_match() -> None:
    by_title = issue("3", "Remove dead code")
    by_marker = issue("9", "Dead code cleanup (renamed in GitHub)", marker="remove-dead-code")

    the_plan = planned(CHECKLIST, target("github", [by_title, by_marker]))

    (adopt,) = [op for op in the_plan.of(AdoptIssue) if op.item_key == "remove-dead-code"]
    assert adopt.issue == by_marker


def test_of_several_issues_carrying_one_items_marker_the_oldest_is_adopted() -> None:
    made = [issue(ref, "Remove dead code", marker="remove-dead-code") for ref in ("12", "9", "10")]

    the_plan = planned(CHECKLIST, target("github", made))

    assert the_plan.of(AdoptIssue)[0].issue.ref == "9"
    assert {(op.ref, op.kept_ref) for op in the_plan.of(CloseDuplicate)} == {
        ("10", "9"),
        ("12", "9"),
    }


def test_a_closed_duplicate_is_left_as_it_is() -> None:
    made = [
        issue("9", "Remove dead code", marker="remove-dead-code"),
        issue("10", "Remove dead code", marker="remove-dead-code", status=Status.DONE),
    ]

    the_plan = planned(CHECKLIST, target("github", made))

    assert the_plan.of(AdoptIssue)[0].issue.ref == "9"
    assert the_plan.of(CloseDuplicate) == []


def test_an_issue_carrying_the_marker_of_an_item_linked_elsewhere_is_closed_as_a_duplicate() -> (
    None
):
    """A create whose answer was lost, then made again: the stored link's issue is kept."""
    text = CHECKLIST.text.replace("Remove dead code", f"Remove dead code {md_link('github', '3')}")
    github = target()
    kept = link(github, "3", "remove-dead-code")
    again = issue("8", "Remove dead code", marker="remove-dead-code")

    the_plan = planned(register(text), target("github", [again], [kept]))

    assert CloseDuplicate("github", "8", "remove-dead-code", "3") in the_plan.operations


def test_an_open_issue_with_the_sync_label_nobody_claims_becomes_an_item() -> None:
    labelled = issue("5", "Upgrade the ORM", body="It is two majors behind.", priority=Priority.LOW)
    options = PlanOptions(new_items_section="Inbox")

    the_plan = planned(CHECKLIST, target("github", [labelled]), options=options)

    assert AddItem(
        "github",
        labelled,
        NewItem("Upgrade the ORM", Status.TODO, Priority.LOW, "It is two majors behind.",
                section="Inbox"),
    ) in the_plan.operations  # fmt: skip


def test_a_closed_issue_nobody_claims_does_not_become_an_item() -> None:
    closed = issue("5", "Upgrade the ORM", state=IssueState.CLOSED)

    assert planned(CHECKLIST, target("github", [closed])).of(AddItem) == []


@pytest.mark.parametrize("state", list(IssueState))
def test_an_issue_made_for_a_removed_item_is_never_turned_back_into_an_item(
    state: IssueState,
) -> None:
    orphan = issue("6", "Old removed thing", marker="old-removed-thing", state=state)

    the_plan = planned(CHECKLIST, target("github", [orphan]))

    assert not [op for op in the_plan.operations if isinstance(op, AddItem | AdoptIssue)]
    assert all(getattr(op, "ref", None) != "6" for op in the_plan.operations)


def test_an_item_does_not_adopt_by_title_an_issue_whose_marker_names_another_item() -> None:
    twins = register(
        """
        - [ ] Cache layer!
        - [ ] Cache layer
        """
    )
    first, second = (item.key for item in twins.items)
    made_for_second = issue("1", "Cache layer", marker=second)

    the_plan = planned(twins, target("github", [made_for_second]))

    assert AdoptIssue("github", second, made_for_second) in the_plan.operations
    assert [op.item_key for op in the_plan.of(CreateIssue)] == [first]


@pytest.mark.parametrize("listed", [("2", "1"), ("1", "2")], ids=["newest first", "oldest first"])
def test_an_items_duplicated_issues_are_sorted_out_beside_an_item_of_the_same_title(
    listed: tuple[str, ...],
) -> None:
    """A create whose answer was lost was made twice for the second of two `Alpha` items."""
    twins = register(
        """
        - [ ] Alpha
        - [ ] Alpha
        """
    )
    first, second = (item.key for item in twins.items)
    made = {ref: issue(ref, "Alpha", marker=second) for ref in ("1", "2")}

    the_plan = planned(twins, target("github", [made[ref] for ref in listed]))

    assert the_plan.of(AdoptIssue) == [AdoptIssue("github", second, made["1"])]
    assert the_plan.of(CloseDuplicate) == [CloseDuplicate("github", "2", second, "1")]
    assert the_plan.of(CreateIssue) == [CreateIssue("github", first, IssueDraft(first, "Alpha"))]


def test_of_two_open_issues_with_an_items_title_the_oldest_is_adopted_whatever_the_order() -> None:
    older, newer = issue("3", "Remove dead code"), issue("11", "Remove dead code")

    adopted = {
        planned(CHECKLIST, target("github", listed)).of(AdoptIssue)[0].issue.ref
        for listed in ([older, newer], [newer, older])
    }

    assert adopted == {"3"}


def test_an_issue_becoming_an_item_brings_its_assignee_due_date_and_field_labels() -> None:
    """They were dropped (issue 9): the item and its issue disagreed from the first cycle."""
    labelled = issue(
        "5", "Upgrade the ORM", kind="gitlab", assignees=["dana-k", "bot"], due=date(2027, 5, 1),
        labels=("tech-debt", "effort: high", "needs-design"),
    )  # fmt: skip
    gitlab = target(
        "gitlab", [labelled], user_map={"@dana": "dana-k"}, field_labels={"Effort": "effort: "}
    )

    (add,) = planned(FLAKY, gitlab).of(AddItem)

    # Named and cased as the register's items write them (`**Effort**: Medium effort`).
    assert add.new.fields == {"Owner": "@dana", "Target Date": "2027-05-01", "Effort": "High"}


def test_a_new_checkbox_item_names_its_owner_and_due_date_on_its_line() -> None:
    labelled = issue(
        "5", "Upgrade the ORM", kind="gitlab", assignees=["dana-k"], due=date(2027, 5, 1)
    )
    gitlab = target("gitlab", [labelled], user_map={"@dana": "dana-k"})

    (add,) = planned(CHECKLIST, gitlab).of(AddItem)

    text = add_item(CHECKLIST, add.new)
    assert "- [ ] Upgrade the ORM @dana (due 2027-05-01)\n" in text
    added = next(item for item in parse(text).items if item.title == "Upgrade the ORM")
    assert [(f.name, f.value) for f in added.fields] == [("Owner", "@dana"), ("Due", "2027-05-01")]
