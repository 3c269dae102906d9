"""Settings every test shares.

Hypothesis's per-example deadline (200 ms) measures the machine, not the code: on a shared
CI runner a slow moment fails an example that is correct. Examples are bounded by their
count instead; speed is checked by the benchmarks in `bench/`, never by timed assertions.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from hypothesis import settings

from syncer.fakes.clock import VirtualTime
from tests.postgres_server import BACKEND_VARIABLE, PostgresServer, running_server

settings.register_profile("syncer", deadline=None)
settings.load_profile("syncer")


@pytest.fixture
def clock() -> VirtualTime:
    """One virtual clock for a fake (`FakeGitHub(clock=clock)`) and an adapter given
    `clock.sleep`/`clock.time`: pacing waits and `retry-after` windows are recorded, never
    slept."""
    return VirtualTime()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole session (`tests.postgres_server`)."""
    with running_server() as server:
        yield server


@pytest.fixture
def fresh_state(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """A new state location at each call, for tests that run syncer on a config file:
    `syncer.sqlite` beside the config, or, with `SYNCER_TEST_STATE=postgresql`, a fresh
    database on the test server (how the daemon and reliability suites run on PostgreSQL)."""
    if os.environ.get(BACKEND_VARIABLE, "sqlite") != "postgresql":
        yield lambda: "syncer.sqlite"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with ExitStack() as databases:
        yield lambda: databases.enter_context(server.database())
