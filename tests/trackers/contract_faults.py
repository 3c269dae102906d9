"""The contract of an adapter when the network or the tracker misbehaves, run against each fake.

The faults are those that found real defects in trials: a tracker that does a create after the
client gave up ("late work": one duplicate on GitHub and GitLab, 40 on Jira), an answer that
is not JSON (a proxy's page read as "no issues": all 40 items created again), a batch that one
failure used to stop or to hammer. Each adapter's contract module subclasses `FaultContract`
with the fixtures `TrackerContract` documents; `make_tracker` also takes `on_request`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from syncer.fakes.control import FakeTracker, TrackerControl
from syncer.fakes.faults import Garble
from syncer.model import IssueChange, IssueDraft, Status
from syncer.trackers.base import AnswerLost, AuthError, GarbledAnswer, Tracker, TrackerError
from tests.trackers.helpers import create_one, settled, wait_until

PATIENCE = 1.0
"""The client timeout of these tests (PyGithub takes whole seconds)."""
LATE = 1.5
"""How late the fake answers: past the timeout, so the client has given up."""
GARBLES: list[Garble] = ["cut", "html"]


def draft(key: str, title: str, **kw: object) -> IssueDraft:
    return IssueDraft(item_key=key, title=title, **kw)  # type: ignore[arg-type]


class FaultContract:
    # --- lost answers: never a second issue ---------------------------------------------------

    def test_a_create_done_late_after_the_timeout_is_made_once_and_found_later(
        self, make_tracker: Callable[..., Tracker], fake: FakeTracker
    ) -> None:
        """The server takes the create, stays silent past the timeout, then makes the issue.
        A lookup right after the timeout does not see it yet, so re-posting on "not found"
        made a duplicate. Now it comes back as `AnswerLost` and the next cycle finds it."""
        impatient = make_tracker(fake.token, timeout_seconds=PATIENCE)
        fake.late_next(1, seconds=LATE)
        [lost] = impatient.create_many([draft("late-work", "Made late")])
        assert isinstance(lost.error, AnswerLost) and lost.issue is None
        wait_until(lambda: fake.server.count("POST") == 1, "the late create is answered")
        assert fake.issue_count() == 1, "made once, never posted again"
        found = impatient.find_markers(["late-work"])
        assert [i.title for i in found["late-work"]] == ["Made late"]

    def test_a_create_answered_too_late_is_answer_lost_and_made_once(
        self, make_tracker: Callable[..., Tracker], fake: FakeTracker
    ) -> None:
        """The tracker made the issue at once but its answer came after the client gave up."""
        impatient = make_tracker(fake.token, timeout_seconds=PATIENCE)
        fake.stall_next(1, seconds=LATE)
        [lost] = impatient.create_many([draft("late-answer", "Answered late")])
        assert isinstance(lost.error, AnswerLost)
        wait_until(lambda: fake.server.count("POST") == 1, "the stalled create is answered")
        assert fake.issue_count() == 1
        assert [i.marker for i in impatient.find_markers(["late-answer"])["late-answer"]] == [
            "late-answer"
        ]

    def test_after_a_lost_answer_the_rest_of_the_batch_is_not_sent(
        self, tracker: Tracker, fake: FakeTracker
    ) -> None:
        """A tracker that did not answer one create is not sent the next ones (each could cost
        a timeout); they are left for the next cycle."""
        fake.fail_next(1, status=502)
        made = tracker.create_many([draft(f"k{n}", f"Item {n}") for n in range(3)])
        assert isinstance(made[0].error, AnswerLost)
        assert [m.issue for m in made] == [None] * 3
        assert all(m.error is not None for m in made)
        assert fake.server.count("POST") == 1
        assert tracker.create_many([draft("k0", "Item 0")])[0].issue is not None

    def test_an_error_about_the_target_stops_the_batch_with_that_error(
        self, make_tracker: Callable[..., Tracker], fake: FakeTracker
    ) -> None:
        wrong = make_tracker("wrong-secret-token-123")
        made = wrong.create_many([draft("a", "A"), draft("b", "B", status=Status.DONE)])
        assert [type(m.error) for m in made] == [AuthError, AuthError]
        assert fake.server.count("POST") == 1, "the second draft was not sent"
        assert all("wrong-secret-token-123" not in str(m.error) for m in made)

    # --- garbled answers: an error, never "nothing there" -------------------------------------

    @pytest.mark.parametrize("how", GARBLES)
    def test_a_garbled_list_is_an_error_not_an_empty_tracker(
        self, tracker: Tracker, fake: TrackerControl, how: Garble
    ) -> None:
        create_one(tracker, draft("listed", "Listed"))
        fake.garble_next(1, how)
        with pytest.raises(GarbledAnswer):
            tracker.list_changed(None)
        fake.garble_next(1, how)
        with pytest.raises(GarbledAnswer):
            tracker.find_markers(["listed"])
        assert [i.title for i in tracker.list_changed(None).issues] == ["Listed"]

    @pytest.mark.parametrize("how", GARBLES)
    def test_a_garbled_read_is_an_error(
        self, tracker: Tracker, fake: TrackerControl, how: Garble
    ) -> None:
        ref = create_one(tracker, draft("read", "Read")).ref
        fake.garble_next(1, how)
        with pytest.raises(GarbledAnswer):
            tracker.get(ref)

    @pytest.mark.parametrize("how", GARBLES)
    def test_a_garbled_create_answer_is_answer_lost_and_made_once(
        self, tracker: Tracker, fake: FakeTracker, how: Garble
    ) -> None:
        """The work is done, then the answer garbled: it may exist, so it is not sent again
        (it used to escape as a `JSONDecodeError` traceback)."""
        fake.garble_next(1, how)
        [made] = tracker.create_many([draft("garbled", "Garbled")])
        assert isinstance(made.error, AnswerLost)
        assert (fake.issue_count(), fake.server.count("POST")) == (1, 1)
        assert list(tracker.find_markers(["garbled"])) == ["garbled"]

    @pytest.mark.parametrize("how", GARBLES)
    def test_garbled_answers_during_an_update_are_an_error_and_nothing_is_sent_twice(
        self, tracker: Tracker, fake: FakeTracker, how: Garble
    ) -> None:
        ref = create_one(tracker, draft("edited", "Old title")).ref
        writes = fake.server.count("PUT") + fake.server.count("PATCH")
        fake.garble_next(10, how)  # every answer of the update, whatever it reads first
        with pytest.raises(TrackerError):
            tracker.update(ref, IssueChange(title="New title"))
        fake.clear_faults()
        assert fake.server.count("PUT") + fake.server.count("PATCH") <= writes + 1
        assert tracker.get(ref).title in ("Old title", "New title")

    # --- what a daemon counts ----------------------------------------------------------------

    def test_on_request_hears_of_every_request_the_fake_answered(
        self, make_tracker: Callable[..., Tracker], fake: FakeTracker
    ) -> None:
        heard: list[tuple[str, str]] = []
        tracker = make_tracker(fake.token, on_request=lambda m, p: heard.append((m, p)))
        made = tracker.create_many(
            [draft("a", "A"), draft("b", "B", status=Status.DONE), draft("c", "C")]
        )
        ref = made[0].issue.ref if made[0].issue else ""
        cursor = tracker.list_changed(None).cursor
        tracker.update(ref, IssueChange(title="A again", status=Status.IN_PROGRESS))
        fake.fail_next(1, status=502)  # a retried read: both attempts were sent
        tracker.get(ref)
        fake.throttle_next(1, retry_after=0.1)
        tracker.list_changed(cursor)
        tracker.comment(ref, "A comment")
        tracker.find_markers(["a", "b", "c"])
        settled(fake)
        assert len(heard) == len(fake.server.requests)
        assert Counter(m for m, _ in heard) == Counter(r.method for r in fake.server.requests)
        assert all(p.startswith("/") and "?" not in p for _, p in heard)
        refs = {m.issue.ref for m in made if m.issue}
        assert not [p for _, p in heard if refs & set(p.split("/"))], (
            "issues are not named in paths: as a metric label, a path takes few values"
        )
