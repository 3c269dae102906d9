"""`FakeGitLab` answers like GitLab: shapes, pagination, errors, rate limits and webhooks.

Checked through python-gitlab (the client syncer uses) and raw HTTP, against the documented
payloads in tests/data/fixtures.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gitlab
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncer.fakes.gitlab import FakeGitLab, serve_gitlab
from syncer.fakes.server import FakeServer
from syncer.model import IssueState
from syncer.trackers.base import FieldMapping
from syncer.trackers.gitlab.mapping import issue_from_hook, parse_time

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
INCIDENT_ONLY = {"escalation_status", "escalation_policy"}
"""Issue Hook attributes GitLab sends for incidents only; syncer's issues are plain issues."""


class Receiver:
    """A webhook endpoint recording every delivery's headers and JSON body."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.server = FakeServer(Starlette(routes=[Route("/hook", self.receive, methods=["POST"])]))

    async def receive(self, request: Request) -> Response:
        self.deliveries.append((dict(request.headers), json.loads(await request.body())))
        return Response(status_code=200)

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hooks = Receiver()
    with hooks.server:
        yield hooks


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as running:
        yield running


def client(fake: FakeGitLab, token: str | None = None) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.server.base_url, private_token=token or fake.token, timeout=5)


def http(fake: FakeGitLab, path: str, **params: str) -> httpx.Response:
    headers = {"PRIVATE-TOKEN": fake.token}
    return httpx.get(f"{fake.server.base_url}/api/v4{path}", params=params, headers=headers)


def missing_keys(real: Any, ours: Any, where: str = "") -> list[str]:
    """Keys of `real` (recursively through objects and first list items) absent from `ours`."""
    if isinstance(real, dict) and isinstance(ours, dict):
        missing = [f"{where}.{key}" for key in real if key not in ours]
        for key in real.keys() & ours.keys():
            missing += missing_keys(real[key], ours[key], f"{where}.{key}")
        return missing
    if isinstance(real, list) and isinstance(ours, list) and real and ours:
        return missing_keys(real[0], ours[0], f"{where}[0]")
    return []


# --- Payload shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "api/gitlab").glob("*.json")))
def test_issue_payloads_have_every_field_the_real_api_sends(fake: FakeGitLab, name: str) -> None:
    real = json.loads((FIXTURES / "api/gitlab" / name).read_text())
    real = real[0] if isinstance(real, list) else real
    project = client(fake).projects.get(fake.repo, lazy=True)
    made = project.issues.create({"title": "Shape", "labels": "bug", "assignee_ids": [1]})
    project.issues.update(made.iid, {"state_event": "close", "due_date": "2016-07-22"})
    ours = project.issues.get(made.iid).attributes
    assert missing_keys(real, ours) == []
    assert parse_time(ours["updated_at"]) > parse_time(ours["created_at"])
    assert ours["updated_at"].endswith("Z") and len(ours["updated_at"]) == len(real["updated_at"])


def test_webhook_payloads_have_every_field_the_real_hooks_send(
    receiver: Receiver,
) -> None:
    with FakeGitLab(webhook_url=receiver.url, webhook_secret="s") as fake:
        ref = fake.add_issue("Hooked", labels=("API",))
        fake.human_edit(ref, labels=("Platform",))
        client(fake).projects.get(fake.repo, lazy=True).issues.get(int(ref)).notes.create(
            {"body": "Hello world"}
        )
        fake.flush_webhooks()
    (_, _), (_, relabelled), (_, note_hook) = receiver.deliveries
    real_issue = json.loads((FIXTURES / "webhooks/gitlab/issue_hook.docs.json").read_text())
    real_note = json.loads((FIXTURES / "webhooks/gitlab/note_hook.issue.docs.json").read_text())
    for key in INCIDENT_ONLY:
        del real_issue["object_attributes"][key]
    assert missing_keys(real_issue, relabelled) == []
    assert missing_keys(real_note, note_hook) == []


# --- Pagination, filters, ordering -------------------------------------------------------------


def test_python_gitlab_follows_link_headers_across_three_pages(fake: FakeGitLab) -> None:
    for n in range(45):
        fake.add_issue(f"Issue {n}", labels=("tech-debt",))
    listed = client(fake).projects.get(fake.repo, lazy=True).issues.list(iterator=True, per_page=20)
    assert (listed.total_pages, listed.per_page) == (3, 20)
    assert sorted(issue.iid for issue in listed) == list(range(1, 46))


def test_pagination_headers_say_where_the_page_is(fake: FakeGitLab) -> None:
    for n in range(45):
        fake.add_issue(f"Issue {n}")
    middle = http(
        fake, f"/projects/{fake.repo.replace('/', '%2F')}/issues", per_page="20", page="2"
    )
    last = http(fake, "/projects/42/issues", per_page="20", page="3")
    assert {k: middle.headers[k] for k in ("x-page", "x-next-page", "x-prev-page")} == {
        "x-page": "2",
        "x-next-page": "3",
        "x-prev-page": "1",
    }
    assert (middle.headers["x-total"], middle.headers["x-total-pages"]) == ("45", "3")
    assert 'rel="next"' in middle.headers["link"] and "%2F" in middle.headers["link"]
    assert (last.headers["x-next-page"], len(last.json())) == ("", 5)
    assert 'rel="next"' not in last.headers["link"]


def test_per_page_is_capped_at_100(fake: FakeGitLab) -> None:
    for n in range(120):
        fake.add_issue(f"Issue {n}")
    answer = http(fake, "/projects/42/issues", per_page="500")
    assert (len(answer.json()), answer.headers["x-per-page"]) == (100, "100")


def test_updated_after_is_inclusive_and_orders_by_update(fake: FakeGitLab) -> None:
    first, second = fake.add_issue("First"), fake.add_issue("Second")
    fake.human_edit(first, title="First, edited")
    issues = http(fake, "/projects/42/issues", order_by="updated_at", sort="asc").json()
    assert [i["iid"] for i in issues] == [int(second), int(first)]
    since = issues[0]["updated_at"]
    again = http(fake, "/projects/42/issues", updated_after=since, order_by="updated_at").json()
    assert {i["iid"] for i in again} == {int(first), int(second)}


def test_filters_by_state_labels_and_search(fake: FakeGitLab) -> None:
    fake.add_issue("Rate limiting", body="<!-- syncer:item=rate-limit -->", labels=("tech-debt",))
    fake.add_issue("Closed one", labels=("tech-debt",), closed=True)
    fake.add_issue("Unlabelled")

    def titles(**params: str) -> list[str]:
        return sorted(i["title"] for i in http(fake, "/projects/42/issues", **params).json())

    assert titles(state="opened", labels="tech-debt") == ["Rate limiting"]
    assert titles(state="closed") == ["Closed one"]
    assert titles(labels="None") == ["Unlabelled"]
    assert titles(search="syncer:item=rate-limit") == ["Rate limiting"]
    assert titles(search="syncer:item=rate") == ["Rate limiting"], "search is a substring match"


# --- Writes ------------------------------------------------------------------------------------


def test_every_change_advances_updated_at_and_a_no_op_does_not(fake: FakeGitLab) -> None:
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Clock"})
    stamps = [made.updated_at]
    for title in ("A", "B", "C"):
        stamps.append(issues.update(made.iid, {"title": title})["updated_at"])
    assert [parse_time(s) for s in stamps] == sorted({parse_time(s) for s in stamps})
    assert issues.update(made.iid, {"title": "C"})["updated_at"] == stamps[-1]


def test_labels_are_created_on_first_use_and_not_twice(fake: FakeGitLab) -> None:
    project = client(fake).projects.get(fake.repo, lazy=True)
    project.issues.create({"title": "Labelled", "labels": "area: api,tech-debt"})
    assert sorted(label.name for label in project.labels.list(get_all=True)) == [
        "area: api",
        "tech-debt",
    ]
    with pytest.raises(gitlab.GitlabCreateError) as refused:
        project.labels.create({"name": "tech-debt", "color": "#ff0000"})
    assert refused.value.response_code == 409


def test_add_and_remove_labels_leave_other_labels_alone(fake: FakeGitLab) -> None:
    ref = fake.add_issue("Labels", labels=("a", "b"))
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    edited = issues.update(int(ref), {"add_labels": "c", "remove_labels": "a"})
    assert edited["labels"] == ["b", "c"]


def test_due_date_set_and_cleared(fake: FakeGitLab) -> None:
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Due", "due_date": "2027-03-01"})
    assert made.due_date == "2027-03-01"
    assert issues.update(made.iid, {"due_date": ""})["due_date"] is None


def test_users_are_found_by_username_without_case_and_assigned_by_id(fake: FakeGitLab) -> None:
    found = http(fake, "/users", username="ALICE").json()
    assert [(user["id"], user["username"]) for user in found] == [(3, "alice")]
    assert http(fake, "/users", username="ghost").json() == []
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    made = issues.create({"title": "Owned", "assignee_ids": [3, 999]})
    assert [user["username"] for user in made.assignees] == ["alice"], "unknown ids dropped"
    cleared = issues.update(made.iid, {"assignee_ids": []})
    assert (cleared["assignees"], cleared["assignee"]) == ([], None)


def test_a_bad_edit_changes_nothing(fake: FakeGitLab) -> None:
    ref = fake.add_issue("Intact")
    issues = client(fake).projects.get(fake.repo, lazy=True).issues
    with pytest.raises(gitlab.GitlabUpdateError) as refused:
        issues.update(int(ref), {"title": "Changed", "due_date": "next tuesday"})
    assert refused.value.response_code == 400
    assert issues.get(int(ref)).title == "Intact"


# --- Errors and limits -------------------------------------------------------------------------


def test_a_wrong_token_gets_gitlabs_401(fake: FakeGitLab) -> None:
    with pytest.raises(gitlab.GitlabAuthenticationError) as refused:
        client(fake, token="wrong").projects.get(fake.repo)
    assert refused.value.response_code == 401
    assert refused.value.error_message == "401 Unauthorized"


def test_a_bearer_token_is_accepted(fake: FakeGitLab) -> None:
    answer = httpx.get(
        f"{fake.server.base_url}/api/v4/user", headers={"Authorization": f"Bearer {fake.token}"}
    )
    assert answer.json()["username"] == "syncer-bot"


def test_unknown_issue_and_project_are_404s(fake: FakeGitLab) -> None:
    assert http(fake, "/projects/42/issues/999").json() == {"message": "404 Not found"}
    gone = http(fake, "/projects/nobody%2Fnothing")
    assert (gone.status_code, gone.json()) == (404, {"message": "404 Project Not Found"})


def test_deleted_issues_are_gone(fake: FakeGitLab) -> None:
    ref = fake.add_issue("Doomed")
    fake.delete_issue(ref)
    assert (http(fake, f"/projects/42/issues/{ref}").status_code, fake.issue_count()) == (404, 0)


def test_request_limit_answers_429_with_gitlabs_headers() -> None:
    with FakeGitLab(request_limit=2, limit_window=30) as fake:
        answers = [http(fake, "/user") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["ratelimit-remaining"] == "1"
    throttled = answers[2]
    assert 25 <= int(throttled.headers["retry-after"]) <= 30
    assert throttled.headers["ratelimit-limit"] == "2"
    assert throttled.text == "Retry later\n"


def test_injected_throttle_and_failure_come_before_auth(fake: FakeGitLab) -> None:
    fake.throttle_next(1, retry_after=0.2)
    fake.fail_next(1, status=503)
    throttled, failed, fine = (http(fake, "/user") for _ in range(3))
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "1")
    assert (failed.status_code, fine.status_code) == (503, 200)


# --- Webhooks ----------------------------------------------------------------------------------


def test_issue_hooks_carry_the_token_and_an_idempotency_key(receiver: Receiver) -> None:
    with FakeGitLab(webhook_url=receiver.url, webhook_secret="hook-secret") as fake:
        ref = fake.add_issue("Hooked", body="first", labels=("tech-debt",))
        fake.human_edit(ref, title="Hooked, renamed", labels=("tech-debt", "bug"))
        fake.human_edit(ref, closed=True)
        fake.human_edit(ref, closed=False)
        fake.flush_webhooks()
    headers = [h for h, _ in receiver.deliveries]
    payloads = [p for _, p in receiver.deliveries]
    assert {h["x-gitlab-event"] for h in headers} == {"Issue Hook"}
    assert {h["x-gitlab-token"] for h in headers} == {"hook-secret"}
    keys = [uuid.UUID(h["idempotency-key"]) for h in headers]
    assert len(set(keys)) == 4, "every delivery has its own idempotency key"
    assert len({h["x-gitlab-webhook-uuid"] for h in headers}) == 1
    actions = [p["object_attributes"]["action"] for p in payloads]
    assert actions == ["open", "update", "close", "reopen"]
    renamed = payloads[1]["changes"]
    assert renamed["title"] == {"previous": "Hooked", "current": "Hooked, renamed"}
    assert [label["title"] for label in renamed["labels"]["current"]] == ["tech-debt", "bug"]
    closed = issue_from_hook(payloads[2], FieldMapping())
    assert (closed.ref, closed.title, closed.state) == (ref, "Hooked, renamed", IssueState.CLOSED)


@pytest.mark.parametrize("secret", [None, ""])
def test_without_a_secret_no_token_header_is_sent(receiver: Receiver, secret: str | None) -> None:
    """GitLab sends `X-Gitlab-Token` only when the hook has a token: never an empty one."""
    with FakeGitLab(webhook_url=receiver.url, webhook_secret=secret) as fake:
        fake.add_issue("Unsigned")
        fake.flush_webhooks()
    assert "x-gitlab-token" not in receiver.deliveries[0][0]


def test_serve_gitlab_starts_a_seeded_fake() -> None:
    fake = serve_gitlab(0, 3, None, None)
    try:
        issues = http(fake, "/projects/42/issues", labels="tech-debt", state="all").json()
        assert len(issues) == 3
    finally:
        fake.stop()


# --- Reset -------------------------------------------------------------------------------------


def test_reset_leaves_an_empty_project_that_still_answers(receiver: Receiver) -> None:
    with FakeGitLab(webhook_url=receiver.url, request_limit=2, limit_window=60) as fake:
        ref = fake.add_issue("Before", labels=("tech-debt",))
        fake.human_edit(ref, title="Before, renamed")
        project = client(fake).projects.get(fake.repo, lazy=True)
        project.issues.create({"title": "Made by the API"})
        project.issues.get(ref, lazy=True).notes.create({"body": "Noted."})
        fake.throttle_next(2)
        fake.fail_next(2)

        fake.reset()

        arrived = len(receiver.deliveries)
        assert arrived == 4, "webhooks fired before the reset arrive before it returns"
        assert fake.issue_count() == 0
        assert fake.server.requests == []
        assert fake.webhooks is not None and fake.webhooks.delivered == []
        listed = http(fake, f"/projects/{quote(fake.repo, safe='')}/issues", state="all")
        made = project.issues.create({"title": "After"})
        assert (listed.status_code, listed.json()) == (200, [])
        assert listed.headers["ratelimit-remaining"] == "1", "the request budget starts afresh"
        assert made.iid == 1, "numbered as on a fresh fake"
        assert fake.server.count() == 2
        fake.flush_webhooks()
    titles = [p["object_attributes"]["title"] for _, p in receiver.deliveries[arrived:]]
    assert titles == ["After"]
