"""Several daemons on one PostgreSQL database: a webhook landing on a daemon that does not hold
the register wakes the one that does (LISTEN/NOTIFY), for one more cycle after its own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncer.config import load_config
from syncer.daemon.metrics import Metrics
from syncer.daemon.runner import CycleRunner
from syncer.daemon.service import Daemon
from syncer.fakes.github import FakeGitHub
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.progress import CycleReport, StopFlag
from tests.daemon.test_service import SECRET, eventually, metric, write_config
from tests.postgres_server import PostgresServer


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    with postgres_server.database() as url:
        yield url


def test_an_announcement_reaches_every_listening_process(database: str) -> None:
    heard: queue.Queue[str] = queue.Queue()
    with Store(database) as daemon, Store(database) as elsewhere:
        listener = daemon.listen(heard.put)
        assert listener is not None
        try:
            assert listener.wait_listening(10)
            elsewhere.announce("debt")
            assert heard.get(timeout=10) == "debt"
        finally:
            listener.close()


def test_sqlite_has_no_channel_and_announcing_is_harmless(tmp_path: Path) -> None:
    with Store(tmp_path / "syncer.sqlite") as store:
        assert store.listen(lambda register: None) is None
        store.announce("debt")


def test_a_webhook_for_a_register_held_elsewhere_wakes_its_holder(
    database: str, tmp_path: Path
) -> None:
    heard: queue.Queue[str] = queue.Queue()
    with FakeGitHub() as fake, Store(database) as other_daemon:
        config = write_config(tmp_path, fake, port=0, state=database)
        env = {"GH_TOKEN": fake.token, "HOOK_SECRET": SECRET}
        daemon = Daemon(load_config(config, env), env)
        fake.send_webhooks_to(f"{daemon.base_url}/webhooks/github", SECRET)
        daemon.start()
        listener = other_daemon.listen(heard.put)
        assert listener is not None
        try:
            eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)
            assert listener.wait_listening(10)
            ref = parse((tmp_path / "TECH_DEBT.md").read_text("utf-8")).items[0].links[0].text
            with other_daemon.lock("debt", 20):  # once its own cycles are done
                fake.human_edit(ref.split("#")[1], title="Retitled elsewhere")
                fake.flush_webhooks()
                assert heard.get(timeout=20) == "debt"
            assert metric(daemon, "syncer_cycles_skipped_total", register="debt", reason="locked")
        finally:
            listener.close()
            daemon.shutdown()


class BlockingApp:
    """Stands in for `App` in a runner: each cycle waits until the test lets it finish."""

    def __init__(self) -> None:
        self.jobs: dict[str, Any] = {"debt": None}
        self.cycles = 0
        self.inside = threading.Event()
        self.finish = threading.Event()

    def run(self, register: str, **_: Any) -> CycleReport:
        self.cycles += 1
        self.inside.set()
        assert self.finish.wait(10)
        return CycleReport(register)

    def prune(self) -> None:
        pass


@pytest.mark.parametrize(("woken_elsewhere", "cycles"), [(True, 2), (False, 1)])
def test_the_holder_woken_mid_cycle_runs_once_more(woken_elsewhere: bool, cycles: int) -> None:
    app = BlockingApp()
    runner = CycleRunner(app, Metrics(["debt"]), StopFlag())  # type: ignore[arg-type]
    thread = threading.Thread(target=runner.run, args=("debt",))
    thread.start()
    assert app.inside.wait(10)
    if woken_elsewhere:
        runner.again_if_running("debt")
    runner.again_if_running("other")  # not running here: nothing to do
    app.finish.set()
    thread.join(10)
    assert app.cycles == cycles
