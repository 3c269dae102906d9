"""The adapter contract, run against the fake Jira in both flavours (Server and Cloud search)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial

import pytest

from syncer.fakes.jira import FakeJira, Flavour
from syncer.trackers.base import RetryPolicy
from syncer.trackers.http import RequestHook
from syncer.trackers.jira import JiraTracker
from tests.trackers.contract import TrackerContract
from tests.trackers.contract_faults import FaultContract

FAST_RETRY = RetryPolicy(backoff_seconds=0.05, max_wait_seconds=5.0, timeout_seconds=5.0)


def jira_tracker(
    fake: FakeJira,
    token: str,
    timeout_seconds: float = FAST_RETRY.timeout_seconds,
    on_request: RequestHook | None = None,
) -> JiraTracker:
    """Server: a personal access token; Cloud: email + API token, as users configure them."""
    email = fake.email if fake.flavour == "cloud" else None
    retry = replace(FAST_RETRY, timeout_seconds=timeout_seconds)
    return JiraTracker(
        fake.base_url,
        fake.repo,
        token,
        email=email,
        flavour=fake.flavour,
        retry=retry,
        on_request=on_request,
    )


@pytest.fixture(params=["server", "cloud"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    flavour: Flavour = request.param
    with FakeJira(flavour=flavour) as jira:
        yield jira


@pytest.fixture
def tracker(fake: FakeJira) -> JiraTracker:
    return jira_tracker(fake, fake.token)


@pytest.fixture
def make_tracker(fake: FakeJira) -> Callable[..., JiraTracker]:
    return partial(jira_tracker, fake)


class TestJiraContract(TrackerContract, FaultContract):
    """Everything `TrackerContract` asks of an adapter, for Jira Server and Jira Cloud."""
