"""What one reconcile cycle costs: a 1,000-item register linked to 1,000 issues on fake GitHub.

The daemon runs a cycle every few minutes for every register, and almost all of them find
nothing to do; so the idle cycle is the one to keep cheap, in requests (rate limit), in writes
(echoes, noise in the tracker's history, a register file rewritten under an editor) and in time.
The register mixes heading items (`### N. Title` + `**Status**:`) and checkbox items under
category headings, in priority sections, as the seed registers do.

Steps, each through `run_cycle` and the real PyGithub adapter against `FakeGitHub` over HTTP:

1. **initial** reconcile: creates the 1,000 issues and writes their links into the register;
2. **echo**: the first poll afterwards reads syncer's own creates back; they must be no-ops;
3. **idle** cycle. Target: 1 request (a 304), 0 writes (POST/PATCH/PUT/DELETE), the register
   file not rewritten;
4. **changes**: 10 register edits (`status_edits` / `title_edits`, the batch form of
   `set_status` / `set_title`, written to the file) and 10 `fake.human_edit`s on other issues.
   Target: writes = changes, i.e. 10 tracker writes and 1 register write; reads independent of
   the register's size (compare a run with `--items 2000`): 1, the listing, since no write
   reads its issue first (issue 9: a read before each register-side status change made 16);
5. **after changes**: the poll that reads syncer's own 10 writes back (echo), no writes.

Wall time of each cycle is measured untraced; peak memory (tracemalloc, which sees every
thread, so fake GitHub's answers too) on a second, traced run of the same kind of cycle (tracing
slows Python down severalfold). `ru_maxrss` is the process's peak RSS, fake GitHub (same
process, server thread) included. `store_link_saves` counts the state store's link writes per
cycle and `store_link_transactions` the SQLite write transactions they took (a create's link
is saved on its own, so a crash right after cannot lose it; a cycle's base updates go in one):
an idle cycle should need none.

Prints the figures, then one line holding a JSON object of them.
Run: python bench/cycle.py [--items N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncer import log
from syncer.fakes.clock import VirtualTime
from syncer.fakes.github import FakeGitHub
from syncer.fakes.server import RecordedRequest
from syncer.model import Status
from syncer.register import Item, Splices, apply, parse, status_edits, title_edits
from syncer.state.records import LinkRecord
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.progress import CycleReport
from syncer.trackers.github import GitHubTracker
from syncer.trackers.pacing import WriteLimits

Json = dict[str, Any]

CHANGES = 10
"""Edits made on each side before the changes cycle."""
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATUSES = ("🔴 Not Started", "🟡 In Progress", "🟢 COMPLETE ✅", "Not Started", "Done")
PRIORITIES = ("High", "Medium", "Low")


# --- the register ----------------------------------------------------------------------------


def heading_item(n: int) -> str:
    return (
        f"### {n}. Heading item {n}\n\n"
        f"**Status**: {STATUSES[n % len(STATUSES)]}\n**Effort**: Medium\n\n"
        f"- What is wrong with component {n} today\n- What fixing it would take\n\n"
    )


def checkbox_item(n: int) -> str:
    mark = "x" if n % 4 == 0 else " "
    return (
        f"- [{mark}] **Checkbox item {n}** - Implement what item {n} asks for\n"
        f"  - Location: `src/module_{n}.py`\n\n"
    )


def synthesize(items: int) -> str:
    """A register of `items` items: per priority section, 5 heading items, then a category
    heading (not an item) grouping 5 checkbox items."""
    parts = ["# Technical Debt Register\n\n**Last Updated**: 2026-01-29\n\n"]
    made = section = 0
    while made < items:
        parts.append(f"## {PRIORITIES[section % len(PRIORITIES)]} Priority\n\n")
        for _ in range(min(5, items - made)):
            made += 1
            parts.append(heading_item(made))
        if made < items:
            parts.append(f"### Area {section}\n\n")
        for _ in range(min(5, items - made)):
            made += 1
            parts.append(checkbox_item(made))
        section += 1
    return "".join(parts)


# --- instruments -----------------------------------------------------------------------------


class CountingStore(Store):
    """The state store, counting link writes (`link_saves`) and the SQLite write transactions
    they took (`link_transactions`)."""

    link_saves = 0
    link_transactions = 0

    def save_links(self, links: Iterable[LinkRecord]) -> None:
        batch = list(links)
        self.link_saves += len(batch)
        self.link_transactions += bool(batch)
        super().save_links(batch)


@dataclass(frozen=True)
class FileState:
    """Enough of the register file to tell whether a cycle rewrote it (atomic replace: new
    inode) and whether its bytes changed."""

    inode: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> FileState:
        stat = path.stat()
        return cls(stat.st_ino, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class Measured:
    """One cycle: its report, the requests fake GitHub answered, time, memory, file state."""

    name: str
    report: CycleReport
    requests: list[RecordedRequest]
    wall_s: float
    link_saves: int
    link_transactions: int
    before: FileState
    after: FileState
    peak_bytes: int | None = None

    @property
    def writes(self) -> int:
        return sum(1 for r in self.requests if r.method in WRITE_METHODS)

    @property
    def reads(self) -> int:
        return len(self.requests) - self.writes

    def as_json(self) -> Json:
        figures: Json = {
            "wall_s": round(self.wall_s, 3),
            "requests": len(self.requests),
            "reads": self.reads,
            "writes": self.writes,
            "by_method": dict(sorted(Counter(r.method for r in self.requests).items())),
            "by_status": dict(sorted(Counter(str(r.status) for r in self.requests).items())),
            "register_writes": int(
                self.after.inode != self.before.inode or self.after.mtime_ns != self.before.mtime_ns
            ),
            "register_unchanged": self.after == self.before,
            "store_link_saves": self.link_saves,
            "store_link_transactions": self.link_transactions,
            "counts": dict(sorted(self.report.counts.items())),
            "errors": self.report.errors,
        }
        if self.peak_bytes is not None:
            figures["peak_mib"] = mib(self.peak_bytes)
        return figures


def mib(size: int) -> float:
    return round(size / 2**20, 1)


def max_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return mib(peak if sys.platform == "darwin" else peak * 1024)


@contextmanager
def traced(enabled: bool) -> Iterator[list[int]]:
    """Trace allocations inside the block; yields a list receiving the peak, in bytes."""
    peak: list[int] = []
    if not enabled:
        yield peak
        return
    tracemalloc.start()
    try:
        yield peak
        peak.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


# --- the bench -------------------------------------------------------------------------------


@dataclass
class Bench:
    """The register file, the store and fake GitHub, wired the way `syncer reconcile` does."""

    path: Path
    store: CountingStore
    fake: FakeGitHub
    job: RegisterJob

    def cycle(self, name: str, *, trace: bool = False) -> Measured:
        before = FileState.of(self.path)
        saves, transactions = self.store.link_saves, self.store.link_transactions
        with self.fake.server.counting() as recorded, traced(trace) as peak:
            started = time.perf_counter()
            report = run_cycle(self.job, self.store)
            wall = time.perf_counter() - started
        return Measured(
            name=name,
            report=report,
            requests=list(recorded),
            wall_s=wall,
            link_saves=self.store.link_saves - saves,
            link_transactions=self.store.link_transactions - transactions,
            before=before,
            after=FileState.of(self.path),
            peak_bytes=peak[0] if peak else None,
        )

    def items(self) -> list[Item]:
        return list(parse(self.path.read_text(encoding="utf-8")).items)

    def change_both_sides(self, batch: int) -> None:
        """`CHANGES` register edits and `CHANGES` human edits on other issues, spread out.

        Each batch flips statuses and renames titles again, so batches can repeat on the
        same items (a small register has few to spare).
        """
        register = parse(self.path.read_text(encoding="utf-8"))
        items = register.items
        picked = [items[i * len(items) // (2 * CHANGES)] for i in range(2 * CHANGES)]
        splices: Splices = []
        for n, item in enumerate(picked[0::2]):
            if n % 2 == 0:
                flipped = Status.TODO if item.status is Status.DONE else Status.DONE
                splices += status_edits(register, item.key, flipped)
            else:
                splices += title_edits(register, item.key, f"{item.title} (register {batch})")
        self.path.write_text(apply(register.text, splices), encoding="utf-8")
        for n, item in enumerate(picked[1::2]):
            ref = item.links[0].text.rsplit("#", 1)[1]
            if n % 2 == 0:
                self.fake.human_edit(ref, closed=item.status is not Status.DONE)
            else:
                self.fake.human_edit(ref, title=f"{item.title} (tracker {batch})")


def run(items: int, folder: Path) -> Json:
    path = folder / "TECH_DEBT.md"
    path.write_text(synthesize(items), encoding="utf-8")
    clock = VirtualTime()  # write pacing waits out its minutes without real ones
    # github.com takes 150 creates an hour: an initial sync of 1,000 items spans seven hours of
    # cycles there (bench/first_sync.py). This bench is about the cycles after it, so its GitHub
    # is a server whose admin raised the limits (GitHub Enterprise Server can).
    limits = WriteLimits(10_000, 100_000, 0, 10_000, 100_000)
    rss_before = max_rss_mib()
    with FakeGitHub(create_limit=None) as fake, CountingStore(folder / "state.sqlite") as store:
        tracker = GitHubTracker(
            fake.repo,
            fake.token,
            base_url=fake.server.base_url,
            write_limits=limits,
            sleep=clock.sleep,
            clock=clock.time,
        )
        job = RegisterJob("debt", path, [TargetSpec("github", "github", fake.repo, tracker)])
        bench = Bench(path, store, fake, job)
        initial = bench.cycle("initial")
        linked = sum(1 for item in bench.items() if item.links)
        echo = bench.cycle("echo")
        idle = bench.cycle("idle")
        idle_traced = bench.cycle("idle (traced)", trace=True)
        bench.change_both_sides(1)
        changes = bench.cycle("changes")
        after = bench.cycle("after changes")
        bench.change_both_sides(2)
        changes_traced = bench.cycle("changes (traced)", trace=True)
        issues = fake.issue_count()
        tracker.close()
    idle.peak_bytes, changes.peak_bytes = idle_traced.peak_bytes, changes_traced.peak_bytes
    cycles = {c.name: c for c in (initial, echo, idle, changes, after)}
    return {
        "items": items,
        "issues": issues,
        "linked_items": linked,
        **{name.replace(" ", "_"): c.as_json() for name, c in cycles.items()},
        "idle_requests": idle.reads + idle.writes,
        "idle_writes": idle.writes,
        "changes_tracker_writes": changes.writes,
        "changes_register_writes": changes.as_json()["register_writes"],
        "changes_reads": changes.reads,
        "peak_mib": {"idle": mib(idle.peak_bytes or 0), "changes": mib(changes.peak_bytes or 0)},
        "ru_maxrss_mib": {"before": rss_before, "after": max_rss_mib()},
        "paced_waits": len(clock.waits),
        "paced_wait_s": round(sum(clock.waits), 1),
    }


def print_figures(figures: Json) -> None:
    print(f"register: {figures['items']} items, fake GitHub: {figures['issues']} issues")
    print(f"{'cycle':<14} {'wall s':>7} {'reads':>6} {'writes':>6} {'register':>9} {'saves':>6}")
    for name in ("initial", "echo", "idle", "changes", "after_changes"):
        c = figures[name]
        register = "written" if c["register_writes"] else "-"
        print(
            f"{name:<14} {c['wall_s']:>7} {c['reads']:>6} {c['writes']:>6} {register:>9} "
            f"{c['store_link_saves']:>6}  {c['by_method']} {c['by_status']}"
        )
        for error in c["errors"]:
            print(f"{'':<14} error: {error}")
    print(f"peak (tracemalloc) MiB: {figures['peak_mib']}")
    print(f"ru_maxrss MiB: {figures['ru_maxrss_mib']}")


def main() -> None:
    log.configure(level=logging.WARNING)  # the figures own stdout; warnings go to stderr
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--items", type=int, default=1000, help="items in the register")
    args = ap.parse_args()
    if args.items < 2 * CHANGES:
        ap.error(f"--items must be at least {2 * CHANGES}")
    with tempfile.TemporaryDirectory(prefix="syncer-bench-") as folder:
        figures = run(args.items, Path(folder))
    print_figures(figures)
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
