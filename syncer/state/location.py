"""Where the state lives: a SQLite file (the default, embedded) or a PostgreSQL server URL.

A `state` value with a scheme (`postgresql://alice@db:5432/syncer`) is a database URL; anything
else is a file path. Without this distinction a URL was taken as a path and a folder named
`postgresql:` appeared. Kept free of SQLAlchemy, so reading the configuration stays quick.

A password may sit in the URL (say, `SYNCER_STATE` set from a secret store); it is registered
with `syncer.redact` as soon as the URL is read, and every message shows the URL through
`shown`, which leaves it out. libpq's own `PGPASSWORD` and `~/.pgpass` work too, and keep the
password out of the URL altogether.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from syncer import redact

SERVER_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
"""`postgres://` is the spelling Heroku and many `DATABASE_URL`s use; all three mean psycopg 3."""
SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite"})
MEMORY = ":memory:"
"""A private in-memory SQLite database (tests, `--dry-run` experiments)."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_EXAMPLE = "postgresql://user@host:5432/db"


class StoreError(Exception):
    """The state cannot be used as asked (not a database, from a newer syncer, unreachable…)."""


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and _URL.match(location) is not None


def parse_location(location: str | Path) -> str | Path:
    """A SQLite file's `Path` (or `MEMORY`), or a server URL as given; `StoreError` for a scheme
    syncer has no database for. `sqlite:///relative.db` and `sqlite:////abs.db` name files."""
    if not is_database_url(location):
        return location if isinstance(location, Path) or location == MEMORY else Path(location)
    parts = urlsplit(str(location))
    scheme = parts.scheme.lower()
    if scheme in SQLITE_SCHEMES:
        return Path(unquote(parts.path[1:])) if parts.path[1:] else MEMORY
    if scheme not in SERVER_SCHEMES:
        raise StoreError(
            f"unknown state database scheme {scheme!r}: state is a SQLite file path or a "
            f"PostgreSQL URL such as {_EXAMPLE}"
        )
    if not parts.hostname and "host=" not in parts.query:
        raise StoreError(f"state URL {shown(str(location))} names no server: write {_EXAMPLE}")
    if parts.password:
        redact.remember(unquote(parts.password))
    return str(location)


def shown(location: str | Path) -> str:
    """The location as a person may see it: a URL without its password."""
    if not is_database_url(location):
        return str(location)
    parts = urlsplit(str(location))
    if parts.password is None:
        return str(location)
    return _without_password(parts).geturl()


def _without_password(parts: SplitResult) -> SplitResult:
    user = parts.netloc.rpartition("@")[0].partition(":")[0]
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}")


def server_address(location: str) -> str:
    """`host:port` of a server URL, for messages about reaching it (5432 when unsaid)."""
    parts = urlsplit(location)
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return f"{parts.hostname or 'localhost'}:{port}"
