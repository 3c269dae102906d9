"""A Hypothesis state machine over the whole engine: register, fake trackers, store, run_cycle.

The example-based tests pin down single behaviours; this one looks for the sequences nobody
thought to write down: a retitle in the register, an issue closed in GitLab, a 502 halfway
through the next cycle (before or after the tracker acted), a 429, an answer held back past the
client's timeout, a person saving the file while syncer writes, an item removed, two more
cycles. After every such history the two sides must tell the same story, with nothing lost and
nothing doubled.

Each example starts from a small generated register (see `machine_support.registers`) synced to
GitLab, or to GitLab and GitHub, both fakes served over real HTTP and reached through the real
adapters. The rules edit either side, inject faults into the next cycle, and reconcile. The
invariants are checked at a *checkpoint*: after two fault-free cycles (a faulted cycle may need
one more to converge), and once more when the example ends. Between checkpoints the machine
records, per item and field, the last value each side was given by a person; at the checkpoint:

- both sides agree: every register item is linked to exactly one issue per target, with the
  same title, status and body; every sync-labelled issue is linked to exactly one item, unless
  it was closed because its item was removed;
- no duplicates: one issue per item and target (items carry a unique tag word in their title,
  so an issue is attributed to its item whatever its title became);
- no edit lost silently: a field ends as some side's latest value, and a side's latest value
  that did not win was either overwritten by a later edit elsewhere or recorded as a conflict;
- the register's bytes outside edited items are untouched: the frame lines (headings, prose, a
  person's own additions) survive in order, and items nobody touched since the last checkpoint
  are still there byte for byte;
- the store agrees too: its links are the links in the file, no conflict is left open under
  register-wins, no outbox entry is left pending, and one more cycle does nothing.

Knobs: `SYNCER_MACHINE_EXAMPLES` (200 by default: about 2 min on two cores, a third of it
waiting out timeouts),
`SYNCER_MACHINE_STEPS` (20 rules per example at most; 40 finds deeper histories),
`SYNCER_MACHINE_RANDOM=1` to explore new histories instead of CI's fixed ones, and
`SYNCER_MACHINE_KNOWN_BUGS=hit` to stop steering around the engine's known limit (see
`KNOWN_BUGS`). A failure shrinks slowly (each step is real HTTP and SQLite): let it,
the short history it ends with is worth the wait.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.model import Changes, IssueState, RemoteIssue, Status
from syncer.register import (
    Item,
    ItemKind,
    NewItem,
    Register,
    add_item,
    parse,
    remove_item,
    set_body,
    set_status,
    set_title,
)
from syncer.state.store import Store
from syncer.sync.cycle import BUSY_RETRIES, run_cycle, run_cycles
from syncer.sync.identity import RENAME_SIMILARITY, Target, normalized_title
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.merge import Policy
from syncer.sync.operations import describe
from syncer.sync.plan import PlanOptions
from syncer.sync.progress import CycleReport
from syncer.trackers.base import Tracker

from .machine_support import (
    CHECKBOX_SECTION,
    HEADING_SECTION,
    SYNC_LABEL,
    TIMEOUTS,
    GeneratedRegister,
    SavesMidCycle,
    bodies,
    edited_body,
    is_subsequence,
    make_tracker,
    normalize_body,
    phrases,
    raw_body,
    registers,
    tag_of,
    tagged,
)

EXAMPLES = int(os.environ.get("SYNCER_MACHINE_EXAMPLES", "200"))
REGISTER = "debt"
FIELDS = ("title", "status", "body")
KINDS = {"gitlab": "gitlab", "github": "github"}

KNOWN_BUGS = os.environ.get("SYNCER_MACHINE_KNOWN_BUGS", "avoid") == "avoid"
"""Steer clear of the engine's known limit (docs/sync.md, "Identity and matching"), so the
machine keeps looking for new bugs: a link that never reached the file is found again by the
item's key or a title 60% alike, so an item renamed outright, or removed while a look-alike is
added, before it does is taken for another item. The machine runs single cycles (`run_cycle`),
which leave links out of a file a person saved mid-cycle; `run_cycles`, which reconcile uses,
re-runs the cycle at once and so narrows this to a person saving through every retry.
`SYNCER_MACHINE_KNOWN_BUGS=hit` walks into it."""

MACHINE_SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=int(os.environ.get("SYNCER_MACHINE_STEPS", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # CI replays the same histories every run (a red build names a change, not luck);
    # SYNCER_MACHINE_RANDOM=1 explores new ones.
    derandomize=not os.environ.get("SYNCER_MACHINE_RANDOM"),
    database=None,
)

Values = dict[str, str]


def similar(old: str, new: str) -> bool:
    """Whether the engine would take `new` for a rename of `old` (its own measure)."""
    a, b = normalized_title(old), normalized_title(new)
    return difflib.SequenceMatcher(None, a, b).ratio() >= RENAME_SIMILARITY


def values_of_item(item: Item) -> Values:
    return {"title": item.title, "status": item.status.value, "body": normalize_body(item.body)}


def values_of_issue(issue: RemoteIssue) -> Values:
    return {"title": issue.title, "status": issue.status.value, "body": normalize_body(issue.body)}


@dataclass(frozen=True)
class Edit:
    seq: int
    side: str
    """"register" or a target name."""
    value: str
    before: str | None
    """The field's value on that side just before (None: the item was born with it)."""


