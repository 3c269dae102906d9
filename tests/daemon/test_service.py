"""`syncer daemon` as a whole: its schedule, webhooks waking it, health, metrics, shutdown.

In process (the `Daemon` the command runs) against a fake GitHub that delivers signed webhooks
to it over real HTTP on 127.0.0.1, and as a process for what only a process shows (signals, a
port already taken).
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from syncer.config import load_config
from syncer.daemon.service import Daemon, trigger_for
from syncer.fakes.github import FakeGitHub
from syncer.register import parse

SECRET = "s3cret-for-webhooks"
REGISTER = "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Item number {n}\n" for n in range(5))
ROOT = Path(__file__).resolve().parents[2]
DEBOUNCE = 1.0
"""Long enough for a burst of 20 deliveries to land within it, on a loaded machine and with
the state on PostgreSQL (two store calls a delivery)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    folder: Path,
    fake: FakeGitHub,
    port: int,
    schedule: str = "every 1h",
    state: str = "syncer.sqlite",
) -> Path:
    (folder / "TECH_DEBT.md").write_text(REGISTER, "utf-8")
    config = folder / "syncer.toml"
    config.write_text(
        f"""state = "{state}"
http_port = {port}
schedule = "{schedule}"
webhook_debounce_seconds = {DEBOUNCE}
github_webhook_secret_env = "HOOK_SECRET"

[[registers]]
name = "debt"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GH_TOKEN"
seconds_between_writes = 0
""",
        "utf-8",
    )
    return config


def eventually(check: Callable[[], bool], seconds: float = 20.0) -> float:
    """Seconds until `check()` held; fails the test past `seconds`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not within {seconds}s")
        time.sleep(0.05)
    return time.monotonic() - started


def metric(daemon: Daemon, name: str, **labels: str) -> float:
    text = httpx.get(f"{daemon.base_url}/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match[1].split(","))) == wanted:
            return float(match[2])
    return 0.0


@pytest.fixture
def running(
    tmp_path: Path, fresh_state: Callable[[], str]
) -> Iterator[tuple[Daemon, FakeGitHub, Path]]:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake, port=0, state=fresh_state())
        env = {"GH_TOKEN": fake.token, "HOOK_SECRET": SECRET}
        daemon = Daemon(load_config(config, env), env)
        fake.send_webhooks_to(f"{daemon.base_url}/webhooks/github", SECRET)
        daemon.start()
        try:
            yield daemon, fake, tmp_path / "TECH_DEBT.md"
        finally:
            daemon.shutdown()


def test_the_first_cycle_runs_at_start_and_the_daemon_is_then_ready(
    running: tuple[Daemon, FakeGitHub, Path],
) -> None:
    daemon, fake, path = running
    assert httpx.get(f"{daemon.base_url}/healthz").status_code == 200
    eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)
    assert fake.issue_count() == 5
    assert all(item.links for item in parse(path.read_text("utf-8")).items)
    assert metric(daemon, "syncer_cycles_total", register="debt", outcome="ok") == 1
    assert metric(daemon, "syncer_last_success_timestamp_seconds", register="debt") > 0
    target = f"github:{fake.repo}"
    posts = metric(daemon, "syncer_tracker_requests_total", target=target, method="POST")
    assert posts == fake.server.count("POST") >= 5, "every request the adapter sent is counted"


def test_a_signed_webhook_brings_a_closed_issue_into_the_register_soon(
    running: tuple[Daemon, FakeGitHub, Path],
) -> None:
    daemon, fake, path = running
    eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)
    item = parse(path.read_text("utf-8")).items[2]
    fake.human_edit(item.links[0].text.split("#")[1], closed=True)
    took = eventually(lambda: "- [x] Item number 2" in path.read_text("utf-8"))
    assert took <= DEBOUNCE + 3, "within the debounce and a cycle"
    assert metric(daemon, "syncer_webhook_deliveries_total", tracker="github", outcome="accepted")


def test_a_burst_of_deliveries_makes_one_cycle(
    running: tuple[Daemon, FakeGitHub, Path],
) -> None:
    daemon, fake, path = running
    eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)
    ref = parse(path.read_text("utf-8")).items[0].links[0].text.split("#")[1]
    for n in range(20):
        fake.human_edit(ref, title=f"Retitled {n}")
    fake.flush_webhooks()
    eventually(lambda: "Retitled 19" in path.read_text("utf-8"))
    time.sleep(DEBOUNCE * 2)  # past another debounce: nothing more may come
    cycles = metric(daemon, "syncer_cycles_total", register="debt", outcome="ok")
    assert cycles == 2, "the first cycle, then one for the whole burst"


def test_the_status_page_is_served_at_the_root(
    running: tuple[Daemon, FakeGitHub, Path],
) -> None:
    daemon, _, _ = running
    eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)

    page = httpx.get(f"{daemon.base_url}/")

    assert page.status_code == 200
    assert "Register debt" in page.text and "<dt>Items in the file</dt><dd>5</dd>" in page.text
    assert re.search(r"<dt>Next run</dt><dd><time ", page.text), "the schedule's next run"


def test_triggers_follow_the_schedule_with_a_little_jitter() -> None:
    interval = trigger_for("every 15m")
    assert interval.interval.total_seconds() == 900 and interval.jitter == 30
    # Short schedules too (this was rounded down to none): several daemons started together
    # would otherwise fire in step forever, and the quickest would take every register.
    assert trigger_for("every 3s").jitter == pytest.approx(0.15)
    cron = trigger_for("*/10 7-19 * * mon-fri")
    assert "day_of_week='mon,tue,wed,thu,fri'" in str(cron)


def start_process(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "daemon", "--config", str(config)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigterm_finishes_cleanly_and_exits_0(
    tmp_path: Path, fresh_state: Callable[[], str]
) -> None:
    port = free_port()
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake, port, state=fresh_state())
        process = start_process(config, {"GH_TOKEN": fake.token, "HOOK_SECRET": SECRET})
        url = f"http://127.0.0.1:{port}/readyz"
        eventually(lambda: _answers(url) == 200 or process.poll() is not None, 30)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "daemon stopped" in stderr and "Traceback" not in stderr


def test_a_port_already_taken_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken, FakeGitHub() as fake:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = write_config(tmp_path, fake, taken.getsockname()[1])
        process = start_process(config, {"GH_TOKEN": fake.token, "HOOK_SECRET": SECRET})
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stderr.strip().startswith("error: cannot listen on 127.0.0.1:")
    assert len(stderr.strip().splitlines()) == 1, stderr


def _answers(url: str) -> int:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return 0
