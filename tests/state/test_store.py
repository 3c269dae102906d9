"""The state store, as the sync engine, the CLI and the daemon will lean on it.

Tests taking `store` or `location` run on SQLite and on PostgreSQL (`tests/state/conftest.py`);
those taking `db_path` are about the SQLite file itself."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, inspect

from syncer.state.engine import StoreError, migrate, open_engine
from syncer.state.migrations import MIGRATIONS
from syncer.state.records import ConflictState, LinkRecord, OutboxState, Pruned
from syncer.state.retention import DELIVERIES_KEPT, DELIVERIES_KEPT_FOR
from syncer.state.store import TRIM_DELIVERIES_EVERY, Store
from tests.state.conftest import sql

REG = "debt"
GH = "github"
JIRA = "jira"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "syncer.db"


def link(ref: str = "12", item_key: str = "TD-1", target: str = GH, **changes: str) -> LinkRecord:
    return LinkRecord(
        register=REG,
        target=target,
        ref=ref,
        url=changes.get("url", f"https://example.test/issues/{ref}"),
        item_key=item_key,
        base_register={"title": "Slow build", "status": "open"},
        base_tracker={"title": "Slow build", "state": "open"},
        tracker_version=changes.get("tracker_version", "v1"),
    )


def raw(path: Path) -> closing[sqlite3.Connection]:
    """A plain sqlite3 connection, to look at (or tamper with) the file behind the store's back."""
    return closing(sqlite3.connect(path))


def run_together(*tasks: Callable[[], None]) -> None:
    """Run tasks in threads released at the same instant; re-raise the first failure."""
    barrier = threading.Barrier(len(tasks))
    failures: list[BaseException] = []

    def start(task: Callable[[], None]) -> None:
        barrier.wait()
        try:
            task()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=start, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def assert_recent_utc(moment: datetime | None, since: datetime) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert moment.utcoffset() == UTC.utcoffset(None)
    assert since <= moment <= datetime.now(UTC)


# --- links -------------------------------------------------------------------------------------


def test_saved_link_is_found_by_ref_by_item_and_in_the_listing(store: Store) -> None:
    saved = link()
    store.save_link(saved)

    assert store.link_for_ref(REG, GH, "12") == saved
    assert store.link_for_item(REG, GH, "TD-1") == saved
    assert store.links(REG) == [saved]
    assert store.link_for_ref(REG, GH, "13") is None
    assert store.link_for_item(REG, JIRA, "TD-1") is None


def test_saving_a_link_again_updates_it_in_place(store: Store) -> None:
    store.save_link(link())
    changed = LinkRecord(
        register=REG,
        target=GH,
        ref="12",
        url="https://example.test/moved/12",
        item_key="TD-1",
        base_register={"title": "Slow CI build", "status": "in progress"},
        base_tracker={"title": "Slow CI build", "state": "open", "labels": None},
        tracker_version="v2",
    )
    store.save_link(changed)

    assert store.links(REG) == [changed]


def test_links_are_listed_per_register_and_optionally_per_target(store: Store) -> None:
    github, jira = link("12", "TD-1"), link("OPS-4", "TD-1", target=JIRA)
    other_register = LinkRecord("other", GH, "12", "https://example.test/issues/12", "TD-1")
    for record in (github, jira, other_register):
        store.save_link(record)

    assert store.links(REG) == [github, jira]
    assert store.links(REG, JIRA) == [jira]
    assert store.links("other") == [other_register]
    assert store.links("nobody") == []


def test_two_links_naming_one_item_are_both_kept_for_the_engine_to_settle(store: Store) -> None:
    """Which item holds which issue is the file's to say: a constraint here made every run after
    a moved link fail with "already linked" (the engine settles it by rule instead)."""
    store.save_link(link("12", "TD-1"))
    store.save_link(link("13", "TD-1"))

    assert [rec.ref for rec in store.links(REG)] == ["12", "13"]
    assert store.link_for_item(REG, GH, "TD-1") == link("12", "TD-1"), "the oldest first"


def test_an_item_can_be_relinked_once_its_old_link_is_dropped(store: Store) -> None:
    store.save_link(link("12", "TD-1"))
    store.drop_link(REG, GH, "12")
    store.save_link(link("13", "TD-1"))

    assert store.link_for_item(REG, GH, "TD-1") == link("13", "TD-1")


