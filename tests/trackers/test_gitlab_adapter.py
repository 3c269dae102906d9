"""`GitLabTracker` beyond the shared contract: what it costs, how it waits, what it keeps."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.server import RecordedRequest
from syncer.model import IssueChange, IssueDraft, IssueState, Priority, Status
from syncer.trackers.base import AnswerLost, AuthError, RateLimited, RetryPolicy, TrackerError
from syncer.trackers.gitlab import GitLabTracker
from tests.trackers.helpers import create_one


class Sleeps(list[float]):
    """An injected `sleep` that records the waits instead of taking them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def settle(fake: FakeGitLab) -> None:
    """Wait until the fake has recorded every request it answered.

    FakeServer records a request just after answering it, so a fast client can be ahead of
    the record by a moment.
    """
    seen = -1
    while seen != len(fake.server.requests):
        seen = len(fake.server.requests)
        time.sleep(0.01)


@contextmanager
def measured(fake: FakeGitLab) -> Iterator[list[RecordedRequest]]:
    """The requests made inside the block, no more and no fewer."""
    settle(fake)
    with fake.server.counting() as requests:
        yield requests
        settle(fake)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


QUICK = RetryPolicy(timeout_seconds=5.0)


def make(
    fake: FakeGitLab,
    sleep: Callable[[float], None] | None = None,
    policy: RetryPolicy = QUICK,
) -> GitLabTracker:
    return GitLabTracker(
        fake.repo,
        fake.token,
        url=fake.server.base_url,
        retry=policy,
        sleep=sleep if sleep is not None else Sleeps(),
    )


@pytest.fixture
def tracker(fake: FakeGitLab, sleeps: Sleeps) -> GitLabTracker:
    return make(fake, sleeps)


# --- What polling costs ------------------------------------------------------------------------


def test_an_idle_poll_costs_one_request(fake: FakeGitLab, tracker: GitLabTracker) -> None:
    for n in range(150):
        fake.add_issue(f"Known {n}", labels=("tech-debt",))
    cursor = tracker.list_changed(None).cursor
    with measured(fake) as requests:
        idle = tracker.list_changed(cursor)
    assert (idle.issues, len(requests)) == ((), 1)
    assert idle.cursor == cursor, "nothing new: the next poll starts from the same place"


def test_a_poll_after_ten_changes_costs_the_same_on_a_thousand_issues(sleeps: Sleeps) -> None:
    with FakeGitLab(issues=1000) as fake:
        tracker = make(fake, sleeps)
        with measured(fake) as full_read:
            everything = tracker.list_changed(None)
        assert len({i.ref for i in everything.issues}) == 1000
        edited = [str(n) for n in range(5, 1000, 100)]
        for ref in edited:
            fake.human_edit(ref, title=f"Edited {ref}")
        with measured(fake) as poll:
            changed = tracker.list_changed(everything.cursor)
    assert len(full_read) >= 10, "a full read pages through 1,000 issues"
    assert len(poll) == 1, "an incremental poll reads only what changed"
    assert [i.ref for i in changed.issues] == edited, "oldest change first"
    assert all(i.title == f"Edited {i.ref}" for i in changed.issues)


