"""The fakes' new faults, seen from a plain HTTP client: "late work" does the work only after
its silence, a garbled answer is a 200 that is not JSON and comes after the work is done; the
server's latency keeps each answer waiting without keeping other requests waiting for it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests

from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from tests.trackers.helpers import wait_until


@dataclass(frozen=True)
class Api:
    """How a plain client lists and creates issues on one fake."""

    fake: FakeTracker
    headers: dict[str, str]
    issues: str
    create: str
    payload: dict[str, Any]

    def get(self, timeout: float = 5) -> requests.Response:
        return requests.get(self.issues, headers=self.headers, timeout=timeout)

    def post(self, timeout: float = 5) -> requests.Response:
        return requests.post(self.create, json=self.payload, headers=self.headers, timeout=timeout)


def api(fake: FakeTracker) -> Api:
    base = fake.server.base_url
    if isinstance(fake, FakeGitHub):
        issues = f"{base}/repos/{fake.repo}/issues"
        headers = {"Authorization": f"token {fake.token}"}
        return Api(fake, headers, issues, issues, {"title": "Raw"})
    if isinstance(fake, FakeGitLab):
        issues = f"{base}/api/v4/projects/{quote(fake.repo, safe='')}/issues"
        return Api(fake, {"PRIVATE-TOKEN": fake.token}, issues, issues, {"title": "Raw"})
    fields = {"project": {"key": fake.repo}, "issuetype": {"name": "Task"}, "summary": "Raw"}
    return Api(
        fake,
        {"Authorization": f"Bearer {fake.token}"},
        f"{base}/rest/api/2/search?jql=project%20%3D%20{fake.repo}",
        f"{base}/rest/api/2/issue",
        {"fields": fields},
    )


@pytest.fixture(params=["github", "gitlab", "jira"])
def raw(request: pytest.FixtureRequest) -> Iterator[Api]:
    kinds: dict[str, type[FakeGitHub | FakeGitLab | FakeJira]] = {
        "github": FakeGitHub,
        "gitlab": FakeGitLab,
        "jira": FakeJira,
    }
    with kinds[request.param]() as fake:
        yield api(fake)


def test_late_work_is_done_only_after_the_silence(raw: Api) -> None:
    raw.fake.late_next(1, seconds=1.0)
    with pytest.raises(requests.Timeout):
        raw.post(timeout=0.3)
    assert raw.fake.issue_count() == 0, "a lookup right after the timeout sees nothing yet"
    wait_until(lambda: raw.fake.issue_count() == 1, "the late work lands")
    assert raw.post().status_code < 300, "only the next request was late"
    assert raw.fake.issue_count() == 2


def test_a_stall_does_the_work_at_once_and_answers_late(raw: Api) -> None:
    raw.fake.stall_next(1, seconds=1.0)
    with pytest.raises(requests.Timeout):
        raw.post(timeout=0.3)
    assert raw.fake.issue_count() == 1


@pytest.mark.parametrize("how", ["cut", "html"])
def test_a_garbled_answer_is_a_200_that_is_not_json_after_the_work(raw: Api, how: Any) -> None:
    raw.fake.garble_next(2, how)
    made = raw.post()
    listed = raw.get()
    for answer in (made, listed):
        assert answer.status_code == 200
        with pytest.raises(ValueError):
            json.loads(answer.text)
        assert ("html" in answer.headers["content-type"]) == (how == "html")
    assert raw.fake.issue_count() == 1, "the write was done; only its answer is lost"
    assert isinstance(raw.get().json(), list | dict), "only the next two answers are garbled"


def test_clear_faults_forgets_late_and_garbled_answers(raw: Api) -> None:
    raw.fake.late_next(1, seconds=30)
    raw.fake.garble_next(1)
    raw.fake.clear_faults()
    assert raw.post().status_code < 300
    assert isinstance(raw.get().json(), list | dict)


def test_latency_keeps_an_answer_waiting_while_others_are_served(raw: Api) -> None:
    server = raw.fake.server
    arrived = threading.Event()
    server.on_arrival(lambda method, path: arrived.set())
    server.latency = 2.0
    slow = threading.Thread(target=raw.get, kwargs={"timeout": 30})
    slow.start()
    assert arrived.wait(10)
    server.latency = 0.0  # the request already waiting keeps its wait
    assert raw.post().status_code < 300
    slow.join(30)
    post = next(r for r in server.requests if r.method == "POST")
    get = next(r for r in server.requests if r.method == "GET")
    assert post.answered_at < get.answered_at, "the POST was served while the GET waited"
    assert get.answered_at - get.arrived_at >= 2.0


def test_latency_is_never_negative(raw: Api) -> None:
    with pytest.raises(ValueError, match="at least 0"):
        raw.fake.server.latency = -0.1


def test_a_fake_stopped_while_holding_an_answer_back_stops_at_once() -> None:
    """The answer is dropped, as a dying server drops it: the test stopping it does not wait
    out the stall, and no server thread is left behind."""
    fake = FakeGitHub().start()
    fake.stall_next(1, seconds=60)
    with pytest.raises(requests.Timeout):
        api(fake).post(timeout=0.3)
    fake.stop()
    assert f"http:{fake.server.port}" not in {thread.name for thread in threading.enumerate()}
