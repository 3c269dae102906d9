"""The state store's suite runs on every backend: each test asking for `location` runs once on
a SQLite file and once on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, text

from syncer.state.engine import open_engine
from syncer.state.store import Store

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """Where a fresh state database lives: a file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield tmp_path / "state" / "syncer.db"
        return
    server = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url


@pytest.fixture
def store(location: str | Path) -> Iterator[Store]:
    with Store(location) as opened:
        yield opened


def sql(
    location: str | Path,
    statement: str,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] = (),
) -> list[Row[Any]]:
    """Run one statement behind the store's back (to look, or to tamper); the rows it returns."""
    engine = open_engine(location)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params or None)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()
