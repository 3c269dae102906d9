"""`create_each`, the batch rule of trackers without a bulk create, on plain values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from syncer.model import IssueDraft, IssueState, RemoteIssue, Status
from syncer.trackers.base import (
    AnswerLost,
    AuthError,
    Created,
    NotTried,
    RateLimited,
    Refused,
    TrackerError,
    create_each,
)

DRAFTS = [IssueDraft(f"k{n}", f"Item {n}") for n in range(4)]


def issue(draft: IssueDraft) -> RemoteIssue:
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    return RemoteIssue(
        "memory", draft.item_key, draft.item_key, "", draft.title, "", IssueState.OPEN,
        Status.TODO, moment, "1",
    )  # fmt: skip


def failing(at: dict[str, TrackerError], sent: list[str]) -> Callable[[IssueDraft], RemoteIssue]:
    def create(draft: IssueDraft) -> RemoteIssue:
        sent.append(draft.item_key)
        if draft.item_key in at:
            raise at[draft.item_key]
        return issue(draft)

    return create


def test_a_refused_draft_fails_alone() -> None:
    sent: list[str] = []
    refused = Refused("no such assignee")
    made = create_each(DRAFTS, failing({"k1": refused}, sent))
    assert [m.error for m in made] == [None, refused, None, None]
    assert sent == ["k0", "k1", "k2", "k3"]


def test_a_lost_answer_stops_the_batch_and_the_rest_are_not_tried() -> None:
    sent: list[str] = []
    lost = AnswerLost("timeout")
    made = create_each(DRAFTS, failing({"k1": lost}, sent))
    assert sent == ["k0", "k1"]
    assert made[0].issue is not None and made[1].error is lost
    assert [type(m.error) for m in made[2:]] == [NotTried, NotTried]
    assert all("not tried" in str(m.error) for m in made[2:])


@pytest.mark.parametrize(
    "error", [AuthError("bad token"), RateLimited("slow down", datetime(2027, 1, 1, tzinfo=UTC))]
)
def test_an_error_about_the_target_is_carried_by_the_drafts_not_tried(
    error: TrackerError,
) -> None:
    sent: list[str] = []
    made = create_each(DRAFTS, failing({"k0": error}, sent))
    assert sent == ["k0"]
    assert [m.error for m in made] == [error] * 4


def test_a_target_error_behind_a_lost_answer_is_carried_too() -> None:
    """A create made, then its close met the rate limit: that draft is `AnswerLost` (it
    exists), the others carry the limit, so the engine stops the target."""
    limit = RateLimited("slow down", datetime(2027, 1, 1, tzinfo=UTC))
    lost = AnswerLost("made but not closed")
    lost.__cause__ = limit
    made = create_each(DRAFTS, failing({"k0": lost}, []))
    assert [m.error for m in made] == [lost, limit, limit, limit]


def test_a_created_holds_its_issue_or_its_error() -> None:
    with pytest.raises(ValueError):
        Created(DRAFTS[0])
    with pytest.raises(ValueError):
        Created(DRAFTS[0], issue=issue(DRAFTS[0]), error=TrackerError("both"))
