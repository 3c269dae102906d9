"""What the state machine's memory profile found in the engine, pinned down as plain tests.

Each is the short history a random run of the memory profile shrank a failure to, replayed on
in-memory trackers, each fixed since and kept as a regression test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncer.model import IssueDraft, Status
from syncer.register import Item, parse, set_body, set_status, set_title
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle, run_cycles
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.trackers.base import Created, Tracker
from syncer.trackers.memory import KIND, MemoryProject, MemoryTracker

from .machine_support import SavesMidCycle

REGISTER = "debt"
TWO_ITEMS = (
    "# Debt\n\n## Platform chores\n\n- [ ] Tidy the logger q1\n\n"
    "## Service cleanups\n\n### Cache the parser q2\n**Status**: Todo\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)


@dataclass
class World:
    """A register, its store, and in-memory targets `alpha` and `beta` (by default only alpha)."""

    path: Path
    store: Store
    alpha: MemoryProject
    beta: MemoryProject

    def job(self, *, both: bool = False, **trackers: Tracker) -> RegisterJob:
        """A job on alpha (and beta), with the trackers named in `trackers` put in their place."""
        names = ["alpha", "beta"] if both else ["alpha"]
        specs = [
            TargetSpec(name, KIND, project.repo, trackers.get(name, MemoryTracker(project)))
            for name, project in (("alpha", self.alpha), ("beta", self.beta))
            if name in names
        ]
        return RegisterJob(REGISTER, self.path, specs)

    def saving(self, moment: str) -> SavesMidCycle:
        """Alpha's tracker, through which a person saves the register at `moment`."""
        return SavesMidCycle(MemoryTracker(self.alpha), self.path, "A note a person saved.", moment)

    def item(self, title_start: str) -> Item:
        register = parse(self.path.read_text("utf-8"))
        return next(item for item in register.items if item.title.startswith(title_start))

    def edit(self, title_start: str, *, status: Status | None = None, title: str = "") -> None:
        register, key = parse(self.path.read_text("utf-8")), self.item(title_start).key
        text = set_status(register, key, status) if status else set_title(register, key, title)
        self.path.write_text(text, "utf-8")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "TECH_DEBT.md"
    path.write_text(TWO_ITEMS, "utf-8")
    with Store(tmp_path / "state.sqlite") as store:
        yield World(path, store, MemoryProject("memory/alpha"), MemoryProject("memory/beta"))


def add_heading(world: World, title: str) -> None:
    """A person adds a heading item at the end of the service cleanups."""
    text = world.path.read_text("utf-8")
    new = f"### {title}\n**Status**: Todo\n\n## Notes"
    world.path.write_text(text.replace("## Notes", new, 1), "utf-8")


def test_a_value_pushed_before_its_link_reached_the_file_is_syncers_own(world: World) -> None:
    """A new item is created while a person saves the file (its link is not written), set In
    progress, pushed in a second such cycle, then set back to Todo by the person: the next
    cycle put In progress back into the file, as if someone had set it in the tracker."""
    run_cycle(world.job(), world.store)
    add_heading(world, "Vendor the codec q3")
    assert run_cycle(world.job(alpha=world.saving("write")), world.store).counts["register_busy"]
    world.edit("Vendor", status=Status.IN_PROGRESS)
    pushed = run_cycle(world.job(alpha=world.saving("read")), world.store)
    assert pushed.counts["updated"] == 1 and pushed.counts["register_busy"] == 1, pushed.counts
    world.edit("Vendor", status=Status.TODO)  # the person changes their mind
    for _ in range(2):
        run_cycle(world.job(), world.store)
    statuses = (world.item("Vendor").status, MemoryTracker(world.alpha).get("3").status)
    assert statuses == (Status.TODO, Status.TODO) or world.store.conflicts(REGISTER), statuses


class DownAfterCreating(MemoryTracker):
    """A tracker that fails every read after its creates (down for the immediate retry
    `run_cycles` makes)."""

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        made = super().create_many(drafts)
        self.project.fail_next(10, on="read")
        return made


