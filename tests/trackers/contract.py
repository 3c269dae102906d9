"""The contract every tracker adapter keeps, run against its fake over real HTTP.

Each adapter's test module subclasses `TrackerContract` and provides three fixtures:
`fake` (a started `FakeTracker`), `tracker` (the adapter pointed at it with `fake.token`),
`make_tracker` (a callable building the adapter with a given token). The tests speak only the
`Tracker` protocol, so what passes here means the same thing for GitHub, GitLab and Jira.

The in-memory tracker keeps it too, with a `MemoryProject` as `fake`: a test whose `fake` is a
`FakeTracker` needs the server (it counts requests, or waits on a client's timeout); one whose
`fake` is a `TrackerControl` needs only the person side and runs there as well.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from syncer.fakes.control import FakeTracker, TrackerControl
from syncer.model import IssueChange, IssueDraft, IssueState, Priority, Status
from syncer.trackers.base import (
    AuthError,
    FieldMapping,
    NotFound,
    Refused,
    Tracker,
    TrackerError,
)
from tests.trackers.helpers import create_one

SYNC_LABEL = FieldMapping().sync_label


def draft(key: str, title: str, **kw: object) -> IssueDraft:
    return IssueDraft(item_key=key, title=title, **kw)  # type: ignore[arg-type]


class TrackerContract:
    supports_due_date = True

    def test_create_then_get_round_trips_the_fields(self, tracker: Tracker) -> None:
        created = create_one(
            tracker,
            draft(
                "add-rate-limiting",
                "Add rate limiting",
                body="Limit **per key**.\n\n- one\n- two",
                priority=Priority.HIGH,
                status=Status.TODO,
            ),
        )
        got = tracker.get(created.ref)
        assert got.title == "Add rate limiting"
        assert got.state is IssueState.OPEN
        assert got.status is Status.TODO
        assert got.priority is Priority.HIGH
        assert got.marker == "add-rate-limiting"
        assert "Limit **per key**." in got.body
        assert "- two" in got.body
        assert "syncer:item" not in got.body, "the footer is stripped from the normalized body"
        assert got.url.startswith("http")

    def test_find_markers_finds_open_and_closed_issues_of_several_keys(
        self, tracker: Tracker, fake: TrackerControl
    ) -> None:
        """After a crash, or a lost state database, every issue syncer made must be found by
        its marker, done ones too."""
        made = tracker.create_many(
            [draft("open-item", "Open"), draft("done-item", "Done", status=Status.DONE)]
        )
        assert [m.error for m in made] == [None, None]
        closed_by_a_person = create_one(tracker, draft("closed-item", "Closed later"))
        fake.human_edit(closed_by_a_person.ref, closed=True)
        fake.add_issue("Not syncer's", body="no marker here", labels=(SYNC_LABEL,))
        wanted = {"open-item", "done-item", "closed-item", "never-created"}
        found = tracker.find_markers(wanted)
        assert {key: [i.title for i in issues] for key, issues in found.items()} == {
            "open-item": ["Open"],
            "done-item": ["Done"],
            "closed-item": ["Closed later"],
        }
        assert found["done-item"][0].state is IssueState.CLOSED
        assert found["closed-item"][0].state is IssueState.CLOSED
        assert tracker.find_markers(set()) == {}

    def test_find_markers_is_one_listing_for_all_keys(
        self, tracker: Tracker, fake: FakeTracker
    ) -> None:
        """The engine asks for a whole register's keys at once: that costs one listing."""
        made = tracker.create_many(
            [draft("open-item", "Open"), draft("done-item", "Done", status=Status.DONE)]
        )
        assert [m.error for m in made] == [None, None]
        with fake.server.counting() as sent:
            found = tracker.find_markers({"open-item", "done-item", "never-created"})
        assert set(found) == {"open-item", "done-item"}
        assert [r.method for r in sent] == ["GET"], "one listing for all the keys"

    def test_find_markers_lists_every_issue_of_a_key_oldest_first(self, tracker: Tracker) -> None:
        """Two issues carrying one marker (a duplicate an old timeout made): both are found,
        the first one made first, so the engine can keep it and close the other."""
        first = create_one(tracker, draft("twice", "First"))
        second = create_one(tracker, draft("twice", "Second"))
        create_one(tracker, draft("twice-not", "A key that only starts alike"))
        found = tracker.find_markers(["twice"])
        assert [i.ref for i in found["twice"]] == [first.ref, second.ref]
        assert list(found) == ["twice"]

    def test_create_many_creates_in_order(self, tracker: Tracker) -> None:
        drafts = [draft(f"bulk-{i}", f"Bulk {i}") for i in range(7)]
        made = tracker.create_many(drafts)
        assert [m.draft for m in made] == drafts
        assert [m.error for m in made] == [None] * 7
        assert [m.issue.title for m in made if m.issue] == [f"Bulk {i}" for i in range(7)]
        assert len({m.issue.ref for m in made if m.issue}) == 7
        assert tracker.create_many([]) == []

    def test_list_changed_is_incremental(self, tracker: Tracker, fake: TrackerControl) -> None:
        first = create_one(tracker, draft("a", "Alpha"))
        create_one(tracker, draft("b", "Beta"))
        fake.add_issue("Not ours", labels=("bug",))
        everything = tracker.list_changed(None)
        assert {i.title for i in everything.issues} == {"Alpha", "Beta"}
        idle = tracker.list_changed(everything.cursor)
        assert [i.title for i in idle.issues] == []
        fake.human_edit(first.ref, title="Alpha, retitled")
        after = tracker.list_changed(idle.cursor)
        assert [i.title for i in after.issues] == ["Alpha, retitled"]

    def test_pagination_reads_every_page(self, tracker: Tracker, fake: TrackerControl) -> None:
        for i in range(230):
            fake.add_issue(f"Seeded {i}", labels=(SYNC_LABEL,))
        listed = tracker.list_changed(None)
        assert len({i.ref for i in listed.issues}) == 230

    def test_update_title_and_body(self, tracker: Tracker) -> None:
        ref = create_one(tracker, draft("t", "Old title", body="old body")).ref
        tracker.update(ref, IssueChange(title="New title", body="new *body*"))
        got = tracker.get(ref)
        assert (got.title, got.body.strip()) == ("New title", "new *body*")
        assert got.marker == "t", "editing the body keeps the marker"

    def test_status_moves_close_and_reopen(self, tracker: Tracker) -> None:
        ref = create_one(tracker, draft("s", "Stateful")).ref
        tracker.update(ref, IssueChange(status=Status.IN_PROGRESS))
        got = tracker.get(ref)
        assert (got.state, got.status) == (IssueState.OPEN, Status.IN_PROGRESS)
        tracker.update(ref, IssueChange(status=Status.DONE))
        got = tracker.get(ref)
        assert (got.state, got.status) == (IssueState.CLOSED, Status.DONE)
        tracker.update(ref, IssueChange(status=Status.TODO))
        got = tracker.get(ref)
        assert (got.state, got.status) == (IssueState.OPEN, Status.TODO)

    def test_priority_changes_and_clears(self, tracker: Tracker) -> None:
        ref = create_one(tracker, draft("p", "Prioritized", priority=Priority.LOW)).ref
        tracker.update(ref, IssueChange(priority=Priority.CRITICAL))
        assert tracker.get(ref).priority is Priority.CRITICAL
        tracker.update(ref, IssueChange(clear_priority=True))
        assert tracker.get(ref).priority is None

    def test_labels_are_kept_with_the_sync_label(self, tracker: Tracker) -> None:
        tracker.ensure_labels(["area: api"])
        ref = create_one(tracker, draft("l", "Labelled", labels=("area: api",))).ref
        got = tracker.get(ref)
        assert "area: api" in got.labels
        tracker.update(ref, IssueChange(labels=("effort: high",)))
        got = tracker.get(ref)
        assert "effort: high" in got.labels and "area: api" not in got.labels
        assert tracker.list_changed(None).issues, "the sync label survives a label change"

    def test_due_date(self, tracker: Tracker) -> None:
        if not self.supports_due_date:
            pytest.skip("this tracker has no due date")
        ref = create_one(tracker, draft("d", "Dated", due_date=date(2027, 3, 1))).ref
        assert tracker.get(ref).due_date == date(2027, 3, 1)
        tracker.update(ref, IssueChange(due_date=date(2027, 4, 2)))
        assert tracker.get(ref).due_date == date(2027, 4, 2)

    def test_assignee_is_set_changed_kept_and_cleared(
        self, tracker: Tracker, fake: TrackerControl
    ) -> None:
        first, second = fake.known_users[:2]
        ref = create_one(tracker, draft("owned", "Owned", assignees=(first,))).ref
        assert tracker.get(ref).assignees == (first,)
        tracker.update(ref, IssueChange(assignees=(second,)))
        assert tracker.get(ref).assignees == (second,)
        tracker.update(ref, IssueChange(title="Owned, retitled"))
        assert tracker.get(ref).assignees == (second,), "None leaves the assignee alone"
        tracker.update(ref, IssueChange(assignees=()))
        assert tracker.get(ref).assignees == ()

    def test_an_unknown_assignee_is_refused_naming_the_user(self, tracker: Tracker) -> None:
        stranger = "no-such-user-4711"
        [refused] = tracker.create_many([draft("stray", "Stray", assignees=(stranger,))])
        assert isinstance(refused.error, Refused) and refused.issue is None
        assert stranger in str(refused.error)
        assert tracker.find_markers(["stray"]) == {}, "a refused create leaves no issue"
        ref = create_one(tracker, draft("kept", "Kept")).ref
        with pytest.raises(TrackerError, match=stranger) as caught:
            tracker.update(ref, IssueChange(title="Not applied", assignees=(stranger,)))
        assert not isinstance(caught.value, NotFound | AuthError)
        got = tracker.get(ref)
        assert (got.title, got.assignees) == ("Kept", ()), "a refused update changes nothing"

    def test_a_refused_draft_fails_alone_and_the_others_are_made(
        self, tracker: Tracker, fake: TrackerControl
    ) -> None:
        """One login a tracker does not know (a stale `user_map` entry) used to stop every
        create after it: 0 of 40 issues, on every run."""
        drafts = [
            draft("before", "Before"),
            draft("stray", "Stray", assignees=("no-such-user-4711",)),
            draft("after", "After"),
        ]
        before, stray, after = tracker.create_many(drafts)
        assert isinstance(stray.error, Refused) and stray.issue is None
        assert "no-such-user-4711" in str(stray.error)
        assert before.issue is not None and after.issue is not None
        assert (before.error, after.error) == (None, None)
        assert fake.issue_count() == 2
        assert set(tracker.find_markers(["before", "stray", "after"])) == {"before", "after"}

    def test_comment(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = create_one(tracker, draft("c", "Commented")).ref
        before = fake.server.count("POST")
        tracker.comment(ref, "Removed from the register.")
        assert fake.server.count("POST") == before + 1

    def test_rate_limit_answer_is_waited_out(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = create_one(tracker, draft("r", "Patient")).ref
        fake.throttle_next(1, retry_after=0.2)
        assert tracker.get(ref).title == "Patient"

    def test_server_error_is_retried(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = create_one(tracker, draft("e", "Resilient")).ref
        fake.fail_next(1, status=502)
        assert tracker.get(ref).title == "Resilient"

    def test_unknown_issue_is_not_found(self, tracker: Tracker) -> None:
        with pytest.raises(NotFound):
            tracker.get("999999" if tracker.kind != "jira" else "NOPE-999999")

    def test_bad_token_is_an_auth_error_without_the_token(
        self, make_tracker: Callable[[str], Tracker]
    ) -> None:
        bad = make_tracker("wrong-secret-token-123")
        with pytest.raises(AuthError) as caught:
            bad.list_changed(None)
        assert "wrong-secret-token-123" not in str(caught.value)
