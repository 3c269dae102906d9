"""A first sync at scale, measured as a user meets it: a register of N open items (default
1,000) and an empty GitHub repository, whole `syncer reconcile` processes run back to back.

Fake GitHub keeps its default, realistic limits: issue creation at 20 a minute and 150 an
hour (the secondary-limit 403 with `retry-after`), 5,000 requests an hour. syncer keeps its
default pacing (writes a second apart, creates at the same 20/150). Minutes and hours pass on
a virtual clock shared with each process (`bench/virtual_clock.py`): a pacing sleep moves it
instead of sleeping. Between runs the bench starts the next one as soon as the write budget
recorded in the state database lets a create through (what the previous run told the user:
"rate limited until ..."), never sooner.

Target: all N items linked in the register, 0 duplicate issues, 0 limit answers (403/429), in
at most 1.1x the time the creation limit allows (`ideal_s`: the moment the N-th create may go
out at the earliest under the same windows, the first at 0).

Prints one line per run and the ratios, then one line holding a JSON object of all figures.
Run: python bench/first_sync.py [--items N] [--max-runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from virtual_clock import FileClock

from syncer.app import pacing_key
from syncer.config import load_config
from syncer.fakes.github import FakeGitHub
from syncer.state.store import Store
from syncer.trackers.base import split_footer
from syncer.trackers.pacing import HOUR, Windows, WriteLimits, delay_before_write

Json = dict[str, Any]

ROOT = Path(__file__).resolve().parent.parent
TOKEN_ENV = "BENCH_TOKEN"
TARGET_RATIO = 1.1


def register_text(items: int) -> str:
    return "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Bench item {n}\n" for n in range(items))


def write_config(folder: Path, fake: FakeGitHub) -> Path:
    config = folder / "syncer.toml"
    config.write_text(
        'state = "syncer.sqlite"\n\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n\n'
        f'[[registers.targets]]\nkind = "github"\nrepo = "{fake.repo}"\n'
        f'base_url = "{fake.server.base_url}"\ntoken_env = "{TOKEN_ENV}"\n',
        "utf-8",
    )
    return config


def earliest(stamps: list[float], windows: Windows, now: float) -> float:
    """When one more write fits `windows`, given the writes at `stamps` (oldest first)."""
    return now + delay_before_write(sorted(stamps), windows, now)


def ideal_seconds(items: int, limits: WriteLimits) -> float:
    """The moment the `items`-th create may go out at the earliest, the first at 0: each
    create is a write too, so both kinds of window hold."""
    writes: list[float] = []
    creates: list[float] = []
    now = 0.0
    for _ in range(items):
        while True:
            fits = max(
                earliest(writes, limits.windows(), now),
                earliest(creates, limits.create_windows(), now),
            )
            if fits <= now:
                break
            now = fits
        writes.append(now)
        creates.append(now)
    return now


def next_start(state: Path, key: str, limits: WriteLimits, now: float) -> float:
    """When the write budget recorded in the state database lets the next create through."""
    with Store(state) as store:
        writes = store.recent_writes(f"{key}:writes", now - HOUR)
        creates = store.recent_writes(f"{key}:creates", now - HOUR)
    return max(
        earliest(writes, limits.windows(), now), earliest(creates, limits.create_windows(), now)
    )


def reconcile(clock_file: Path, config: Path, token: str) -> tuple[int, list[Json]]:
    """One whole `syncer reconcile --json` process on the shared clock."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: token}
    command = [sys.executable, str(ROOT / "bench" / "virtual_clock.py"), str(clock_file)]
    command += ["reconcile", "--config", str(config), "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    try:
        return done.returncode, list(json.loads(done.stdout))
    except ValueError:
        message = f"reconcile printed no report (exit {done.returncode}):\n{done.stderr}"
        raise SystemExit(message) from None


def linked_items(register: Path) -> int:
    """Items of the register carrying a link to an issue."""
    return sum(1 for line in register.read_text("utf-8").splitlines() if "/issues/" in line)


def duplicates(fake: FakeGitHub) -> int:
    """Issues beyond the first for an item: issues carrying the same item marker."""
    markers = Counter(split_footer(fake.issue_json(ref)["body"] or "")[1] for ref in fake.refs())
    return sum(count - 1 for key, count in markers.items() if key)


def run(items: int, max_runs: int, folder: Path) -> Json:
    clock = FileClock(folder / "clock")
    limits = WriteLimits()
    with FakeGitHub(clock=clock) as fake:
        register = folder / "TECH_DEBT.md"
        register.write_text(register_text(items), "utf-8")
        config = write_config(folder, fake)
        target = load_config(config, {TOKEN_ENV: fake.token}).registers[0].targets[0]
        key = pacing_key(target, fake.token)
        started, real_started = clock.time(), time.perf_counter()
        runs: list[Json] = []
        while len(runs) < max_runs:
            begun, seen = clock.time(), len(fake.server.requests)
            code, reports = reconcile(folder / "clock", config, fake.token)
            answered = fake.server.requests[seen:]
            ended = clock.time()
            runs.append(
                {
                    "exit": code,
                    "started_s": round(begun - started, 1),
                    "virtual_s": round(ended - begun, 1),
                    "created": sum(r["counts"].get("created", 0) for r in reports),
                    "linked": linked_items(register),
                    "requests": len(answered),
                    "by_method": dict(Counter(r.method for r in answered)),
                    "limit_answers": sum(1 for r in answered if r.status in (403, 429)),
                    "errors": [e for r in reports for e in r["errors"]][:1],
                }
            )
            print(json.dumps(runs[-1]), file=sys.stderr)
            if runs[-1]["linked"] >= items:
                break
            clock.advance(next_start(folder / "syncer.sqlite", key, limits, clock.time()) - ended)
        elapsed = clock.time() - started
        real = time.perf_counter() - real_started
        issues = fake.issue_count()
        doubles = duplicates(fake)
        limit_answers = sum(1 for r in fake.server.requests if r.status in (403, 429))
    ideal = ideal_seconds(items, limits)
    ratio = elapsed / ideal if ideal else 1.0
    return {
        "items": items,
        "runs": len(runs),
        "linked": runs[-1]["linked"] if runs else 0,
        "issues": issues,
        "duplicates": doubles,
        "limit_answers": limit_answers,
        "virtual_s": round(elapsed, 1),
        "ideal_s": round(ideal, 1),
        "ratio_to_ideal": round(ratio, 4),
        "target_ratio": TARGET_RATIO,
        "met": runs[-1]["linked"] == items
        and not doubles
        and not limit_answers
        and ratio <= TARGET_RATIO,
        "real_s": round(real, 1),
        "per_run": runs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--items", type=int, default=1000, help="open items in the register")
    ap.add_argument("--max-runs", type=int, default=0, help="give up after N runs (0: enough)")
    args = ap.parse_args()
    limits = WriteLimits()
    max_runs = args.max_runs or 2 * (args.items // limits.creates_per_hour) + 5
    with tempfile.TemporaryDirectory(prefix="syncer-first-sync-") as tmp:
        figures = run(args.items, max_runs, Path(tmp))
    for n, one in enumerate(figures["per_run"], start=1):
        print(
            f"run {n}: at {one['started_s']:>8.0f} s, {one['virtual_s']:>6.0f} s long, "
            f"{one['created']:>4} created, {one['linked']:>5} linked, {one['requests']:>4} "
            f"requests, {one['limit_answers']} limit answers, exit {one['exit']}"
        )
    print(
        f"{figures['linked']}/{figures['items']} linked, {figures['duplicates']} duplicates, "
        f"{figures['limit_answers']} limit answers, {figures['runs']} runs; "
        f"{figures['virtual_s']:.0f} s against {figures['ideal_s']:.0f} s the creation limit "
        f"allows: {figures['ratio_to_ideal']:.3f}x (target <= {TARGET_RATIO}x); "
        f"{figures['real_s']:.0f} s of real time"
    )
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