def test_drop_link_forgets_only_that_link_and_tolerates_absent_ones(store: Store) -> None:
    store.save_link(link("12", "TD-1"))
    store.save_link(link("13", "TD-2"))

    store.drop_link(REG, GH, "12")
    store.drop_link(REG, GH, "12")
    store.drop_link(REG, JIRA, "13")

    assert store.links(REG) == [link("13", "TD-2")]


def test_bases_are_stored_as_json_text_with_sorted_keys(location: str | Path) -> None:
    with Store(location) as store:
        store.save_link(link())

    (stored,) = sql(location, "SELECT base_register, base_tracker FROM links")
    assert tuple(stored) == (
        '{"status": "open", "title": "Slow build"}',
        '{"state": "open", "title": "Slow build"}',
    )


bases = st.dictionaries(st.text(), st.none() | st.text(), max_size=5)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(base_register=bases, base_tracker=bases)
def test_any_base_survives_a_round_trip(
    store: Store, base_register: dict[str, str | None], base_tracker: dict[str, str | None]
) -> None:
    """One store for every example: each saves the same link anew, replacing the last."""
    record = LinkRecord(REG, GH, "1", "u", "TD-1", base_register, base_tracker, "etag")
    store.save_link(record)
    assert store.link_for_ref(REG, GH, "1") == record


# --- cursors -----------------------------------------------------------------------------------


def test_cursor_is_kept_per_target_and_forgotten_when_set_to_none(store: Store) -> None:
    assert store.cursor(REG, GH) is None

    store.set_cursor(REG, GH, "2024-05-01T10:00:00Z")
    store.set_cursor(REG, GH, "2024-05-02T10:00:00Z")
    store.set_cursor(REG, JIRA, "page-token-7")

    assert store.cursor(REG, GH) == "2024-05-02T10:00:00Z"
    assert store.cursor(REG, JIRA) == "page-token-7"
    assert store.cursor("other", GH) is None

    store.set_cursor(REG, GH, None)
    store.set_cursor(REG, GH, None)
    assert store.cursor(REG, GH) is None
    assert store.cursor(REG, JIRA) == "page-token-7"


# --- outbox ------------------------------------------------------------------------------------


def test_an_intent_is_recorded_as_pending(store: Store) -> None:
    before = datetime.now(UTC)
    entry = store.add_intent(REG, GH, "create", "TD-1", "TD-1", '{"title": "Slow build"}')

    assert (entry.register, entry.target, entry.operation) == (REG, GH, "create")
    assert (entry.item_key, entry.token, entry.payload) == (
        "TD-1",
        "TD-1",
        '{"title": "Slow build"}',
    )
    assert entry.state is OutboxState.PENDING
    assert entry.result == ""
    assert_recent_utc(entry.created_at, before)
    assert store.pending(REG) == [entry]


def test_the_same_token_twice_is_one_entry(store: Store) -> None:
    first = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "first payload")
    again = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "retried payload")

    assert again == first
    assert store.pending(REG) == [first]


def test_a_token_already_done_returns_the_done_entry(store: Store) -> None:
    entry = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "{}")
    store.complete(entry.id, "42")

    again = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "{}")

    assert (again.id, again.state, again.result) == (entry.id, OutboxState.DONE, "42")
    assert store.pending(REG) == []


def test_tokens_are_scoped_to_register_and_target(store: Store) -> None:
    github = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "{}")
    jira = store.add_intent(REG, JIRA, "create", "TD-1", "TD-1", "{}")
    other = store.add_intent("other", GH, "create", "TD-1", "TD-1", "{}")

    assert len({github.id, jira.id, other.id}) == 3


def test_completed_and_failed_writes_leave_the_pending_list(store: Store) -> None:
    done = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "{}")
    failed = store.add_intent(REG, GH, "update", "TD-2", "TD-2:title", "{}")
    waiting = store.add_intent(REG, GH, "close", "TD-3", "TD-3:close", "{}")

    store.complete(done.id, "https://example.test/issues/42")
    store.fail(failed.id, "422 Validation Failed")

    assert store.pending(REG) == [waiting]
    done_now = store.add_intent(REG, GH, "create", "TD-1", "TD-1", "{}")
    failed_now = store.add_intent(REG, GH, "update", "TD-2", "TD-2:title", "{}")
    assert (done_now.state, done_now.result) == (OutboxState.DONE, "https://example.test/issues/42")
    assert (failed_now.state, failed_now.result) == (OutboxState.FAILED, "422 Validation Failed")


