"""Every (base, register, tracker) cell of the three-way merge, for each kind of field."""

from __future__ import annotations

import pytest

from syncer.sync.merge import Outcome, Policy, merge_body, merge_field

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
    assert got == Outcome("* a\n* b", to_register=True)


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
