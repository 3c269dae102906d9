"""Jira status changes: the transitions offered are asked for once per workflow step, not once
per issue, and a cached transition Jira no longer takes never fails a move."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import syncer.fakes.jira as fake_jira_module
from syncer.fakes.jira import FakeJira, JiraApiError
from syncer.fakes.server import RecordedRequest
from syncer.model import IssueChange, IssueDraft, Status
from syncer.trackers.base import RetryPolicy
from syncer.trackers.jira import JiraTracker

POLICY = RetryPolicy(backoff_seconds=0.01, max_wait_seconds=5, timeout_seconds=5)


def make(fake: FakeJira) -> JiraTracker:
    return JiraTracker(fake.base_url, fake.repo, fake.token, retry=POLICY)


def transitions(sent: Sequence[RecordedRequest]) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in sent if r.path.endswith("/transitions")]


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


def test_new_issues_leaving_to_do_ask_for_the_transitions_once(jira: FakeJira) -> None:
    tracker = make(jira)
    wanted = [Status.IN_PROGRESS, Status.DONE] * 10
    drafts = [IssueDraft(f"k{n}", f"Item {n}", status=s) for n, s in enumerate(wanted)]
    with jira.server.counting() as sent:
        made = tracker.create_many(drafts)
    assert [m.status for m in made] == wanted
    assert transitions(sent) == [("GET", 200)] + [("POST", 204)] * 20


def test_updates_from_one_status_share_its_transitions(jira: FakeJira) -> None:
    tracker = make(jira)
    refs = [r.ref for r in tracker.create_many([IssueDraft(f"u{n}", "U") for n in range(5)])]
    with jira.server.counting() as sent:
        done = [tracker.update(ref, IssueChange(status=Status.DONE)) for ref in refs]
        reopened = [tracker.update(ref, IssueChange(status=Status.TODO)) for ref in refs]
    assert {d.status for d in done} == {Status.DONE}
    assert {r.status for r in reopened} == {Status.TODO}
    gets = [m for m, _ in transitions(sent) if m == "GET"]
    assert len(gets) == 2, "one list from To Do, one from Done"


def test_a_transition_the_workflow_no_longer_has_is_recovered_from(
    jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = make(jira)
    first, second, third = tracker.create_many([IssueDraft(f"s{n}", "S") for n in range(3)])
    tracker.update(first.ref, IssueChange(status=Status.DONE))
    renumbered = tuple((str(int(t) + 100), name) for t, name in fake_jira_module._TRANSITIONS)
    monkeypatch.setattr(fake_jira_module, "_TRANSITIONS", renumbered)  # an admin edited it
    with jira.server.counting() as sent:
        assert tracker.update(second.ref, IssueChange(status=Status.DONE)).status is Status.DONE
    assert transitions(sent) == [("POST", 400), ("GET", 200), ("POST", 204)]
    with jira.server.counting() as sent:
        assert tracker.update(third.ref, IssueChange(status=Status.DONE)).status is Status.DONE
    assert transitions(sent) == [("POST", 204)], "the fresh list replaced the stale one"


class StepByStepJira(FakeJira):
    """A workflow that is not global: Done is reached only from In Progress."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed = {"To Do": {"21"}, "In Progress": {"11", "31"}, "Done": {"11"}}

    async def _transitions(self, request: Request) -> Response:
        with self._lock:
            allowed = self.allowed[self._find(request.path_params["key"]).status]
        if request.method == "GET":
            offered = [
                self._transition_json(t, name)
                for t, name in fake_jira_module._TRANSITIONS
                if t in allowed
            ]
            return JSONResponse({"expand": "transitions", "transitions": offered})
        wanted = str(((await self._body(request)).get("transition") or {}).get("id"))
        if wanted not in allowed:
            raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        return await super()._transitions(request)


def test_a_two_step_move_goes_through_in_progress_and_uses_the_cache_at_each_step() -> None:
    with StepByStepJira() as jira:
        tracker = make(jira)
        drafts = [IssueDraft(f"d{n}", f"Done {n}", status=Status.DONE) for n in range(3)]
        with jira.server.counting() as sent:
            made = tracker.create_many(drafts)
        assert [m.status for m in made] == [Status.DONE] * 3
        assert transitions(sent) == [
            *[("GET", 200), ("POST", 204), ("GET", 200), ("POST", 204)],
            *[("POST", 204), ("POST", 204)] * 2,
        ]


def test_a_cached_list_without_a_way_there_is_asked_for_again() -> None:
    """Transitions with conditions are offered to some issues of a status and not others."""
    with StepByStepJira() as jira:
        tracker = make(jira)
        jira.allowed["To Do"] = {"31"}
        first, second = tracker.create_many([IssueDraft(f"c{n}", "C") for n in range(2)])
        tracker.update(first.ref, IssueChange(status=Status.DONE))
        jira.allowed["To Do"] = {"21", "31"}
        with jira.server.counting() as sent:
            moved = tracker.update(second.ref, IssueChange(status=Status.IN_PROGRESS))
        assert moved.status is Status.IN_PROGRESS
        assert transitions(sent) == [("GET", 200), ("POST", 204)]