def test_pending_is_oldest_first_and_filters_by_target(store: Store) -> None:
    tokens_and_targets = [("a", GH), ("b", JIRA), ("c", GH), ("d", JIRA), ("e", GH)]
    entries = [
        store.add_intent(REG, t, "update", "TD-1", tok, "{}") for tok, t in tokens_and_targets
    ]
    store.add_intent("other", GH, "update", "TD-1", "z", "{}")

    assert [e.token for e in store.pending(REG)] == ["a", "b", "c", "d", "e"]
    assert [e.token for e in store.pending(REG, GH)] == ["a", "c", "e"]
    assert [e.token for e in store.pending(REG, JIRA)] == ["b", "d"]
    assert store.pending(REG) == entries


def test_settling_an_unknown_entry_is_a_key_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.complete(99, "42")
    with pytest.raises(KeyError):
        store.fail(99, "boom")


# --- conflicts ---------------------------------------------------------------------------------


def open_title_conflict(store: Store, tracker_value: str = "Flaky build") -> int:
    conflict = store.open_conflict(
        REG, GH, "12", "TD-1", "title", "Slow build", "Slow CI build", tracker_value
    )
    return conflict.id


def test_an_opened_conflict_is_listed_with_its_values(store: Store) -> None:
    before = datetime.now(UTC)
    conflict = store.open_conflict(REG, GH, "12", "TD-1", "status", None, "done", "open")

    assert (conflict.ref, conflict.item_key, conflict.field) == ("12", "TD-1", "status")
    assert (conflict.base, conflict.register_value, conflict.tracker_value) == (
        None,
        "done",
        "open",
    )
    assert conflict.state is ConflictState.OPEN
    assert conflict.resolution == ""
    assert_recent_utc(conflict.created_at, before)
    assert store.conflicts() == [conflict]
    assert store.conflict(conflict.id) == conflict


def test_opening_the_same_conflict_again_refreshes_it(store: Store) -> None:
    first_id = open_title_conflict(store, "Flaky build")
    again = store.open_conflict(REG, GH, "12", "TD-1", "title", "Slow build", "Slow CI", "Flaky CI")

    assert again.id == first_id
    assert (again.register_value, again.tracker_value) == ("Slow CI", "Flaky CI")
    assert store.conflicts(REG) == [again]


def test_other_fields_refs_and_targets_get_their_own_conflicts(store: Store) -> None:
    open_title_conflict(store)
    store.open_conflict(REG, GH, "12", "TD-1", "status", "open", "done", "closed")
    store.open_conflict(REG, GH, "13", "TD-2", "title", "a", "b", "c")
    store.open_conflict(REG, JIRA, "12", "TD-1", "title", "a", "b", "c")

    assert len(store.conflicts(REG)) == 4


def test_resolving_a_conflict_records_the_side_taken(store: Store) -> None:
    conflict_id = open_title_conflict(store)

    resolved = store.resolve_conflict(conflict_id, "tracker")

    assert (resolved.state, resolved.resolution) == (ConflictState.RESOLVED, "tracker")
    assert resolved.tracker_value == "Flaky build"
    assert store.conflict(conflict_id) == resolved
    assert store.conflicts() == []
    assert store.conflicts(state=ConflictState.RESOLVED) == [resolved]
    assert store.conflicts(state=None) == [resolved]


def test_the_same_field_can_conflict_again_after_resolution(store: Store) -> None:
    first_id = open_title_conflict(store)
    store.resolve_conflict(first_id, "register")

    second_id = open_title_conflict(store, "Another title")

    assert second_id != first_id
    assert [c.id for c in store.conflicts()] == [second_id]
    assert [c.id for c in store.conflicts(state=None)] == [first_id, second_id]


def test_resolving_needs_a_known_side_and_a_known_conflict(store: Store) -> None:
    conflict_id = open_title_conflict(store)

    with pytest.raises(ValueError, match=r"register.*tracker"):
        store.resolve_conflict(conflict_id, "mine")
    with pytest.raises(KeyError):
        store.resolve_conflict(conflict_id + 1, "register")

    assert [c.state for c in store.conflicts()] == [ConflictState.OPEN]
    assert store.conflict(conflict_id + 1) is None


