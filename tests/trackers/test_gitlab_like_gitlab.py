"""GitLab as sites really run it, fake and adapter: the Free tier's one assignee, assignees who
cannot read the project, issues moved to another project, 429s naming no wait, and a base URL
pasted with its `/api/v4`. Each fake behaviour is checked through python-gitlab over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import gitlab
import pytest
import requests
from gitlab.exceptions import GitlabUpdateError

from syncer.fakes.clock import VirtualTime
from syncer.fakes.gitlab import FakeGitLab
from syncer.model import IssueChange, IssueDraft, IssueState, Status
from syncer.trackers.base import RateLimited, RetryPolicy
from syncer.trackers.gitlab import GitLabTracker
from tests.trackers.helpers import create_one

ALICE, BOB, OUTSIDER = 3, 4, 5
"""User ids of the fake: two members, and a user who is no member of the project."""


@pytest.fixture
def fake(clock: VirtualTime) -> Iterator[FakeGitLab]:
    with FakeGitLab(clock=clock) as running:
        yield running


def client(fake: FakeGitLab) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.server.base_url, private_token=fake.token)


def usernames(issue: object) -> list[str]:
    return [user["username"] for user in getattr(issue, "assignees", [])]


def tracker(fake: FakeGitLab, clock: VirtualTime, url: str | None = None) -> GitLabTracker:
    return GitLabTracker(
        fake.repo,
        fake.token,
        url=url or fake.server.base_url,
        retry=RetryPolicy(timeout_seconds=5.0),
        sleep=clock.sleep,
    )


# --- Assignees ---------------------------------------------------------------------------------


def test_the_free_tier_keeps_the_first_assignee_without_a_word(fake: FakeGitLab) -> None:
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Pair", "assignee_ids": [BOB, ALICE]})
    assert usernames(made) == ["bob"]
    edited = issues.update(made.iid, {"assignee_ids": [ALICE, BOB]})
    assert [user["username"] for user in edited["assignees"]] == ["alice"]


def test_premium_keeps_every_assignee() -> None:
    with FakeGitLab(tier="premium") as premium:
        issues = client(premium).projects.get(premium.repo, lazy=True).issues
        made = issues.create({"title": "Pair", "assignee_ids": [BOB, ALICE]})
    assert usernames(made) == ["bob", "alice"]


def test_a_user_who_cannot_read_the_project_is_dropped_without_a_word(
    fake: FakeGitLab,
) -> None:
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Outside", "assignee_ids": [OUTSIDER]})
    assert usernames(made) == []
    issues.update(made.iid, {"assignee_ids": [ALICE]})
    kept = issues.update(made.iid, {"assignee_ids": [OUTSIDER]})
    assert [user["username"] for user in kept["assignees"]] == ["alice"], "nobody readable: as was"
    assert "mallory" not in fake.known_users


def test_the_project_members_are_who_may_be_assigned() -> None:
    with FakeGitLab(members=("alice", "syncer-bot")) as narrow:
        issues = client(narrow).projects.get(narrow.repo, lazy=True).issues
        made = issues.create({"title": "Bob's?", "assignee_ids": [BOB]})
        assert narrow.known_users == ("syncer-bot", "alice")
    assert usernames(made) == []


def test_the_adapter_reads_back_the_assignee_gitlab_kept(
    fake: FakeGitLab, clock: VirtualTime
) -> None:
    gl = tracker(fake, clock)
    made = create_one(gl, IssueDraft("pair", "Pair", assignees=("bob", "alice")))
    assert made.assignees == ("bob",)
    changed = gl.update(made.ref, IssueChange(assignees=("mallory",)))
    assert changed.assignees == ("bob",)


# --- Moved issues ------------------------------------------------------------------------------


def test_moving_an_issue_closes_it_with_moved_to_id_and_answers_the_new_one(
    fake: FakeGitLab,
) -> None:
    other = fake.project("octo-group/backend")
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Wrong place", "labels": "tech-debt"})
    made.move(other.id)
    assert made.project_id == other.id and made.iid == 1, "the answer is the new issue"
    old = issues.get(1)
    assert (old.state, old.moved_to_id) == ("closed", made.id)
    notes = [(n.body, n.system) for n in old.notes.list()]
    assert notes == [("moved to octo-group/backend#1", True)]
    with pytest.raises(GitlabUpdateError) as refused:
        issues.get(1, lazy=True).move(other.id)
    assert refused.value.response_code == 400


def test_an_issue_cannot_be_moved_into_its_own_project_or_nowhere(fake: FakeGitLab) -> None:
    project = client(fake).projects.get(fake.repo, lazy=True)
    made = project.issues.create({"title": "Stay"})
    for where, status in ((42, 400), (999, 404)):
        with pytest.raises(GitlabUpdateError) as refused:
            made.move(where)
        assert refused.value.response_code == status
    assert fake.issue_json("1")["state"] == "opened"


def test_the_adapter_reads_a_moved_issue_as_moved_and_never_finds_its_marker(
    fake: FakeGitLab, clock: VirtualTime
) -> None:
    gl = tracker(fake, clock)
    ref = create_one(gl, IssueDraft("gone-elsewhere", "Gone elsewhere")).ref
    new_iid = fake.move_issue(ref, "octo-group/backend")
    got = gl.get(ref)
    assert got.state is IssueState.CLOSED and got.moved_to is not None
    assert new_iid == "1"
    [listed] = gl.list_changed(None).issues
    assert listed.moved_to == got.moved_to
    assert gl.find_markers(["gone-elsewhere"]) == {}, "its marker is not the item's issue"


def test_a_closed_issue_moved_later_is_listed_as_changed(
    fake: FakeGitLab, clock: VirtualTime
) -> None:
    gl = tracker(fake, clock)
    ref = create_one(gl, IssueDraft("done", "Done", status=Status.DONE)).ref
    cursor = gl.list_changed(None).cursor
    fake.move_issue(ref, "octo-group/backend")
    [listed] = gl.list_changed(cursor).issues
    assert listed.moved_to is not None, "setting moved_to_id updates the issue"


# --- 429s naming no wait -----------------------------------------------------------------------


def test_the_fake_can_throttle_without_naming_a_wait(fake: FakeGitLab) -> None:
    fake.throttle_next(1, retry_after=None)
    url = f"{fake.server.base_url}/api/v4/projects/{quote(fake.repo, safe='')}/issues"
    answer = requests.get(url, headers={"PRIVATE-TOKEN": fake.token}, timeout=5)
    assert answer.status_code == 429
    assert not [name for name in answer.headers if name.lower().startswith(("retry", "ratelimit"))]


def test_a_429_naming_no_wait_waits_a_minute(fake: FakeGitLab, clock: VirtualTime) -> None:
    gl = tracker(fake, clock)
    ref = fake.add_issue("Patient")
    fake.throttle_next(1, retry_after=None)
    assert gl.get(ref).title == "Patient"
    assert clock.waits == [60.0], "GitLab's limits count per minute: not a 0.5 s backoff"


def test_a_second_429_naming_no_wait_hands_the_cycle_back(
    fake: FakeGitLab, clock: VirtualTime
) -> None:
    gl = tracker(fake, clock)
    fake.throttle_next(2, retry_after=None)
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        gl.list_changed(None)
    assert clock.waits == [60.0], "one minute waited; the next is the cycle's to take"
    assert caught.value.retry_at >= before + timedelta(seconds=60)


# --- Base URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/api/v4", "/api/v4/", "/"])
def test_a_base_url_pasted_with_its_api_path_is_the_site(
    fake: FakeGitLab, clock: VirtualTime, suffix: str
) -> None:
    gl = tracker(fake, clock, url=f"{fake.server.base_url}{suffix}")
    made = create_one(gl, IssueDraft("where", "Where"))
    assert gl.get(made.ref).title == "Where"
    assert made.url == f"{fake.server.base_url}/{fake.repo}/-/issues/{made.ref}"
    assert all("/api/v4/api/v4" not in r.path for r in fake.server.requests)


def test_a_path_gitlab_does_not_serve_answers_404_whatever_the_method(fake: FakeGitLab) -> None:
    url = f"{fake.server.base_url}/api/v4/api/v4/projects/1/issues"
    answer = requests.post(
        url, json={"title": "x"}, headers={"PRIVATE-TOKEN": fake.token}, timeout=5
    )
    assert (answer.status_code, answer.json()) == (404, {"error": "404 Not Found"})
