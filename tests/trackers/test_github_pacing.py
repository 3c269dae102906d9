"""The GitHub adapter paces its writes: a batch larger than GitHub's write limit is created one
request per issue, without a single limit answer, and a wait too long ends the cycle cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from syncer.fakes.clock import VirtualTime
from syncer.fakes.github import FakeGitHub
from syncer.model import IssueChange, IssueDraft, IssueState, Status
from syncer.trackers.base import AnswerLost, RateLimited, RetryPolicy
from syncer.trackers.github import GitHubTracker
from syncer.trackers.pacing import MemoryLedger, WriteLedger, WriteLimits
from tests.trackers.helpers import create_all, create_one

POLICY = RetryPolicy(attempts=4, backoff_seconds=0.05, max_wait_seconds=60, timeout_seconds=5)


def adapter(
    fake: FakeGitHub,
    clock: VirtualTime,
    per_minute: int,
    max_wait: float = 60,
    ledgers: dict[str, WriteLedger] | None = None,
) -> GitHubTracker:
    return GitHubTracker(
        fake.repo,
        fake.token,
        base_url=fake.server.base_url,
        retry=RetryPolicy(**{**POLICY.__dict__, "max_wait_seconds": max_wait}),
        write_limits=WriteLimits(per_minute=per_minute, per_hour=500, seconds_between=0),
        ledgers=ledgers.__getitem__ if ledgers is not None else None,
        sleep=clock.sleep,
        clock=clock.time,
    )


@pytest.fixture
def fake(clock: VirtualTime) -> Iterator[FakeGitHub]:
    with FakeGitHub(clock=clock) as running:
        yield running


def test_creates_beyond_the_limit_cost_one_request_each_and_meet_no_limit(
    clock: VirtualTime,
) -> None:
    with FakeGitHub(create_limit=5, create_window=60.0, clock=clock) as fake:
        tracker = adapter(fake, clock, per_minute=5)
        with fake.server.counting() as made:
            created = create_all(tracker, [IssueDraft(f"k{i}", f"Item {i}") for i in range(12)])
        assert [c.title for c in created] == [f"Item {i}" for i in range(12)]
        assert fake.issue_count() == 12
        assert [r.status for r in made if r.method == "POST"] == [201] * 12
        assert not [r for r in fake.server.requests if r.status == 403]
        assert sum(clock.waits) > 60, "12 creates at 5 a minute span over two minutes"


def test_without_pacing_the_same_batch_meets_the_limit(clock: VirtualTime) -> None:
    """The fake's limit is real: what the previous test shows is the pacer's doing."""
    with FakeGitHub(create_limit=5, create_window=60.0, clock=clock) as fake:
        tracker = adapter(fake, clock, per_minute=1000)
        create_all(tracker, [IssueDraft(f"k{i}", f"Item {i}") for i in range(12)])
        assert [r for r in fake.server.requests if r.status == 403]


def test_every_kind_of_write_counts_and_reads_never_wait(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    tracker = adapter(fake, clock, per_minute=3, max_wait=10)
    ref = create_one(tracker, IssueDraft("w", "Written")).ref
    tracker.update(ref, IssueChange(title="Written again"))
    tracker.comment(ref, "A comment")
    for _ in range(5):
        tracker.get(ref)
    tracker.list_changed(None)
    assert clock.waits == []
    with fake.server.counting() as made, pytest.raises(RateLimited):
        tracker.ensure_labels(["a label GitHub has not seen"])
    assert [r.method for r in made] == ["GET"], "the label was not created, only listed"


def test_a_pacing_wait_longer_than_allowed_ends_in_rate_limited_without_sleeping(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    tracker = adapter(fake, clock, per_minute=2, max_wait=10)
    create_all(tracker, [IssueDraft("a", "A"), IssueDraft("b", "B")])
    with fake.server.counting() as made, pytest.raises(RateLimited) as caught:
        create_one(tracker, IssueDraft("c", "C"))
    assert (made, clock.waits, fake.issue_count()) == ([], [], 2)
    expected = datetime.fromtimestamp(clock.time() + 60, tz=UTC)
    assert abs((caught.value.retry_at - expected).total_seconds()) < 5


def test_a_done_draft_made_but_not_closed_is_settled_later_and_the_rest_wait(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    """The pace lets the create through but not the edit closing it: the issue exists, open,
    so it is not reported as made (its state would be recorded wrong) nor made again; the
    drafts after it carry the limit, so the engine stops the target until the next cycle."""
    tracker = adapter(fake, clock, per_minute=1, max_wait=10)
    done, later = tracker.create_many(
        [IssueDraft("done", "Done", status=Status.DONE), IssueDraft("later", "Later")]
    )
    assert isinstance(done.error, AnswerLost) and "not closed" in str(done.error)
    assert isinstance(later.error, RateLimited)
    [made] = tracker.find_markers(["done"])["done"]
    assert (made.state, fake.issue_count()) == (IssueState.OPEN, 1)


def test_trackers_sharing_a_ledger_pace_as_one(fake: FakeGitHub, clock: VirtualTime) -> None:
    """Back-to-back runs with one token: the second counts the writes of the first (the state
    database keeps the ledger; an in-memory one stands in for it here)."""
    ledgers: dict[str, WriteLedger] = {"writes": MemoryLedger(), "creates": MemoryLedger()}
    first = adapter(fake, clock, per_minute=2, max_wait=10, ledgers=ledgers)
    create_all(first, [IssueDraft("a", "A"), IssueDraft("b", "B")])
    first.close()
    second = adapter(fake, clock, per_minute=2, max_wait=10, ledgers=ledgers)
    [refused] = second.create_many([IssueDraft("c", "C")])
    assert isinstance(refused.error, RateLimited)
    assert fake.issue_count() == 2
    alone = adapter(fake, clock, per_minute=2, max_wait=10)
    assert create_one(alone, IssueDraft("c", "C")).title == "C", "without it, it would write"
