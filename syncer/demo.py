"""`syncer demo`: the whole two-way loop on a laptop, against the bundled fake GitHub.

Copies the example register to a folder, reconciles it with a fake GitHub served on
127.0.0.1, plays a person on each side (an issue closed and one retitled in the tracker, an item
marked done in the file), reconciles again, and shows what moved where. No token, no network.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from syncer.fakes.github import FakeGitHub
from syncer.model import Status
from syncer.register import parse, set_status
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.operations import describe
from syncer.sync.progress import CycleReport
from syncer.trackers.github import GitHubTracker

Say = Callable[[str], None]


def example_register() -> str:
    return resources.files("syncer").joinpath("examples/TECH_DEBT.md").read_text("utf-8")


def run_demo(folder: Path, say: Say) -> list[CycleReport]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "TECH_DEBT.md"
    path.write_text(example_register(), "utf-8")
    reports = []
    with FakeGitHub() as fake, Store(folder / "syncer.sqlite") as store:
        tracker = GitHubTracker(fake.repo, fake.token, base_url=fake.server.base_url)
        job = RegisterJob("demo", path, [TargetSpec("github", "github", fake.repo, tracker)])
        say(f"fake GitHub (in memory) at {fake.server.base_url}, repository {fake.repo}")
        say(f"register: {path}\n")

        say("1. first reconcile: every item becomes an issue, links go into the file")
        reports.append(_cycle(job, store, say))

        register = parse(path.read_text("utf-8"))
        first, second, third = register.items[0], register.items[1], register.items[2]
        say("\n2. a person works in GitHub and another in the file:")
        fake.human_edit(_ref(first), closed=True)
        say(f"   GitHub: closes #{_ref(first)} {first.title!r}")
        fake.human_edit(_ref(second), title=f"{second.title} (renamed in GitHub)")
        say(f"   GitHub: retitles #{_ref(second)}")
        path.write_text(set_status(register, third.key, Status.DONE), "utf-8")
        say(f"   file:   marks {third.title!r} done")

        say("\n3. second reconcile: each change reaches the other side")
        reports.append(_cycle(job, store, say))

        say("\n4. third reconcile: nothing left to do")
        reports.append(_cycle(job, store, say))
        after = parse(path.read_text("utf-8"))
        say("\nthe register now reads:")
        for item in after.items:
            link = item.links[0].text if item.links else ""
            say(f"   {item.status.value:<11} {item.title}  {link}")
    shutil.copy2(path, folder / "TECH_DEBT.after.md")
    return reports


def _ref(item: object) -> str:
    links = getattr(item, "links", ())
    return str(links[0].text.split("#")[1]) if links else ""


def _cycle(job: RegisterJob, store: Store, say: Say) -> CycleReport:
    report = run_cycle(job, store)
    for op in report.plan.operations if report.plan else ():
        say(f"   {describe(op)}")
    if report.plan is not None and not report.plan.operations:
        say("   (no operations)")
    for error in report.errors:
        say(f"   error: {error}")
    return report
