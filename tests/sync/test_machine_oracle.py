"""The state machine's oracle (`machine_oracle.py`) on histories it once judged wrongly.

Each drives the machine (memory profile) through one history by hand, inside a Hypothesis test
because the machine's notes need one, and checks the oracle now accepts what the engine rightly
did. Each failed against the rule it replaced: an oracle that cries wolf hides real defects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.model import Status
from syncer.register import Item

from .machine_oracle import parsed
from .machine_support import GeneratedRegister
from .test_state_machine import MEMORY, SyncMachine

ONE_HEADING = GeneratedRegister(
    "# Debt\n\n## Service cleanups\n\n### Cache the parser q1\n**Status**: Todo\n\n"
    "## Notes\n\nReviewed every quarter.\n",
    ("# Debt", "## Service cleanups", "## Notes", "Reviewed every quarter."),
    2,
)
ONE_CHECKBOX = GeneratedRegister(
    "# Debt\n\n## Platform chores\n\n- [ ] Socket cache q1\n  cursor webhook\n\n"
    "## Notes\n\nReviewed every quarter.\n",
    ("# Debt", "## Platform chores", "## Notes", "Reviewed every quarter."),
    2,
)


@contextmanager
def machine_on(register: GeneratedRegister, *, two_targets: bool) -> Iterator[SyncMachine]:
    """The machine (memory profile) on `register`, synced to one target or two."""
    machine = SyncMachine(MEMORY, None)
    try:
        machine.start(register, two_targets, True)
        yield machine
    finally:
        machine.teardown()


def settled(machine: SyncMachine) -> Item:
    """Two clean cycles and every invariant (what failed before); the register's item then."""
    machine.settle_and_check()
    return parsed(machine.text()).items[0]


@settings(max_examples=1, database=None, deadline=None)
@given(st.none())
def test_a_faulted_cycle_that_synced_a_field_is_where_the_next_edits_start(_: None) -> None:
    """The machine's own oracle, on a history its memory profile found: a body cleared in the
    register and pushed by a cycle a person's save did not disturb, then typed and deleted
    again while a tracker's person rewrote it. The tracker's text rightly wins (the register
    is back where both sides agreed); the oracle, counting only fault-free cycles, called it
    the register's edit lost."""
    text = ONE_HEADING.text.replace("**Status**: Todo\n", "**Status**: Todo\n\nfixture cache\n")
    with machine_on(replace(ONE_HEADING, text=text), two_targets=False) as machine:
        machine.register_rewrites_body(pick=0, body="")
        machine.reconcile_with_fault(which=0, fault="save_read", count=1, status=500)
        machine.register_rewrites_body(pick=0, body="cache")
        machine.tracker_rewrites_body(which=0, pick=0, body="cache codec shader", keep=True)
        machine.register_rewrites_body(pick=0, body="")
        assert settled(machine).body == "cache codec shader"


@settings(max_examples=1, database=None, deadline=None)
@given(st.none())
def test_a_faulted_cycle_that_failed_agrees_on_nothing(_: None) -> None:
    """The other half, which a first cut of that rule got wrong: a status set to done on both
    sides, a cycle that fails before reading, and the tracker's person reopening. For the
    engine the tracker never changed (its base is still todo), so the register's done wins;
    both sides once holding one value is no agreement the engine made."""
    with machine_on(ONE_HEADING, two_targets=False) as machine:
        machine.register_sets_status(pick=0, status=Status.DONE)
        machine.tracker_closes_or_reopens(which=0, pick=0, closed=True)
        machine.reconcile_with_fault(which=0, fault="fail", count=1, status=500)
        machine.tracker_closes_or_reopens(which=0, pick=0, closed=False)
        assert settled(machine).status is Status.DONE


@settings(max_examples=1, database=None, deadline=None)
@given(st.none())
def test_an_agreement_with_one_target_is_one_for_the_register_and_that_target(_: None) -> None:
    """Two targets: a body cleared in the register reaches beta while alpha's reading fails;
    the register's person types a word and deletes it, beta's person rewrites the body. Beta's
    text rightly wins (the register is back where it agreed with beta); the oracle, asking
    every target to agree, called the register's edit lost."""
    with machine_on(ONE_CHECKBOX, two_targets=True) as machine:
        machine.register_rewrites_body(pick=0, body="")
        machine.reconcile_with_fault(which=0, fault="timeout", count=1, status=502)
        machine.register_rewrites_body(pick=0, body="fixture")
        machine.tracker_rewrites_body(which=1, pick=0, body="payload socket", keep=False)
        machine.register_rewrites_body(pick=0, body="")
        assert settled(machine).body == "payload socket"


@settings(max_examples=1, database=None, deadline=None)
@given(st.none())
def test_an_agreement_with_one_target_is_none_for_another(_: None) -> None:
    """The same two targets, seen from alpha: its person rewrites the body and puts it back
    while a cycle brings the register's cleared body to beta only. For the engine alpha never
    changed, so the register's "" reaches it; beta's agreement is no boundary in alpha's own
    edits, which undid themselves."""
    with machine_on(ONE_CHECKBOX, two_targets=True) as machine:
        machine.register_rewrites_body(pick=0, body="")
        machine.tracker_rewrites_body(which=0, pick=0, body="fixture", keep=True)
        machine.reconcile_with_fault(which=0, fault="timeout", count=1, status=502)
        machine.tracker_rewrites_body(which=0, pick=0, body="cursor webhook", keep=True)
        assert settled(machine).body == ""
