"""The state machine's oracle (`machine_oracle.py`) on histories it once judged wrongly.

Each drives the machine (memory profile) through one history by hand, inside a Hypothesis test
because the machine's notes need one, and checks the oracle now accepts what the engine rightly
did. Each failed against the rule it replaced: an oracle that cries wolf hides real defects.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.model import Status

from .machine_oracle import parsed
from .machine_support import GeneratedRegister
from .test_state_machine import MEMORY, SyncMachine

ONE_HEADING = (
    "# Debt\n\n## Service cleanups\n\n### Cache the parser q1\n**Status**: Todo\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)
ONE_HEADING_FRAME = ("# Debt", "## Service cleanups", "## Notes", "Reviewed every quarter.")
ONE_CHECKBOX = (
    "# Debt\n\n## Platform chores\n\n- [ ] Socket cache q1\n  cursor webhook\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)
ONE_CHECKBOX_FRAME = ("# Debt", "## Platform chores", "## Notes", "Reviewed every quarter.")


@settings(max_examples=1, database=None)
@given(st.none())
def test_a_faulted_cycle_that_synced_a_field_is_where_the_next_edits_start(_: None) -> None:
    """The machine's own oracle, on a history its memory profile found: a body cleared in the
    register and pushed by a cycle a person's save did not disturb, then typed and deleted
    again while a tracker's person rewrote it. The tracker's text rightly wins (the register
    is back where both sides agreed); the oracle, counting only fault-free cycles, called it
    the register's edit lost."""
    text = ONE_HEADING.replace("**Status**: Todo\n", "**Status**: Todo\n\nfixture cache\n")
    machine = SyncMachine(MEMORY, None)
    machine.start(GeneratedRegister(text, ONE_HEADING_FRAME, 2), False, True)
    machine.register_rewrites_body(pick=0, body="")
    machine.reconcile_with_fault(which=0, fault="save_read", count=1, status=500)
    machine.register_rewrites_body(pick=0, body="cache")
    machine.tracker_rewrites_body(which=0, pick=0, body="cache codec shader", keep=True)
    machine.register_rewrites_body(pick=0, body="")
    try:
        machine.settle_and_check()
        assert parsed(machine.text()).items[0].body == "cache codec shader"
    finally:
        machine.teardown()


@settings(max_examples=1, database=None)
@given(st.none())
def test_a_faulted_cycle_that_failed_agrees_on_nothing(_: None) -> None:
    """The other half, which a first cut of that rule got wrong: a status set to done on both
    sides, a cycle that fails before reading, and the tracker's person reopening. For the
    engine the tracker never changed (its base is still todo), so the register's done wins;
    both sides once holding one value is no agreement the engine made."""
    machine = SyncMachine(MEMORY, None)
    machine.start(GeneratedRegister(ONE_HEADING, ONE_HEADING_FRAME, 2), False, True)
    machine.register_sets_status(pick=0, status=Status.DONE)
    machine.tracker_closes_or_reopens(which=0, pick=0, closed=True)
    machine.reconcile_with_fault(which=0, fault="fail", count=1, status=500)
    machine.tracker_closes_or_reopens(which=0, pick=0, closed=False)
    try:
        machine.settle_and_check()
        assert parsed(machine.text()).items[0].status is Status.DONE
    finally:
        machine.teardown()


@settings(max_examples=1, database=None)
@given(st.none())
def test_an_agreement_with_one_target_is_one_for_the_register_and_that_target(_: None) -> None:
    """Two targets: a body cleared in the register reaches beta while alpha's reading fails;
    the register's person types a word and deletes it, beta's person rewrites the body. Beta's
    text rightly wins (the register is back where it agreed with beta); the oracle, asking
    every target to agree, called the register's edit lost."""
    machine = SyncMachine(MEMORY, None)
    machine.start(GeneratedRegister(ONE_CHECKBOX, ONE_CHECKBOX_FRAME, 2), True, True)
    machine.register_rewrites_body(pick=0, body="")
    machine.reconcile_with_fault(which=0, fault="timeout", count=1, status=502)
    machine.register_rewrites_body(pick=0, body="fixture")
    machine.tracker_rewrites_body(which=1, pick=0, body="payload socket", keep=False)
    machine.register_rewrites_body(pick=0, body="")
    try:
        machine.settle_and_check()
        assert parsed(machine.text()).items[0].body == "payload socket"
    finally:
        machine.teardown()


@settings(max_examples=1, database=None)
@given(st.none())
def test_an_agreement_with_one_target_is_none_for_another(_: None) -> None:
    """The same two targets, seen from alpha: its person rewrites the body and puts it back
    while a cycle brings the register's cleared body to beta only. For the engine alpha never
    changed, so the register's "" reaches it; beta's agreement is no boundary in alpha's own
    edits, which undid themselves."""
    machine = SyncMachine(MEMORY, None)
    machine.start(GeneratedRegister(ONE_CHECKBOX, ONE_CHECKBOX_FRAME, 2), True, True)
    machine.register_rewrites_body(pick=0, body="")
    machine.tracker_rewrites_body(which=0, pick=0, body="fixture", keep=True)
    machine.reconcile_with_fault(which=0, fault="timeout", count=1, status=502)
    machine.tracker_rewrites_body(which=0, pick=0, body="cursor webhook", keep=True)
    try:
        machine.settle_and_check()
        assert parsed(machine.text()).items[0].body == ""
    finally:
        machine.teardown()