def test_conflicts_are_filtered_by_register(store: Store) -> None:
    mine = store.open_conflict(REG, GH, "12", "TD-1", "title", "a", "b", "c")
    theirs = store.open_conflict("other", GH, "12", "TD-1", "title", "a", "b", "c")

    assert store.conflicts(REG) == [mine]
    assert store.conflicts("other") == [theirs]
    assert store.conflicts() == [mine, theirs]


# --- runs --------------------------------------------------------------------------------------


def test_run_history_keeps_the_latest_run_per_register(store: Store) -> None:
    assert store.last_run(REG) is None
    before = datetime.now(UTC)

    first = store.start_run(REG)
    assert first.finished_at is None
    assert_recent_utc(first.started_at, before)
    assert store.last_run(REG) == first

    finished = store.finish_run(first.id, {"created": 2, "updated": 5})
    assert finished.counts == {"created": 2, "updated": 5}
    assert finished.error == ""
    assert_recent_utc(finished.finished_at, first.started_at)

    second = store.start_run(REG)
    failed = store.finish_run(second.id, {}, error="register changed during sync")
    store.start_run("other")

    assert store.last_run(REG) == failed
    assert failed.error == "register changed during sync"


def test_finishing_an_unknown_run_is_a_key_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.finish_run(7, {})


# --- webhook deliveries ------------------------------------------------------------------------


def test_a_delivery_is_new_once_per_source(store: Store) -> None:
    assert store.remember_delivery("github", "d-1") is True
    assert store.remember_delivery("github", "d-1") is False
    assert store.remember_delivery("gitlab", "d-1") is True
    assert store.remember_delivery("github", "d-2") is True


def test_only_the_newest_deliveries_are_remembered(location: str | Path) -> None:
    """The bound is kept within one trimming period: a delivery costs an insert, not a delete."""
    Store(location).close()
    sql(
        location,
        "INSERT INTO deliveries (source, delivery_id) VALUES ('github', :id)",
        [{"id": str(n)} for n in range(DELIVERIES_KEPT)],
    )

    with Store(location) as store:
        assert store.remember_delivery("gitlab", "0") is True
        assert store.remember_delivery("github", "0") is False
        for n in range(TRIM_DELIVERIES_EVERY):
            assert store.remember_delivery("github", f"new-{n}") is True
        assert store.remember_delivery("github", "0") is True  # the oldest were let go
        assert store.remember_delivery("github", f"new-{TRIM_DELIVERIES_EVERY - 1}") is False
        assert store.remember_delivery("gitlab", "0") is False  # other sources are untouched

    ((github,),) = sql(location, "SELECT count(*) FROM deliveries WHERE source = 'github'")
    assert DELIVERIES_KEPT <= github <= DELIVERIES_KEPT + TRIM_DELIVERIES_EVERY


# --- the file ----------------------------------------------------------------------------------


