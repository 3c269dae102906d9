"""Opening a PostgreSQL state database (psycopg 3), and saying why one cannot be reached.

The schema, the migrations and the store are the same as on SQLite (`syncer.state.engine` keeps
the few dialect differences in one place); this module only turns the URL into an engine with
settings a shared server needs, and turns connection failures into one line naming the host,
the port and what failed, never the password.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import create_engine

from syncer.redact import scrub
from syncer.state.location import StoreError, server_address, shown

DRIVER = "postgresql+psycopg"
CONNECT_TIMEOUT_SECONDS = 10
"""An unreachable server fails a command after this long instead of hanging (libpq's
`connect_timeout`; a `connect_timeout` in the URL wins)."""
POOL_SIZE, POOL_OVERFLOW = 10, 20
"""A daemon runs up to 8 cycles at once, each holding a connection for its register's lock and
borrowing one per store call: 10 kept open covers the usual load, 30 the worst."""


def open_postgres(location: str, application_name: str) -> Engine:
    """An engine on the server database at `location`; `application_name` is what
    `pg_stat_activity` shows for its connections (who holds a register's lock)."""
    try:
        import psycopg  # noqa: F401  (only to say what is missing, before SQLAlchemy would)
    except ImportError:
        raise StoreError(
            f"{shown(location)}: a PostgreSQL state needs psycopg 3; install "
            "syncer[postgresql] (pip install 'syncer[postgresql]')"
        ) from None
    try:
        url = make_url(location).set(drivername=DRIVER)
    except (ArgumentError, ValueError):
        # The parser's message quotes the URL, password and all: say what is wrong without it.
        raise StoreError(
            f"{shown(location)}: not a valid PostgreSQL URL (write postgresql://user@host:5432/db)"
        ) from None
    defaults: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": application_name,
    }
    connect_args = {key: value for key, value in defaults.items() if key not in url.query}
    return create_engine(
        url,
        connect_args=connect_args,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        # No ping before each use: it doubled the cost of every store call (a webhook makes
        # two). After a server restart the first call to meet a dead connection fails, and
        # SQLAlchemy then drops every pooled connection: one failed cycle, the next one runs.
        pool_pre_ping=False,
    )


def unreachable(location: str, error: DBAPIError) -> StoreError:
    """Why the server refused or never answered the first connection: its address and libpq's
    reason (which names the user at most, never the password)."""
    reason = " ".join(str(error.orig).split()).removeprefix("connection failed: ")
    return StoreError(
        f"cannot connect to the state database server at {server_address(location)}: "
        f"{scrub(reason)}"
    )
