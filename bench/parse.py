"""How much slower reading a register is than the CommonMark reading it is built on.

The baseline is markdown-it-py configured exactly as the reader uses it (`block_markdown()`:
CommonMark, GFM tables, no inline pass), so the ratio is the cost of recognizing items, not a
comparison with a tokenizer doing other work. Two ratios, on a synthesized register of N items:

- in process: `parse(text)` against `block_markdown().parse(text)`, best of `--runs`;
- whole process: `syncer parse --json FILE` (what a user runs) against a Python process that
  imports markdown-it alone, configures it the same way (checked against `block_markdown()`
  before timing), reads the file and tokenizes it; both write to /dev/null. Best of `--runs`.

Times are CPU seconds (user + system; of the child for a process), not wall time: the work is
single-threaded, so on an idle machine they are the wall time, and on a shared one they do not
count the neighbours' load.

Prints the figures, then one line holding a JSON object of them. Target: ratio <= 1.3 at
10,000 items. Run: python bench/parse.py [--items N] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from syncer.register import parse
from syncer.register.commonmark import block_markdown

STATUSES = ["🟢 COMPLETE ✅", "🔴 Not Started", "🟡 In Progress", "Done (migrations 039)"]


def heading_item(n: int) -> str:
    return (
        f"### {n}. Heading item number {n}\n"
        f"**Status**: {STATUSES[n % 4]}\n**Effort**: Medium\n**Impact**: High\n\n"
        "**Current State**:\n- One thing that is wrong with the code today\n"
        "- Another thing, with `code` and a [link](https://example.com)\n"
        "- A third line of body text, as real registers carry a few of them\n\n"
        "```python\nscheduler.add_job(expire, 'interval', minutes=5)\n```\n\n---\n\n"
    )


def checkbox_item(n: int) -> str:
    mark = "x" if n % 5 == 0 else " "
    return (
        f"- [{mark}] **Checkbox item {n}** - Implement the thing that item {n} asks for\n"
        "  - Rate limit constants already exist in `packages/shared/src/constants.ts`\n"
        "  - Need to wire up middleware in `packages/api/src/middleware/`\n\n"
    )


def table(n: int, rows: int) -> str:
    head = "| Location | Issue | Priority |\n|----------|-------|----------|\n"
    body = "".join(f"| `app/x_{n}_{r}.py:12` | Table item {n}-{r} | Low |\n" for r in range(rows))
    return head + body + "\n"


def synthesize(items: int) -> str:
    parts = ["# Technical Debt Register\n\n**Last Updated**: 2026-01-29\n\n"]
    made = n = 0
    while made < items:
        parts.append(f"## {['High', 'Medium', 'Low'][n % 3]} Priority\n\n")
        for _ in range(4):
            parts.append(heading_item(n))
            n += 1
        parts.append("### Checklist\n\n")
        parts.extend(checkbox_item(n + i) for i in range(8))
        n += 8
        parts.append("### Minor TODOs\n\n" + table(n, 8))
        n += 8
        made += 20
    return "".join(parts)


def best_of(runs: int, fn: Callable[[], object], clock: Callable[[], float]) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


BASELINE_SETUP = (
    "from markdown_it import MarkdownIt\n"
    'md = MarkdownIt("commonmark").enable("table")\n'
    'md.core.ruler.disable(["inline", "text_join"])\n'
)
"""markdown-it as `block_markdown()` sets it up, without importing syncer (which would charge
the baseline for syncer's imports)."""
TOKENIZE_ONLY = (
    BASELINE_SETUP + "import sys\nmd.parse(open(sys.argv[1], encoding='utf-8').read())\n"
)


def check_baseline() -> None:
    """The baseline process must read as the reader does: same rules, same tokens."""
    scope: dict[str, Any] = {}
    exec(BASELINE_SETUP, scope)  # our own constant: the code the baseline process runs
    if scope["md"].get_active_rules() != block_markdown().get_active_rules():
        sys.exit("bench/parse.py: BASELINE_SETUP no longer matches syncer's block_markdown()")


def process_s(runs: int, argv: list[str]) -> float:
    """Best CPU time of a whole process, started as a user starts it."""

    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    return best_of(runs, run, children_cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    check_baseline()
    text = synthesize(args.items)
    md = block_markdown()
    items = len(parse(text).items)
    tokenize_s = best_of(args.runs, lambda: md.parse(text), time.process_time)
    parse_s = best_of(args.runs, lambda: parse(text), time.process_time)
    tracemalloc.start()
    parse(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "TECH_DEBT.md"
        file.write_text(text, encoding="utf-8")
        python = sys.executable
        syncer_s = process_s(args.runs, [python, "-m", "syncer.cli", "parse", "--json", str(file)])
        baseline_s = process_s(args.runs, [python, "-c", TOKENIZE_ONLY, str(file)])
    figures = {
        "items": items,
        "bytes": len(text.encode("utf-8")),
        "parse_s": round(parse_s, 3),
        "markdown_it_s": round(tokenize_s, 3),
        "ratio": round(parse_s / tokenize_s, 2),
        "process_parse_s": round(syncer_s, 3),
        "process_markdown_it_s": round(baseline_s, 3),
        "process_ratio": round(syncer_s / baseline_s, 2),
        "peak_mib": round(peak / 2**20, 1),
    }
    for name, value in figures.items():
        print(f"{name:>24}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
