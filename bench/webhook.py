"""The daemon as a service: webhook-to-register latency, endpoint answers under load, idle cost.

A `syncer daemon` runs as its own process (as users run it) on 127.0.0.1, syncing registers with
a fake GitHub served by this process over real HTTP. Three measurements, each against its target
printed as a ratio (figure / target: at most 1 meets it), since these machines are shared and
noisy:

1. **latency**: a person closes or reopens a linked issue in the fake; the fake delivers a
   signed `issues` webhook; the daemon debounces, runs the cycle, writes the register. Timed
   from the person's edit to the changed file, `--samples` times. Target: p95 <= debounce + 1 s.
2. **load**: signed deliveries about a linked issue, each with its own delivery id, sent at
   `--rate` per second for `--load-seconds` from a few client threads (every one accepted and
   debounced into a cycle or two). Target: p99 answer time <= 50 ms, 0 errors.
3. **idle**: the daemon with 3 registers and nothing to do for `--idle-seconds`: CPU time used
   (from /proc, its whole process) and resident memory. Targets: < 1 % of a core, < 150 MiB.

Only 127.0.0.1 is touched; every loop is bounded in count and time. Prints the figures, then one
line holding a JSON object of them.
Run: python bench/webhook.py [--samples 20] [--rate 100] [--load-seconds 10] [--idle-seconds 300]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from syncer import log
from syncer.fakes.github import FakeGitHub

SECRET = "bench-webhook-secret"
DEBOUNCE_S = 2.0
ROOT = Path(__file__).resolve().parents[1]
Json = dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def register_text(items: int) -> str:
    return "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Bench item {n}\n" for n in range(items))


def write_config(folder: Path, fake: FakeGitHub, port: int, registers: int, items: int) -> Path:
    parts = [
        f'state = "syncer.sqlite"\nhttp_port = {port}\nschedule = "every 1h"\n'
        f"webhook_debounce_seconds = {DEBOUNCE_S}\n"
        'github_webhook_secret_env = "BENCH_SECRET"\nlog_format = "json"\n'
    ]
    for n in range(registers):
        (folder / f"REG{n}.md").write_text(register_text(items), "utf-8")
        label = "tech-debt" if n == 0 else f"tech-debt-{n}"  # one repository, 3 registers
        parts.append(
            f'\n[[registers]]\nname = "reg{n}"\npath = "REG{n}.md"\n\n'
            f'[[registers.targets]]\nkind = "github"\nrepo = "{fake.repo}"\n'
            f'sync_label = "{label}"\n'
            f'base_url = "{fake.server.base_url}"\ntoken_env = "BENCH_TOKEN"\n'
            # latency is the subject, on the real clock: pacing off (bench/first_sync.py's)
            "seconds_between_writes = 0\ncreates_per_minute = 1000000\n"
            "creates_per_hour = 1000000\n"
        )
    config = folder / "syncer.toml"
    config.write_text("".join(parts), "utf-8")
    return config


@contextmanager
def daemon_process(config: Path, token: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TOKEN": token, "BENCH_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", "daemon", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: status_of(f"http://127.0.0.1:{port}/readyz") == 200, 60, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def status_of(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0


def wait_for(
    check: Callable[[], bool], seconds: float, process: subprocess.Popen[bytes] | None = None
) -> float:
    started = time.monotonic()
    while not check():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the daemon exited with {process.returncode}")
        if time.monotonic() - started > seconds:
            raise SystemExit(f"not within {seconds} s")
        time.sleep(0.01)
    return time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def refs_in(text: str) -> list[str]:
    """The issue numbers the register links, in file order."""
    return re.findall(r"#(\d+)\]\(http", text)


def measure_latency(fake: FakeGitHub, register: Path, samples: int) -> Json:
    refs = refs_in(register.read_text("utf-8"))
    took = []
    for n in range(samples):
        before = register.read_text("utf-8")
        started = time.monotonic()
        fake.human_edit(refs[n % len(refs)], closed=(n // len(refs)) % 2 == 0)
        wait_for(lambda before=before: register.read_text("utf-8") != before, 60)  # type: ignore[misc]
        took.append(time.monotonic() - started)
    target = DEBOUNCE_S + 1.0
    p95 = percentile(took, 0.95)
    return {
        "samples": samples,
        "p50_s": round(statistics.median(took), 3),
        "p95_s": round(p95, 3),
        "max_s": round(max(took), 3),
        "target_p95_s": target,
        "ratio_p95_to_target": round(p95 / target, 3),
    }


def signed_delivery(fake: FakeGitHub, ref: str) -> tuple[bytes, dict[str, str]]:
    payload = {
        "action": "edited",
        "issue": {"number": int(ref), "labels": [{"name": "tech-debt"}], "title": "x"},
        "repository": {"full_name": fake.repo},
    }
    body = json.dumps(payload).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issues",
        "X-Hub-Signature-256": f"sha256={digest}",
    }


def measure_load(fake: FakeGitHub, url: str, ref: str, rate: int, seconds: float) -> Json:
    body, headers = signed_delivery(fake, ref)
    total = int(rate * seconds)
    answers: list[tuple[float, int]] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.2
    threads = 4

    def client(offset: int) -> None:
        with httpx.Client(timeout=5) as http:
            for n in range(offset, total, threads):
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                sent = time.monotonic()
                try:
                    code = http.post(
                        url,
                        content=body,
                        headers={**headers, "X-GitHub-Delivery": str(uuid.uuid4())},
                    ).status_code
                except httpx.HTTPError:
                    code = 0
                with lock:
                    answers.append((time.monotonic() - sent, code))

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    times = [seconds for seconds, _ in answers]
    errors = sum(1 for _, code in answers if code != 202)
    p99 = percentile(times, 0.99)
    return {
        "requests": len(answers),
        "rate_per_s": rate,
        "errors": errors,
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
        "target_p99_ms": 50,
        "ratio_p99_to_target": round(p99 * 1000 / 50, 3),
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_idle(pid: int, seconds: float) -> Json:
    time.sleep(min(5.0, seconds))  # let the start-up cycles settle
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    peak = rss_mib(pid)
    while time.monotonic() - started < seconds:
        time.sleep(min(1.0, seconds))
        peak = max(peak, rss_mib(pid))
    elapsed = time.monotonic() - started
    share = (cpu_seconds(pid) - cpu_before) / elapsed * 100
    return {
        "seconds": round(elapsed, 1),
        "registers": 3,
        "cpu_percent_of_a_core": round(share, 3),
        "rss_peak_mib": round(peak, 1),
        "ratio_cpu_to_target": round(share / 1.0, 3),
        "ratio_rss_to_target": round(peak / 150, 3),
    }


def run(args: argparse.Namespace, folder: Path) -> Json:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/webhooks/github"
    with FakeGitHub(webhook_url=hook, webhook_secret=SECRET, create_limit=None) as fake:
        config = write_config(folder, fake, port, registers=3, items=args.items)
        with daemon_process(config, fake.token, port) as process:
            register = folder / "REG0.md"
            wait_for(lambda: register.read_text("utf-8").count("](http") == args.items, 60)
            latency = measure_latency(fake, register, args.samples)
            ref = refs_in(register.read_text("utf-8"))[0]
            load = measure_load(fake, hook, ref, args.rate, args.load_seconds)
            time.sleep(DEBOUNCE_S + 1)
            idle = measure_idle(process.pid, args.idle_seconds)
    return {"debounce_s": DEBOUNCE_S, "latency": latency, "load": load, "idle": idle}


def main() -> None:
    log.configure(level=logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--samples", type=int, default=20, help="webhook-to-register samples")
    ap.add_argument("--items", type=int, default=10, help="items per register")
    ap.add_argument("--rate", type=int, default=100, help="deliveries per second under load")
    ap.add_argument("--load-seconds", type=float, default=10.0)
    ap.add_argument("--idle-seconds", type=float, default=300.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncer-bench-") as folder:
        figures = run(args, Path(folder))
    lat, load, idle = figures["latency"], figures["load"], figures["idle"]
    print(
        f"latency  p50 {lat['p50_s']} s  p95 {lat['p95_s']} s"
        f"  (target {lat['target_p95_s']} s, ratio {lat['ratio_p95_to_target']})"
    )
    print(
        f"load     {load['requests']} at {load['rate_per_s']}/s: p99 {load['p99_ms']} ms,"
        f" errors {load['errors']} (target 50 ms, ratio {load['ratio_p99_to_target']})"
    )
    print(
        f"idle     {idle['seconds']} s: {idle['cpu_percent_of_a_core']} % of a core,"
        f" RSS {idle['rss_peak_mib']} MiB"
        f" (ratios {idle['ratio_cpu_to_target']}, {idle['ratio_rss_to_target']})"
    )
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
