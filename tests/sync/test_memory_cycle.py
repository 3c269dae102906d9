"""Whole cycles against the in-memory tracker: the engine tested without HTTP.

The same engine paths the HTTP tests take, at a fraction of their cost, and the failures an
HTTP adapter can rarely produce on demand: a create known not to have been made (a connection
refused before sending) next to one made whose answer was lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncer.model import IssueState, Status
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.progress import CycleReport
from syncer.trackers.memory import KIND, MemoryProject, MemoryTracker

REGISTER = (
    "# Debt\n\n## Platform chores\n\n"
    "- [ ] **Cache the parser** - it is slow\n"
    "- [ ] Vendor the codec\n"
    "- [ ] Retire the old importer\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)


@dataclass
class World:
    path: Path
    store: Store
    project: MemoryProject

    def job(self) -> RegisterJob:
        tracker = MemoryTracker(self.project)
        return RegisterJob("debt", self.path, [TargetSpec("mem", KIND, self.project.repo, tracker)])

    def cycle(self) -> CycleReport:
        return run_cycle(self.job(), self.store)

    def statuses(self) -> dict[str, Status]:
        return {item.title: item.status for item in parse(self.path.read_text("utf-8")).items}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "TECH_DEBT.md"
    path.write_text(REGISTER, "utf-8")
    with Store(tmp_path / "state.sqlite") as store:
        yield World(path, store, MemoryProject("team/debt"))


def test_a_register_and_a_memory_project_keep_each_other_in_step(world: World) -> None:
    first = world.cycle()
    assert first.counts["created"] == 3 and not first.errors, first.counts
    assert world.project.raw_body("1").endswith("<!-- syncer:item=cache-the-parser -->")
    world.project.human_edit("2", closed=True)
    second = world.cycle()
    assert world.statuses()["Vendor the codec"] is Status.DONE, second.counts
    idle = world.cycle()
    assert idle.plan is not None and not idle.plan.operations, idle.counts
    links = [
        link.text for item in parse(world.path.read_text("utf-8")).items for link in item.links
    ]
    assert links == ["team/debt#1", "team/debt#2", "team/debt#3"]


def test_creates_whose_answers_were_lost_are_settled_by_marker_not_made_again(
    world: World,
) -> None:
    world.project.late_next(1, seconds=0, on="create")
    lost = world.cycle()
    assert lost.counts["creates_unanswered"] == 1, lost.counts
    assert world.project.issue_count() == 1, "the batch stopped after the lost answer"
    for _ in range(2):
        assert not world.cycle().errors
    assert world.project.issue_count() == 3, "made once each"
    assert all(len(item.links) == 1 for item in parse(world.path.read_text("utf-8")).items)


def test_a_create_known_not_made_is_made_by_the_next_cycle(world: World) -> None:
    world.project.fail_next(1, on="create")
    failed = world.cycle()
    assert failed.errors and world.project.issue_count() == 0, failed.counts
    again = world.cycle()
    assert again.counts["created"] == 3 and not again.errors, again.counts
    assert world.project.issue_count() == 3


def test_an_issue_deleted_in_the_tracker_is_reported_and_its_item_kept(world: World) -> None:
    world.cycle()
    world.project.delete_issue("3")
    report = world.cycle()
    assert "Retire the old importer" in world.statuses(), report.counts
    assert world.project.issue_count() == 2, "not made again"
    assert MemoryTracker(world.project).get("1").state is IssueState.OPEN
