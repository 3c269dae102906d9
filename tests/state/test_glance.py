"""The idle check's plain SQL (`syncer.state.glance`): it reads and writes what the store
reads and writes, on SQLite through `sqlite3` and on every backend through the store's engine."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncer.state.glance import Glance, Settled, SqliteStatements
from syncer.state.records import LinkRecord
from syncer.state.store import Store

SETTLED = Settled("text-hash", "config-hash")


def test_a_marked_register_with_nothing_pending_is_quiet(store: Store) -> None:
    store.set_cursor("debt", "github", "cursor-1")
    assert store.glance.quiet("debt") is None, "no mark: never quiet"
    store.glance.mark("debt", SETTLED)
    quiet = store.glance.quiet("debt")
    assert quiet is not None
    assert (quiet.settled, dict(quiet.cursors)) == (SETTLED, {"github": "cursor-1"})
    assert store.glance.quiet("other") is None, "a mark is one register's"
    store.glance.mark("debt", None)
    assert store.glance.quiet("debt") is None


def test_a_pending_write_or_an_open_conflict_is_not_quiet(store: Store) -> None:
    store.glance.mark("debt", SETTLED)
    entry = store.add_intent("debt", "github", "update", "TD-1", "t1", "{}")
    assert store.glance.quiet("debt") is None
    store.complete(entry.id, "done")
    assert store.glance.quiet("debt") is not None
    conflict = store.open_conflict("debt", "github", "1", "TD-1", "title", "a", "b", "c")
    assert store.glance.quiet("debt") is None
    store.resolve_conflict(conflict.id, "register")
    assert store.glance.quiet("debt") is not None


def test_an_idle_run_reads_back_as_the_store_s_own(store: Store) -> None:
    started = datetime.now(UTC)
    store.set_cursor("debt", "github", "old")
    store.glance.record_idle("debt", started, {"github": "new", "jira": "first"}, "nothing")
    run = store.last_run("debt")
    assert run is not None and run.finished_at is not None
    assert run.started_at == started
    assert (dict(run.counts), run.notes, run.error) == ({}, ("nothing",), "")
    assert run.runner
    assert (store.cursor("debt", "github"), store.cursor("debt", "jira")) == ("new", "first")


def test_pruning_is_due_for_old_history_or_a_tenth_more_runs_than_kept(store: Store) -> None:
    now = datetime.now(UTC)
    day = timedelta(days=1)
    for _ in range(11):
        store.finish_run(store.start_run("debt").id, {})
    assert not store.glance.prune_due(now, day, keep_runs=10), "one run past 10 waits"
    store.finish_run(store.start_run("debt").id, {})
    assert store.glance.prune_due(now, day, keep_runs=10), "a tenth more is pruned"
    assert store.glance.prune_due(now, day, keep_runs=1), "keeping 1, one more is due"
    store.prune(now=now, keep_for=day, keep_runs=12)
    entry = store.add_intent("debt", "github", "update", "TD-1", "t1", "{}")
    store.complete(entry.id, "done")
    assert not store.glance.prune_due(now, day, keep_runs=12)
    assert store.glance.prune_due(now + 2 * day, day, keep_runs=12), "a settled write aged"


def test_sqlite_straight_and_through_the_store_agree(tmp_path: Path) -> None:
    path = tmp_path / "syncer.sqlite"
    with Store(path) as store:
        store.save_link(LinkRecord("debt", "github", "1", "u", "TD-1"))
        store.set_cursor("debt", "github", "c")
        straight = Glance(SqliteStatements(path))
        straight.mark("debt", SETTLED)
        quiet = straight.quiet("debt")
        assert quiet is not None and quiet == store.glance.quiet("debt")
        straight.record_idle("debt", datetime.now(UTC), {}, "nothing")
        run = store.last_run("debt")
        assert run is not None and run.notes == ("nothing",)


def test_a_missing_state_file_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    """The idle check never creates a state: the store does, with its schema."""
    path = tmp_path / "none.sqlite"
    with pytest.raises(sqlite3.Error):
        Glance(SqliteStatements(path)).quiet("debt")
    assert not path.exists()
