"""What the sync state machine (`test_state_machine.py`) checks, and the state it checks on.

The machine's rules change the world (a person's edits, faults, cycles); this half knows
where everything stands: one `Entity` per logical item, followed by the tag word in its title,
with the edits people made to each field since the last checkpoint, and the invariants the
module docstring of `test_state_machine.py` lists, checked at each checkpoint.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from syncer.model import IssueState, RemoteIssue
from syncer.register import Item, Register, parse
from syncer.state.records import Base
from syncer.state.store import Store
from syncer.sync.identity import Target
from syncer.trackers.base import Tracker

from .machine_support import is_subsequence, normalize_body, tag_of
from .machine_targets import Side

REGISTER = "debt"
FIELDS = ("title", "status", "body")
Values = dict[str, str]


@functools.lru_cache(maxsize=64)
def parsed(text: str) -> Register:
    """`parse`, remembered: the machine reads the same text many times between two writes."""
    return parse(text)


def values_of_item(item: Item) -> Values:
    return {"title": item.title, "status": item.status.value, "body": normalize_body(item.body)}


def values_of_issue(issue: RemoteIssue) -> Values:
    return {"title": issue.title, "status": issue.status.value, "body": normalize_body(issue.body)}


def base_value(base: Base, name: str) -> str:
    """A field of a stored base (register terms), as `values_of_item` reads the register."""
    value = base.get(name) or ""
    return normalize_body(value) if name == "body" else value


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
    agreed: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: {f: [] for f in FIELDS}
    )
    """(when, with which target) a faulted cycle brought the field to agreement (see `runs`)."""


class Oracle:
    """The machine's view of the world, and its invariants (mixed into `SyncMachine`)."""

    path: Path
    store: Store
    targets: list[str]
    sides: dict[str, Side]
    trackers: dict[str, Tracker]
    entities: dict[int, Entity]
    frame: list[str]
    """Lines outside every item, in order: they must survive every cycle verbatim."""
    clean_cycles: list[int]
    conflict_mark: int
    """The last conflict id seen at a checkpoint: the ones after it are this round's."""

    # --- reading the world --------------------------------------------------------------------

    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    def register(self) -> Register:
        return parsed(self.text())

    def entity_of(self, item: Item) -> Entity:
        tag = tag_of(item.title)
        assert tag is not None, f"an item the machine does not know: {item.title!r}"
        return self.entities[tag]

    def linked_ref(self, item: Item, target: str) -> str | None:
        refs = [ref for link in item.links if (ref := self.view(target).ref_of(link.text))]
        return refs[0] if refs else None

    def view(self, target: str) -> Target:
        """The target as the planner sees it, for reading the links written in the file."""
        side = self.sides[target]
        return Target(target, side.kind, side.repo, {}, ())

    # --- invariants -------------------------------------------------------------------------

    def check(self) -> None:
        text = self.text()
        register = parsed(text)
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
            spec = self.view(target)
            refs = [ref for link in item.links if (ref := spec.ref_of(link.text)) is not None]
            assert len(refs) == 1, f"{item.title!r} has {len(refs)} links to {target}"
            linked[refs[0]] += 1
            issue = issues.get(refs[0])
            assert issue is not None, f"{item.title!r} links to a missing {target} issue"
            assert values_of_issue(issue) == values_of_item(item), (
                target,
                refs[0],
                values_of_issue(issue),
                values_of_item(item),
                register.text,
            )
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
                runs = self.runs(edits, entity.agreed[name])
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

    def runs(self, edits: list[Edit], agreed: list[tuple[int, str]]) -> dict[str, list[Edit]]:
        """Per side, its edits since its last agreement before its latest edit: a clean cycle,
        or a faulted one that brought the field to agreement between the register and that
        side (for the register: any target).

        A cycle sees only where a field ends, so "done, then todo again" between two cycles is
        no change at all: the three-way merge cannot (and should not) tell it from nothing.
        """
        runs: dict[str, list[Edit]] = {}
        for edit in edits:
            mine = [seq for seq, target in agreed if edit.side in ("register", target)]
            run = runs.setdefault(edit.side, [])
            if run and any(run[-1].seq < c < edit.seq for c in [*self.clean_cycles, *mine]):
                run.clear()
            run.append(edit)
        return runs

    def mark_agreements(self, seq: int) -> None:
        """Record, after a faulted cycle, the fields it brought to agreement anyway (the fault
        was never met, or came after that field's work): an edit after it starts from there.
        Without this, "cleared the body, synced, typed a word, deleted it again" read as an
        edit to "" that a tracker's change then overwrote silently.

        Agreed means as the engine knows it, per target: the store's base, the register and
        the linked issue hold one value. Both sides holding one value is not enough: after a
        cycle that failed, a value both people set alike is still no agreement, and one side's
        undo of it is rightly no change. One target's agreement is not another's: the register
        may agree with beta on a value alpha never got."""
        bases = {
            (t, r.ref): r.base_register for t in self.targets for r in self.store.links(REGISTER, t)
        }
        for target in self.targets:
            issues = {i.ref: i for i in self.trackers[target].list_changed(None).issues}
            for item in self.register().items:
                ref = self.linked_ref(item, target)
                issue, base = issues.get(ref or ""), bases.get((target, ref or ""))
                if issue is None or base is None:
                    continue
                values, held = values_of_item(item), values_of_issue(issue)
                for name in FIELDS:
                    if held[name] == values[name] == base_value(base, name):
                        self.entity_of(item).agreed[name].append((seq, target))

    def check_bytes(self, text: str, items: dict[int, list[Item]]) -> None:
        missing = is_subsequence(self.frame, text.splitlines())
        assert missing is None, f"a line outside every item changed: {missing!r}"
        for tag, entity in self.entities.items():
            if entity.removed or entity.touched:
                continue
            assert entity.snapshot in text, f"q{tag} changed though nobody touched it"

    def checkpoint(self) -> None:
        text = self.text()
        for item in parsed(text).items:
            entity = self.entity_of(item)
            entity.settled = values_of_item(item)
            entity.edits = {f: [] for f in FIELDS}
            entity.agreed = {f: [] for f in FIELDS}
            entity.touched = False
            entity.snapshot = text[item.at[0] : item.at[1]]
        conflicts = self.store.conflicts(REGISTER, state=None)
        self.conflict_mark = max((c.id for c in conflicts), default=self.conflict_mark)