def test_a_full_read_pages_through_more_than_two_pages(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    for n in range(250):
        fake.add_issue(f"Seeded {n}", labels=("tech-debt",), closed=n % 3 == 0)
    fake.add_issue("Someone else's", labels=("bug",))
    with measured(fake) as requests:
        listed = tracker.list_changed(None)
    assert len(listed.issues) == 250
    assert len({i.ref for i in listed.issues}) == 250
    assert sum(i.state is IssueState.CLOSED for i in listed.issues) == 84
    assert len(requests) >= 3
    assert all("labels=tech-debt" in r.query and "state=all" in r.query for r in requests)


# --- Waiting out rate limits and failures ------------------------------------------------------


def test_429_is_waited_out_for_as_long_as_gitlab_asks(
    fake: FakeGitLab, tracker: GitLabTracker, sleeps: Sleeps
) -> None:
    ref = create_one(tracker, IssueDraft("r", "Patient")).ref
    fake.throttle_next(2, retry_after=3)
    with measured(fake) as requests:
        assert tracker.get(ref).title == "Patient"
    assert sleeps == [3.0, 3.0]
    assert [r.status for r in requests] == [429, 429, 200]


def test_a_wait_longer_than_allowed_is_handed_back_as_rate_limited(
    fake: FakeGitLab, sleeps: Sleeps
) -> None:
    tracker = make(fake, sleeps, RetryPolicy(max_wait_seconds=10.0, timeout_seconds=5.0))
    fake.throttle_next(1, retry_after=600)
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        tracker.list_changed(None)
    assert sleeps == [], "no point sleeping when the answer will be the same"
    assert before + timedelta(seconds=590) < caught.value.retry_at < before + timedelta(minutes=11)


def test_the_request_limit_window_is_waited_out_for_real() -> None:
    with FakeGitLab(request_limit=3, limit_window=1.0) as fake:
        tracker = make(fake, time.sleep)
        ref = fake.add_issue("Throttled", labels=("tech-debt",))
        started = time.monotonic()
        titles = [tracker.get(ref).title for _ in range(5)]
        elapsed = time.monotonic() - started
        settle(fake)
        statuses = [r.status for r in fake.server.requests]
    assert titles == ["Throttled"] * 5
    assert 429 in statuses
    assert 0.5 < elapsed < 5


def test_server_errors_are_retried_with_backoff_then_reported(
    fake: FakeGitLab, sleeps: Sleeps
) -> None:
    tracker = make(fake, sleeps, RetryPolicy(attempts=3, backoff_seconds=0.5, timeout_seconds=5))
    ref = fake.add_issue("Flaky")
    fake.fail_next(3, status=502)
    with measured(fake) as requests, pytest.raises(TrackerError, match="502") as caught:
        tracker.get(ref)
    assert not isinstance(caught.value, RateLimited)
    assert sleeps == [0.5, 1.0]
    assert [r.status for r in requests] == [502, 502, 502]


def test_a_create_answered_with_a_gateway_error_is_not_sent_twice(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    """A 502 from GitLab's proxy may come after GitLab made the issue: not sent again now,
    nor looked for (the next cycle does that); a 503 says nothing was done: sent again."""
    fake.fail_next(1, status=502)
    with measured(fake) as requests:
        [lost] = tracker.create_many([IssueDraft("once", "Only once")])
    assert isinstance(lost.error, AnswerLost) and "502" in str(lost.error)
    assert [(r.method, r.status) for r in requests] == [("POST", 502)]
    fake.fail_next(1, status=503)
    assert create_one(tracker, IssueDraft("once", "Only once")).title == "Only once"
    assert fake.issue_count() == 1


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        tracker = GitLabTracker(
            "g/p", "t", url=url, retry=RetryPolicy(attempts=2, timeout_seconds=0.3), sleep=Sleeps()
        )
        started = time.monotonic()
        with pytest.raises(TrackerError, match="Timeout"):
            tracker.get("1")
    assert time.monotonic() - started < 3


def test_the_token_appears_in_no_error(fake: FakeGitLab) -> None:
    secret = "glpat-do-not-print-me"
    bad = GitLabTracker(fake.repo, secret, url=fake.server.base_url, sleep=Sleeps())
    with pytest.raises(AuthError) as caught:
        bad.get("1")
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert all(secret not in f"{e!s} {e!r}" for e in chain)


# --- Writes a user sees in GitLab --------------------------------------------------------------


def test_create_assigns_dates_and_closes_done_items() -> None:
    with FakeGitLab(tier="premium") as premium:  # Free keeps one assignee: see below
        tracker = make(premium)
        made = create_one(
            tracker,
            IssueDraft(
                "shipped",
                "Already shipped",
                status=Status.DONE,
                assignees=("bob", "alice"),
                due_date=date(2027, 1, 31),
                register_url="https://example.com/TECH_DEBT.md",
            ),
        )
        got = tracker.get(made.ref)
    assert (got.state, got.status) == (IssueState.CLOSED, Status.DONE)
    assert got.assignees == ("alice", "bob")
    assert got.due_date == date(2027, 1, 31)
    assert got.labels == ("tech-debt",)


def test_assignees_and_due_date_can_be_cleared(tracker: GitLabTracker) -> None:
    ref = create_one(
        tracker, IssueDraft("x", "X", assignees=("bob",), due_date=date(2027, 1, 1))
    ).ref
    cleared = tracker.update(ref, IssueChange(assignees=(), clear_due_date=True))
    assert (cleared.assignees, cleared.due_date) == ((), None)


def test_usernames_are_looked_up_once_and_as_gitlab_spells_them(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    with measured(fake) as first:
        made = create_one(tracker, IssueDraft("who", "Who", assignees=("Alice",)))
    with measured(fake) as again:
        create_one(tracker, IssueDraft("who-else", "Who else", assignees=("Alice",)))
    assert [r.method for r in first] == ["GET", "POST"] and first[0].path == "/api/v4/users"
    assert [r.method for r in again] == ["POST"], "the user's id is remembered"
    assert made.assignees == ("alice",), "GitLab matches usernames without case"


def test_an_unknown_username_stops_the_write_before_it_is_sent(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    ref = create_one(tracker, IssueDraft("u", "U", assignees=("alice",))).ref
    refusal = "cannot assign 'ghost': GitLab has no such user"
    with measured(fake) as requests, pytest.raises(TrackerError, match=refusal):
        tracker.update(ref, IssueChange(assignees=("alice", "ghost")))
    assert [r.method for r in requests] == ["GET", "GET"], "the issue, then the user; no PUT"
    assert tracker.get(ref).assignees == ("alice",)


def test_a_label_a_person_added_survives_a_priority_change(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    ref = create_one(tracker, IssueDraft("p", "Prioritized", priority=Priority.LOW)).ref
    fake.human_edit(ref, labels=("tech-debt", "priority: low", "needs design"))
    after = tracker.update(ref, IssueChange(priority=Priority.HIGH))
    assert set(after.labels) == {"tech-debt", "priority: high", "needs design"}


def test_an_update_that_changes_nothing_does_not_touch_the_issue(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    made = create_one(tracker, IssueDraft("same", "Same", priority=Priority.HIGH))
    same = IssueChange(priority=Priority.HIGH, status=Status.TODO)
    with measured(fake) as requests:
        again = tracker.update(made.ref, same, made)
    assert [r.method for r in requests] == [] and again == made, "the issue at hand says so"
    with measured(fake) as requests:
        again = tracker.update(made.ref, same)
    # Unseen: one PUT, no read first (issue 9); GitLab leaves an issue it would not change.
    assert [r.method for r in requests] == ["PUT"]
    assert again.version == made.version


def test_a_status_move_is_one_put_without_a_read_first(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    """Issue 9: a read before each write doubled a cycle's requests."""
    made = create_one(tracker, IssueDraft("move", "Move", status=Status.IN_PROGRESS))
    fake.human_edit(made.ref, labels=(*tracker.get(made.ref).labels, "needs-design"))
    with measured(fake) as requests:
        done = tracker.update(made.ref, IssueChange(status=Status.DONE, priority=Priority.LOW))
    assert [r.method for r in requests] == ["PUT"]
    assert done.status is Status.DONE and done.priority is Priority.LOW
    assert sorted(done.labels) == ["needs-design", "priority: low", "tech-debt"]
    with measured(fake) as requests:
        moved = tracker.update(made.ref, IssueChange(status=Status.IN_PROGRESS))
    assert [r.method for r in requests] == ["PUT"] and moved.status is Status.IN_PROGRESS


def test_find_markers_does_not_confuse_similar_keys(tracker: GitLabTracker) -> None:
    ten = create_one(tracker, IssueDraft("bulk-10", "Ten"))
    one = create_one(tracker, IssueDraft("bulk-1", "One"))
    found = tracker.find_markers(["bulk-1"])
    assert [i.ref for i in found["bulk-1"]] == [one.ref] != [ten.ref]


def test_ensure_labels_creates_only_what_is_missing_once(
    fake: FakeGitLab, tracker: GitLabTracker
) -> None:
    fake.add_issue("Has labels", labels=("tech-debt",))
    with measured(fake) as first:
        tracker.ensure_labels(["tech-debt", "effort: high"])
    with measured(fake) as second:
        tracker.ensure_labels(["Effort: High", "tech-debt"])
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in first] == [
        ("GET", "labels"),
        ("POST", "labels"),
    ]
    assert second == [], "labels known from the first call are not listed again"


def test_many_trackers_can_poll_one_fake_at_once(fake: FakeGitLab) -> None:
    for n in range(30):
        fake.add_issue(f"Shared {n}", labels=("tech-debt",))
    counts: list[int] = []

    def poll() -> None:
        counts.append(len(make(fake).list_changed(None).issues))

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [30] * 4