def test_a_file_store_creates_its_directory_and_uses_wal(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        with raw(db_path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_closing_checkpoints_the_write_ahead_log(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_link(link())
        assert db_path.with_name(db_path.name + "-wal").exists()

    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_reopening_keeps_everything(location: str | Path) -> None:
    with Store(location) as store:
        store.save_link(link())
        store.set_cursor(REG, GH, "etag-1")
        entry = store.add_intent(REG, GH, "update", "TD-1", "tok", "{}")
        conflict_id = open_title_conflict(store)
        run = store.finish_run(store.start_run(REG).id, {"updated": 1})
        store.remember_delivery("github", "d-1")

    with Store(location) as store:
        assert store.links(REG) == [link()]
        assert store.cursor(REG, GH) == "etag-1"
        assert store.pending(REG) == [entry]
        assert [c.id for c in store.conflicts()] == [conflict_id]
        assert store.last_run(REG) == run
        assert store.remember_delivery("github", "d-1") is False


def test_two_stores_on_one_database_share_state(location: str | Path) -> None:
    with Store(location) as daemon, Store(location) as cli:
        daemon.save_link(link())
        assert cli.link_for_item(REG, GH, "TD-1") == link()

        entry = daemon.add_intent(REG, GH, "create", "TD-2", "TD-2", "{}")
        assert cli.add_intent(REG, GH, "create", "TD-2", "TD-2", "{}") == entry
        cli.complete(entry.id, "43")
        assert daemon.pending(REG) == []

        conflict_id = open_title_conflict(daemon)
        cli.resolve_conflict(conflict_id, "register")
        assert daemon.conflicts() == []

        assert daemon.remember_delivery("github", "d-1") is True
        assert cli.remember_delivery("github", "d-1") is False


def test_two_stores_writing_at_once_never_duplicate(location: str | Path) -> None:
    Store(location).close()
    tokens = [f"TD-{n}" for n in range(60)]
    entries: dict[str, list[int]] = {token: [] for token in tokens}
    first_sightings: list[str] = []

    def worker() -> None:
        with Store(location) as store:
            for token in tokens:
                entries[token].append(store.add_intent(REG, GH, "create", token, token, "{}").id)
                if store.remember_delivery("github", token):
                    first_sightings.append(token)

    run_together(worker, worker)

    assert all(len(set(ids)) == 1 for ids in entries.values())
    assert sorted(first_sightings) == sorted(tokens)
    with Store(location) as store:
        assert [e.token for e in store.pending(REG)] == tokens


def test_three_stores_can_create_the_same_fresh_database_at_once(location: str | Path) -> None:
    """Three daemons starting together: the migrations run once (a second run would fail on
    tables already there), the others wait for them and find the schema current."""
    versions: list[int] = []

    def open_fresh() -> None:
        with Store(location) as store:
            versions.append(store.schema_version)

    run_together(open_fresh, open_fresh, open_fresh)

    assert versions == [len(MIGRATIONS)] * 3


# --- schema versions ---------------------------------------------------------------------------


def older_database(location: str | Path, version: int, *rows: str) -> None:
    """A state database as a syncer at schema `version` left it, holding `rows` (SQL inserts)."""
    engine = open_engine(location)
    try:
        migrate(engine, MIGRATIONS[:version])
        with engine.begin() as connection:
            for row in rows:
                connection.exec_driver_sql(row)
    finally:
        engine.dispose()


def add_priority_column(connection: Connection) -> None:
    """A stand-in for a future migration."""
    connection.exec_driver_sql("ALTER TABLE links ADD COLUMN priority TEXT")


def test_a_database_migrates_forward_and_keeps_its_data(location: str | Path) -> None:
    current = len(MIGRATIONS)
    with Store(location) as store:
        store.save_link(link())
        assert store.schema_version == current

    engine = open_engine(location)
    try:
        assert migrate(engine, [*MIGRATIONS, add_priority_column]) == current + 1
        assert migrate(engine, [*MIGRATIONS, add_priority_column]) == current + 1  # no-op
    finally:
        engine.dispose()

    assert [tuple(row) for row in sql(location, "SELECT ref, priority FROM links")] == [
        ("12", None)
    ]
    assert sql(location, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(current + 1),)
    ]


def test_links_of_a_first_release_database_are_kept_and_read_as_not_yet_seen(
    location: str | Path,
) -> None:
    """v2 added `in_file` and `unsettled`: old links keep their bases and read the safe way."""
    older_database(
        location,
        1,
        "INSERT INTO links (register, target, ref, url, item_key, base_register,"
        " base_tracker, tracker_version) VALUES ('debt', 'github', '12', 'u', 'k',"
        ' \'{"title": "Slow build"}\', \'{"title": "Slow build"}\', \'v1\')',
    )

    with Store(location) as store:
        (record,) = store.links("debt", "github")
    assert record.base_register == {"title": "Slow build"}
    assert (record.in_file, record.unsettled) == (False, frozenset())


def test_upgrading_to_the_service_schema_keeps_links_and_runs(location: str | Path) -> None:
    """v4 drops the item uniqueness of `links` and gives runs notes and a runner."""
    older_database(
        location,
        3,
        "INSERT INTO links (id, register, target, ref, url, item_key, base_register,"
        " base_tracker, tracker_version, in_file, unsettled) VALUES (7, 'debt', 'github', '12',"
        " 'u', 'k', '{\"title\": \"A\"}', '{\"title\": \"A\"}', 'v1', 1, '[\"title\"]')",
        "INSERT INTO runs (register, started_at, counts, error)"
        " VALUES ('debt', '2026-01-01T00:00:00.000000+00:00', '{}', '')",
    )
    with Store(location) as store:
        (record,) = store.links("debt", "github")
        store.save_link(replace(record, ref="13", url="u2"))
        assert sorted(r.ref for r in store.links("debt", "github")) == ["12", "13"], "one item"
        run = store.last_run("debt")
    assert (record.ref, record.in_file, record.unsettled) == ("12", True, frozenset({"title"}))
    assert run is not None and (run.notes, run.runner) == ((), "")


def test_a_links_progress_survives_a_round_trip(store: Store) -> None:
    saved = replace(link(), in_file=True, unsettled=frozenset({"status", "title"}))
    store.save_link(saved)
    assert store.links(REG, saved.target) == [saved]


def test_a_failed_migration_leaves_the_database_as_it_was(location: str | Path) -> None:
    Store(location).close()

    def half_done(connection: Connection) -> None:
        add_priority_column(connection)
        raise RuntimeError("step failed halfway")

    engine = open_engine(location)
    try:
        with pytest.raises(RuntimeError):
            migrate(engine, [*MIGRATIONS, half_done])
        with engine.connect() as connection:
            columns = [column["name"] for column in inspect(connection).get_columns("links")]
    finally:
        engine.dispose()

    with Store(location) as store:
        assert store.schema_version == len(MIGRATIONS)
    assert "priority" not in columns


def test_a_database_from_a_newer_syncer_is_refused(location: str | Path) -> None:
    Store(location).close()
    newer = len(MIGRATIONS) + 1
    sql(location, f"UPDATE meta SET value = '{newer}' WHERE key = 'schema_version'")

    with pytest.raises(StoreError) as refused:
        Store(location)

    message = str(refused.value)
    assert message.startswith(f"{location}: ")
    assert f"version {newer}" in message
    assert f"version {len(MIGRATIONS)}" in message
    assert sql(location, "SELECT value FROM meta") == [(str(newer),)]


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "TECH_DEBT.md"
    content = "# Tech debt\n\n" + "- TD-1 Slow build\n" * 50
    notes.write_text(content)

    with pytest.raises(StoreError, match="not a usable SQLite"):
        Store(notes)

    assert notes.read_text() == content


# --- retention ---------------------------------------------------------------------------------

MONTH = timedelta(days=30)


def backdate(location: str | Path, table: str, column: str, row_id: int) -> None:
    """Move a row's timestamp to 2020, as if the store had been running for years."""
    sql(
        location,
        f"UPDATE {table} SET {column} = '2020-01-01T00:00:00.000000+00:00' WHERE id = :id",
        {"id": row_id},
    )


def fill_history(store: Store) -> None:
    """One of each: settled and pending writes, resolved and open conflicts, 3 runs, a delivery."""
    store.complete(store.add_intent(REG, GH, "create", "TD-1", "done", "{}").id, "42")
    store.fail(store.add_intent(REG, GH, "update", "TD-2", "failed", "{}").id, "422")
    store.add_intent(REG, GH, "close", "TD-3", "pending", "{}")
    store.resolve_conflict(open_title_conflict(store), "register")
    store.open_conflict(REG, GH, "13", "TD-2", "status", "open", "done", "closed")
    for _ in range(3):
        store.finish_run(store.start_run(REG).id, {"updated": 1})
    store.remember_delivery("github", "d-1")


def test_prune_deletes_settled_history_past_its_age_and_counts_it(store: Store) -> None:
    fill_history(store)
    last = store.last_run(REG)

    pruned = store.prune(now=datetime.now(UTC) + MONTH * 2, keep_for=MONTH, keep_runs=2)

    assert pruned == Pruned(outbox=2, conflicts=1, runs=1, deliveries=1)
    assert [e.token for e in store.pending(REG)] == ["pending"]
    assert [c.state for c in store.conflicts(state=None)] == [ConflictState.OPEN]
    assert store.last_run(REG) == last
    assert store.remember_delivery("github", "d-1") is True, "forgotten, so new again"
    done_again = store.add_intent(REG, GH, "create", "TD-1", "done", "{}")
    assert done_again.state is OutboxState.PENDING, "the settled entry is gone"


def test_history_younger_than_its_age_is_kept(store: Store) -> None:
    fill_history(store)

    pruned = store.prune(now=datetime.now(UTC) + timedelta(days=6), keep_for=MONTH, keep_runs=3)

    assert pruned == Pruned()
    assert len(store.conflicts(state=None)) == 2
    assert store.remember_delivery("github", "d-1") is False


def test_delivery_ids_are_kept_a_week_whatever_the_history_age(store: Store) -> None:
    store.remember_delivery("github", "d-1")
    year = timedelta(days=365)
    soon = datetime.now(UTC) + DELIVERIES_KEPT_FOR - timedelta(hours=1)
    later = datetime.now(UTC) + DELIVERIES_KEPT_FOR + timedelta(hours=1)

    assert store.prune(now=soon, keep_for=year, keep_runs=1).deliveries == 0
    assert store.prune(now=later, keep_for=year, keep_runs=1).deliveries == 1


def test_pending_writes_open_conflicts_and_each_last_run_survive_any_age(store: Store) -> None:
    fill_history(store)
    other = store.finish_run(store.start_run("other").id, {})
    mine = store.last_run(REG)
    decade = datetime.now(UTC) + timedelta(days=3650)

    pruned = store.prune(now=decade, keep_for=timedelta(days=1), keep_runs=1)

    assert pruned.runs == 2
    assert [e.token for e in store.pending(REG)] == ["pending"]
    assert [c.field for c in store.conflicts()] == ["status"]
    assert (store.last_run(REG), store.last_run("other")) == (mine, other)


def test_a_conflict_ages_from_its_resolution_not_its_opening(location: str | Path) -> None:
    """A conflict left open for months and settled today is today's history."""
    with Store(location) as store:
        conflict_id = open_title_conflict(store)
    backdate(location, "conflicts", "created_at", conflict_id)

    with Store(location) as store:
        before = datetime.now(UTC)
        resolved = store.resolve_conflict(conflict_id, "tracker")
        pruned = store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=1)

        assert_recent_utc(resolved.resolved_at, before)
        assert pruned.conflicts == 0
        assert store.conflicts(state=None) == [resolved]


def test_settled_writes_age_from_their_intent(location: str | Path) -> None:
    with Store(location) as store:
        old = store.add_intent(REG, GH, "update", "TD-1", "old", "{}")
        store.complete(old.id, "v2")
        recent = store.add_intent(REG, GH, "update", "TD-1", "recent", "{}")
        store.complete(recent.id, "v3")
        stuck = store.add_intent(REG, GH, "update", "TD-1", "stuck", "{}")
    for entry in (old, stuck):
        backdate(location, "outbox", "created_at", entry.id)

    with Store(location) as store:
        assert store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=1).outbox == 1
        assert [e.token for e in store.pending(REG)] == ["stuck"]
        assert store.add_intent(REG, GH, "update", "TD-1", "recent", "{}").state is OutboxState.DONE


