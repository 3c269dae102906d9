"""Derived views (summary tables, front-matter counters) follow an item's status change, and only
the bytes that must change do."""

from __future__ import annotations

import pytest

from syncer.model import Status
from syncer.register import apply, parse, status_edits
from syncer.register.views import counted_states, view_edits

from .conftest import read_seed
from .helpers import changed_old_lines

REGISTER = """---
title: Debt
tasks_total: 3
tasks_completed: 1
open_items: 2
inProgress: 0
completed_at: 2026-01-29
---

# Debt

### Distributed Tracing
**Status**: Not Started

### Tracing Sampler
**Status**: Not Started

### Runbook Automation
**Status**: Done

## Progress

| Item | Status | Owner |
|------|--------|-------|
| Distributed Tracing | 🔴 Not Started | @dana |
| Tracing Sampler | 🔴 Not Started | @lee |
| Runbooks | ✅ Complete | @kim |

## Roadmap

| Quarter | Items | Status |
|---------|-------|--------|
| Q2 | Distributed Tracing, Runbooks | 🟡 Half |

```
| Item | Status |
|------|--------|
| Distributed Tracing | 🔴 Not Started |
```
"""


def edited(text: str, statuses: dict[str, Status | str]) -> str:
    register = parse(text)
    own = [s for key, new in statuses.items() for s in status_edits(register, key, new)]
    return apply(text, own + view_edits(register, statuses))


def line(text: str, starts: str) -> str:
    return next(li for li in text.splitlines() if li.startswith(starts))


def test_a_summary_row_takes_the_new_status_in_the_tables_own_phrase() -> None:
    new = edited(REGISTER, {"distributed-tracing": Status.DONE})
    assert line(new, "| Distributed Tracing") == "| Distributed Tracing | ✅ Complete | @dana |"
    assert line(new, "| Tracing Sampler") == "| Tracing Sampler | 🔴 Not Started | @lee |"


def test_only_the_status_cell_and_the_counters_change() -> None:
    register = parse(REGISTER)
    splices = view_edits(register, {"distributed-tracing": "done"})
    changed = sorted(REGISTER[s.start : s.end] + " -> " + s.new for s in splices)
    assert changed == ["1 -> 2", "2 -> 1", "🔴 Not Started -> ✅ Complete"]


def test_a_roadmap_row_listing_several_items_and_fenced_tables_stay() -> None:
    new = edited(REGISTER, {"distributed-tracing": Status.DONE})
    assert "| Q2 | Distributed Tracing, Runbooks | 🟡 Half |" in new
    assert new.endswith("| Distributed Tracing | 🔴 Not Started |\n```\n")


def test_a_row_naming_another_item_exactly_is_that_items_row() -> None:
    """The row "Distributed Tracing" holds every word of the item "Tracing", but it names the
    item "Distributed Tracing": a change of "Tracing" is not its to follow."""
    text = (
        "### Tracing\n**Status**: Open\n\n### Distributed Tracing\n**Status**: Open\n\n"
        "| Item | Status |\n|---|---|\n| Distributed Tracing | Open |\n| Tracing | Open |\n"
    )
    new = edited(text, {"tracing": Status.DONE})
    assert "| Distributed Tracing | Open |\n| Tracing | Done |\n" in new


def test_a_changed_item_moves_its_in_progress_counter() -> None:
    new = edited(REGISTER, {"tracing-sampler": Status.IN_PROGRESS})
    assert line(new, "inProgress") == "inProgress: 1"
    assert line(new, "open_items") == "open_items: 2"


def test_a_row_restating_a_shorter_title_follows_its_item() -> None:
    new = edited(REGISTER, {"runbook-automation": Status.TODO})
    assert line(new, "| Runbooks") == "| Runbooks | 🔴 Not Started | @kim |"
    assert (line(new, "tasks_completed"), line(new, "open_items")) == (
        "tasks_completed: 0",
        "open_items: 3",
    )


def test_counters_move_by_how_many_items_entered_or_left_their_state() -> None:
    new = edited(REGISTER, {"distributed-tracing": "done", "tracing-sampler": "done"})
    assert line(new, "tasks_completed") == "tasks_completed: 3"
    assert line(new, "open_items") == "open_items: 0"
    assert line(new, "tasks_total") == "tasks_total: 3"
    assert line(new, "completed_at") == "completed_at: 2026-01-29"


def test_no_change_no_edit() -> None:
    register = parse(REGISTER)
    assert view_edits(register, {"runbook-automation": "done"}) == []
    assert view_edits(register, {}) == []


def test_a_row_already_saying_the_new_status_is_left_alone() -> None:
    text = REGISTER.replace("| Runbooks | ✅ Complete |", "| Runbooks | 🔴 Not Started |")
    register = parse(text)
    splices = view_edits(register, {"runbook-automation": Status.TODO})
    assert [text[s.start : s.end] for s in splices] == ["1", "2"]


def test_a_counter_never_goes_below_zero() -> None:
    text = REGISTER.replace("tasks_completed: 1", "tasks_completed: 0")
    assert line(edited(text, {"runbook-automation": "todo"}), "tasks_completed") == (
        "tasks_completed: 0"
    )


def test_a_table_whose_rows_are_items_is_not_a_view() -> None:
    text = "# Debt\n\n| Issue | Status |\n|---|---|\n| Slow build | Open |\n| Old deps | Done |\n"
    register = parse(text)
    assert len(register.items) == 2
    assert view_edits(register, {register.items[0].key: Status.DONE}) == []


@pytest.mark.parametrize(
    ("key", "states"),
    [
        ("tasks_completed", {Status.DONE}),
        ("tasksCompleted", {Status.DONE}),
        ("done", {Status.DONE}),
        ("open_items", {Status.TODO, Status.IN_PROGRESS}),
        ("remaining", {Status.TODO, Status.IN_PROGRESS}),
        ("in-progress", {Status.IN_PROGRESS}),
        ("not_started", {Status.TODO}),
        ("tasks_total", None),
        ("completed_at", None),
        ("percent_complete", None),
        ("version", None),
    ],
)
def test_what_a_counter_counts_is_read_from_its_name(key: str, states: set[Status] | None) -> None:
    assert counted_states(key) == (frozenset(states) if states else None)


def test_the_damaged_seeds_progress_table_follows_in_its_damage() -> None:
    text = read_seed("debt-register-mojibake-cp1252.md")
    register = parse(text)
    key = next(i.key for i in register.items if i.title == "Distributed Tracing")
    new = edited(text, {key: Status.DONE})
    assert changed_old_lines(text, new) == {208, 408}
    assert new.splitlines()[407] == "| Distributed Tracing | âœ… Complete | - |"
