"""Every (base, register, tracker) cell of the three-way merge, for each kind of field."""

from __future__ import annotations

import pytest

from syncer.sync.merge import Outcome, Policy, in_register_terms, merge_body, merge_field
from syncer.trackers.markup import jira_to_markdown, markdown_to_jira

# Three distinct values per field kind: base, one side's change, the other side's change.
VALUES = {
    "title": ("Add rate limiting", "Add rate limits", "Rate limiting"),
    "status": ("todo", "in_progress", "done"),
    "priority": (None, "high", "low"),
    "body": ("one", "one\ntwo", "zero"),
}


def cells(field: str) -> list[tuple[str, object, object, object, Outcome]]:
    a, b, _ = VALUES[field]
    return [
        ("unchanged", a, a, a, Outcome(a)),
        ("register changed", a, b, a, Outcome(b, to_tracker=True)),
        ("tracker changed", a, a, b, Outcome(b, to_register=True)),
        ("both changed alike", a, b, b, Outcome(b)),
    ]


@pytest.mark.parametrize("field", VALUES)
@pytest.mark.parametrize("policy", list(Policy))
def test_one_sided_and_agreeing_changes_ignore_the_policy(field: str, policy: Policy) -> None:
    for label, base, register, tracker, want in cells(field):
        got = merge_field(field, base, register, base, tracker, policy)  # type: ignore[arg-type]
        assert got == want, label


CONFLICT = {
    Policy.REGISTER_WINS: lambda b, c: Outcome(b, to_tracker=True, conflict=True),
    Policy.TRACKER_WINS: lambda b, c: Outcome(c, to_register=True, conflict=True),
    Policy.MANUAL: lambda b, c: Outcome(b, conflict=True, kept_open=True),
}


@pytest.mark.parametrize("field", VALUES)
@pytest.mark.parametrize("policy", list(CONFLICT))
def test_different_changes_on_both_sides_follow_the_policy(field: str, policy: Policy) -> None:
    a, b, c = VALUES[field]
    if field == "body":
        b, c = "one changed", "one otherwise"  # the same line: merge3 cannot help
    got = merge_field(field, a, b, a, c, policy)
    assert got == CONFLICT[policy](b, c)


@pytest.mark.parametrize("tracker_is_newer", [True, False])
def test_newest_wins_takes_the_later_side(tracker_is_newer: bool) -> None:
    got = merge_field(
        "title", "t", "register t", "t", "tracker t", Policy.NEWEST_WINS,
        tracker_is_newer=tracker_is_newer,
    )  # fmt: skip
    assert got.value == ("tracker t" if tracker_is_newer else "register t") and got.conflict


def test_bases_are_per_side_so_format_differences_are_not_changes() -> None:
    # Jira renders the body its own way: the tracker base is kept in tracker terms.
    got = merge_field("body", "- a", "- a", "* a", "* a", Policy.MANUAL)
    assert got == Outcome("- a")
    got = merge_field("body", "- a", "- a", "* a", "* a\n* b", Policy.MANUAL)
    assert got == Outcome("- a\n* b", to_register=True)  # the line Jira kept stays as written


def test_no_base_yet_means_the_register_wins() -> None:
    got = merge_field("title", None, "Mine", None, "Theirs", Policy.TRACKER_WINS, has_base=False)
    assert got == Outcome("Mine", to_tracker=True)
    assert merge_field("title", None, "Same", None, "Same", Policy.MANUAL, has_base=False) == (
        Outcome("Same")
    )


def test_bodies_merge_when_the_edits_do_not_touch() -> None:
    base = "Intro.\n\n- one\n- two\n\nOutro."
    ours = "Intro, longer.\n\n- one\n- two\n\nOutro."
    theirs = "Intro.\n\n- one\n- two\n\nOutro, edited in Jira."
    got = merge_field("body", base, ours, base, theirs, Policy.MANUAL)
    merged = "Intro, longer.\n\n- one\n- two\n\nOutro, edited in Jira."
    assert got == Outcome(merged, to_register=True, to_tracker=True)


def test_overlapping_body_edits_are_a_conflict() -> None:
    assert merge_body("a\nb", "a\nB", "a\nb2") is None
    got = merge_field("body", "a\nb", "a\nB", "a\nb", "a\nb2", Policy.MANUAL)
    assert got.kept_open


TABLE_BODY = "Intro line.\n\n|Col A|Col B|\n|-----|-----|\n|x|y|\n\nLast line."


def _through_jira(markdown: str) -> str:
    return jira_to_markdown(markdown_to_jira(markdown))


def test_a_jira_edit_leaves_the_lines_it_did_not_touch_as_the_register_wrote_them() -> None:
    # Jira's round trip re-spaces the table (`|-----|` comes back `| --- |`); a person edits
    # only the last line there: only that line changes in the register.
    base_tracker = _through_jira(TABLE_BODY)
    assert "| --- |" in base_tracker  # the conversion noise this test is about
    edited = _through_jira(TABLE_BODY.replace("Last line.", "Last line, edited in Jira."))
    got = merge_field("body", TABLE_BODY, TABLE_BODY, base_tracker, edited, Policy.MANUAL)
    assert got == Outcome(
        TABLE_BODY.replace("Last line.", "Last line, edited in Jira."), to_register=True
    )


def test_a_jira_edit_merged_with_a_register_edit_keeps_the_table_bytes() -> None:
    ours = TABLE_BODY.replace("Intro line.", "Intro line, longer.")
    base_tracker = _through_jira(TABLE_BODY)
    edited = _through_jira(TABLE_BODY.replace("Last line.", "Last line, edited in Jira."))
    got = merge_field("body", TABLE_BODY, ours, base_tracker, edited, Policy.MANUAL)
    assert got.value == ours.replace("Last line.", "Last line, edited in Jira.")
    assert got.to_register and got.to_tracker and not got.conflict


def test_an_edited_table_row_is_the_trackers_and_its_neighbours_stay_the_registers() -> None:
    base_tracker = _through_jira(TABLE_BODY)
    edited = _through_jira(TABLE_BODY.replace("|x|y|", "|x|z|"))
    got = in_register_terms(TABLE_BODY, base_tracker, edited)
    assert got == TABLE_BODY.replace("|x|y|", "| x | z |")
