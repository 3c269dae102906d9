"""Checks of what lives on this machine: the register files, the state database, the webhook
secrets. None of them writes: a register is only read, the database is opened read-only, and
whether its folder is writable is learnt by creating and removing a temporary file there."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from syncer.config import ConfigError, RegisterConfig, Settings
from syncer.doctor.check import Check, fail, ok, warn
from syncer.register import parse
from syncer.sources.files import RegisterFileError, read_register
from syncer.state.engine import SCHEMA_VERSION_KEY
from syncer.state.location import is_database_url, parse_location, shown
from syncer.state.migrations import MIGRATIONS

STATE = "state database"
WEBHOOK_SETTING = {
    "github": "github_webhook_secret_env",
    "gitlab": "gitlab_webhook_token_env",
    "jira": "jira_webhook_secret_env",
}


def register_checks(register: RegisterConfig) -> Check:
    """The register reads, and syncer finds items in it (a file of none is most often written
    in a style syncer does not read, which `syncer parse` shows)."""
    subject = f"register {register.name}"
    if register.path is None:
        return Check(
            "register parses",
            subject,
            "skip",
            f"kept in git ({register.location}): read and checked at reconcile",
        )
    try:
        text = read_register(register.path)
    except RegisterFileError as exc:
        return fail("register parses", subject, str(exc), "fix the register's path in the config")
    count = len(parse(text, register.rules).items)
    if count == 0:
        return warn(
            "register parses",
            subject,
            f"{register.path}: no items found",
            f"does the file use a style syncer reads? see `syncer parse {register.path}`",
        )
    return ok("register parses", subject, f"{register.path}: {count} item{'s' * (count != 1)}")


def state_check(location: Path | str) -> Check:
    """The state database can be written where it is (or created there) and is not from a
    newer syncer; it is opened read-only, and an absent one is not created."""
    where = parse_location(location)
    if isinstance(where, str) and is_database_url(where):
        return _server_check(where)
    path = Path(where)
    if str(path) == ":memory:":
        return ok("writable", STATE, "in memory")
    folder = _existing_folder(path.parent)
    if folder is None:
        return fail("writable", STATE, f"{path}: no folder on the way exists", "fix `state`")
    if not folder.is_dir():
        return fail("writable", STATE, f"{folder} is a file, not a folder", "fix `state`")
    if not _can_create_in(folder):
        return fail(
            "writable",
            STATE,
            f"{path}: cannot create files in {folder}",
            f"let the user syncer runs as write {folder}, or set `state` to a writable path",
        )
    if not path.exists():
        return ok("writable", STATE, f"{path}: not there yet, created at the first reconcile")
    if not os.access(path, os.R_OK | os.W_OK):
        return fail(
            "writable",
            STATE,
            f"{path}: not readable and writable by this user",
            f"give the user syncer runs as read and write access to {path}",
        )
    return _schema_check(path)


def _server_check(url: str) -> Check:
    """A state database server: reachable with these credentials, its schema not newer than
    this syncer's (read in a transaction that writes nothing)."""
    from sqlalchemy.exc import DBAPIError

    from syncer.state.engine import open_engine, stored_version
    from syncer.state.postgres import unreachable

    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            version = stored_version(connection)
    except DBAPIError as exc:
        return fail("writable", STATE, str(unreachable(url, exc)), "fix `state`, or the server")
    finally:
        engine.dispose()
    return _version_check(shown(url), version, "reachable")


def _version_check(where: str, version: int, found: str) -> Check:
    known = len(MIGRATIONS)
    if version > known:
        return fail(
            "writable",
            STATE,
            f"{where}: schema version {version} is newer than this syncer's ({known})",
            "upgrade syncer to the version that wrote this file"
            if found == "writable"
            else "upgrade syncer to the version that wrote this database",
        )
    return ok("writable", STATE, f"{where}: {found}, schema version {version} of {known}")


def _schema_check(path: Path) -> Check:
    # Read-only opening of a WAL database creates its -wal and -shm files when they are not
    # there; `immutable` reads the file alone. While another process has it open (its -wal
    # exists) those files are there already, and `mode=ro` also sees what it has not
    # checkpointed yet.
    in_use = Path(f"{path}-wal").exists()
    uri = f"file:{quote(str(path.absolute()))}?{'mode=ro' if in_use else 'immutable=1'}"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            tables = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            row = (
                connection.execute(
                    "SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)
                ).fetchone()
                if tables
                else None
            )
    except sqlite3.DatabaseError as exc:
        return fail(
            "writable",
            STATE,
            f"{path}: not a usable SQLite database ({exc})",
            "set `state` to another file (a new one is created), or restore this one",
        )
    return _version_check(str(path), int(row[0]) if row else 0, "writable")


def _existing_folder(folder: Path) -> Path | None:
    """`folder`, or its nearest ancestor that exists (syncer creates the rest)."""
    for candidate in _upwards(folder.absolute()):
        if candidate.exists():
            return candidate
    return None


def _upwards(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.parents


def _can_create_in(folder: Path) -> bool:
    """Whether a file can be created in `folder`: one is, and removed at once (`os.access`
    answers for the user's permissions only, not for a read-only mount)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".syncer-doctor-"):
            return True
    except OSError:
        return False


def webhook_checks(settings: Settings, env: Mapping[str, str] | None) -> list[Check]:
    """A webhook secret for every kind of tracker in use: without one, the daemon refuses that
    tracker's webhooks (and syncer learns of its changes only on schedule)."""
    kinds = sorted({target.kind for register in settings.registers for target in register.targets})
    checks = []
    for kind in kinds:
        setting = WEBHOOK_SETTING[kind]
        subject = f"{kind} webhooks"
        try:
            secret = settings.webhook_secret(kind, env)
        except ConfigError as exc:
            checks.append(
                warn("secret set", subject, str(exc), "set the variable for the daemon's process")
            )
            continue
        if secret is not None:
            checks.append(ok("secret set", subject, f"{setting} is set"))
        elif kind in settings.allow_unsigned_webhooks:
            checks.append(ok("secret set", subject, "unsigned webhooks allowed"))
        else:
            checks.append(
                warn(
                    "secret set",
                    subject,
                    f"{setting} is not set: the daemon would refuse {kind} webhooks",
                    f"set {setting} to the name of a variable holding the webhook's secret"
                    " (not needed for `syncer reconcile` alone)",
                )
            )
    return checks
