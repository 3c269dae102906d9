"""The fake GitLab's merge requests answer as GitLab does (syncer.fakes.gitlab.merge_requests):
required fields, one open merge request per source and target branch (409), state events,
filters; through raw HTTP and python-gitlab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gitlab
import httpx
import pytest
from gitlab.exceptions import GitlabCreateError

from syncer.fakes.gitlab import PROJECT_ID, FakeGitLab


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as served:
        yield served


def call(fake: FakeGitLab, verb: str, path: str, **options: Any) -> httpx.Response:
    url = f"{fake.server.base_url}/api/v4/projects/{PROJECT_ID}/merge_requests{path}"
    return httpx.request(verb, url, headers={"PRIVATE-TOKEN": fake.token}, **options)


OPEN = {"source_branch": "syncer/debt", "target_branch": "main", "title": "syncer: link 1 item"}


def test_a_merge_request_is_opened_read_and_listed(fake: FakeGitLab) -> None:
    made = call(fake, "POST", "", json={**OPEN, "description": "Why"})
    assert made.status_code == 201
    body = made.json()
    assert (body["iid"], body["state"], body["references"]["short"]) == (1, "opened", "!1")
    assert body["web_url"].endswith(f"/{fake.repo}/-/merge_requests/1")
    assert call(fake, "GET", "/1").json()["description"] == "Why"
    query = {"state": "opened", "source_branch": "syncer/debt", "target_branch": "main"}
    assert [m["iid"] for m in call(fake, "GET", "", params=query).json()] == [1]
    other = {**query, "target_branch": "release"}
    assert call(fake, "GET", "", params=other).json() == []


def test_a_second_open_merge_request_for_the_same_branches_is_a_conflict(
    fake: FakeGitLab,
) -> None:
    call(fake, "POST", "", json=OPEN)
    again = call(fake, "POST", "", json=OPEN)
    assert again.status_code == 409
    message = "Another open merge request already exists for this source branch: !1"
    assert again.json() == {"message": [message]}
    assert call(fake, "PUT", "/1", json={"state_event": "close"}).json()["state"] == "closed"
    assert call(fake, "POST", "", json=OPEN).status_code == 201, "closed: a new one may open"
    reopened = call(fake, "PUT", "/1", json={"state_event": "reopen"})
    assert reopened.status_code == 409, "reopening would make two open ones"


@pytest.mark.parametrize(
    ("payload", "status", "said"),
    [
        ({"title": "t"}, 400, "source_branch is missing, target_branch is missing"),
        ({**OPEN, "source_branch": ""}, 400, "source_branch is empty"),
        ({**OPEN, "title": " "}, 400, "can't be blank"),
        ({**OPEN, "target_branch": "syncer/debt"}, 409, "same project/branch"),
    ],
)
def test_what_gitlab_refuses_on_create_the_fake_refuses(
    fake: FakeGitLab, payload: dict[str, str], status: int, said: str
) -> None:
    answer = call(fake, "POST", "", json=payload)
    assert answer.status_code == status and said in answer.text
    assert fake.merge_requests("all") == []


@pytest.mark.parametrize(
    ("payload", "status"),
    [({}, 400), ({"state_event": "merge"}, 400), ({"title": ""}, 400)],
)
def test_what_gitlab_refuses_on_edit_the_fake_refuses(
    fake: FakeGitLab, payload: dict[str, str], status: int
) -> None:
    call(fake, "POST", "", json=OPEN)
    assert call(fake, "PUT", "/1", json=payload).status_code == status
    assert call(fake, "PUT", "/9", json={"title": "x"}).status_code == 404
    assert call(fake, "GET", "", params={"state": "open"}).status_code == 400


def test_python_gitlab_opens_edits_and_is_refused_a_duplicate(fake: FakeGitLab) -> None:
    client = gitlab.Gitlab(fake.server.base_url, private_token=fake.token)
    requests_of = client.projects.get(fake.repo, lazy=True).mergerequests
    made = requests_of.create(OPEN)
    made.title = "syncer: link 2 items"
    made.save()
    [found] = requests_of.list(state="opened", source_branch="syncer/debt", get_all=True)
    assert (found.iid, found.title) == (made.iid, "syncer: link 2 items")
    with pytest.raises(GitlabCreateError) as refused:
        requests_of.create(OPEN)
    assert refused.value.response_code == 409
    fake.close_merge_request(made.iid)
    assert fake.merge_requests() == [] and len(fake.merge_requests("all")) == 1
