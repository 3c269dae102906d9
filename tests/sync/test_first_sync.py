"""A first sync of many items on GitHub, whose creation limit takes hours to go through (issue
9): every issue made is linked at once and reaches the register at the end of the run, whatever
stopped it, and the budget spent is remembered by the next run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from syncer.app import write_ledger
from syncer.fakes.clock import VirtualTime
from syncer.fakes.github import FakeGitHub
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.progress import StopFlag
from syncer.trackers.base import RetryPolicy, with_footer
from syncer.trackers.github import GitHubTracker
from syncer.trackers.pacing import WriteLimits

from .conftest import World

ITEMS = 12
POLICY = RetryPolicy(attempts=3, backoff_seconds=0.01, max_wait_seconds=60, timeout_seconds=10)


def register_text(items: int) -> str:
    return "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Item number {n}\n" for n in range(items))


def linked(path: Path) -> int:
    return sum(1 for line in path.read_text("utf-8").splitlines() if "/issues/" in line)


@pytest.fixture
def limited_github(clock: VirtualTime) -> Iterator[FakeGitHub]:
    """Fake GitHub with its default creation limit, on the virtual clock."""
    with FakeGitHub(clock=clock) as fake:
        yield fake


def job(path: Path, fake: FakeGitHub, tracker: GitHubTracker) -> RegisterJob:
    spec = TargetSpec("github", "github", fake.repo, tracker, due_date_field=None)
    return RegisterJob("debt", path, [spec])


def test_a_stop_during_creates_is_heeded_after_the_create_in_flight(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    """Ctrl-C while a first sync creates issues one every few seconds: syncer stops after the
    create in flight, not after a batch of 50, and the register gets the links of all made."""
    world = world_factory("todo-checklists.md", github=("github", fake_github))
    stop = StopFlag()
    posts: list[str] = []

    def arrived(method: str, path: str) -> None:
        if method == "POST" and path.endswith("/issues"):
            posts.append(path)
            if len(posts) == 3:
                stop.set("SIGINT")

    fake_github.server.on_arrival(arrived)
    report = run_cycle(world.job(), world.store, stop=stop)
    assert (report.counts["created"], fake_github.issue_count()) == (3, 3)
    assert linked(world.path) == 3
    assert len(world.store.links("debt")) == 3


def test_a_run_stopped_by_the_creation_limit_links_what_it_made_and_the_next_resumes(
    tmp_path: Path, limited_github: FakeGitHub, clock: VirtualTime
) -> None:
    """Creates at 5 an hour (configured as a user may for a stricter GitHub): the first run
    makes 5 and writes their links; a run right after, in another process (a new adapter on
    the same state database), sends no create at all; an hour later the next run makes 5
    more. No limit answer, no duplicate."""
    path = tmp_path / "TECH_DEBT.md"
    path.write_text(register_text(ITEMS), "utf-8")
    store = Store(tmp_path / "state.sqlite")
    limits = WriteLimits(creates_per_minute=5, creates_per_hour=5)

    def one_process() -> dict[str, int]:
        tracker = GitHubTracker(
            limited_github.repo,
            limited_github.token,
            base_url=limited_github.server.base_url,
            retry=POLICY,
            write_limits=limits,
            ledgers=partial(write_ledger, store, "github:test"),
            sleep=clock.sleep,
            clock=clock.time,
        )
        report = run_cycle(job(path, limited_github, tracker), store)
        tracker.close()
        return {"created": report.counts["created"], "linked": linked(path)}

    try:
        assert one_process() == {"created": 5, "linked": 5}
        assert one_process() == {"created": 0, "linked": 5}
        clock.sleep(3600)
        assert one_process() == {"created": 5, "linked": 10}
    finally:
        store.close()
    assert limited_github.issue_count() == 10
    assert not [r for r in limited_github.server.requests if r.status in (403, 429)]


def test_interrupted_creates_are_settled_with_one_listing_however_many(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    """A run killed while its creates' answers were on the way leaves intents whose issues
    may exist. The next run looks their markers up in one listing of the sync-labelled issues,
    not one search per item (which once spent GitHub's hourly read budget on a first sync)."""
    world = world_factory("todo-checklists.md", github=("github", fake_github))
    items = parse(world.text()).items
    for item in items:
        body = with_footer(f"Body of {item.title}", item.key)
        fake_github.add_issue(item.title, body, labels=("tech-debt",))
        world.store.add_intent("debt", "github", "create", item.key, f"{item.key}@1", "{}")
    with fake_github.server.counting() as made:
        report = world.reconcile()
    listings = [r for r in made if r.method == "GET" and r.path.endswith("/issues")]
    assert (report.counts["recovered"], report.counts["created"]) == (len(items), 0)
    assert len(listings) == 2, "one listing for the markers, one for the cycle's read"
    assert linked(world.path) == len(items) == fake_github.issue_count()
