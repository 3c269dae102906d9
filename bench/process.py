"""What an idle `syncer reconcile` costs as the whole process a cron job or CI step starts.

Most scheduled runs find nothing changed: the register is as it was and the tracker answers
304. Such a run should cost little more than any tool that asks GitHub one conditional
question. Measured side by side in one run, as whole processes (CPU seconds of the child,
user + system, best of `--runs`; peak RSS of the child):

- `idle`: `syncer reconcile` on a register of N checkbox items, each linked to its issue on
  fake GitHub, after a first run created and linked them and a second read its echoes;
- `floor`: a Python process that imports PyGithub and makes one conditional request (the
  issue list with `If-None-Match`, answered 304), the least any PyGithub tool does;
- `imports`: a Python process that only imports syncer's command line.

Every child reads its modules' bytecode from one cache in the benchmark's temp folder, written
by the setup and a warm-up run: an installed syncer, like the PyGithub the floor imports, has
its bytecode compiled, and an environment with `PYTHONDONTWRITEBYTECODE` (a development
checkout) would otherwise charge syncer alone for compiling its sources in every run.

Targets (issue 13): idle at 1,000 items <= 2x the floor; idle at 5,000 items <= 1.2x idle at
100 items. Prints the figures, then one line holding a JSON object of them.
Run: python bench/process.py [--runs R] [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from syncer.fakes.github import FakeGitHub

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
TOKEN_ENV = "BENCH_TOKEN"
UNPACED = (
    "writes_per_minute = 1000000\nwrites_per_hour = 1000000\nseconds_between_writes = 0\n"
    "creates_per_minute = 1000000\ncreates_per_hour = 1000000\n"
)
"""The setup creates N issues at once (the fake's creation limit is off): pacing is not what
this benchmark measures."""

FLOOR = """
import sys
from github import Auth, Github
gh = Github(base_url=sys.argv[1], auth=Auth.Token(sys.argv[3]), retry=None)
repo = gh.get_repo(sys.argv[2], lazy=True)
status, headers, body = repo._requester.requestJson(
    "GET", f"{repo.url}/issues", parameters={"per_page": 100, "state": "all"}
)
status, _, _ = repo._requester.requestJson(
    "GET", f"{repo.url}/issues", parameters={"per_page": 100, "state": "all"},
    headers={"If-None-Match": headers["etag"]},
)
assert status == 304, status
"""
IMPORTS = "from syncer.cli import app\n"


def child_cost(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MiB) of one whole child process; it must exit 0."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{command[2:5]} failed ({status}): {process.stderr.read()}")  # type: ignore[union-attr]
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best(runs: int, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    costs = [child_cost(command, env) for _ in range(runs)]
    return min(cpu for cpu, _ in costs), max(rss for _, rss in costs)


def register_text(items: int) -> str:
    return "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Bench item {n}\n" for n in range(items))


def linked_register(folder: Path, fake: FakeGitHub, items: int, env: dict[str, str]) -> Path:
    """A register of `items` linked to as many issues, and a state database that has read
    syncer's own writes back (so the next run is idle)."""
    folder.mkdir(parents=True)
    (folder / "TECH_DEBT.md").write_text(register_text(items), "utf-8")
    config = folder / "syncer.toml"
    config.write_text(
        'state = "syncer.sqlite"\n\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n\n'
        f'[[registers.targets]]\nkind = "github"\nrepo = "{fake.repo}"\n'
        f'base_url = "{fake.server.base_url}"\ntoken_env = "{TOKEN_ENV}"\n'
        f'sync_label = "bench-{items}"\n{UNPACED}',
        "utf-8",
    )
    for _ in range(2):  # create and link; then read the creates back
        subprocess.run(reconcile(config), env=env, check=True, capture_output=True)
    linked = (folder / "TECH_DEBT.md").read_text("utf-8").count("/issues/")
    if linked != items:
        raise SystemExit(f"setup linked {linked} of {items} items")
    return config


def reconcile(config: Path) -> list[str]:
    return [sys.executable, "-m", "syncer.cli", "reconcile", "--config", str(config)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeGitHub(create_limit=None, rate_limit=10**7) as fake,
    ):
        env = {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: fake.token}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "bytecode")
        configs = {n: linked_register(Path(tmp) / str(n), fake, n, env) for n in sizes}
        floor_cmd = [sys.executable, "-c", FLOOR, fake.server.base_url, fake.repo, fake.token]
        for warm_up in (floor_cmd, [sys.executable, "-c", IMPORTS]):
            child_cost(warm_up, env)
        idle: dict[int, tuple[float, float]] = {}
        floor = imports = (float("inf"), 0.0)
        for _ in range(args.runs):  # interleaved, so a noisy moment hits all alike
            floor = min(floor, child_cost(floor_cmd, env))
            imports = min(imports, child_cost([sys.executable, "-c", IMPORTS], env))
            for n, config in configs.items():
                cost = child_cost(reconcile(config), env)
                idle[n] = min(idle.get(n, cost), cost)
    figures: Json = {
        "runs": args.runs,
        "floor_cpu_s": round(floor[0], 3),
        "imports_cpu_s": round(imports[0], 3),
        "idle": {
            str(n): {"cpu_s": round(c, 3), "rss_mib": round(r, 1)} for n, (c, r) in idle.items()
        },
    }
    if 1000 in idle:
        figures["ratio_idle_1000_to_floor"] = round(idle[1000][0] / floor[0], 2)
        figures["ratio_idle_1000_to_imports"] = round(idle[1000][0] / imports[0], 2)
    if 5000 in idle and 100 in idle:
        figures["ratio_idle_5000_to_100"] = round(idle[5000][0] / idle[100][0], 2)
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
