"""The contract every tracker adapter keeps, run against its fake over real HTTP.

Each adapter's test module subclasses `TrackerContract` and provides three fixtures:
`fake` (a started `FakeTracker`), `tracker` (the adapter pointed at it with `fake.token`),
`make_tracker` (a callable building the adapter with a given token). The tests speak only the
`Tracker` protocol, so what passes here means the same thing for GitHub, GitLab and Jira.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from syncer.fakes.control import FakeTracker
from syncer.model import IssueChange, IssueDraft, IssueState, Priority, Status
from syncer.trackers.base import AuthError, FieldMapping, NotFound, Tracker, TrackerError

SYNC_LABEL = FieldMapping().sync_label


def draft(key: str, title: str, **kw: object) -> IssueDraft:
    return IssueDraft(item_key=key, title=title, **kw)  # type: ignore[arg-type]


class TrackerContract:
    supports_due_date = True

    def test_create_then_get_round_trips_the_fields(self, tracker: Tracker) -> None:
        created = tracker.create(
            draft(
                "add-rate-limiting",
                "Add rate limiting",
                body="Limit **per key**.\n\n- one\n- two",
                priority=Priority.HIGH,
                status=Status.TODO,
            )
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

    def test_find_by_marker_finds_the_issue_a_crash_left_unrecorded(self, tracker: Tracker) -> None:
        created = tracker.create(draft("orphan-item", "Orphan"))
        found = tracker.find_by_marker("orphan-item")
        assert found is not None and found.ref == created.ref
        assert tracker.find_by_marker("never-created") is None

    def test_a_create_answered_too_late_is_made_once(
        self, make_tracker: Callable[..., Tracker], fake: FakeTracker
    ) -> None:
        """The tracker made the issue but its answer came after the client gave up: sending
        the create again would make a second issue, the one thing markers exist to prevent."""
        impatient = make_tracker(fake.token, timeout_seconds=1.0)
        fake.stall_next(1, seconds=1.4)
        created = impatient.create(draft("late-answer", "Answered late"))
        assert created.marker == "late-answer"
        assert fake.issue_count() == 1

    def test_create_many_creates_in_order(self, tracker: Tracker) -> None:
        made = tracker.create_many([draft(f"bulk-{i}", f"Bulk {i}") for i in range(7)])
        assert [m.title for m in made] == [f"Bulk {i}" for i in range(7)]
        assert len({m.ref for m in made}) == 7

    def test_list_changed_is_incremental(self, tracker: Tracker, fake: FakeTracker) -> None:
        first = tracker.create(draft("a", "Alpha"))
        tracker.create(draft("b", "Beta"))
        fake.add_issue("Not ours", labels=("bug",))
        everything = tracker.list_changed(None)
        assert {i.title for i in everything.issues} == {"Alpha", "Beta"}
        idle = tracker.list_changed(everything.cursor)
        assert [i.title for i in idle.issues] == []
        fake.human_edit(first.ref, title="Alpha, retitled")
        after = tracker.list_changed(idle.cursor)
        assert [i.title for i in after.issues] == ["Alpha, retitled"]

    def test_pagination_reads_every_page(self, tracker: Tracker, fake: FakeTracker) -> None:
        for i in range(230):
            fake.add_issue(f"Seeded {i}", labels=(SYNC_LABEL,))
        listed = tracker.list_changed(None)
        assert len({i.ref for i in listed.issues}) == 230

    def test_update_title_and_body(self, tracker: Tracker) -> None:
        ref = tracker.create(draft("t", "Old title", body="old body")).ref
        tracker.update(ref, IssueChange(title="New title", body="new *body*"))
        got = tracker.get(ref)
        assert (got.title, got.body.strip()) == ("New title", "new *body*")
        assert got.marker == "t", "editing the body keeps the marker"

    def test_status_moves_close_and_reopen(self, tracker: Tracker) -> None:
        ref = tracker.create(draft("s", "Stateful")).ref
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
        ref = tracker.create(draft("p", "Prioritized", priority=Priority.LOW)).ref
        tracker.update(ref, IssueChange(priority=Priority.CRITICAL))
        assert tracker.get(ref).priority is Priority.CRITICAL
        tracker.update(ref, IssueChange(clear_priority=True))
        assert tracker.get(ref).priority is None

    def test_labels_are_kept_with_the_sync_label(self, tracker: Tracker) -> None:
        tracker.ensure_labels(["area: api"])
        ref = tracker.create(draft("l", "Labelled", labels=("area: api",))).ref
        got = tracker.get(ref)
        assert "area: api" in got.labels
        tracker.update(ref, IssueChange(labels=("effort: high",)))
        got = tracker.get(ref)
        assert "effort: high" in got.labels and "area: api" not in got.labels
        assert tracker.list_changed(None).issues, "the sync label survives a label change"

    def test_due_date(self, tracker: Tracker) -> None:
        if not self.supports_due_date:
            pytest.skip("this tracker has no due date")
        ref = tracker.create(draft("d", "Dated", due_date=date(2027, 3, 1))).ref
        assert tracker.get(ref).due_date == date(2027, 3, 1)
        tracker.update(ref, IssueChange(due_date=date(2027, 4, 2)))
        assert tracker.get(ref).due_date == date(2027, 4, 2)

    def test_assignee_is_set_changed_kept_and_cleared(
        self, tracker: Tracker, fake: FakeTracker
    ) -> None:
        first, second = fake.known_users[:2]
        ref = tracker.create(draft("owned", "Owned", assignees=(first,))).ref
        assert tracker.get(ref).assignees == (first,)
        tracker.update(ref, IssueChange(assignees=(second,)))
        assert tracker.get(ref).assignees == (second,)
        tracker.update(ref, IssueChange(title="Owned, retitled"))
        assert tracker.get(ref).assignees == (second,), "None leaves the assignee alone"
        tracker.update(ref, IssueChange(assignees=()))
        assert tracker.get(ref).assignees == ()

    def test_an_unknown_assignee_is_refused_naming_the_user(self, tracker: Tracker) -> None:
        stranger = "no-such-user-4711"
        for attempt in (
            lambda: tracker.create(draft("stray", "Stray", assignees=(stranger,))),
            lambda: tracker.create_many([draft("stray", "Stray", assignees=(stranger,))]),
        ):
            with pytest.raises(TrackerError, match=stranger) as refused:
                attempt()
            assert not isinstance(refused.value, NotFound | AuthError)
        assert tracker.find_by_marker("stray") is None, "a refused create leaves no issue"
        ref = tracker.create(draft("kept", "Kept")).ref
        with pytest.raises(TrackerError, match=stranger):
            tracker.update(ref, IssueChange(title="Not applied", assignees=(stranger,)))
        got = tracker.get(ref)
        assert (got.title, got.assignees) == ("Kept", ()), "a refused update changes nothing"

    def test_comment(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = tracker.create(draft("c", "Commented")).ref
        before = fake.server.count("POST")
        tracker.comment(ref, "Removed from the register.")
        assert fake.server.count("POST") == before + 1

    def test_rate_limit_answer_is_waited_out(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = tracker.create(draft("r", "Patient")).ref
        fake.throttle_next(1, retry_after=0.2)
        assert tracker.get(ref).title == "Patient"

    def test_server_error_is_retried(self, tracker: Tracker, fake: FakeTracker) -> None:
        ref = tracker.create(draft("e", "Resilient")).ref
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
