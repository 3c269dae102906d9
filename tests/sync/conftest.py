"""Reconcile real registers against the fake trackers, through the real adapters."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.merge import Policy
from syncer.sync.options import PlanOptions
from syncer.sync.progress import CycleReport
from syncer.trackers.base import RetryPolicy, Tracker
from syncer.trackers.github import GitHubTracker
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.jira import JiraTracker
from tests.trackers.helpers import UNPACED

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, max_wait_seconds=2.0, timeout_seconds=10)


def gitlab_tracker(fake: FakeTracker, token: str | None = None) -> Tracker:
    return GitLabTracker(
        fake.repo, token or fake.token, url=fake.server.base_url, retry=FAST, sleep=lambda s: None
    )


def github_tracker(fake: FakeTracker, token: str | None = None) -> Tracker:
    return GitHubTracker(
        fake.repo,
        token or fake.token,
        base_url=fake.server.base_url,
        retry=FAST,
        write_limits=UNPACED,
        sleep=lambda s: None,
    )


def jira_tracker(fake: FakeTracker, token: str | None = None) -> Tracker:
    return JiraTracker(
        fake.server.base_url, fake.repo, token or fake.token, retry=FAST, sleep=lambda s: None
    )


class World:
    """A register file, a state store and fake trackers: everything one reconcile touches."""

    def __init__(self, tmp: Path, seed: str, fakes: dict[str, tuple[str, FakeTracker]]) -> None:
        self.path = tmp / "TECH_DEBT.md"
        shutil.copyfile(SEEDS / seed, self.path)
        self.store = Store(tmp / "state.sqlite")
        self.fakes = fakes
        self.policy = Policy.REGISTER_WINS
        self.user_maps: dict[str, dict[str, str]] = {}
        """Target name → its `user_map` (register name → tracker user)."""
        self.field_labels: dict[str, dict[str, str]] = {}
        """Target name → its `field_labels` (register field → label prefix)."""

    def job(self) -> RegisterJob:
        specs = [
            TargetSpec(
                name,
                kind,
                fake.repo,
                BUILDERS[kind](fake),
                field_labels=self.field_labels.get(name, {}),
                due_date_field=None if kind == "github" else "Target Date",
                user_map=self.user_maps.get(name, {}),
            )
            for name, (kind, fake) in self.fakes.items()
        ]
        return RegisterJob("debt", self.path, specs, options=PlanOptions(policy=self.policy))

    def reconcile(self, *, dry_run: bool = False) -> CycleReport:
        report = run_cycle(self.job(), self.store, dry_run=dry_run)
        assert not report.errors and not report.refused, (report.errors, report.refused)
        return report

    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    def write(self, text: str) -> None:
        self.path.write_bytes(text.encode("utf-8"))


def write_requests(fake: FakeTracker) -> int:
    """Requests that change something, answered by `fake` so far."""
    return sum(1 for r in fake.server.requests if r.method in ("POST", "PUT", "PATCH", "DELETE"))


BUILDERS: dict[str, Callable[[FakeTracker], Tracker]] = {
    "gitlab": gitlab_tracker,
    "github": github_tracker,
    "jira": jira_tracker,
}


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub(create_limit=None) as fake:  # seeds are created at once: see UNPACED
        yield fake


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterator[Callable[..., World]]:
    made: list[World] = []

    def make(seed: str, **fakes: tuple[str, FakeTracker]) -> World:
        world = World(tmp_path, seed, fakes)
        made.append(world)
        return world

    yield make
    for world in made:
        world.store.close()
