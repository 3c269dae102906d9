"""A state kept on a PostgreSQL server: doctor connects and reads its schema version, writing
nothing; an unreachable server is one failed check naming its address, never the password."""

from __future__ import annotations

from syncer.doctor.local import state_check
from syncer.state.store import Store
from tests.postgres_server import PostgresServer


def test_a_reachable_server_is_checked_without_writing(postgres_server: PostgresServer) -> None:
    with postgres_server.database() as url:
        check = state_check(url)
        assert check.status == "ok" and "reachable, schema version 0" in check.detail
        with Store(url):
            pass  # migrated by a store, as a reconcile would
        assert "schema version 0" not in state_check(url).detail


def test_an_unreachable_server_fails_without_the_password(
    postgres_server: PostgresServer,
) -> None:
    url = f"postgresql://syncer:hunter2-secret@127.0.0.1:{postgres_server.port + 1}/nowhere"
    check = state_check(url)
    assert check.status == "fail"
    assert f"127.0.0.1:{postgres_server.port + 1}" in check.detail
    assert "hunter2-secret" not in check.detail + check.fix
