"""What each scheduled fault does to the in-memory tracker's next calls.

The engine meets these errors from the HTTP adapters; the in-memory tracker must hand them over
with the same meaning (see `syncer.trackers.memory.faults`), above all: a write whose answer
was lost was done, and nothing is ever made twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.model import IssueChange, IssueDraft
from syncer.trackers.base import (
    AnswerLost,
    GarbledAnswer,
    NotTried,
    RateLimited,
    TrackerError,
)
from syncer.trackers.memory import MemoryProject, MemoryTracker
from tests.trackers.helpers import create_one

NOW = datetime(2030, 5, 17, 9, 0, tzinfo=UTC)


def draft(key: str) -> IssueDraft:
    return IssueDraft(item_key=key, title=f"Item {key}")


def lose_next_answer(project: MemoryProject, how: str) -> None:
    """The next call does its work and its answer is lost: `how` is stall, late or garble."""
    if how == "garble":
        project.garble_next(1)
    else:
        (project.stall_next if how == "stall" else project.late_next)(1, 1.5)


@pytest.fixture
def project() -> MemoryProject:
    return MemoryProject(clock=lambda: NOW)


@pytest.fixture
def tracker(project: MemoryProject) -> MemoryTracker:
    return MemoryTracker(project)


def test_a_throttled_call_does_nothing_and_says_when_to_come_back(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    project.throttle_next(1, retry_after=30)
    made = tracker.create_many([draft("a"), draft("b")])
    assert [type(m.error) for m in made] == [RateLimited, RateLimited], "the batch stops"
    assert all(m.error.retry_at == NOW + timedelta(seconds=30) for m in made)  # type: ignore[union-attr]
    assert project.issue_count() == 0
    assert [m.error for m in tracker.create_many([draft("a")])] == [None], "only the next call"


def test_a_failed_create_is_known_undone_and_stops_the_batch(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    """Unlike a 502 over HTTP, the failure is known to come before the work: no AnswerLost,
    so the engine may send the drafts again next cycle, and nothing was made twice."""
    project.fail_next(1, status=503)
    first, *rest = tracker.create_many([draft("a"), draft("b"), draft("c")])
    assert type(first.error) is TrackerError and "503" in str(first.error)
    assert all(type(m.error) is NotTried and "not tried" in str(m.error) for m in rest)
    assert project.issue_count() == 0
    assert [m.error for m in tracker.create_many([draft("a"), draft("b")])] == [None, None]
    assert project.issue_count() == 2


def test_a_failed_update_changes_nothing(project: MemoryProject, tracker: MemoryTracker) -> None:
    ref = create_one(tracker, draft("a")).ref
    project.fail_next(1)
    with pytest.raises(TrackerError):
        tracker.update(ref, IssueChange(title="Not applied"))
    assert tracker.get(ref).title == "Item a"


@pytest.mark.parametrize("lose", ["stall", "late", "garble"])
def test_a_create_whose_answer_is_lost_is_made_once_and_found_by_its_marker(
    project: MemoryProject, tracker: MemoryTracker, lose: str
) -> None:
    lose_next_answer(project, lose)
    lost, later = tracker.create_many([draft("lost"), draft("later")])
    assert isinstance(lost.error, AnswerLost) and lost.issue is None
    assert later.issue is None and later.error is not None, "not sent after a lost answer"
    assert project.issue_count() == 1
    assert [i.title for i in tracker.find_markers(["lost", "later"])["lost"]] == ["Item lost"]


@pytest.mark.parametrize(
    ("lose", "error"),
    [("stall", AnswerLost), ("late", AnswerLost), ("garble", GarbledAnswer)],
)
def test_an_update_whose_answer_is_lost_was_applied_once(
    project: MemoryProject, tracker: MemoryTracker, lose: str, error: type[TrackerError]
) -> None:
    ref = create_one(tracker, draft("a")).ref
    version = tracker.get(ref).version
    lose_next_answer(project, lose)
    with pytest.raises(error):
        tracker.update(ref, IssueChange(title="Applied"))
    got = tracker.get(ref)
    assert got.title == "Applied"
    assert int(got.version) == int(version) + 1, "one change, not two"


@pytest.mark.parametrize(
    ("lose", "error"),
    [("stall", TrackerError), ("late", TrackerError), ("garble", GarbledAnswer)],
)
def test_a_read_whose_answer_is_lost_is_an_error_not_nothing(
    project: MemoryProject, tracker: MemoryTracker, lose: str, error: type[TrackerError]
) -> None:
    create_one(tracker, draft("a"))
    lose_next_answer(project, lose)
    with pytest.raises(error) as caught:
        tracker.list_changed(None)
    assert not isinstance(caught.value, AnswerLost), "a read did no work to lose"
    assert len(tracker.list_changed(None).issues) == 1


def test_faults_are_met_by_tracker_calls_in_order_and_never_by_a_person(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    ref = create_one(tracker, draft("a")).ref
    project.fail_next(1)
    project.throttle_next(1)
    project.human_edit(ref, title="A person is never refused")
    assert tracker.find_markers([]) == {}, "no keys, no call"
    with pytest.raises(TrackerError) as first:
        tracker.get(ref)
    assert type(first.value) is TrackerError
    with pytest.raises(RateLimited):
        tracker.comment(ref, "throttled")
    assert project.comments(ref) == ()
    assert tracker.get(ref).title == "A person is never refused"


def test_a_fault_for_one_kind_of_call_lets_the_others_pass(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    """So an engine test can fault a cycle's creates, whatever it reads first."""
    project.late_next(1, seconds=0, on="create")
    project.fail_next(1, on="write")
    assert tracker.list_changed(None).issues == ()
    [lost] = tracker.create_many([draft("a")])
    assert isinstance(lost.error, AnswerLost)
    ref = tracker.find_markers(["a"])["a"][0].ref
    with pytest.raises(TrackerError):
        tracker.comment(ref, "failed")
    tracker.comment(ref, "made")
    assert project.comments(ref) == ("made",)


def test_clear_faults_forgets_the_faults_not_met(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    project.fail_next(5)
    project.clear_faults()
    assert create_one(tracker, draft("a")).title == "Item a"