@dataclass
class Entity:
    """One logical item, followed by its tag through retitles on either side."""

    tag: int
    origin: str = "register"
    """Where a person made it: "register" or a target name."""
    removed: bool = False
    settled: Values = field(default_factory=dict)
    """Its values at the last checkpoint (empty if it was born since)."""
    edits: dict[str, list[Edit]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    """What people set each field to since the last checkpoint, in order."""
    touched: bool = True
    snapshot: str = ""
    """Its item's exact text at the last checkpoint."""


@dataclass
class Fakes:
    gitlab: FakeGitLab
    github: FakeGitHub

    def of(self, name: str) -> FakeTracker:
        fake: FakeTracker = self.gitlab if name == "gitlab" else self.github
        return fake


class SyncMachine(RuleBasedStateMachine):
    """See the module docstring. One instance per example; the fakes outlive it."""

    def __init__(self, fakes: Fakes) -> None:
        super().__init__()
        self.fakes = fakes
        self.tmp = Path(tempfile.mkdtemp(prefix="syncer-machine-", dir=_fast_tmp()))
        self.path = self.tmp / "TECH_DEBT.md"
        self.store = Store(self.tmp / "state.sqlite")
        self.targets: list[str] = []
        self.trackers: dict[str, Tracker] = {}
        self.entities: dict[int, Entity] = {}
        self.frame: list[str] = []
        self.next_tag = 1
        self.seq = 0
        self.clean_cycles: list[int] = []
        self.conflict_mark = 0
        self.persons = 0
        self.started = False

    # --- set-up ---------------------------------------------------------------------------

    @initialize(
        generated=registers(),
        two_targets=st.booleans(),
        synced=st.sampled_from([True, True, True, False]),
    )
    def start(self, generated: GeneratedRegister, two_targets: bool, synced: bool) -> None:
        """The register, and mostly a first clean sync (else the tracker rules have nothing to
        edit until a cycle runs; a quarter of examples start unsynced, faults and all)."""
        self.targets = ["gitlab", "github"] if two_targets else ["gitlab"]
        for name in self.targets:
            self.fakes.of(name).reset()
            self.trackers[name] = make_tracker(KINDS[name], self.fakes.of(name))
        self.path.write_bytes(generated.text.encode("utf-8"))
        self.frame = list(generated.frame)
        self.next_tag = generated.next_tag
        for item in parse(generated.text).items:
            tag = tag_of(item.title)
            assert tag is not None, item.title
            self.entities[tag] = Entity(tag, settled=values_of_item(item))
        self.started = True
        if synced:
            self.clean_cycle()

    def teardown(self) -> None:
        try:
            if self.started:
                self.settle_and_check()
        finally:
            self.store.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------

    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    def register(self) -> Register:
        return parse(self.text())

    def write(self, text: str) -> None:
        self.path.write_bytes(text.encode("utf-8"))

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def target_named(self, pick: int) -> str:
        return self.targets[pick % len(self.targets)]

    def item_of(self, register: Register, pick: int) -> Item | None:
        return register.items[pick % len(register.items)] if register.items else None

    def entity_of(self, item: Item) -> Entity:
        tag = tag_of(item.title)
        assert tag is not None, f"an item the machine does not know: {item.title!r}"
        return self.entities[tag]

    def record(self, entity: Entity, side: str, before: Values | None, after: Values) -> None:
        """Log the fields a person's edit really changed (a no-op edit is no edit); `before`
        None: the item was just born on that side, with all of its values."""
        seq = self.tick()
        for name in FIELDS:
            if before is None or after[name] != before[name]:
                was = None if before is None else before[name]
                entity.edits[name].append(Edit(seq, side, after[name], was))
                entity.touched = True

    def job(self, wrap: Mapping[str, Tracker] | None = None) -> RegisterJob:
        specs = [
            TargetSpec(name, KINDS[name], self.fakes.of(name).repo, self.trackers[name])
            for name in self.targets
        ]
        if wrap:
            specs = [
                TargetSpec(s.name, s.kind, s.repo, wrap[s.name]) if s.name in wrap else s
                for s in specs
            ]
        options = PlanOptions(policy=Policy.REGISTER_WINS)
        return RegisterJob(REGISTER, self.path, specs, options=options)

    def clean_cycle(self) -> CycleReport:
        report = run_cycle(self.job(), self.store)
        note(f"cycle: {dict(report.counts)}")
        for what in report.counts:
            event(f"clean cycle did: {what}")
        assert not report.errors and not report.refused, (report.errors, report.refused)
        self.clean_cycles.append(self.tick())
        return report

    def current(self, entity: Entity) -> Item:
        """The entity's item as the file says now (the machine's own edits moved it)."""
        return next(i for i in self.register().items if tag_of(i.title) == entity.tag)

    def linked_ref(self, item: Item, target: str) -> str | None:
        spec = Target(target, KINDS[target], self.fakes.of(target).repo, {}, ())
        refs = [ref for link in item.links if (ref := spec.ref_of(link.text)) is not None]
        return refs[0] if refs else None

    def would_refuse(self, register: Register) -> bool:
        """The planner's guard against a truncated file, restated: removing an item must not
        make the next cycle refuse to run (that refusal is tested elsewhere)."""
        if not register.items:
            return True
        linked = found = 0
        for name in self.targets:
            spec = Target(name, KINDS[name], self.fakes.of(name).repo, {}, ())
            for record in self.store.links(REGISTER, name):
                linked += 1
                found += any(
                    any(spec.ref_of(link.text) == record.ref for link in item.links)
                    or (item.key == record.item_key and not item.links)
                    for item in register.items
                )
        return linked > 0 and found * 2 < linked

    # --- the register, edited by a person ---------------------------------------------------

    def edit_register(self, item: Item, name: str, value: str) -> None:
        """A person sets one field of `item` in the file: a title phrase (its tag is kept), a
        status value, or a body."""
        register = self.register()
        entity = self.entity_of(item)
        if name == "title":
            title = tagged(value, entity.tag)
            if KNOWN_BUGS and not all(similar(old, title) for old in self.unwritten(entity)):
                return  # KNOWN LIMIT (see KNOWN_BUGS)
            text = set_title(register, item.key, title)
        elif name == "status":
            if item.kind is ItemKind.CHECKBOX and value == Status.IN_PROGRESS:
                return  # a plain checkbox list has no way to say "in progress"
            text = set_status(register, item.key, Status(value))
        else:
            text = set_body(register, item.key, value)
        self.write(text)
        changed = next(i for i in parse(text).items if tag_of(i.title) == entity.tag)
        self.record(entity, "register", values_of_item(item), values_of_item(changed))

    @rule(pick=st.integers(0, 99), status=st.sampled_from(list(Status)))
    def register_sets_status(self, pick: int, status: Status) -> None:
        item = self.item_of(self.register(), pick)
        if item is not None:
            self.edit_register(item, "status", status.value)

    @rule(pick=st.integers(0, 99), phrase=phrases)
    def register_retitles(self, pick: int, phrase: str) -> None:
        item = self.item_of(self.register(), pick)
        if item is not None:
            self.edit_register(item, "title", phrase)

    @rule(pick=st.integers(0, 99), body=bodies)
    def register_rewrites_body(self, pick: int, body: str) -> None:
        item = self.item_of(self.register(), pick)
        if item is not None:
            self.edit_register(item, "body", body)

    @rule(
        phrase=phrases,
        status=st.sampled_from([Status.TODO, Status.DONE]),
        body=bodies,
        section=st.sampled_from([CHECKBOX_SECTION, HEADING_SECTION, None]),
    )
    def register_adds_item(
        self, phrase: str, status: Status, body: str, section: str | None
    ) -> None:
        tag = self.next_tag
        self.next_tag += 1
        new = NewItem(title=tagged(phrase, tag), status=status, body=body, section=section)
        after = parse(add_item(self.register(), new))
        self.write(after.text)
        item = next(i for i in after.items if tag_of(i.title) == tag)
        entity = self.entities[tag] = Entity(tag)
        self.record(entity, "register", None, values_of_item(item))

    @rule(pick=st.integers(0, 99))
    def register_removes_item(self, pick: int) -> None:
        register = self.register()
        item = self.item_of(register, pick)
        if item is None:
            return
        after = parse(remove_item(register, item.key))
        if self.would_refuse(after):
            return
        if KNOWN_BUGS and not self.all_linked(register):
            # KNOWN LIMIT (see KNOWN_BUGS): a link that never reached the file is found again
            # by title, so a removal is a rename to whichever similar item is added next
            return
        self.write(after.text)
        entity = self.entity_of(item)
        entity.removed = True
        self.tick()

    @rule(pick=st.integers(0, 99))
    def register_swaps_neighbours(self, pick: int) -> None:
        """Reordering is no change: keys come from titles, links from the items themselves."""
        register = self.register()
        pairs = [
            (a, b)
            for a, b in zip(register.items, register.items[1:], strict=False)
            if a.kind is b.kind
            and a.section == b.section
            and not register.text[a.at[1] : b.at[0]].strip()
        ]
        if not pairs:
            return
        a, b = pairs[pick % len(pairs)]
        text = register.text
        swapped = (
            text[: a.at[0]]
            + text[b.at[0] : b.at[1]]
            + text[a.at[1] : b.at[0]]
            + text[a.at[0] : a.at[1]]
            + text[b.at[1] :]
        )
        before = [values_of_item(i) for i in (a, b)]
        after = parse(swapped)
        moved = [next(i for i in after.items if i.title == x.title) for x in (a, b)]
        assert [values_of_item(i) for i in moved] == before, "a swap changed what items say"
        self.write(swapped)
        self.tick()

    # --- the trackers, edited by a person ---------------------------------------------------

    def linked_issue(self, target: str, pick: int) -> tuple[Entity, str, RemoteIssue] | None:
        """An issue of `target` whose item is in the register and linked to it."""
        register = self.register()
        linked = [(i, ref) for i in register.items if (ref := self.linked_ref(i, target))]
        if not linked:
            return None
        item, ref = linked[pick % len(linked)]
        return self.entity_of(item), ref, self.trackers[target].get(ref)

    def edit_tracker(
        self, target: str, ref: str, name: str, value: str, keep_footer: bool = True
    ) -> None:
        """A person changes one field of issue `ref` in the tracker's web page: a title phrase
        (its tag is kept), "closed"/"open", or the text above syncer's footer (or, with
        `keep_footer` False, the whole description, marker included)."""
        fake = self.fakes.of(target)
        before = self.trackers[target].get(ref)
        tag = tag_of(before.title)
        assert tag is not None, before.title
        if name == "title":
            fake.human_edit(ref, title=tagged(value, tag))
        elif name == "status":
            fake.human_edit(ref, closed=value == "closed")
        else:
            fake.human_edit(ref, body=edited_body(raw_body(target, fake, ref), value, keep_footer))
        after = self.trackers[target].get(ref)
        self.record(self.entities[tag], target, values_of_issue(before), values_of_issue(after))

    @rule(which=st.integers(0, 1), pick=st.integers(0, 99), phrase=phrases)
    def tracker_retitles(self, which: int, pick: int, phrase: str) -> None:
        target = self.target_named(which)
        found = self.linked_issue(target, pick)
        if found is not None:
            self.edit_tracker(target, found[1], "title", phrase)

    @rule(which=st.integers(0, 1), pick=st.integers(0, 99), closed=st.booleans())
    def tracker_closes_or_reopens(self, which: int, pick: int, closed: bool) -> None:
        target = self.target_named(which)
        found = self.linked_issue(target, pick)
        if found is not None:
            self.edit_tracker(target, found[1], "status", "closed" if closed else "open")

    @rule(which=st.integers(0, 1), pick=st.integers(0, 99), body=bodies, keep=st.booleans())
    def tracker_rewrites_body(self, which: int, pick: int, body: str, keep: bool) -> None:
        """A person rewrites the description above syncer's footer, or wipes it all."""
        target = self.target_named(which)
        found = self.linked_issue(target, pick)
        if found is not None:
            self.edit_tracker(target, found[1], "body", body, keep)

    @rule(
        which=st.integers(0, 1),
        pick=st.integers(0, 99),
        name=st.sampled_from(FIELDS),
        phrase=phrases,
        status=st.sampled_from(list(Status)),
        body=bodies,
        their_phrase=phrases,
        their_body=bodies,
        tracker_first=st.booleans(),
        other_tracker=st.booleans(),
    )
    def both_sides_edit(
        self,
        which: int,
        pick: int,
        name: str,
        phrase: str,
        status: Status,
        body: str,
        their_phrase: str,
        their_body: str,
        tracker_first: bool,
        other_tracker: bool,
    ) -> None:
        """The same field of the same item changed on two sides before the next cycle: the
        register and a tracker, or (`other_tracker`, with two targets) both trackers. This is
        what makes conflicts; the one-sided rules rarely line up on one field.

        The first side gets `phrase`/`status`/`body`, the tracker `their_phrase`, the opposite
        of its state, or `their_body`: a status edit always differs on the tracker's side."""
        target = self.target_named(which)
        found = self.linked_issue(target, pick)
        if found is None:
            return
        entity, ref, issue = found
        ours = {"title": phrase, "status": status.value, "body": body}[name]
        closed = issue.state is IssueState.CLOSED
        theirs = {"title": their_phrase, "status": "open" if closed else "closed"}.get(
            name, their_body
        )
        second = next((t for t in self.targets if t != target), None) if other_tracker else None
        second_ref = self.linked_ref(self.current(entity), second) if second else None
        edits: list[Callable[[], None]] = [lambda: self.edit_tracker(target, ref, name, theirs)]
        if second is not None and second_ref is not None:
            done = "closed" if status is Status.DONE else "open"
            value = done if name == "status" else ours
            edits.append(lambda: self.edit_tracker(second, second_ref, name, value))
        else:
            edits.append(lambda: self.edit_register(self.current(entity), name, ours))
        for edit in edits if tracker_first else reversed(edits):
            edit()

    @rule(which=st.integers(0, 1), phrase=phrases, body=bodies)
    def tracker_adds_issue(self, which: int, phrase: str, body: str) -> None:
        target = self.target_named(which)
        tag = self.next_tag
        self.next_tag += 1
        ref = self.fakes.of(target).add_issue(tagged(phrase, tag), body, labels=(SYNC_LABEL,))
        entity = self.entities[tag] = Entity(tag, origin=target)
        issue = self.trackers[target].get(ref)
        self.record(entity, target, None, values_of_issue(issue))

    # --- cycles -----------------------------------------------------------------------------

    @rule()
    def reconcile(self) -> None:
        self.clean_cycle()

    @rule(
        which=st.integers(0, 1),
        fault=st.sampled_from(
            ["fail", "fail_after_acting", "throttle", "timeout", "save_read", "save_write"]
        ),
        count=st.integers(1, 6),
        status=st.sampled_from([500, 502, 503]),
    )
    def reconcile_with_fault(self, which: int, fault: str, count: int, status: int) -> None:
        """One cycle with a fault injected; it may fail in part, never corrupt anything."""
        target = self.target_named(which)
        fake = self.fakes.of(target)
        wrap: dict[str, Tracker] = {}
        if fault == "fail":
            fake.fail_next(count, status)
        elif fault == "fail_after_acting":
            if isinstance(fake, FakeGitHub):
                fake.fail_next(count, status, acted=True)
            else:
                fake.fail_next(count, status)
        elif fault == "throttle":
            fake.throttle_next(count, retry_after=1.0)
        elif fault == "timeout":
            # Answers held back past the client's patience, the work done regardless: the
            # adapter must not repeat a write it cannot tell was made (a second issue)
            patience = TIMEOUTS[KINDS[target]]
            fake.stall_next(1, seconds=patience + 0.3)
            wrap[target] = make_tracker(KINDS[target], fake, timeout_seconds=patience)
        else:
            self.persons += 1
            line = f"Saved by a person mid-cycle, pass {self.persons}."
            wrap[target] = SavesMidCycle(
                self.trackers[target], self.path, line, fault.removeprefix("save_")
            )
        before = self.text()
        try:
            report = run_cycle(self.job(wrap), self.store)
        finally:
            for name in self.targets:
                self.fakes.of(name).clear_faults()
        note(f"faulted cycle ({fault} x{count} on {target}): {dict(report.counts)}")
        event(f"faulted cycle ({fault}): {'errors' if report.errors else 'no error'}")
        self.tick()
        assert not report.refused, report.refused
        saver = wrap.get(target)
        if isinstance(saver, SavesMidCycle) and saver.fired:
            self.frame.append(saver.line)
            saved = before + "\n" + saver.line + "\n"
            assert not report.register_written, "wrote over a file a person had just saved"
            assert self.text() == saved, "the person's save was not kept as they saved it"

    @rule()
    def settle_and_check(self) -> None:
        """Two fault-free cycles, then every invariant, then a checkpoint."""
        self.clean_cycle()
        second = self.clean_cycle()
        self.check()
        if second.plan is not None and second.plan.operations:
            # Converged data must also be quiet: one more cycle finds nothing to do (the
            # echoes of its own writes are no-ops). Skipped when the second cycle showed it.
            text = self.text()
            last = self.clean_cycle()
            assert last.plan is not None and not last.plan.operations, [
                describe(op) for op in (last.plan.operations if last.plan else ())
            ]
            assert self.text() == text, "a converged register changed again"
        self.checkpoint()

    # --- where the known engine bugs lie (see KNOWN_BUGS) -----------------------------------

    def unwritten(self, entity: Entity) -> list[str]:
        """The titles the entity had when links to it were stored that never reached the file
        (a person's save skipped the write): the engine finds the item again by that title."""
        written = {
            (name, ref)
            for item in self.register().items
            for name in self.targets
            if (ref := self.linked_ref(item, name)) is not None
        }
        return [
            title
            for name in self.targets
            for record in self.store.links(REGISTER, name)
            if (name, record.ref) not in written
            and tag_of(title := record.base_register.get("title") or "") == entity.tag
        ]

    def all_linked(self, register: Register) -> bool:
        """Whether every item's link to every target is written, and the store has no other:
        then nothing can be mistaken for an item just removed."""
        written = {
            (name, ref)
            for item in register.items
            for name in self.targets
            if (ref := self.linked_ref(item, name)) is not None
        }
        stored = {(name, r.ref) for name in self.targets for r in self.store.links(REGISTER, name)}
        return len(written) == len(register.items) * len(self.targets) and stored == written

    # --- invariants -------------------------------------------------------------------------

    def check(self) -> None:
        text = self.text()
        register = parse(text)
        items: dict[int, list[Item]] = {}
        for item in register.items:
            tag = tag_of(item.title)
            assert tag in self.entities, f"an item nobody made: {item.title!r}"
            items.setdefault(tag, []).append(item)
        for tag, entity in self.entities.items():
            found = items.get(tag, [])
            if entity.removed:
                assert not found, f"q{tag} was removed from the register but came back"
            else:
                assert len(found) == 1, f"q{tag} is in the register {len(found)} times"

        ref_tags: dict[tuple[str, str], int] = {}
        for target in self.targets:
            self.check_target(register, items, target, ref_tags)
        self.check_edits(items, ref_tags)
        self.check_bytes(text, items)
        assert not self.store.conflicts(REGISTER), "a conflict left open under register-wins"
        assert not self.store.pending(REGISTER), "an outbox entry left pending"

    def check_target(
        self,
        register: Register,
        items: dict[int, list[Item]],
        target: str,
        ref_tags: dict[tuple[str, str], int],
    ) -> None:
        issues = {i.ref: i for i in self.trackers[target].list_changed(None).issues}
        linked: Counter[str] = Counter()
        for item in register.items:
            spec = Target(target, KINDS[target], self.fakes.of(target).repo, {}, ())
            refs = [ref for link in item.links if (ref := spec.ref_of(link.text)) is not None]
            assert len(refs) == 1, f"{item.title!r} has {len(refs)} links to {target}"
            linked[refs[0]] += 1
            issue = issues.get(refs[0])
            assert issue is not None, f"{item.title!r} links to a missing {target} issue"
            assert values_of_issue(issue) == values_of_item(item), (target, refs[0])
        stored = {record.ref for record in self.store.links(REGISTER, target)}
        assert stored == set(linked), ("store links differ from the file's", target)
        per_tag: Counter[int] = Counter()
        for ref, issue in issues.items():
            tag = tag_of(issue.title)
            assert tag is not None and tag in self.entities, f"{target} #{ref}: {issue.title!r}"
            ref_tags[(target, ref)] = tag
            per_tag[tag] += 1
            assert linked[ref] <= 1, f"{target} #{ref} is linked by {linked[ref]} items"
            if not linked[ref]:
                assert self.entities[tag].removed, f"{target} #{ref} (q{tag}) is orphaned"
                assert issue.state is IssueState.CLOSED, f"{target} #{ref} of a removed item open"
        for tag, count in per_tag.items():
            assert count == 1, f"q{tag} has {count} issues in {target}"
        markers = Counter(i.marker for i in issues.values() if i.marker)
        assert all(n == 1 for n in markers.values()), ("one marker on two issues", markers)

    def check_edits(
        self, items: dict[int, list[Item]], ref_tags: dict[tuple[str, str], int]
    ) -> None:
        conflicts = [
            c for c in self.store.conflicts(REGISTER, state=None) if c.id > self.conflict_mark
        ]
        conflicted = {(ref_tags.get((c.target, c.ref)), c.field) for c in conflicts}
        for tag, entity in self.entities.items():
            if entity.removed:
                continue
            final = values_of_item(items[tag][0])
            for name in FIELDS:
                edits = entity.edits[name]
                if not edits:
                    assert final[name] == entity.settled[name], (
                        f"q{tag}.{name} changed with nobody editing it",
                        entity.settled[name],
                        final[name],
                    )
                    continue
                runs = self.runs(edits)
                allowed = {run[-1].value for run in runs.values()}
                assert final[name] in allowed, (
                    f"q{tag}.{name} ended as a value no side set",
                    final[name],
                    edits,
                )
                for side, run in runs.items():
                    last = run[-1]
                    if last.value == final[name] or last.value == run[0].before:
                        continue  # it won, or its edits since the last cycle undid themselves
                    overtaken = any(e.seq > last.seq and e.side != side for e in edits)
                    assert overtaken or (tag, name) in conflicted, (
                        f"q{tag}.{name}: {side}'s edit to {last.value!r} was lost silently",
                        final[name],
                        edits,
                    )

    def runs(self, edits: list[Edit]) -> dict[str, list[Edit]]:
        """Per side, its edits since the last clean cycle before its latest edit.

        A cycle sees only where a field ends, so "done, then todo again" between two cycles is
        no change at all: the three-way merge cannot (and should not) tell it from nothing.
        """
        runs: dict[str, list[Edit]] = {}
        for edit in edits:
            run = runs.setdefault(edit.side, [])
            if run and any(run[-1].seq < c < edit.seq for c in self.clean_cycles):
                run.clear()
            run.append(edit)
        return runs

    def check_bytes(self, text: str, items: dict[int, list[Item]]) -> None:
        missing = is_subsequence(self.frame, text.splitlines())
        assert missing is None, f"a line outside every item changed: {missing!r}"
        for tag, entity in self.entities.items():
            if entity.removed or entity.touched:
                continue
            assert entity.snapshot in text, f"q{tag} changed though nobody touched it"

    def checkpoint(self) -> None:
        text = self.text()
        for item in parse(text).items:
            entity = self.entity_of(item)
            entity.settled = values_of_item(item)
            entity.edits = {f: [] for f in FIELDS}
            entity.touched = False
            entity.snapshot = text[item.at[0] : item.at[1]]
        conflicts = self.store.conflicts(REGISTER, state=None)
        self.conflict_mark = max((c.id for c in conflicts), default=self.conflict_mark)


def _fast_tmp() -> str | None:
    """Keep the register and the store in memory where the OS offers it (fsyncs are free)."""
    return "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    """One GitLab and one GitHub for every example: each example empties them first."""
    with FakeGitLab() as gitlab, FakeGitHub(rate_limit=10**9) as github:
        yield Fakes(gitlab, github)


def test_register_and_trackers_tell_the_same_story(fakes: Fakes) -> None:
    class Machine(SyncMachine):
        def __init__(self) -> None:
            super().__init__(fakes)

    run_state_machine_as_test(Machine, settings=MACHINE_SETTINGS)


# --- what the machine found, pinned down as plain tests ------------------------------------
#
# Fixed by the engine owner as they were found (kept as regressions): a failed cycle's log call
# raising, an item added from a tracker lost to a mid-cycle save, a renamed item with an
# unwritten link getting a second issue, a body and a link written into one line, a value
# relayed through a busy register agreed too early, a body slipping under an added item, a
# removed item's issue handed to a look-alike new item, a person's undo of a relayed value lost,
# an item renamed outright before its link reached the file (the cycle now runs again at once;
# a person saving through every retry is a known limit: docs/sync.md, and KNOWN_BUGS).

SMALL = (
    "# Debt\n\n## Platform chores\n\n- [ ] **Cache the parser q1** - it is slow\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)
HEADING = (
    "# Debt\n\n## Service cleanups\n\n### Cache the parser q1\n**Status**: Todo\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)


@dataclass
class Small:
    """A one-item register and a store on a temp dir, against the emptied shared fakes."""

    path: Path
    store: Store
    gitlab: TargetSpec
    github: TargetSpec

    def job(self, *targets: TargetSpec) -> RegisterJob:
        return RegisterJob(REGISTER, self.path, list(targets or (self.gitlab,)))

    def busy_job(self, spec: TargetSpec, moment: str, *others: TargetSpec) -> RegisterJob:
        """A job whose `spec` tracker lets a person save the file at `moment` of the cycle."""
        saver = SavesMidCycle(spec.tracker, self.path, "A note a person saved.", moment)
        return self.job(replace(spec, tracker=saver), *others)

    def items(self) -> tuple[Item, ...]:
        return parse(self.path.read_text("utf-8")).items


@pytest.fixture
def small(fakes: Fakes, tmp_path: Path) -> Iterator[Small]:
    for fake in (fakes.gitlab, fakes.github):
        fake.reset()
    path = tmp_path / "TECH_DEBT.md"
    path.write_text(SMALL, "utf-8")
    specs = [
        TargetSpec(
            name, KINDS[name], fakes.of(name).repo, make_tracker(KINDS[name], fakes.of(name))
        )
        for name in ("gitlab", "github")
    ]
    with Store(tmp_path / "state.sqlite") as store:
        yield Small(path, store, *specs)
    for fake in (fakes.gitlab, fakes.github):
        fake.reset()


def test_a_failed_cycle_returns_its_report(fakes: Fakes, small: Small) -> None:
    """A tracker answering 500 to every retry gives a report with the error; it once raised a
    TypeError from the cycle's log line (`errors=` and `**counts` both held "errors")."""
    run_cycle(small.job(), small.store)
    fakes.gitlab.fail_next(3, 500)
    try:
        report = run_cycle(small.job(), small.store)
    finally:
        fakes.gitlab.clear_faults()
    assert report.counts["errors"] == 1 and report.errors


def test_issue_added_in_a_tracker_survives_a_mid_cycle_save(fakes: Fakes, small: Small) -> None:
    """The link of an item added from a tracker was stored before the guarded write; when a
    person's save skipped that write, the next cycle closed the issue as removed."""
    run_cycle(small.job(), small.store)
    ref = fakes.gitlab.add_issue("Vendor the codec q2", "found in review", labels=(SYNC_LABEL,))
    busy = run_cycle(small.busy_job(small.gitlab, "read"), small.store)
    assert busy.counts["register_busy"] == 1, busy.counts
    run_cycle(small.job(), small.store)
    run_cycle(small.job(), small.store)
    assert "Vendor the codec q2" in [item.title for item in small.items()]
    assert small.gitlab.tracker.get(ref).state is IssueState.OPEN


def test_item_retitled_before_its_link_reached_the_file_keeps_it(
    fakes: Fakes, small: Small
) -> None:
    """A link only the store knows (a person's save skipped the write) was matched by key
    alone: retitling the item first gave it a second issue and closed the first."""
    small.path.write_text(SMALL.replace("\n\n## Notes", "\n- [ ] Tidy the logger q2\n\n## Notes"))
    busy = run_cycle(small.busy_job(small.gitlab, "write"), small.store)
    assert busy.counts == {"created": 2, "register_busy": 1}, busy.counts
    first = small.items()[0]
    register = parse(small.path.read_text("utf-8"))
    small.path.write_text(set_title(register, first.key, "Cache the lexer q1"), "utf-8")
    for _ in range(2):
        report = run_cycle(small.job(), small.store)
        assert not report.refused, report.refused
    assert [link.text for link in small.items()[0].links] == [f"{fakes.gitlab.repo}#1"]
    assert fakes.gitlab.issue_count() == 2, "a second issue was made for the retitled item"
    assert small.gitlab.tracker.get("1").title == "Cache the lexer q1"


def test_body_and_link_written_in_one_cycle_stay_apart(fakes: Fakes, small: Small) -> None:
    """A body pulled into a heading item with none, and a link to a new issue elsewhere, both
    went to the end of its 'Tracked in' line in one cycle: the link became body text."""
    small.path.write_text(HEADING, "utf-8")
    assert run_cycle(small.job(), small.store).counts["created"] == 1
    fakes.gitlab.human_edit("1", body="It is slow.")
    # GitHub joins (or its create failed last time): one cycle pulls the body from GitLab and
    # links the new GitHub issue.
    report = run_cycle(small.job(small.gitlab, small.github), small.store)
    assert report.counts["created"] == 1 and not report.errors, report.counts
    item = small.items()[0]
    assert item.body == "It is slow."
    assert len(item.links) == 2


def test_value_relayed_through_a_busy_register_is_agreed_only_once_written(
    fakes: Fakes, small: Small
) -> None:
    """A value pulled from GitLab and pushed to GitHub in a cycle whose register write a
    person's save skipped advanced GitHub's base to a pair nobody agreed on (the old register
    value, the new tracker one); when GitLab went back, GitHub kept the other value for good."""
    both = small.job(small.gitlab, small.github)
    assert run_cycle(both, small.store).counts["created"] == 2
    fakes.gitlab.human_edit("1", title="Cache the lexer q1")
    busy = run_cycle(small.busy_job(small.gitlab, "read", small.github), small.store)
    assert busy.counts["register_busy"] == 1 and busy.counts["updated"] == 1, busy.counts
    fakes.gitlab.human_edit("1", title="Cache the parser q1")  # they changed their mind
    run_cycle(both, small.store)
    run_cycle(both, small.store)
    titles = {
        "register": small.items()[0].title,
        "gitlab": small.gitlab.tracker.get("1").title,
        "github": small.github.tracker.get("1").title,
    }
    assert len(set(titles.values())) == 1, titles


def test_item_renamed_beyond_recognition_after_a_busy_cycle_keeps_its_issue(
    fakes: Fakes, small: Small
) -> None:
    """Links kept out of the file by a person's save mid-cycle were only found again by key or
    a title 60% alike: renamed outright ('Cache the parser q1' to 'Retire the old importer
    q1') before the next cycle, the item got a second issue and the first was closed. The
    cycle is now run again at once, so the links are in the file before anyone renames."""
    small.path.write_text(SMALL.replace("\n\n## Notes", "\n- [ ] Tidy the logger q2\n\n## Notes"))
    busy = run_cycles(small.busy_job(small.gitlab, "write"), small.store)
    assert busy.counts["register_busy"] == 1 and busy.counts["created"] == 2, busy.counts
    assert busy.register_written and not busy.errors, busy.errors
    assert all(item.links for item in small.items()), "the retry wrote the links in"
    register = parse(small.path.read_text("utf-8"))
    renamed = set_title(register, register.items[0].key, "Retire the old importer q1")
    small.path.write_text(renamed, "utf-8")
    run_cycle(small.job(), small.store)
    assert fakes.gitlab.issue_count() == 2, "a second issue was made for the renamed item"
    assert small.gitlab.tracker.get("1").title == "Retire the old importer q1"
    assert "A note a person saved." in small.path.read_text("utf-8")


class KeepsTyping(SavesMidCycle):
    """A person saving the file in every cycle, as an editor autosaving while they type."""

    def list_changed(self, cursor: str | None) -> Changes:
        self.fired = False
        return super().list_changed(cursor)


def test_a_person_saving_through_every_retry_is_never_overwritten(
    fakes: Fakes, small: Small
) -> None:
    typing = KeepsTyping(small.gitlab.tracker, small.path, "Still typing.", "read")
    report = run_cycles(small.job(replace(small.gitlab, tracker=typing)), small.store)
    assert report.counts["register_busy"] == 1 + BUSY_RETRIES, report.counts
    assert report.errors and not report.register_written
    assert small.path.read_text("utf-8").count("Still typing.") == 1 + BUSY_RETRIES
    assert fakes.gitlab.issue_count() == 1, "made once, found by its stored link after"


def test_body_pulled_into_an_item_stays_with_it_when_an_item_is_added_after_it(
    fakes: Fakes, small: Small
) -> None:
    """A body opened at the end of a heading item and an item added from a tracker right
    after it share an offset; the body once landed under the new item."""
    small.path.write_text(HEADING, "utf-8")
    assert run_cycle(small.job(), small.store).counts["created"] == 1
    fakes.gitlab.add_issue("Vendor the codec q2", labels=(SYNC_LABEL,))
    fakes.gitlab.human_edit("1", body="It is slow.")
    report = run_cycle(small.job(), small.store)
    assert report.counts["items_added"] == 1 and not report.errors, report.counts
    bodies = {item.title: item.body for item in small.items()}
    assert bodies == {"Cache the parser q1": "It is slow.", "Vendor the codec q2": ""}


def test_removed_items_issue_is_closed_not_given_to_a_new_item(fakes: Fakes, small: Small) -> None:
    """The stored link of an item removed from the register was taken for a link whose text
    never reached the file and handed to the closest-titled new item: 'Router q1' removed and
    'Router payload q3' added, #1 was retitled instead of closed."""
    others = "- [ ] Tidy the logger q2\n- [ ] Vendor the codec q2\n\n## Notes"
    text = SMALL.replace("**Cache the parser q1** - it is slow", "Router q1")
    small.path.write_text(text.replace("\n## Notes", others), "utf-8")
    assert run_cycle(small.job(), small.store).counts["created"] == 3
    register = parse(small.path.read_text("utf-8"))
    text = remove_item(register, register.items[0].key)
    small.path.write_text(add_item(parse(text), NewItem("Router payload q3")), "utf-8")
    report = run_cycle(small.job(), small.store)
    assert report.counts["closed"] == 1 and report.counts["created"] == 1, report.counts
    router = small.gitlab.tracker.get("1")
    assert (router.title, router.state) == ("Router q1", IssueState.CLOSED)


def test_edit_on_a_tracker_that_got_a_relayed_value_is_not_lost(fakes: Fakes, small: Small) -> None:
    """GitLab's close relayed to GitHub in a cycle whose register write a person's save
    skipped left GitHub's base at 'todo' though syncer had made it 'done': a person reopening
    it there looked like no change, and the next cycle closed it again, recording nothing."""
    both = small.job(small.gitlab, small.github)
    assert run_cycle(both, small.store).counts["created"] == 2
    fakes.gitlab.human_edit("1", closed=True)
    busy = run_cycle(small.busy_job(small.gitlab, "read", small.github), small.store)
    assert busy.counts["register_busy"] == 1 and busy.counts["updated"] == 1, busy.counts
    fakes.github.human_edit("1", closed=False)  # GitHub's person reopens what syncer closed
    run_cycle(both, small.store)
    run_cycle(both, small.store)
    github = small.github.tracker.get("1").status
    recorded = [c.field for c in small.store.conflicts(REGISTER, state=None)]
    assert github is Status.TODO or recorded == ["status"], (github, recorded)
