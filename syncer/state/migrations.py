"""The history of the state schema: one function per version, applied in order.

`MIGRATIONS[n]` takes a database at version n to version n + 1. The steps are plain SQL frozen
in time rather than generated from the table models: a model describes the schema as it is now,
while a migration must keep producing the schema as it was at its version, or a later step
written against that older shape would break on a fresh database. Steps never commit; the runner
(`syncer.state.store.migrate`) wraps all pending steps in one transaction, so a failed upgrade
leaves the file exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, text

Migration = Callable[[Connection], None]

_V1_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        register TEXT NOT NULL,
        target TEXT NOT NULL,
        ref TEXT NOT NULL,
        url TEXT NOT NULL,
        item_key TEXT NOT NULL,
        base_register TEXT NOT NULL,
        base_tracker TEXT NOT NULL,
        tracker_version TEXT NOT NULL,
        UNIQUE (register, target, ref),
        UNIQUE (register, target, item_key)
    )""",
    """CREATE TABLE cursors (
        register TEXT NOT NULL,
        target TEXT NOT NULL,
        cursor TEXT NOT NULL,
        PRIMARY KEY (register, target)
    )""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        register TEXT NOT NULL,
        target TEXT NOT NULL,
        operation TEXT NOT NULL,
        item_key TEXT NOT NULL,
        token TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (register, target, token)
    )""",
    "CREATE INDEX outbox_by_state ON outbox (register, state, id)",
    """CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        register TEXT NOT NULL,
        target TEXT NOT NULL,
        ref TEXT NOT NULL,
        item_key TEXT NOT NULL,
        field TEXT NOT NULL,
        base TEXT,
        register_value TEXT,
        tracker_value TEXT,
        state TEXT NOT NULL,
        resolution TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    # At most one open conflict per field of a link; resolved ones stay as history.
    """CREATE UNIQUE INDEX conflicts_one_open ON conflicts (register, target, ref, field)
        WHERE state = 'open'""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        register TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        counts TEXT NOT NULL,
        error TEXT NOT NULL
    )""",
    "CREATE INDEX runs_by_register ON runs (register, id)",
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        UNIQUE (source, delivery_id)
    )""",
    "CREATE INDEX deliveries_by_source ON deliveries (source, id)",
)


def _v1_initial_schema(connection: Connection) -> None:
    """Create every table of the first release."""
    for statement in _V1_SCHEMA:
        connection.exec_driver_sql(statement)


def _v2_link_progress(connection: Connection) -> None:
    """Links learn whether their text was seen in the register, and which fields syncer relayed
    to the tracker without the register taking them. A link already stored was in the file,
    unless a crash or a busy file kept it out: those stay 0, the old (safe) reading."""
    connection.exec_driver_sql("ALTER TABLE links ADD COLUMN in_file INTEGER NOT NULL DEFAULT 0")
    connection.exec_driver_sql("ALTER TABLE links ADD COLUMN unsettled TEXT NOT NULL DEFAULT '[]'")


def _v3_retention_timestamps(connection: Connection) -> None:
    """Stamp webhook deliveries with their arrival and conflicts with their resolution.

    Retention deletes by age, and neither age was recorded: a delivery had no time at all, and
    a conflict's `created_at` is when it opened, which for one left open for weeks says nothing
    about how long ago it was settled. Rows already there get the upgrade's time: their real
    one is unknown, and an earlier guess could forget a delivery id while the tracker may still
    redeliver it. Open conflicts keep NULL until resolved. The columns are nullable because
    SQLite adds a NOT NULL column only with a constant default, and no constant is a right time;
    the store always writes one.
    """
    upgraded_at = datetime.now(UTC).isoformat(timespec="microseconds")
    connection.exec_driver_sql("ALTER TABLE deliveries ADD COLUMN received_at TEXT")
    connection.exec_driver_sql("ALTER TABLE conflicts ADD COLUMN resolved_at TEXT")
    connection.execute(text("UPDATE deliveries SET received_at = :at"), {"at": upgraded_at})
    connection.execute(
        text("UPDATE conflicts SET resolved_at = :at WHERE state = 'resolved'"),
        {"at": upgraded_at},
    )


def _v4_service(connection: Connection) -> None:
    """What a long-running service needs to remember between processes.

    Runs keep their notes (an inconsistency settled, a link refused: `syncer status` shows
    them) and which process ran them. `writes` holds the tracker writes of the last hour per
    pacing key, so a restarted daemon or back-to-back `reconcile` runs stay under a tracker's
    write limits together.
    """
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'")
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN runner TEXT NOT NULL DEFAULT ''")
    connection.exec_driver_sql(
        "CREATE TABLE writes (id INTEGER PRIMARY KEY, key TEXT NOT NULL, at REAL NOT NULL)"
    )
    connection.exec_driver_sql("CREATE INDEX writes_by_key ON writes (key, at)")
    _links_without_item_uniqueness(connection)


def _links_without_item_uniqueness(connection: Connection) -> None:
    """Drop UNIQUE (register, target, item_key) from links, keeping every row and id.

    Which item holds which issue is the file's to say and the engine's to settle (docs/sync.md,
    "Never wedged"): a link moved onto another line, or a create recovered for an item that
    has an issue already, must be settled by a rule, while a constraint here turned both into
    an error on every later run. SQLite drops a constraint only by rebuilding the table.
    """
    connection.exec_driver_sql(
        """CREATE TABLE links_v4 (
            id INTEGER PRIMARY KEY,
            register TEXT NOT NULL,
            target TEXT NOT NULL,
            ref TEXT NOT NULL,
            url TEXT NOT NULL,
            item_key TEXT NOT NULL,
            base_register TEXT NOT NULL,
            base_tracker TEXT NOT NULL,
            tracker_version TEXT NOT NULL,
            in_file INTEGER NOT NULL DEFAULT 0,
            unsettled TEXT NOT NULL DEFAULT '[]',
            UNIQUE (register, target, ref)
        )"""
    )
    connection.exec_driver_sql(
        "INSERT INTO links_v4 SELECT id, register, target, ref, url, item_key, base_register,"
        " base_tracker, tracker_version, in_file, unsettled FROM links"
    )
    connection.exec_driver_sql("DROP TABLE links")
    connection.exec_driver_sql("ALTER TABLE links_v4 RENAME TO links")
    connection.exec_driver_sql("CREATE INDEX links_by_item ON links (register, target, item_key)")


MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial_schema,
    _v2_link_progress,
    _v3_retention_timestamps,
    _v4_service,
)
