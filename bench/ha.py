"""Several daemons on one PostgreSQL database: throughput, lock overhead, failover.

Registers of checkbox items, each on its own fake GitHub over HTTP on 127.0.0.1, all in one
config run by `syncer daemon` processes sharing one database (a throwaway server from
`tests/postgres_server.py`). The fakes answer every request after `--latency` seconds (0.3
by default, the middle of the 100-500 ms a real tracker takes): a daemon mostly waits on the
network, as deployed, so the figures measure sharing that wait, not the machine's cores.

0. **first sync** (not measured, fakes answering at once to save time): `--daemons` processes
   link every item; then every phase runs on that synced state.
1. **throughput**: finished cycles per minute over `--window` seconds, with 1 daemon and then
   with `--daemons` (target: at least 2.5x with 3). The schedule (`--interval`, 1 s) asks for
   `registers * 60 / interval` cycles a minute (`demand_cycles_per_minute`, 6,000 at the
   default size), more than all daemons can run, so the count is what they can do, not what
   the schedule asks (a demand the daemons meet would cap the speedup at demand / one
   daemon's rate, however many share it). Every daemon schedules every register; the lock
   decides who runs it, so the gain comes from running more cycles at once, not from skipping
   work. Beside it, the CPU per cycle of the daemons and of this process (the fakes): a
   daemon runs at most 8 cycles at once, so 1 daemon does at most 8 / (latency + the cycle's
   own time) a second; more daemons run more at once until the cores are spent, at cores /
   CPU per cycle.
2. **lock overhead**: a register lock taken and released on the database (`Store.lock`) while
   the daemons run, the mean over `--lock-samples` (target: at most 5 ms per cycle).
3. **failover**: the daemon holding a register is killed with SIGKILL in the middle of a
   tracker request; seconds until another daemon finished a run of it (target: at most one
   schedule interval + 5 s).

Prints the figures, then one line holding a JSON object of them.
Run: python bench/ha.py [--registers N] [--items N] [--daemons N] [--window S] [--interval S]
     [--latency S]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the throwaway server lives with the tests

from syncer.fakes.github import FakeGitHub  # noqa: E402
from syncer.register import parse  # noqa: E402
from syncer.state.store import Store  # noqa: E402
from tests.postgres_server import running_server  # noqa: E402

UNPACED = (
    "seconds_between_writes = 0\ncreates_per_minute = 1000000\ncreates_per_hour = 1000000\n"
    "writes_per_minute = 1000000\nwrites_per_hour = 1000000\n"
)
Daemons = list[subprocess.Popen[bytes]]


def write_config(folder: Path, fakes: list[FakeGitHub], items: int, state: str, every: int) -> Path:
    tables = []
    for n, fake in enumerate(fakes):
        text = "# Debt\n\n## Work\n\n" + "".join(
            f"- [ ] **Register {n} item {i}** - body\n" for i in range(items)
        )
        (folder / f"R{n}.md").write_text(text, "utf-8")
        tables.append(
            f'[[registers]]\nname = "r{n}"\npath = "R{n}.md"\n[[registers.targets]]\n'
            f'kind = "github"\nrepo = "{fake.repo}"\nbase_url = "{fake.server.base_url}"\n'
            f'token_env = "GH_TOKEN_{n}"\n{UNPACED}'
        )
    config = folder / "syncer.toml"
    config.write_text(
        f'state = "{state}"\nhttp_port = 0\nschedule = "every {every}s"\n\n' + "\n".join(tables),
        "utf-8",
    )
    return config


@contextmanager
def running_daemons(count: int, config: Path, fakes: list[FakeGitHub]) -> Iterator[Daemons]:
    """`count` daemon processes on `config`, stopped with SIGTERM at the end (each finishes the
    cycle it runs, so the next phase starts on a settled state)."""
    tokens = {f"GH_TOKEN_{n}": fake.token for n, fake in enumerate(fakes)}
    env = {**os.environ, "PYTHONPATH": str(ROOT), **tokens}
    command = [sys.executable, "-m", "syncer.cli", "daemon", "--config", str(config)]
    daemons = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        yield daemons
    finally:
        for daemon in daemons:
            if daemon.poll() is None:
                daemon.terminate()
        for daemon in daemons:
            try:
                daemon.wait(120)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def wait_for(check: Callable[[], bool], seconds: float, poll: float = 0.1) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise SystemExit(f"not within {seconds:g} s")
        time.sleep(poll)
    return time.monotonic() - started


def all_synced(folder: Path, registers: int, items: int) -> bool:
    for n in range(registers):
        found = parse((folder / f"R{n}.md").read_text("utf-8")).items
        if len(found) != items or not all(item.links for item in found):
            return False
    return True


def wait_running(store: Store, daemons: Daemons) -> None:
    """Until every daemon finished a run: started up, its schedule turning."""
    since = datetime.now(UTC)

    def all_running() -> bool:
        runs = store.history.runs(5_000)
        runners = {r.runner for r in runs if r.finished_at and r.started_at > since}
        return all(any(runner.endswith(f":{d.pid}") for runner in runners) for d in daemons)

    wait_for(all_running, 120)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process used so far (Linux: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(store: Store, daemons: Daemons, window: float) -> tuple[float, float, float]:
    """Over the next `window` seconds: finished runs per minute, the daemons' CPU per run (ms)
    and this process's (the fakes') CPU per run (ms)."""
    since = datetime.now(UTC)
    daemons_before = sum(cpu_seconds(d.pid) for d in daemons)
    fakes_before = time.process_time()
    time.sleep(window)
    daemons_cpu = sum(cpu_seconds(d.pid) for d in daemons) - daemons_before
    fakes_cpu = time.process_time() - fakes_before
    until = since + timedelta(seconds=window)
    runs = store.history.runs(1_000_000)
    done = len([r for r in runs if r.finished_at and since <= r.finished_at <= until]) or 1
    return done * 60 / window, daemons_cpu * 1000 / done, fakes_cpu * 1000 / done


def lock_ms(store: Store, samples: int) -> float:
    started = time.perf_counter()
    for _ in range(samples):
        with store.lock("bench-lock", 1):
            pass
    return (time.perf_counter() - started) / samples * 1000


def failover_seconds(store: Store, fakes: list[FakeGitHub], daemons: Daemons) -> float:
    """Stall r0's next request for a minute, kill its holder then, time the takeover."""
    arrived = threading.Event()

    def stall(method: str, path: str) -> None:
        if not arrived.is_set():
            fakes[0].stall_next(1, 60)
            arrived.set()

    fakes[0].server.on_arrival(stall)
    if not arrived.wait(120):
        raise SystemExit("no daemon reached register r0")
    holder = store.lock_holder("r0")
    victim = next(d for d in daemons if holder.endswith(f":{d.pid}"))
    killed_at = datetime.now(UTC)
    os.kill(victim.pid, signal.SIGKILL)

    def taken_over() -> bool:
        run = store.last_run("r0")
        return bool(
            run
            and run.finished_at
            and run.started_at > killed_at
            and not run.runner.endswith(f":{victim.pid}")
        )

    return wait_for(taken_over, 120)


