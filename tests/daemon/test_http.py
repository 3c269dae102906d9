"""The webhook endpoints, health checks and metrics page (syncer.daemon.http), in process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette

from syncer.daemon.http import MAX_BODY_BYTES
from tests.daemon.support import (
    GITHUB_CLOSED,
    GITHUB_COMMENT,
    GITHUB_EDITED,
    GITHUB_OPENED,
    GITLAB_ISSUE,
    GITLAB_NOTE,
    JIRA_CREATED,
    JIRA_UPDATED,
    SECRETS,
    Harness,
    Sample,
    TestClient,
    altered,
    sample_headers,
    signed,
)


@pytest.fixture
def harness() -> Harness:
    return Harness()


def post(
    harness: Harness, sample: Sample, headers: Mapping[str, str], body: bytes | None = None
) -> Any:
    with TestClient(harness.app()) as client:
        return client.post(
            f"/webhooks/{sample.tracker}",
            content=sample.body if body is None else body,
            headers=dict(headers),
        )


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "registers"),
    [
        (GITHUB_OPENED, ["web"]),  # linked in "web"
        (GITHUB_EDITED, ["web"]),
        (GITLAB_ISSUE, ["ops"]),  # carries the label "ops" adopts ("API" for "api")
        (JIRA_UPDATED, ["web"]),  # linked in "web"
    ],
    ids=lambda v: v.file if isinstance(v, Sample) else None,
)
def test_a_valid_delivery_about_a_managed_issue_wakes_its_registers(
    harness: Harness, sample: Sample, registers: list[str]
) -> None:
    answer = post(harness, sample, sample_headers(sample, delivery="d-1"))
    assert answer.status_code == 202
    assert answer.json()["outcome"] == "accepted"
    assert answer.json()["registers"] == registers
    assert harness.woken == registers
    assert harness.memory.seen == {(sample.tracker, "d-1")}
    assert harness.count(sample.tracker, "accepted") == 1


def test_a_form_encoded_github_delivery_is_accepted(harness: Harness) -> None:
    body = urlencode({"payload": GITHUB_OPENED.body.decode()}).encode()
    headers = signed("github", body, event="issues", delivery="form-1")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    answer = post(harness, GITHUB_OPENED, headers, body)
    assert (answer.status_code, harness.woken) == (202, ["web"])


def test_a_delivery_without_an_id_is_accepted_and_nothing_is_remembered(harness: Harness) -> None:
    answer = post(harness, JIRA_UPDATED, sample_headers(JIRA_UPDATED, delivery=None))
    assert (answer.status_code, harness.woken, harness.memory.seen) == (202, ["web"], set())


# --- duplicate -----------------------------------------------------------------------------------


def test_a_replayed_delivery_is_a_duplicate_and_wakes_nothing(harness: Harness) -> None:
    headers = sample_headers(GITHUB_OPENED, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    with TestClient(harness.app()) as client:
        first = client.post("/webhooks/github", content=GITHUB_OPENED.body, headers=headers)
        again = client.post("/webhooks/github", content=GITHUB_OPENED.body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["outcome"] == "duplicate"
    assert harness.woken == ["web"]
    assert harness.count("github", "duplicate") == 1


def test_delivery_ids_are_remembered_per_tracker(harness: Harness) -> None:
    """The same id from two trackers is two deliveries."""
    with TestClient(harness.app()) as client:
        for sample in (GITHUB_OPENED, GITLAB_ISSUE, JIRA_UPDATED):
            url, headers = f"/webhooks/{sample.tracker}", sample_headers(sample, delivery="same-id")
            answer = client.post(url, content=sample.body, headers=headers)
            assert answer.status_code == 202
    assert harness.woken == ["web", "ops", "web"]


# --- unauthorized --------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [GITHUB_OPENED, GITLAB_ISSUE, JIRA_UPDATED], ids=str)
def test_a_forged_delivery_is_unauthorized_and_not_remembered(
    harness: Harness, sample: Sample
) -> None:
    forged = signed(sample.tracker, sample.body, event=sample.event, delivery="f", secret="nope")
    answer = post(harness, sample, forged)
    assert answer.status_code == 401
    assert answer.json()["outcome"] == "unauthorized"
    assert (harness.woken, harness.memory.seen) == ([], set())
    assert harness.count(sample.tracker, "unauthorized") == 1


@pytest.mark.parametrize("sample", [GITHUB_OPENED, GITLAB_ISSUE, JIRA_UPDATED], ids=str)
def test_an_unsigned_delivery_is_unauthorized(harness: Harness, sample: Sample) -> None:
    answer = post(harness, sample, {"X-GitHub-Event": "issues", "X-Gitlab-Event": "Issue Hook"})
    assert answer.status_code == 401
    assert harness.woken == []


def test_a_tracker_without_a_secret_refuses_even_well_signed_deliveries() -> None:
    harness = Harness(secrets={"github": SECRETS["github"]})
    answer = post(harness, JIRA_UPDATED, sample_headers(JIRA_UPDATED, delivery="j"))
    assert answer.status_code == 401
    assert "no jira webhook secret" in answer.json()["detail"]
    assert harness.woken == []


def test_unsigned_deliveries_are_accepted_where_allowed_and_no_secret_is_set() -> None:
    harness = Harness(secrets={"github": SECRETS["github"]}, allow_unsigned=frozenset({"jira"}))
    answer = post(harness, JIRA_UPDATED, {"X-Atlassian-Webhook-Identifier": "j-1"})
    assert (answer.status_code, harness.woken) == (202, ["web"])
    # Allowing one tracker unsigned leaves the others as they were.
    answer = post(harness, GITHUB_OPENED, {"X-GitHub-Event": "issues"})
    assert answer.status_code == 401


def test_allowing_unsigned_deliveries_does_not_waive_a_configured_secret() -> None:
    harness = Harness(allow_unsigned=frozenset({"jira"}))
    answer = post(harness, JIRA_UPDATED, {"X-Atlassian-Webhook-Identifier": "j-1"})
    assert answer.status_code == 401


def test_answers_never_carry_the_secret(harness: Harness) -> None:
    headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": "wrong"}
    answer = post(harness, GITLAB_ISSUE, headers)
    assert answer.status_code == 401
    assert SECRETS["gitlab"] not in answer.text
    assert "wrong" not in answer.text


# --- malformed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"[]", b""])
def test_a_signed_body_that_is_not_a_json_object_is_malformed(
    harness: Harness, body: bytes
) -> None:
    headers = signed("github", body, event="issues", delivery="m-1")
    answer = post(harness, GITHUB_OPENED, headers, body)
    assert answer.status_code == 400
    assert answer.json()["outcome"] == "malformed"
    assert (harness.woken, harness.memory.seen) == ([], set())
    assert harness.count("github", "malformed") == 1


def test_an_issue_event_without_its_issue_is_malformed(harness: Harness) -> None:
    body = altered(JIRA_UPDATED.body, ["issue"])
    answer = post(harness, JIRA_UPDATED, signed("jira", body, delivery="m-2"), body)
    assert answer.status_code == 400
    assert "issue.key" in answer.json()["detail"]


def test_an_unsigned_malformed_body_is_unauthorized_not_malformed(harness: Harness) -> None:
    """Verify before parsing: nothing about the body is answered to an unsigned client."""
    answer = post(harness, GITHUB_OPENED, {"X-GitHub-Event": "issues"}, b"{not json")
    assert answer.status_code == 401


# --- ignored -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [GITHUB_COMMENT, GITLAB_NOTE], ids=str)
def test_an_event_syncer_does_not_use_is_ignored(harness: Harness, sample: Sample) -> None:
    answer = post(harness, sample, sample_headers(sample, delivery="i-1"))
    assert answer.status_code == 202
    assert answer.json()["outcome"] == "ignored"
    assert (harness.woken, harness.memory.seen) == ([], set())
    assert harness.count(sample.tracker, "ignored") == 1


def test_github_ping_is_ignored(harness: Harness) -> None:
    body = b'{"zen": "Design for failure.", "hook_id": 12}'
    answer = post(harness, GITHUB_OPENED, signed("github", body, event="ping"), body)
    assert (answer.status_code, answer.json()["outcome"]) == (202, "ignored")


@pytest.mark.parametrize("sample", [GITHUB_CLOSED, JIRA_CREATED], ids=str)
def test_an_issue_no_register_manages_is_ignored(harness: Harness, sample: Sample) -> None:
    """flynn_env_test #1 has no label and no link; TEST-4 is not linked and has no label."""
    answer = post(harness, sample, sample_headers(sample, delivery="i-2"))
    assert (answer.status_code, answer.json()["outcome"]) == (202, "ignored")
    assert (harness.woken, harness.memory.seen) == ([], set())