def test_links_of_a_target_that_is_down_still_reach_the_file(world: World) -> None:
    run_cycle(world.job(), world.store)
    add_heading(world, "Vendor the codec q3")
    saver = SavesMidCycle(DownAfterCreating(world.alpha), world.path, "A note.", "write")
    first = run_cycles(world.job(alpha=saver), world.store)
    assert first.counts["created"] == 1 and first.errors, first.counts
    world.alpha.clear_faults()
    world.edit("Vendor", title="Retire the old importer q3")
    run_cycles(world.job(), world.store)
    issues = MemoryTracker(world.alpha).list_changed(None).issues
    assert world.alpha.issue_count() == 3, [(i.ref, i.title, i.state.value) for i in issues]


def test_an_edit_undoing_a_relay_is_not_lost_when_the_source_is_down(world: World) -> None:
    """Alpha's person retitles an issue; syncer relays it to beta while a person saves the
    register; beta's person puts the old title back; alpha is down for a cycle; then alpha's
    title silently replaced beta's everywhere."""
    run_cycle(world.job(both=True), world.store)
    world.alpha.human_edit("1", title="Tidy the router q1")
    busy = run_cycle(world.job(both=True, alpha=world.saving("read")), world.store)
    assert busy.counts["updated"] == 1 and busy.counts["register_busy"] == 1, busy.counts
    world.beta.human_edit("1", title="Tidy the logger q1")
    world.alpha.fail_next(1, on="read")
    assert run_cycle(world.job(both=True), world.store).errors
    for _ in range(2):
        run_cycle(world.job(both=True), world.store)
    beta = MemoryTracker(world.beta).get("1").title
    conflicts = world.store.conflicts(REGISTER, state=None)
    assert beta == "Tidy the logger q1" or conflicts, (beta, world.item("Tidy").title)


def test_a_target_that_could_not_be_read_is_brought_along_later(world: World) -> None:
    """Beta's person retitles an issue while alpha cannot be read: the register takes beta's
    title, and alpha, which the cycle never saw, must get it once it answers again (its base
    was moved as if it agreed, so it kept the old title for good)."""
    run_cycle(world.job(both=True), world.store)
    world.beta.human_edit("1", title="Tidy the router q1")
    world.alpha.fail_next(1, on="read")
    assert run_cycle(world.job(both=True), world.store).errors
    for _ in range(2):
        run_cycle(world.job(both=True), world.store)
    titles = [MemoryTracker(p).get("1").title for p in (world.alpha, world.beta)]
    assert titles == ["Tidy the router q1"] * 2 and world.item("Tidy").title == titles[0]


def test_a_tracker_that_only_caught_up_does_not_overrule_a_change(world: World) -> None:
    """Beta's person and the register close the same item while beta cannot be read, so
    beta's stored base lags; then alpha's person reopens it. Beta's 'done' is no news (the
    register said so too), yet it overruled alpha's reopen with no conflict recorded."""
    run_cycle(world.job(both=True), world.store)
    world.beta.human_edit("1", closed=True)
    world.edit("Tidy", status=Status.DONE)
    world.beta.fail_next(1, on="read")
    assert run_cycle(world.job(both=True), world.store).errors
    assert MemoryTracker(world.alpha).get("1").status is Status.DONE
    world.alpha.human_edit("1", closed=False)
    for _ in range(2):
        run_cycle(world.job(both=True), world.store)
    statuses = [MemoryTracker(p).get("1").status for p in (world.alpha, world.beta)]
    conflicts = world.store.conflicts(REGISTER, state=None)
    assert statuses == [Status.TODO] * 2 or conflicts, statuses
    assert world.item("Tidy").status is statuses[1]


def test_a_lagging_base_does_not_hide_a_conflict(world: World) -> None:
    """Beta's person writes a body while beta cannot be read and the register writes another
    (relayed to alpha); then alpha's person empties it. Beta's body won everywhere with no
    conflict recorded."""
    run_cycle(world.job(both=True), world.store)
    world.beta.human_edit("2", body="Shader thumbnails first.")
    register = parse(world.path.read_text("utf-8"))
    world.path.write_text(set_body(register, world.item("Cache").key, "Cache it."), "utf-8")
    world.beta.fail_next(1, on="read")
    assert run_cycle(world.job(both=True), world.store).counts["updated"] == 1
    world.alpha.human_edit("2", body="")
    for _ in range(2):
        run_cycle(world.job(both=True), world.store)
    bodies = [MemoryTracker(p).get("2").body for p in (world.alpha, world.beta)]
    conflicts = world.store.conflicts(REGISTER, state=None)
    assert conflicts or bodies == ["", ""], bodies
