"""The request hook's path templates, and what counts as a request sent."""

from __future__ import annotations

import socket

import pytest
import requests

from syncer.trackers.http import CountingAdapter, count_on, path_template


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("https://api.github.com/repos/o/r/issues/123?per_page=100", "/repos/o/r/issues/{n}"),
        ("https://api.github.com/repositories/4711/issues?page=2", "/repositories/{n}/issues"),
        ("https://gl.example/api/v4/projects/g%2Fp/issues/7", "/api/v4/projects/g%2Fp/issues/{n}"),
        ("https://j.example/rest/api/2/issue/DEBT-12/comment", "/rest/api/2/issue/{key}/comment"),
        ("https://jira.example.com/rest/api/2/search?jql=project%3DDEBT", "/rest/api/2/search"),
    ],
)  # fmt: skip
def test_paths_name_no_issue_and_no_query(url: str, template: str) -> None:
    assert path_template(url) == template


def test_a_request_that_never_left_is_not_counted_and_one_that_did_is() -> None:
    heard: list[tuple[str, str]] = []
    session = requests.Session()
    count_on(session, CountingAdapter(lambda method, path: heard.append((method, path))))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        session.get(f"http://127.0.0.1:{port}/nobody/home", timeout=2)
    assert heard == [], "a refused connection sent nothing"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(requests.Timeout):
            session.post(f"http://127.0.0.1:{silent.getsockname()[1]}/issues/3", timeout=0.3)
    assert heard == [("POST", "/issues/{n}")], "sent, then unanswered: it counts"
