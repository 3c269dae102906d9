"""Three-way merge of one field, from the base both sides last agreed on.

A field changed on one side only flows to the other; changed on both sides to the same value,
nothing happens; changed differently, it is a conflict settled by the policy. Bodies merge
line-wise first (merge3, diff3's algorithm): only edits that touch the same or adjacent lines
conflict. A field with no base yet (a link just made) takes the register's value: the register
is the source of truth.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import merge3

Value = str | None


class Policy(StrEnum):
    REGISTER_WINS = "register-wins"
    TRACKER_WINS = "tracker-wins"
    NEWEST_WINS = "newest-wins"
    MANUAL = "manual"


@dataclass(frozen=True)
class Outcome:
    """What to do with one field: the value both sides end with, and who must be written."""

    value: Value
    to_register: bool = False
    to_tracker: bool = False
    conflict: bool = False
    """Both sides changed it differently (settled by the policy unless `kept_open`)."""
    kept_open: bool = False
    """Manual policy: nothing is written; the conflict waits for `syncer conflicts resolve`."""


def normalize_body(body: Value) -> Value:
    """Bodies compare without trailing spaces and surrounding blank lines."""
    if body is None:
        return None
    return "\n".join(line.rstrip() for line in body.strip("\n").split("\n")).strip("\n")


def merge_body(base: Value, ours: Value, theirs: Value) -> Value:
    """Line-wise three-way merge, or None when the edits overlap."""
    base_lines, our_lines, their_lines = (_lines(v) for v in (base, ours, theirs))
    merged: list[str] = []
    for group in merge3.Merge3(base_lines, our_lines, their_lines).merge_groups():
        if group[0] == "conflict":
            return None
        merged.extend(group[1])
    return "".join(merged).rstrip("\n")


def in_register_terms(base_register: Value, base_tracker: Value, tracker: Value) -> Value:
    """The tracker's body with each line it left as it was since the base written as the
    register writes it.

    A tracker may render the same Markdown its own way (Jira's round trip re-spaces a table:
    `|-----|` comes back `| --- |`): the lines the tracker did not touch must reach the
    register byte for byte, only the lines a person changed there are the tracker's. Lines
    are paired with the base in two steps: tracker now ↔ tracker base (unchanged lines), then
    tracker base ↔ register base (the same line in each side's terms: equal, or a block of
    as many lines rewritten by the conversion).
    """
    if tracker is None or base_register is None or base_tracker is None:
        return tracker
    register_lines, base_lines = base_register.split("\n"), base_tracker.split("\n")
    as_written = _paired(base_lines, register_lines)
    now = tracker.split("\n")
    out: list[str] = []
    for op, b0, b1, n0, n1 in _opcodes(base_lines, now):
        if op == "equal":
            out += [as_written.get(b0 + k, now[n0 + k]) for k in range(b1 - b0)]
        else:
            out += now[n0:n1]
    return "\n".join(out)


def _paired(a: list[str], b: list[str]) -> dict[int, str]:
    """Line i of `a` → its line in `b`, where the two sides say the same in their own terms."""
    pairs: dict[int, str] = {}
    for op, a0, a1, b0, b1 in _opcodes(a, b):
        if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
            pairs.update(zip(range(a0, a1), b[b0:b1], strict=True))
    return pairs


def _opcodes(a: list[str], b: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _lines(value: Value) -> list[str]:
    return [line + "\n" for line in (value or "").split("\n")] if value else []


def merge_field(
    name: str,
    base_register: Value,
    register: Value,
    base_tracker: Value,
    tracker: Value,
    policy: Policy,
    *,
    has_base: bool = True,
    tracker_is_newer: bool = False,
    register_moved: bool = False,
) -> Outcome:
    """Three-way merge of one field of one link.

    `register_moved` says the register's own value left this base this cycle even if
    `register` (the value other targets folded in) is back at it: the tracker's change then
    meets a change, not an unchanged register, and cannot win by coincidence.
    """
    if not has_base:
        return Outcome(register, to_tracker=register != tracker)
    folded_back = register_moved and register == base_register
    register_changed = register != base_register or register_moved
    tracker_changed = tracker != base_tracker
    if not tracker_changed:
        return Outcome(register, to_tracker=register_changed and register != tracker)
    if name == "body":
        tracker = in_register_terms(base_register, base_tracker, tracker)
    if not register_changed:
        return Outcome(tracker, to_register=tracker != register)
    if register == tracker:
        return Outcome(register)
    if name == "body" and not folded_back:
        merged = merge_body(base_register, register, tracker)
        if merged is not None:
            return Outcome(merged, to_register=merged != register, to_tracker=merged != tracker)
    return _settle(register, tracker, policy, tracker_is_newer)


def _settle(register: Value, tracker: Value, policy: Policy, tracker_is_newer: bool) -> Outcome:
    if policy is Policy.MANUAL:
        return Outcome(register, conflict=True, kept_open=True)
    take_tracker = policy is Policy.TRACKER_WINS or (
        policy is Policy.NEWEST_WINS and tracker_is_newer
    )
    if take_tracker:
        return Outcome(tracker, to_register=True, conflict=True)
    return Outcome(register, to_tracker=True, conflict=True)
