"""The adapter contract, run by `GitLabTracker` against `FakeGitLab` over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from syncer.fakes.gitlab import FakeGitLab
from syncer.trackers.base import RetryPolicy
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.http import RequestHook
from tests.trackers.contract import TrackerContract
from tests.trackers.contract_faults import FaultContract

FAST = RetryPolicy(timeout_seconds=5.0)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as running:
        yield running


@pytest.fixture
def make_tracker(fake: FakeGitLab) -> Callable[..., GitLabTracker]:
    def make(
        token: str,
        timeout_seconds: float = FAST.timeout_seconds,
        on_request: RequestHook | None = None,
    ) -> GitLabTracker:
        # Waits are skipped: the fake counts requests, not seconds.
        retry = replace(FAST, timeout_seconds=timeout_seconds)
        return GitLabTracker(
            fake.repo,
            token,
            url=fake.server.base_url,
            retry=retry,
            on_request=on_request,
            sleep=lambda _: None,
        )

    return make


@pytest.fixture
def tracker(make_tracker: Callable[..., GitLabTracker], fake: FakeGitLab) -> GitLabTracker:
    return make_tracker(fake.token)


class TestGitLabContract(TrackerContract, FaultContract):
    pass