def measure(args: argparse.Namespace, folder: Path, database: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeGitHub(create_limit=None)) for _ in range(args.registers)]
        config = write_config(folder, fakes, args.items, database, args.interval)
        started = time.monotonic()
        with running_daemons(args.daemons, config, fakes):
            # Polled every 2 s: reading every register is CPU this process's fakes need.
            wait_for(lambda: all_synced(folder, args.registers, args.items), args.sync_patience, 2)
        figures["first_sync_seconds"] = time.monotonic() - started
        for fake in fakes:
            fake.server.latency = args.latency
        with Store(database) as store:
            for count, key in ((1, "1"), (args.daemons, "n")):
                with running_daemons(count, config, fakes) as daemons:
                    wait_running(store, daemons)
                    (
                        figures[f"cycles_per_minute_{key}"],
                        figures[f"daemon_cpu_ms_per_cycle_{key}"],
                        figures[f"fakes_cpu_ms_per_cycle_{key}"],
                    ) = throughput(store, daemons, args.window)
                    if count == args.daemons:
                        figures["lock_ms"] = lock_ms(store, args.lock_samples)
                        figures["failover_seconds"] = failover_seconds(store, fakes, daemons)
    figures["speedup"] = figures["cycles_per_minute_n"] / max(figures["cycles_per_minute_1"], 1e-9)
    figures["failover_target_seconds"] = args.interval + 5
    figures["demand_cycles_per_minute"] = args.registers * 60 / args.interval
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registers", type=int, default=100)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--daemons", type=int, default=3)
    parser.add_argument("--window", type=float, default=30.0, help="seconds to count cycles")
    parser.add_argument("--interval", type=int, default=1, help="schedule, seconds")
    parser.add_argument("--latency", type=float, default=0.3, help="each answer, seconds")
    parser.add_argument("--lock-samples", type=int, default=200)
    parser.add_argument(
        "--sync-patience", type=float, default=1800.0, help="seconds the first sync may take"
    )
    args = parser.parse_args()
    with running_server() as server, server.database() as database, TemporaryDirectory() as tmp:
        figures = measure(args, Path(tmp), database)
    for name, value in figures.items():
        print(f"{name:>26}: {value:.2f}")
    sizes = ("registers", "items", "daemons", "interval", "window", "latency")
    print(json.dumps({**{name: getattr(args, name) for name in sizes}, **figures}))


if __name__ == "__main__":
    main()
