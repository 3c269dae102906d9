"""Field labels (`field_labels`: `**Effort**: Medium` ↔ the label `effort: medium`) sync both
ways through the three-way merge, like every other field (issue 9: they were set at creation and
never again). The rule itself, the planner, the register edit, then whole cycles on the memory
tracker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from syncer.field_labels import label_prefix, label_value, register_value, swapped
from syncer.model import RemoteIssue
from syncer.register import lead_edits, parse
from syncer.register.edit import apply
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.identity import Target
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.operations import RecordConflict, UpdateIssue, WriteRegister
from syncer.sync.progress import CycleReport
from syncer.trackers.memory import KIND, MemoryProject, MemoryTracker
from tests.sync.build import SYNC_LABEL, issue, md_link, planned, register, synced, target

EFFORT = {"Effort": "effort: "}


# --- the rule ----------------------------------------------------------------------------------


def test_a_field_label_carries_the_leading_words_of_the_value_in_lower_case() -> None:
    assert register_value("Medium (2 weeks)") == "medium"
    assert register_value("2 weeks") == "2 weeks"
    assert register_value("High - risky, see notes") == "high"
    assert register_value("Tests currently don't clean up the database state at all") is None
    assert label_value("Effort:High", "effort: ") == "high"
    assert label_value("bug", "effort: ") is None
    assert label_prefix("effort") == "effort: " and label_prefix("effort::") == "effort::"


def test_swapping_a_field_label_leaves_every_other_label_alone() -> None:
    labels = ["tech-debt", "effort: medium", "needs-design", "Effort: low"]
    assert swapped(labels, [("effort: ", "effort: high")]) == [
        "tech-debt",
        "needs-design",
        "effort: high",
    ]
    assert swapped(labels[:3], [("effort: ", "effort: medium")]) == labels[:3], "no change"
    assert swapped(labels[:3], [("effort: ", None)]) == ["tech-debt", "needs-design"]


# --- the planner -------------------------------------------------------------------------------

TEXT = f"""
# Debt

### Flaky login test
**Status**: Todo
**Effort**: Medium (2 weeks)
**Tracked in**: {md_link("github", "8")}
"""
BEFORE = register(TEXT)
ON_GITHUB = issue("8", "Flaky login test", labels=(SYNC_LABEL, "effort: medium", "flaky"))
GITHUB = synced(target("github", field_labels=EFFORT), BEFORE, ON_GITHUB)


def test_an_effort_changed_in_the_register_swaps_the_label() -> None:
    after = register(TEXT.replace("Medium (2 weeks)", "High (2 weeks)"))
    (update,) = planned(after, GITHUB).of(UpdateIssue)
    assert dict(update.values) == {"field:effort": "high"}
    assert not planned(BEFORE, GITHUB).operations, "agreed: nothing to do"


def test_a_label_changed_in_the_tracker_reaches_the_register() -> None:
    moved = issue("8", "Flaky login test", labels=(SYNC_LABEL, "flaky", "effort: high"))
    (write,) = planned(BEFORE, synced_with(moved)).of(WriteRegister)
    assert dict(write.values) == {"field:effort": "high"}


def test_an_effort_changed_on_both_sides_differently_is_a_conflict() -> None:
    after = register(TEXT.replace("Medium (2 weeks)", "High (2 weeks)"))
    moved = issue("8", "Flaky login test", labels=(SYNC_LABEL, "effort: low"))
    (conflict,) = planned(after, synced_with(moved)).of(RecordConflict)
    assert (conflict.field, conflict.taken) == ("field:effort", "register")


def synced_with(moved: RemoteIssue) -> Target:
    """GITHUB as agreed before, reading `moved` now."""
    return replace(GITHUB, changed={"8": moved})


# --- the register edit -------------------------------------------------------------------------


def test_the_register_takes_the_new_value_in_place_in_its_own_case() -> None:
    key = BEFORE.items[0].key
    text = apply(BEFORE.text, lead_edits(BEFORE, key, "Effort", "high"))
    assert text == BEFORE.text.replace("**Effort**: Medium (2 weeks)", "**Effort**: High (2 weeks)")
    shouted = register(TEXT.replace("Medium", "MEDIUM"))
    assert "**Effort**: LOW (2 weeks)" in apply(
        shouted.text, lead_edits(shouted, key, "Effort", "low")
    )


# --- whole cycles on the memory tracker --------------------------------------------------------


@dataclass
class World:
    path: Path
    store: Store
    project: MemoryProject

    def cycle(self) -> CycleReport:
        tracker = MemoryTracker(self.project)
        spec = TargetSpec("mem", KIND, self.project.repo, tracker, field_labels=EFFORT)
        report = run_cycle(RegisterJob("debt", self.path, [spec]), self.store)
        assert not report.errors, report.errors
        return report

    def text(self) -> str:
        return self.path.read_text("utf-8")

    def labels(self) -> tuple[str, ...]:
        return self.project.issue("1").labels

    def assert_settled(self) -> None:
        """The next cycle finds nothing to do: both sides agree."""
        idle = self.cycle()
        assert idle.plan is not None and not idle.plan.operations


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "TECH_DEBT.md"
    path.write_text("# Debt\n\n### Flaky login test\n**Status**: Todo\n**Effort**: Medium\n")
    with Store(tmp_path / "state.sqlite") as store:
        yield World(path, store, MemoryProject("team/debt"))


def test_effort_edited_in_the_file_swaps_the_label_and_keeps_a_persons_labels(
    world: World,
) -> None:
    world.cycle()
    assert "effort: medium" in world.labels()
    world.project.human_edit("1", labels=(*world.labels(), "needs-design"))
    world.cycle()
    world.path.write_text(world.text().replace("**Effort**: Medium", "**Effort**: High"))
    world.cycle()
    assert sorted(world.labels()) == sorted((SYNC_LABEL, "needs-design", "effort: high"))
    world.assert_settled()


def test_a_label_changed_in_the_tracker_changes_the_field_in_the_file(world: World) -> None:
    world.cycle()
    before = world.text()
    others = tuple(label for label in world.labels() if not label.startswith("effort"))
    world.project.human_edit("1", labels=(*others, "effort: low"))
    world.cycle()
    assert world.text() == before.replace("**Effort**: Medium", "**Effort**: Low")
    world.assert_settled()


def test_a_label_taken_off_in_the_tracker_leaves_the_field_with_a_note(world: World) -> None:
    world.cycle()
    before = world.text()
    others = tuple(label for label in world.labels() if not label.startswith("effort"))
    world.project.human_edit("1", labels=others)
    report = world.cycle()
    assert world.text() == before and report.counts["register_unrepresentable"] == 1
    world.assert_settled()
    assert parse(world.text()).items[0].field("Effort") is not None


def test_a_table_rows_cell_takes_the_new_value_in_place() -> None:
    table = register(
        """
        # Debt

        | Item | Effort | Notes |
        |------|--------|-------|
        | Flaky login test | Medium (2 weeks) | seen on CI |
        """
    )
    key = table.items[0].key
    text = apply(table.text, lead_edits(table, key, "Effort", "low"))
    assert text == table.text.replace("| Medium (2 weeks) |", "| Low (2 weeks) |")