# --- too large -----------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_too_large(harness: Harness) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    answer = post(harness, GITHUB_OPENED, signed("github", body, event="issues"), body)
    assert answer.status_code == 413
    assert answer.json()["outcome"] == "too_large"
    assert harness.count("github", "too_large") == 1


def test_a_body_at_the_limit_is_read(harness: Harness) -> None:
    body = GITHUB_OPENED.body + b" " * (MAX_BODY_BYTES - len(GITHUB_OPENED.body))
    answer = post(harness, GITHUB_OPENED, signed("github", body, event="issues"), body)
    assert answer.status_code == 202


class EndlessBody:
    """An ASGI `receive` serving a chunked body that never ends, and failing the test if the
    app reads more than `allowed` chunks of it."""

    CHUNK = 64 * 1024

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.reads = 0

    async def __call__(self) -> dict[str, Any]:
        self.reads += 1
        assert self.reads <= self.allowed, "the app read the body past its limit"
        return {"type": "http.request", "body": b"x" * self.CHUNK, "more_body": True}


def call_asgi(
    app: Starlette,
    headers: list[tuple[bytes, bytes]],
    receive: Callable[[], Awaitable[dict[str, Any]]],
) -> int:
    """POST to /webhooks/github with `receive` as the body; the answer's status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhooks/github",
        "raw_path": b"/webhooks/github",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    statuses: list[int] = []

    async def send(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    asyncio.run(app(scope, receive, send))
    return statuses[0]


def test_a_chunked_body_is_cut_off_at_the_limit_not_read_whole(harness: Harness) -> None:
    limit_in_chunks = MAX_BODY_BYTES // EndlessBody.CHUNK
    receive = EndlessBody(allowed=limit_in_chunks + 1)
    status = call_asgi(harness.app(), [(b"transfer-encoding", b"chunked")], receive)
    assert status == 413
    assert receive.reads == limit_in_chunks + 1
    assert harness.count("github", "too_large") == 1


def test_a_declared_length_over_the_limit_is_refused_before_reading(harness: Harness) -> None:
    receive = EndlessBody(allowed=0)
    length = str(MAX_BODY_BYTES + 1).encode()
    assert call_asgi(harness.app(), [(b"content-length", length)], receive) == 413
    assert receive.reads == 0


def test_a_client_gone_mid_body_is_malformed_and_wakes_nothing(harness: Harness) -> None:
    async def disconnect() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    assert call_asgi(harness.app(), [(b"content-length", b"100")], disconnect) == 400
    assert harness.woken == []
    assert harness.count("github", "malformed") == 1


def test_the_limit_can_be_set(harness: Harness) -> None:
    with TestClient(harness.app(max_body=10)) as client:
        answer = client.post("/webhooks/jira", content=b"{" + b" " * 10 + b"}")
    assert answer.status_code == 413


# --- shutting down -------------------------------------------------------------------------------


def test_while_stopping_webhooks_are_turned_away_and_wake_nothing(harness: Harness) -> None:
    harness.stopping = True
    answer = post(harness, GITHUB_OPENED, sample_headers(GITHUB_OPENED, delivery="s"))
    assert answer.status_code == 503
    assert (harness.woken, harness.memory.seen) == ([], set())


# --- health and metrics --------------------------------------------------------------------------


def test_healthz_follows_the_scheduler(harness: Harness) -> None:
    with TestClient(harness.app()) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        harness.alive = False
        answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["reason"] == "the scheduler is not running"


def test_readyz_waits_for_the_state_and_registers_and_ends_at_shutdown(harness: Harness) -> None:
    with TestClient(harness.app()) as client:
        harness.ready = False
        starting = client.get("/readyz")
        harness.ready = True
        ready = client.get("/readyz")
        harness.stopping = True
        stopping = client.get("/readyz")
    assert [starting.status_code, ready.status_code, stopping.status_code] == [503, 200, 503]
    assert starting.json()["status"] == "starting"
    assert stopping.json()["status"] == "stopping"


def test_metrics_page_shows_the_deliveries_counted(harness: Harness) -> None:
    with TestClient(harness.app()) as client:
        client.post("/webhooks/gitlab", content=b"{}", headers={"X-Gitlab-Token": "wrong"})
        page = client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain; version=")
    lines = page.text.splitlines()
    assert 'syncer_webhook_deliveries_total{outcome="unauthorized",tracker="gitlab"} 1.0' in lines
    assert 'syncer_webhook_deliveries_total{outcome="accepted",tracker="gitlab"} 0.0' in lines


def test_webhook_routes_take_only_post(harness: Harness) -> None:
    with TestClient(harness.app()) as client:
        assert client.get("/webhooks/github").status_code == 405
        assert client.post("/webhooks/bitbucket", content=b"{}").status_code == 404