def test_a_run_still_in_progress_elsewhere_can_finish_after_a_prune(store: Store) -> None:
    """Another process's run is unfinished and no longer the newest; it may still record its
    end. Left unfinished past the age, it crashed, and goes like any other old run."""
    in_progress = store.start_run(REG)
    newest = store.finish_run(store.start_run(REG).id, {})

    assert store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=1).runs == 0
    store.finish_run(in_progress.id, {"updated": 1})
    assert store.last_run(REG) == newest

    crashed = store.start_run(REG)
    store.finish_run(store.start_run(REG).id, {})
    assert store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=1).runs == 2
    assert store.prune(now=datetime.now(UTC) + MONTH * 2, keep_for=MONTH, keep_runs=1).runs == 1
    with pytest.raises(KeyError):
        store.finish_run(crashed.id, {})


def test_prune_never_drops_the_last_run(store: Store) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=0)


def test_upgrading_to_retention_keeps_rows_and_dates_them_at_the_upgrade(
    location: str | Path,
) -> None:
    """v3 added `deliveries.received_at` and `conflicts.resolved_at`: rows from before get the
    upgrade's time, so the upgrade deletes none of them early."""
    older_database(
        location,
        2,
        "INSERT INTO deliveries (source, delivery_id) VALUES ('github', 'd-1')",
        *(
            "INSERT INTO conflicts (register, target, ref, item_key, field, state,"
            f" resolution, created_at) VALUES ('debt', 'github', '12', 'TD-1', '{state}',"
            f" '{state}', '', '2020-01-01T00:00:00.000000+00:00')"
            for state in ("resolved", "open")
        ),
    )
    before = datetime.now(UTC)

    with Store(location) as store:
        assert store.schema_version == len(MIGRATIONS)
        resolved, still_open = store.conflicts(state=None)
        assert_recent_utc(resolved.resolved_at, before)
        assert still_open.resolved_at is None
        assert store.prune(now=datetime.now(UTC), keep_for=MONTH, keep_runs=1) == Pruned()
        assert store.remember_delivery("github", "d-1") is False
        later = store.prune(now=datetime.now(UTC) + MONTH * 2, keep_for=MONTH, keep_runs=1)
        assert later == Pruned(conflicts=1, deliveries=1)
        assert store.conflicts() == [still_open]
