"""What a user of the GitHub adapter notices: request costs, rate limits, failures, updates."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.model import IssueChange, IssueDraft, IssueState, Priority, Status
from syncer.trackers.base import AnswerLost, NotFound, RateLimited, RetryPolicy, TrackerError
from syncer.trackers.github import GitHubTracker
from tests.trackers.helpers import UNPACED, create_all, create_one

POLICY = RetryPolicy(attempts=4, backoff_seconds=0.05, max_wait_seconds=10, timeout_seconds=5)


class Sleeps(list[float]):
    """A `sleep` that really sleeps and remembers how long it was asked to."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def adapter(fake: FakeGitHub, sleeps: Sleeps | None = None, **policy: float) -> GitHubTracker:
    retry = RetryPolicy(**{**POLICY.__dict__, **policy})
    return GitHubTracker(
        fake.repo,
        fake.token,
        base_url=fake.server.base_url,
        retry=retry,
        write_limits=UNPACED,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as running:
        yield running


@pytest.fixture
def tracker(fake: FakeGitHub) -> GitHubTracker:
    return adapter(fake)


# --- polling ---------------------------------------------------------------------------------


def test_an_idle_poll_is_one_request_answered_304(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    create_one(tracker, IssueDraft("a", "Alpha"))
    everything = tracker.list_changed(None)
    with fake.server.counting() as made:
        idle = tracker.list_changed(everything.cursor)
    assert [r.status for r in made] == [304]
    assert made[0].headers["if-none-match"].startswith('W/"')
    assert (idle.issues, idle.not_modified) == ((), True)


def test_a_poll_after_ten_changes_costs_one_request_among_a_thousand_issues() -> None:
    with FakeGitHub(issues=1000) as fake:
        tracker = adapter(fake)
        everything = tracker.list_changed(None)
        synced = [i.ref for i in everything.issues]
        assert sorted(synced, key=int) == fake.refs("tech-debt")
        assert 600 < len(synced) < 1000, "the seeded repository mixes in other issues"
        for ref in synced[100:110]:
            fake.human_edit(ref, title=f"Edited {ref}")
        with fake.server.counting() as made:
            changed = tracker.list_changed(everything.cursor)
        assert len(made) == 1
        assert sorted(i.ref for i in changed.issues) == sorted(synced[100:110])
        assert {i.title for i in changed.issues} == {f"Edited {ref}" for ref in synced[100:110]}
        with fake.server.counting() as made:
            quiet = tracker.list_changed(changed.cursor)
            quieter = tracker.list_changed(quiet.cursor)
        assert len(made) == 2 and made[-1].status == 304
        assert quiet.issues == quieter.issues == ()


def test_an_edit_in_the_same_second_as_the_last_poll_is_not_lost(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    first = create_one(tracker, IssueDraft("a", "Alpha"))
    polled = tracker.list_changed(None)
    second = create_one(tracker, IssueDraft("b", "Beta"))
    fake.human_edit(first.ref, title="Alpha again")
    after = tracker.list_changed(polled.cursor)
    assert {i.title for i in after.issues} == {"Alpha again", "Beta"}
    assert second.ref in {i.ref for i in after.issues}


def test_pull_requests_are_never_taken_for_issues(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    create_one(tracker, IssueDraft("real", "Real issue"))
    fake.add_pull_request("Refactor", body="<!-- syncer:item=ghost -->", labels=("tech-debt",))
    assert [i.title for i in tracker.list_changed(None).issues] == ["Real issue"]
    assert tracker.find_markers(["ghost"]) == {}


def test_an_issue_a_person_deleted_is_not_found(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    ref = create_one(tracker, IssueDraft("gone", "Gone")).ref
    fake.delete_issue(ref)
    with pytest.raises(NotFound, match="deleted"):
        tracker.get(ref)


def test_a_repository_with_issues_disabled_says_so_for_every_draft() -> None:
    with FakeGitHub(has_issues=False) as fake:
        made = adapter(fake).create_many([IssueDraft("k", "Nowhere"), IssueDraft("j", "Also")])
        assert all(isinstance(m.error, NotFound) for m in made)
        assert "disabled" in str(made[0].error)
        assert fake.server.count("POST") == 1


# --- rate limits and failures ----------------------------------------------------------------


def test_the_creation_limit_is_waited_out_and_never_fails_a_create() -> None:
    with FakeGitHub(create_limit=5, create_window=1.0) as fake:
        sleeps = Sleeps()
        tracker = adapter(fake, sleeps)
        with fake.server.counting() as made:
            created = create_all(tracker, [IssueDraft(f"k{i}", f"Item {i}") for i in range(12)])
        assert [c.title for c in created] == [f"Item {i}" for i in range(12)]
        assert fake.issue_count() == 12
        refused = [r for r in made if r.status == 403]
        assert len(refused) >= 2, "12 creates at 5 per second must meet the limit"
        assert sleeps == [1.0] * len(refused), "each wait is the retry-after GitHub sent"


@pytest.mark.parametrize("status", [403, 429])
def test_a_throttled_call_waits_exactly_as_told(fake: FakeGitHub, status: int) -> None:
    sleeps = Sleeps()
    tracker = adapter(fake, sleeps)
    ref = create_one(tracker, IssueDraft("r", "Patient")).ref
    fake.throttle_next(1, retry_after=0.3, status=status)
    assert tracker.get(ref).title == "Patient"
    assert sleeps == [0.3]


def test_a_wait_longer_than_allowed_ends_in_rate_limited_without_sleeping(
    fake: FakeGitHub,
) -> None:
    sleeps = Sleeps()
    tracker = adapter(fake, sleeps, max_wait_seconds=5)
    ref = create_one(tracker, IssueDraft("r", "Impatient")).ref
    fake.throttle_next(1, retry_after=120)
    with pytest.raises(RateLimited) as caught:
        tracker.get(ref)
    assert sleeps == []
    expected = datetime.now(UTC).timestamp() + 120
    assert abs(caught.value.retry_at.timestamp() - expected) < 5


def test_server_errors_are_retried_a_bounded_number_of_times(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    tracker = adapter(fake, sleeps, attempts=3)
    ref = create_one(tracker, IssueDraft("e", "Broken")).ref
    fake.fail_next(10, status=502)
    with fake.server.counting() as made, pytest.raises(TrackerError) as caught:
        tracker.get(ref)
    assert type(caught.value) is TrackerError
    assert [r.status for r in made] == [502, 502, 502]
    assert sleeps == [0.05, 0.1], "exponential backoff when GitHub gives no hint"
    assert fake.token not in str(caught.value)
    assert fake.token not in str(caught.value.__cause__)


def test_a_create_that_failed_after_github_made_it_is_not_made_twice(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    """A 502 after GitHub made the issue: not posted again, found by its marker later."""
    fake.fail_next(1, status=502, acted=True)
    [lost] = tracker.create_many([IssueDraft("once", "Only once")])
    assert isinstance(lost.error, AnswerLost) and "502" in str(lost.error)
    assert (fake.issue_count(), fake.server.count("POST")) == (1, 1)
    assert [i.title for i in tracker.find_markers(["once"])["once"]] == ["Only once"]


def test_a_create_that_never_left_is_sent_again(fake: FakeGitHub) -> None:
    """Only a request GitHub cannot have seen is repeated: a refused connection."""
    with FakeGitHub() as gone:
        url = gone.server.base_url
    tracker = GitHubTracker("o/r", fake.token, base_url=url, retry=POLICY, sleep=Sleeps())
    [failed] = tracker.create_many([IssueDraft("k", "Nowhere")])
    assert not isinstance(failed.error, AnswerLost)
    assert "gave up after 4 attempt(s)" in str(failed.error)


def test_a_hung_request_times_out_and_is_retried(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    tracker = adapter(fake, sleeps, timeout_seconds=1)
    ref = create_one(tracker, IssueDraft("slow", "Slow")).ref
    fake.stall_next(1, seconds=1.6)
    started = time.monotonic()
    assert tracker.get(ref).title == "Slow"
    assert time.monotonic() - started < 1.5, "the client gave up on the hung request"
    assert sleeps == [0.05]


# --- writes ----------------------------------------------------------------------------------


def test_an_update_keeps_the_footer_that_links_back_to_the_register(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    url = "https://git.example.com/team/repo/TECH_DEBT.md"
    ref = create_one(tracker, IssueDraft("linked", "Linked", body="Old", register_url=url)).ref
    tracker.update(ref, IssueChange(body="New text"))
    body = fake.issue_json(ref)["body"]
    assert body.startswith("New text\n\n---\n")
    assert url in body and body.endswith("<!-- syncer:item=linked -->")


def test_status_moves_use_githubs_close_reasons(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    ref = create_one(tracker, IssueDraft("s", "Stateful", status=Status.IN_PROGRESS)).ref
    assert "in progress" in [label["name"] for label in fake.issue_json(ref)["labels"]]
    done = tracker.update(ref, IssueChange(status=Status.DONE))
    assert (done.state, done.raw_status) == (IssueState.CLOSED, "closed (completed)")
    assert "in progress" in done.labels, "closing leaves labels alone, as GitHub's button does"
    reopened = tracker.update(ref, IssueChange(status=Status.TODO))
    assert (reopened.status, reopened.raw_status) == (Status.TODO, "open (reopened)")
    assert "in progress" not in reopened.labels


def test_a_done_draft_is_created_closed(tracker: GitHubTracker) -> None:
    created = create_one(tracker, IssueDraft("old", "Already done", status=Status.DONE))
    assert tracker.get(created.ref).state is IssueState.CLOSED


def test_an_update_restores_a_sync_label_a_person_removed(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    ref = create_one(tracker, IssueDraft("kept", "Kept", priority=Priority.LOW)).ref
    fake.human_edit(ref, labels=("priority: low",))
    tracker.update(ref, IssueChange(priority=Priority.HIGH))
    assert tracker.get(ref).labels == ("tech-debt", "priority: high")


def test_assignees_are_set_and_read_back(tracker: GitHubTracker) -> None:
    ref = create_one(tracker, IssueDraft("who", "Who", assignees=("octocat",))).ref
    assert tracker.get(ref).assignees == ("octocat",)
    tracker.update(ref, IssueChange(assignees=("monalisa", "hubot")))
    assert tracker.get(ref).assignees == ("hubot", "monalisa"), "in order, however assigned"


def test_an_unchanged_update_of_an_issue_at_hand_sends_nothing(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    made = create_one(tracker, IssueDraft("same", "Same"))
    with fake.server.counting() as sent:
        again = tracker.update(made.ref, IssueChange(status=Status.TODO), made)
    assert [r.method for r in sent] == [] and again == made


def test_a_status_move_is_one_request_without_a_read_first(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    """Issue 9: a read before each status change doubled a cycle's requests."""
    ref = create_one(tracker, IssueDraft("move", "Move", status=Status.IN_PROGRESS)).ref
    with fake.server.counting() as sent:
        tracker.update(ref, IssueChange(status=Status.DONE, title="Moved"))
    assert [r.method for r in sent] == ["PATCH"]
    assert tracker.get(ref).status is Status.DONE
    with fake.server.counting() as sent:
        reopened = tracker.update(ref, IssueChange(status=Status.TODO))
    # Reopened, its answer still shows "in progress": one more PATCH takes it away.
    assert [r.method for r in sent] == ["PATCH", "PATCH"]
    assert reopened.status is Status.TODO and "in progress" not in reopened.labels
    with fake.server.counting() as sent:
        tracker.update(ref, IssueChange(status=Status.DONE))
        tracker.update(ref, IssueChange(status=Status.TODO))
    assert [r.method for r in sent] == ["PATCH", "PATCH"]


def test_ensure_labels_creates_only_the_missing_ones(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    with fake.server.counting() as made:
        tracker.ensure_labels(["bug", "Tech-Debt", "tech-debt", "effort: high"])
    created = [r for r in made if r.method == "POST"]
    assert len(created) == 2, "bug exists; tech-debt asked twice in two cases"
    with fake.server.counting() as again:
        tracker.ensure_labels(["tech-debt", "effort: high"])
    assert [r.method for r in again] == ["GET"]


def test_an_unreachable_github_is_a_tracker_error_that_holds_no_token() -> None:
    with FakeGitHub() as fake:
        base_url, token = fake.server.base_url, fake.token
    tracker = GitHubTracker("o/r", token, base_url=base_url, retry=POLICY, sleep=Sleeps())
    with pytest.raises(TrackerError) as caught:
        tracker.list_changed(None)
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert "gave up after 4 attempt(s)" in str(caught.value)
    assert all(token not in str(e) for e in chain)
    assert all(getattr(e, "request", None) is None for e in chain), "no request, no header"
