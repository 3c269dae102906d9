"""Settings every test shares.

Hypothesis's per-example deadline (200 ms) measures the machine, not the code: on a shared
CI runner a slow moment fails an example that is correct. Examples are bounded by their
count instead; speed is checked by the benchmarks in `bench/`, never by timed assertions.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from hypothesis import settings

from syncer.fakes.clock import VirtualTime
from tests.postgres_server import ON_POSTGRESQL, PostgresServer, running_server

settings.register_profile("syncer", deadline=None)
settings.load_profile("syncer")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `SYNCER_TEST_STATE=postgresql`, only the tests whose state follows the variable
    (those using `fresh_state`) run, the others deselected: they would repeat the default run
    exactly, and CI runs the daemon and reliability suites this way a second time."""
    if not ON_POSTGRESQL:
        return
    following = [item for item in items if "fresh_state" in getattr(item, "fixturenames", ())]
    config.hook.pytest_deselected(items=[item for item in items if item not in following])
    items[:] = following


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
    if not ON_POSTGRESQL:
        yield lambda: "syncer.sqlite"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with ExitStack() as databases:
        yield lambda: databases.enter_context(server.database())
