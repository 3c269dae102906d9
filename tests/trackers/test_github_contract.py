"""The adapter contract, run against `GitHubTracker` talking to `FakeGitHub` over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.trackers.base import RetryPolicy
from syncer.trackers.github import GitHubTracker
from syncer.trackers.http import RequestHook
from tests.trackers.contract import TrackerContract
from tests.trackers.contract_faults import FaultContract

# Short backoff and timeout so failure cases stay fast; waits GitHub asks for are still honoured.
FAST = RetryPolicy(attempts=4, backoff_seconds=0.05, max_wait_seconds=10, timeout_seconds=5)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as running:
        yield running


@pytest.fixture
def make_tracker(fake: FakeGitHub) -> Iterator[Callable[..., GitHubTracker]]:
    made: list[GitHubTracker] = []

    def make(
        token: str,
        timeout_seconds: float = FAST.timeout_seconds,
        on_request: RequestHook | None = None,
    ) -> GitHubTracker:
        retry = replace(FAST, timeout_seconds=timeout_seconds)
        tracker = GitHubTracker(
            fake.repo, token, base_url=fake.server.base_url, retry=retry, on_request=on_request
        )
        made.append(tracker)
        return tracker

    yield make
    for tracker in made:
        tracker.close()


@pytest.fixture
def tracker(fake: FakeGitHub, make_tracker: Callable[..., GitHubTracker]) -> GitHubTracker:
    return make_tracker(fake.token)


class TestGitHubContract(TrackerContract, FaultContract):
    supports_due_date = False
