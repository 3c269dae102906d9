"""The adapter contract, kept by `MemoryTracker` over a `MemoryProject` (no HTTP).

Engine tests and the fast profile of the state machine trust the in-memory tracker to behave
as the HTTP adapters do; this is where that trust is earned. The contract tests that observe
the wire (requests counted, a client's timeout, a token, an adapter's retry loop) are skipped
here, each with its reason; what they stand for in memory is tested in
`test_memory_faults.py` and `test_memory_tracker.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from syncer.fakes.control import TrackerControl
from syncer.trackers.base import Tracker
from syncer.trackers.memory import MemoryProject, MemoryTracker
from tests.trackers.contract import TrackerContract
from tests.trackers.contract_faults import FaultContract


def over_http_only(reason: str) -> Callable[..., None]:
    """A contract test replaced by a skip saying why it means nothing without a server."""

    @pytest.mark.skip(reason=f"over HTTP only: {reason}")
    def skipped(self: object) -> None:
        raise AssertionError("skipped")

    return skipped


@pytest.fixture
def fake() -> MemoryProject:
    return MemoryProject()


@pytest.fixture
def tracker(fake: MemoryProject) -> MemoryTracker:
    return MemoryTracker(fake)


def test_the_memory_project_and_tracker_are_what_the_suite_drives(
    fake: MemoryProject, tracker: MemoryTracker
) -> None:
    control: TrackerControl = fake  # checked by mypy: the person side of every fake
    assert isinstance(tracker, Tracker)
    assert len(control.known_users) >= 2


class TestMemoryContract(TrackerContract, FaultContract):
    """Everything the contract asks that a tracker without a server can be asked."""

    # --- TrackerContract ----------------------------------------------------------------------
    test_find_markers_is_one_listing_for_all_keys = over_http_only(
        "it counts the requests of a listing; memory lists with none"
    )
    test_comment = over_http_only(
        "it sees the comment as a POST the server received (memory: test_memory_tracker)"
    )
    test_rate_limit_answer_is_waited_out = over_http_only(
        "waiting out a 429 is the adapter's retry loop; a throttled call in memory raises "
        "RateLimited at once (test_memory_faults)"
    )
    test_server_error_is_retried = over_http_only(
        "retrying a 502 is the adapter's retry loop; a failed call in memory raises "
        "(test_memory_faults)"
    )
    test_bad_token_is_an_auth_error_without_the_token = over_http_only(
        "memory has no token to get wrong"
    )

    # --- FaultContract ------------------------------------------------------------------------
    test_a_create_done_late_after_the_timeout_is_made_once_and_found_later = over_http_only(
        "a client's timeout and a server working on after it; memory's late_next "
        "(done, AnswerLost) is in test_memory_faults"
    )
    test_a_create_answered_too_late_is_answer_lost_and_made_once = over_http_only(
        "a client's timeout; memory's stall_next (done, AnswerLost) is in test_memory_faults"
    )
    test_after_a_lost_answer_the_rest_of_the_batch_is_not_sent = over_http_only(
        "a 502 to a create may come after the work, hence AnswerLost, and it counts POSTs; "
        "in memory a failure is known undone: the batch stopping is in test_memory_faults"
    )
    test_an_error_about_the_target_stops_the_batch_with_that_error = over_http_only(
        "it uses a wrong token; a rate-limited batch stopping is in test_memory_faults"
    )
    test_a_garbled_create_answer_is_answer_lost_and_made_once = over_http_only(
        "it counts the POSTs the server received (memory: test_memory_faults)"
    )
    test_garbled_answers_during_an_update_are_an_error_and_nothing_is_sent_twice = over_http_only(
        "it counts the PUTs and PATCHes the server received (test_memory_faults)"
    )
    test_on_request_hears_of_every_request_the_fake_answered = over_http_only(
        "request hooks hear of HTTP requests; memory sends none"
    )
