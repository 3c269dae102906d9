"""Where GitHub is stricter than a kind fake would be (issue 9): the fake does it the way GitHub
does, and the adapter copes as a user expects. Real PyGithub, the fake over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from github.Issue import Issue
from github.Repository import Repository

from syncer.fakes.clock import VirtualTime
from syncer.fakes.github import FakeGitHub
from syncer.model import IssueChange, IssueDraft, Status
from syncer.trackers.base import Moved, NotFound, RateLimited, RetryPolicy
from syncer.trackers.github import GitHubTracker
from syncer.trackers.pacing import WriteLimits
from tests.trackers.helpers import UNPACED, create_all, create_one

POLICY = RetryPolicy(attempts=3, backoff_seconds=0.5, max_wait_seconds=120, timeout_seconds=5)


@pytest.fixture
def fake(clock: VirtualTime) -> Iterator[FakeGitHub]:
    with FakeGitHub(clock=clock) as running:
        yield running


def adapter(fake: FakeGitHub, clock: VirtualTime, limits: WriteLimits = UNPACED) -> GitHubTracker:
    return GitHubTracker(
        fake.repo,
        fake.token,
        base_url=fake.server.base_url,
        retry=POLICY,
        write_limits=limits,
        sleep=clock.sleep,
        clock=clock.time,
    )


# --- the creation limit ----------------------------------------------------------------------


def test_the_fake_limits_creation_by_default_as_users_measure_github() -> None:
    """20 a minute, then 150 an hour: the secondary-limit 403 with a `retry-after`."""
    clock = VirtualTime()
    with (
        FakeGitHub(clock=clock) as fake,
        httpx.Client(
            base_url=fake.server.base_url, headers={"Authorization": f"token {fake.token}"}
        ) as http,
    ):
        url = f"/repos/{fake.repo}/issues"
        minute = [http.post(url, json={"title": f"m{i}"}).status_code for i in range(21)]
        clock.sleep(60)
        hour = [http.post(url, json={"title": f"h{i}"}).status_code for i in range(20)]
        for _ in range(6):
            clock.sleep(60)
            hour += [http.post(url, json={"title": "h"}).status_code for _ in range(20)]
        refused = http.post(url, json={"title": "one too many"})
    assert minute == [201] * 20 + [403]
    assert hour == [201] * 130 + [403] * 10, "the 150th create of the hour is the last taken"
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert 3000 < int(refused.headers["retry-after"]) <= 3600 - 7 * 60


def test_unpaced_creates_meet_the_default_limit(fake: FakeGitHub, clock: VirtualTime) -> None:
    """The fake's limit is real: what the next test shows is the adapter's pacing."""
    tracker = adapter(fake, clock)
    with fake.server.counting() as made:
        create_all(tracker, [IssueDraft(f"k{i}", f"Item {i}") for i in range(21)])
    assert [r.status for r in made if r.method == "POST"][20] == 403
    assert clock.waits[-1] >= 1, "the 21st waited out the retry-after it was given"


def test_default_pacing_creates_a_first_sync_without_meeting_the_limit(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    """Creates a second apart, 20 a minute, 150 an hour: the 151st is handed back to the
    cycle as `RateLimited` (an hour's wait) without a request; no limit answer is met."""
    tracker = adapter(fake, clock, WriteLimits())
    made = tracker.create_many([IssueDraft(f"k{i}", f"Item {i}") for i in range(151)])
    assert [m.issue is not None for m in made] == [True] * 150 + [False]
    assert isinstance(made[-1].error, RateLimited)
    assert "creation limit reached" in str(made[-1].error)
    assert [r.status for r in fake.server.requests if r.method == "POST"] == [201] * 150
    assert 7 * 60 <= sum(clock.waits) < 8 * 60, "150 creates at 20 a minute: 7.5 minutes"


# --- a rate limit answer naming no wait ----------------------------------------------------------


def test_a_429_naming_no_wait_waits_a_minute(fake: FakeGitHub, clock: VirtualTime) -> None:
    """GitHub's guidance when no header says how long: at least a minute, not a quick
    backoff that meets the limit again."""
    tracker = adapter(fake, clock)
    ref = create_one(tracker, IssueDraft("r", "Patient")).ref
    clock.waits.clear()
    fake.throttle_next(1, retry_after=None, status=429)
    with fake.server.counting() as made:
        assert tracker.get(ref).title == "Patient"
    assert [r.status for r in made] == [429, 200]
    assert clock.waits == [60.0]


# --- a renamed or transferred repository ---------------------------------------------------------


def test_the_fake_redirects_a_former_name_as_github_does(fake: FakeGitHub) -> None:
    old = fake.repo
    fake.rename("octo-org/debt-register")
    with httpx.Client(
        base_url=fake.server.base_url, headers={"Authorization": f"token {fake.token}"}
    ) as http:
        read = http.get(f"/repos/{old}/issues", params={"state": "all"})
        write = http.post(f"/repos/{old}/issues", json={"title": "t"})
        followed = http.get(read.headers["location"])
    assert (read.status_code, write.status_code) == (301, 307)
    assert "/repositories/" in write.headers["location"]
    assert read.headers["location"].endswith("/issues?state=all")
    assert followed.status_code == 200
    assert fake.issue_count() == 0, "a redirected write is not done"


def test_writes_to_a_renamed_repository_name_the_new_name(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    """GitHub answers writes with 307, which PyGithub does not follow: each write ends in one
    clear error naming the setting to change, never a crash on the redirect's body."""
    tracker = adapter(fake, clock)
    ref = create_one(tracker, IssueDraft("a", "Before")).ref
    fake.rename("octo-org/debt-register")
    expected = (
        "GitHub repository octo-org/tech-debt was renamed or transferred to "
        'octo-org/debt-register: set repo = "octo-org/debt-register" for this target'
    )
    [made] = tracker.create_many([IssueDraft("b", "After")])
    assert isinstance(made.error, Moved) and str(made.error) == expected
    for write in (
        lambda: tracker.update(ref, IssueChange(title="Renamed")),
        lambda: tracker.comment(ref, "A comment"),
    ):
        with pytest.raises(Moved, match="renamed or transferred to octo-org/debt-register"):
            write()
    assert (fake.issue_count(), fake.issue_json(ref)["title"]) == (1, "Before")


def test_reads_of_a_renamed_repository_name_the_new_name(
    fake: FakeGitHub, clock: VirtualTime
) -> None:
    """GitHub answers reads with 301, which PyGithub follows without the query string: the
    listing would come back unfiltered (open issues only, of every label) and read as the
    sync-labelled ones. Refused as it arrives instead, with the same one line."""
    tracker = adapter(fake, clock)
    ref = create_one(tracker, IssueDraft("a", "Synced")).ref
    fake.add_issue("Not syncer's", labels=("bug",))
    fake.rename("octo-org/debt-register")
    for read in (lambda: tracker.list_changed(None), lambda: tracker.get(ref)):
        with pytest.raises(Moved, match="renamed or transferred to octo-org/debt-register"):
            read()


# --- a deleted issue -----------------------------------------------------------------------------


def eager_get_issue(self: Repository, number: int) -> Issue:
    """`Repository.get_issue` as PyGithub releases within syncer's floor have it: it reads the
    issue at once (current releases wait for the first attribute)."""
    headers, data = self._requester.requestJsonAndCheck("GET", f"{self.url}/issues/{number}")
    return Issue(self._requester, headers, data, completed=True)


CALLS_ON_AN_ISSUE: dict[str, Callable[[GitHubTracker, str], object]] = {
    "get": lambda tracker, ref: tracker.get(ref),
    "close": lambda tracker, ref: tracker.update(ref, IssueChange(status=Status.DONE)),
    "edit": lambda tracker, ref: tracker.update(ref, IssueChange(title="Still here?")),
    "comment": lambda tracker, ref: tracker.comment(ref, "Anyone?"),
}


@pytest.mark.parametrize("call", CALLS_ON_AN_ISSUE)
def test_every_call_on_a_deleted_issue_is_not_found(
    fake: FakeGitHub, clock: VirtualTime, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    """GitHub answers 410 for an issue an admin deleted: every call maps it to `NotFound`
    (the engine then unlinks the item), whichever PyGithub release reads it."""
    monkeypatch.setattr(Repository, "get_issue", eager_get_issue)
    tracker = adapter(fake, clock)
    ref = create_one(tracker, IssueDraft("gone", "Gone")).ref
    fake.delete_issue(ref)
    with pytest.raises(NotFound, match=r"410 .*deleted"):
        CALLS_ON_AN_ISSUE[call](tracker, ref)
