"""Settling a conflict (`syncer conflicts resolve` and the status page share it) and the history
reads the status page shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.state.lock import RegisterBusy
from syncer.state.records import ConflictState, LinkRecord
from syncer.state.settle import (
    ConflictChanged,
    ConflictNotOpen,
    settle_conflict,
    values_digest,
)
from syncer.state.store import Store

REG, GH = "backend", "github:acme/api"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.sqlite") as store:
        yield store


def linked_title_conflict(store: Store) -> int:
    """Title agreed as "Slow CI"; the register now says "Faster CI", the tracker "Flaky CI"."""
    store.save_link(
        LinkRecord(REG, GH, "12", "https://example.test/12", "TD-1",
                   base_register={"title": "Slow CI"}, base_tracker={"title": "Slow CI"})
    )  # fmt: skip
    conflict = store.open_conflict(REG, GH, "12", "TD-1", "title", "Slow CI", "Faster CI",
                                   "Flaky CI")  # fmt: skip
    return conflict.id


def test_taking_the_tracker_value_moves_the_register_base_to_the_register_value(
    store: Store,
) -> None:
    conflict_id = linked_title_conflict(store)

    settled = settle_conflict(store, conflict_id, "tracker", wait_seconds=0)

    assert (settled.state, settled.resolution) == (ConflictState.RESOLVED, "tracker")
    link = store.link_for_ref(REG, GH, "12")
    assert link is not None
    assert link.base_register == {"title": "Faster CI"}, "the register side changed alone"
    assert link.base_tracker == {"title": "Slow CI"}
    assert store.conflicts() == []


def test_taking_the_register_value_moves_the_tracker_base(store: Store) -> None:
    conflict_id = linked_title_conflict(store)

    settle_conflict(store, conflict_id, "register", wait_seconds=0)

    link = store.link_for_ref(REG, GH, "12")
    assert link is not None
    assert (link.base_register, link.base_tracker) == ({"title": "Slow CI"}, {"title": "Flaky CI"})


def test_a_settled_or_unknown_conflict_cannot_be_settled(store: Store) -> None:
    conflict_id = linked_title_conflict(store)
    settle_conflict(store, conflict_id, "register", wait_seconds=0)

    with pytest.raises(ConflictNotOpen, match=f"no open conflict {conflict_id}"):
        settle_conflict(store, conflict_id, "tracker", wait_seconds=0)
    with pytest.raises(ConflictNotOpen):
        settle_conflict(store, conflict_id + 1, "tracker", wait_seconds=0)
    with pytest.raises(ValueError, match=r"register.*tracker"):
        settle_conflict(store, conflict_id, "mine", wait_seconds=0)


def test_values_that_changed_since_they_were_shown_are_not_settled(store: Store) -> None:
    conflict_id = linked_title_conflict(store)
    conflict = store.conflict(conflict_id)
    assert conflict is not None
    shown = values_digest(conflict)
    store.open_conflict(REG, GH, "12", "TD-1", "title", "Slow CI", "Faster CI", "Flakier CI")

    with pytest.raises(ConflictChanged):
        settle_conflict(store, conflict_id, "tracker", wait_seconds=0, shown=shown)

    assert [c.id for c in store.conflicts()] == [conflict_id]


def test_a_settle_waits_for_the_cycle_holding_the_register(store: Store) -> None:
    conflict_id = linked_title_conflict(store)

    with store.lock(REG, 0), pytest.raises(RegisterBusy):
        settle_conflict(store, conflict_id, "tracker", wait_seconds=0)

    assert [c.id for c in store.conflicts()] == [conflict_id]
    link = store.link_for_ref(REG, GH, "12")
    assert link is not None and link.base_register == {"title": "Slow CI"}, "nothing written"


def test_conflicts_resolve_exits_5_while_a_cycle_holds_the_register(
    store: Store, tmp_path: Path
) -> None:
    """Before, the command wrote the bases under a running cycle, which saved its own on top."""
    conflict_id = linked_title_conflict(store)
    config = tmp_path / "syncer.toml"
    config.write_text(
        'state = "state.sqlite"\nlock_wait_seconds = 0\n\n[[registers]]\nname = "backend"\n'
        'path = "TECH_DEBT.md"\n\n[[registers.targets]]\nkind = "github"\nrepo = "acme/api"\n'
        'token_env = "GH_TOKEN"\n',
        "utf-8",
    )
    with store.lock(REG, 0):
        result = CliRunner().invoke(
            app, ["conflicts", "resolve", str(conflict_id), "--take", "tracker",
                  "--config", str(config)],
        )  # fmt: skip
    assert result.exit_code == 5, result.output
    assert "being synced" in result.stderr
    assert [c.id for c in store.conflicts()] == [conflict_id]


def test_history_lists_recent_runs_newest_first_with_the_writes_they_recorded(
    store: Store,
) -> None:
    first = store.start_run(REG)
    write = store.add_intent(REG, GH, "create", "TD-1", "tok-1", "{}")
    store.finish_run(first.id, {"created": 1})
    later = store.add_intent(REG, GH, "update", "TD-2", "tok-2", "{}")
    second = store.start_run("other")

    runs = store.history.runs(limit=5)

    assert [run.id for run in runs] == [second.id, first.id]
    finished = runs[1].finished_at
    assert [w.id for w in store.history.writes(REG, first.started_at, finished)] == [write.id]
    assert [w.id for w in store.history.writes(REG, first.started_at, None)] == [
        write.id,
        later.id,
    ]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert store.history.writes(REG, future, None) == []
    assert len(store.history.runs(limit=1)) == 1
