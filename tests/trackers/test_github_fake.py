"""FakeGitHub answers like GitHub: checked against recorded payloads and replays over HTTP."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncer.fakes.github import FakeGitHub
from syncer.fakes.server import FakeServer

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
API = FIXTURES / "api" / "github"
WEBHOOKS = FIXTURES / "webhooks" / "github"
# 2012 payloads put a `pull_request` object with null URLs on every issue; GitHub dropped it.
DROPPED_SINCE_2012 = {"pull_request"}
# Only GitHub App deliveries carry `installation`; the fake delivers repository webhooks.
APP_ONLY = {"installation"}
HEADERS_THAT_MATTER = {
    "etag",
    "location",
    "content-type",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
}


@dataclass(frozen=True)
class Exchange:
    """One request/response of a PyGithub replay file."""

    verb: str
    path: str
    body: str | None
    status: int
    response_headers: dict[str, str]
    response: Any


def parse_replay(path: Path) -> list[Exchange]:
    """PyGithub's replay format: scheme, verb, host, port, path, request headers, request
    body, status, response headers, response body; exchanges separated by a blank line."""
    exchanges = []
    for block in path.read_text().strip("\n").split("\n\n"):
        lines = block.split("\n")
        headers = {k.lower(): v for k, v in ast.literal_eval(lines[8])}
        exchanges.append(
            Exchange(
                verb=lines[1],
                path=lines[4],
                body=None if lines[6] == "None" else lines[6],
                status=int(lines[7]),
                response_headers=headers,
                response=json.loads(lines[9]),
            )
        )
    return exchanges


def client(fake: FakeGitHub, token: str | None = None) -> httpx.Client:
    auth = {"Authorization": f"token {token or fake.token}"}
    return httpx.Client(base_url=fake.server.base_url, headers=auth, timeout=5)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as running:
        yield running


def keys(data: dict[str, Any]) -> set[str]:
    return set(data)


# --- recorded answers ------------------------------------------------------------------------


def test_a_single_issue_has_exactly_the_shape_of_the_recorded_one(fake: FakeGitHub) -> None:
    real = json.loads((API / "issue.get.pygithub-28.json").read_text())
    ref = fake.add_issue("Shaped", labels=("bug",))
    with client(fake) as http:
        http.patch(f"/repos/{fake.repo}/issues/{ref}", json={"assignees": ["octocat"]})
        http.patch(f"/repos/{fake.repo}/issues/{ref}", json={"milestone": 1, "state": "closed"})
        ours = http.get(f"/repos/{fake.repo}/issues/{ref}").json()
    assert keys(ours) == keys(real)
    for nested in ("user", "assignee", "closed_by", "milestone", "reactions"):
        assert keys(ours[nested]) == keys(real[nested]), nested
    assert keys(ours["labels"][0]) == keys(real["labels"][0])
    assert ours["state_reason"] == "completed"
    assert ours["created_at"].endswith("Z") and len(ours["created_at"]) == 20


@pytest.mark.parametrize("name", sorted(p.name for p in API.glob("issues.list.*.json")))
def test_list_items_have_every_key_of_the_recorded_ones(fake: FakeGitHub, name: str) -> None:
    real = json.loads((API / name).read_text())
    fake.add_issue("Listed", labels=("bug",))
    with client(fake) as http:
        ours = http.get(f"/repos/{fake.repo}/issues").json()[0]
    for recorded in real:
        assert keys(recorded) - DROPPED_SINCE_2012 <= keys(ours)
        assert keys(recorded["user"]) <= keys(ours["user"])
        assert keys(recorded["labels"][0]) <= keys(ours["labels"][0])
    assert "closed_by" not in ours, "GitHub sends closed_by on single-issue reads only"


REPLAYS = sorted(API.glob("pygithub-replay.*.txt"))


@pytest.mark.parametrize("path", REPLAYS, ids=[p.name for p in REPLAYS])
def test_the_fake_answers_recorded_requests_alike(path: Path) -> None:
    exchanges = parse_replay(path)
    disabled = any(e.status == 410 for e in exchanges)
    with FakeGitHub(has_issues=not disabled) as fake, client(fake) as http:
        number = "1" if disabled else fake.add_issue("Recorded")
        for exchange in exchanges:
            answer = http.request(
                exchange.verb,
                rewrite(exchange.path, fake, number),
                content=rewrite(exchange.body, fake, number) if exchange.body else None,
                headers={"Content-Type": "application/json"},
            )
            assert answer.status_code == exchange.status, exchange.path
            assert keys(exchange.response) - DROPPED_SINCE_2012 <= keys(answer.json())
            recorded = HEADERS_THAT_MATTER & set(exchange.response_headers)
            assert recorded <= set(answer.headers), exchange.path


def rewrite(text: str, fake: FakeGitHub, number: str) -> str:
    """Point a recorded request at the fake: its repository, its issue, its user."""
    for repo in ("PyGithub/PyGithub", "ahmad88me/PyGithub"):
        text = text.replace(f"/repos/{repo}", f"/repos/{fake.repo}")
    return text.replace("/issues/28", f"/issues/{number}").replace("jacquev6", fake.login)


# --- behaviours ------------------------------------------------------------------------------


def test_pages_are_linked_as_github_links_them() -> None:
    with FakeGitHub(issues=230) as fake, client(fake) as http:
        first = http.get(f"/repos/{fake.repo}/issues", params={"state": "all", "per_page": 100})
        assert len(first.json()) == 100
        links = httpx.Response(200, headers={"link": first.headers["link"]}).links
        assert set(links) == {"next", "last"}
        assert links["last"]["url"].endswith("page=3")
        assert "/repositories/" in links["next"]["url"], "GitHub links by repository id"
        second = http.get(links["next"]["url"])
        middle = httpx.Response(200, headers={"link": second.headers["link"]}).links
        assert set(middle) == {"prev", "next", "last", "first"}
        capped = http.get(f"/repos/{fake.repo}/issues", params={"state": "all", "per_page": 500})
        assert len(capped.json()) == 100


def test_pull_requests_are_mixed_into_the_issue_list(fake: FakeGitHub) -> None:
    fake.add_issue("An issue")
    pr = fake.add_pull_request("A change")
    with client(fake) as http:
        listed = http.get(f"/repos/{fake.repo}/issues").json()
    by_number = {str(item["number"]): item for item in listed}
    assert by_number[pr]["pull_request"]["html_url"].endswith(f"/pull/{pr}")
    assert "pull_request" not in by_number["1"]
    assert fake.issue_count() == 1


def test_labels_filter_means_all_of_them_and_state_defaults_to_open(fake: FakeGitHub) -> None:
    fake.add_issue("Both", labels=("tech-debt", "bug"))
    fake.add_issue("One", labels=("tech-debt",))
    fake.add_issue("Closed both", labels=("tech-debt", "bug"), closed=True)
    with client(fake) as http:
        url = f"/repos/{fake.repo}/issues"
        both = http.get(url, params={"labels": "Tech-Debt,bug"}).json()
        every = http.get(url, params={"labels": "tech-debt", "state": "all"}).json()
    assert [i["title"] for i in both] == ["Both"]
    assert {i["title"] for i in every} == {"Both", "One", "Closed both"}


def test_since_is_inclusive_and_every_write_moves_time_by_a_second(fake: FakeGitHub) -> None:
    first = fake.add_issue("First")
    second = fake.add_issue("Second")
    stamps = [fake.issue_json(ref)["updated_at"] for ref in (first, second)]
    assert stamps[0] < stamps[1], "two writes in the same wall-clock second still differ"
    with client(fake) as http:
        since = http.get(f"/repos/{fake.repo}/issues", params={"since": stamps[1]}).json()
    assert [i["title"] for i in since] == ["Second"]


def test_a_matching_etag_is_answered_304_and_costs_no_rate_limit(fake: FakeGitHub) -> None:
    fake.add_issue("Cached")
    with client(fake) as http:
        url = f"/repos/{fake.repo}/issues"
        full = http.get(url)
        again = http.get(url, headers={"If-None-Match": full.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["x-ratelimit-remaining"] == full.headers["x-ratelimit-remaining"]
        assert full.headers["etag"].startswith('W/"')
        fake.human_edit("1", title="Changed")
        changed = http.get(url, headers={"If-None-Match": full.headers["etag"]})
    assert changed.status_code == 200
    assert int(changed.headers["x-ratelimit-used"]) == int(full.headers["x-ratelimit-used"]) + 1


def test_bad_and_missing_credentials_are_401_with_githubs_message(fake: FakeGitHub) -> None:
    with client(fake, token="nope") as http:
        bad = http.get(f"/repos/{fake.repo}/issues")
    missing = httpx.get(f"{fake.server.base_url}/user")
    assert (bad.status_code, bad.json()["message"]) == (401, "Bad credentials")
    assert bad.json()["documentation_url"].startswith("https://docs.github.com")
    assert (missing.status_code, missing.json()["message"]) == (401, "Requires authentication")


def test_each_of_the_accounts_tokens_is_accepted_and_recorded_as_sent() -> None:
    with FakeGitHub(other_tokens=("machine-b",)) as fake:
        for token in (fake.token, "machine-b", "machine-c"):
            with client(fake, token=token) as http:
                http.get(f"/repos/{fake.repo}/issues")
        sent = [(r.headers["authorization"], r.status) for r in fake.server.requests]
    expected = [(f"token {fake.token}", 200), ("token machine-b", 200), ("token machine-c", 401)]
    assert sent == expected


def test_unknown_deleted_and_disabled_issues_answer_like_github(fake: FakeGitHub) -> None:
    ref = fake.add_issue("Doomed")
    fake.delete_issue(ref)
    with client(fake) as http:
        assert http.get(f"/repos/{fake.repo}/issues/999").json()["message"] == "Not Found"
        assert http.get("/repos/someone/else").status_code == 404
        gone = http.get(f"/repos/{fake.repo}/issues/{ref}")
    assert (gone.status_code, gone.json()["message"]) == (410, "This issue was deleted")
    assert fake.issue_count() == 0


def test_invalid_fields_are_refused_with_validation_failed(fake: FakeGitHub) -> None:
    ref = fake.add_issue("Strict")
    with client(fake) as http:
        url = f"/repos/{fake.repo}/issues"
        no_title = http.post(url, json={"body": "x"})
        stranger = http.patch(f"{url}/{ref}", json={"title": "ok", "assignees": ["stranger"]})
    assert (no_title.status_code, no_title.json()["message"]) == (422, "Validation Failed")
    assert stranger.json()["errors"] == [
        {"resource": "Issue", "code": "invalid", "field": "assignees", "value": "stranger"}
    ]
    assert fake.issue_json(ref)["title"] == "Strict", "a refused edit changes nothing"


def test_the_secondary_limit_refuses_creation_with_githubs_message() -> None:
    with FakeGitHub(create_limit=2, create_window=30) as fake, client(fake) as http:
        url = f"/repos/{fake.repo}/issues"
        answers = [http.post(url, json={"title": f"n{i}"}) for i in range(3)]
        reads = http.get(url)
    assert [a.status_code for a in answers] == [201, 201, 403]
    refused = answers[2]
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    assert refused.headers["x-ratelimit-remaining"] != "0", "not the primary limit"
    assert reads.status_code == 200, "reads are not limited by the creation limit"


@pytest.mark.parametrize("status", [403, 429])
def test_throttled_answers_say_when_to_come_back(fake: FakeGitHub, status: int) -> None:
    fake.throttle_next(1, retry_after=2, status=status)
    with client(fake) as http:
        throttled = http.get(f"/repos/{fake.repo}")
        after = http.get(f"/repos/{fake.repo}")
    assert throttled.status_code == status
    assert throttled.json()["message"].startswith("API rate limit exceeded")
    assert (throttled.headers["retry-after"], throttled.headers["x-ratelimit-remaining"]) == (
        "2",
        "0",
    )
    assert int(throttled.headers["x-ratelimit-reset"]) >= time.time()
    assert after.status_code == 200


def test_a_failure_after_acting_still_did_the_work(fake: FakeGitHub) -> None:
    fake.fail_next(1, status=502, acted=True)
    with client(fake) as http:
        answer = http.post(f"/repos/{fake.repo}/issues", json={"title": "Made anyway"})
    assert answer.status_code == 502
    assert fake.issue_count() == 1


def test_seeded_repositories_hold_issues_and_a_few_pull_requests() -> None:
    with FakeGitHub(issues=30) as fake, client(fake) as http:
        listed = http.get(f"/repos/{fake.repo}/issues", params={"state": "all", "per_page": 100})
    items = listed.json()
    assert fake.issue_count() == 30
    assert sum("pull_request" in i for i in items) == len(items) - 30 > 0
    assert any(i["state"] == "closed" for i in items)


# --- webhooks --------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


SECRET = "It's a Secret to Everybody"
Hooked = tuple[FakeGitHub, list[Received]]


@pytest.fixture
def hooked() -> Iterator[Hooked]:
    """A fake delivering its webhooks, signed with SECRET, to a receiver recording them."""
    got: list[Received] = []

    async def hook(request: Request) -> Response:
        got.append(Received(dict(request.headers), await request.body()))
        return Response(status_code=204)

    with FakeServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as server:
        url = f"{server.base_url}/hook"
        with FakeGitHub(webhook_url=url, webhook_secret=SECRET) as fake:
            yield fake, got


def received(hooked: Hooked) -> dict[str, Received]:
    """What the receiver got, by `event.action`, once the fake's delivery queue is empty."""
    fake, got = hooked
    assert fake.webhooks is not None
    fake.webhooks.flush()
    return {f"{r.headers['x-github-event']}.{r.payload['action']}": r for r in got}


def test_webhooks_are_signed_with_the_secret(hooked: Hooked) -> None:
    fake, _ = hooked
    fake.add_issue("Signed")
    got = received(hooked)["issues.opened"]
    expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-hub-signature-256"], f"sha256={expected}")
    assert len(got.headers["x-github-delivery"]) == 36
    wrong = hmac.new(b"another secret", got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-hub-signature-256"] != f"sha256={wrong}"


def test_webhook_payloads_have_the_shape_of_real_deliveries(hooked: Hooked) -> None:
    fake, _ = hooked
    ref = fake.add_issue("Hooked", labels=("bug",))
    fake.human_edit(ref, title="Hooked, retitled")
    fake.human_edit(ref, closed=True)
    fake.human_edit(ref, closed=False)
    with client(fake) as http:
        http.post(f"/repos/{fake.repo}/issues/{ref}/comments", json={"body": "Noted."})
    got = received(hooked)
    assert {"issues.opened", "issues.labeled", "issues.edited", "issues.closed"} <= set(got)
    assert {"issues.reopened", "issue_comment.created"} <= set(got)
    for name in ("issues.opened", "issues.edited", "issues.closed", "issue_comment.created"):
        real = json.loads((WEBHOOKS / f"{name}.json").read_text())
        ours = got[name].payload
        assert keys(ours) == keys(real) - APP_ONLY, name
        for part in ("issue", "repository", "sender"):
            assert keys(real[part]) <= keys(ours[part]), f"{name} {part}"
    assert got["issues.edited"].payload["changes"] == {"title": {"from": "Hooked"}}
    assert got["issues.labeled"].payload["label"]["name"] == "bug"
    assert got["issues.closed"].payload["issue"]["state"] == "closed"
    comment = json.loads((WEBHOOKS / "issue_comment.created.json").read_text())["comment"]
    assert keys(comment) <= keys(got["issue_comment.created"].payload["comment"])


# --- reset -------------------------------------------------------------------------------------


def test_reset_leaves_an_empty_repository_that_still_answers(hooked: Hooked) -> None:
    fake, got = hooked
    ref = fake.add_issue("Before", labels=("bug",))
    fake.human_edit(ref, title="Before, retitled")
    with client(fake) as http:
        http.post(f"/repos/{fake.repo}/issues", json={"title": "Made by the API"})
        http.post(f"/repos/{fake.repo}/issues/{ref}/comments", json={"body": "Noted."})
    fake.throttle_next(2)
    fake.fail_next(2)

    fake.reset()

    arrived = len(got)
    assert arrived == 5, "webhooks fired before the reset arrive before it returns"
    assert fake.issue_count() == 0
    assert fake.server.requests == []
    assert fake.webhooks is not None and fake.webhooks.delivered == []
    with client(fake) as http:
        listed = http.get(f"/repos/{fake.repo}/issues", params={"state": "all"})
        made = http.post(f"/repos/{fake.repo}/issues", json={"title": "After"})
    assert (listed.status_code, listed.json()) == (200, [])
    assert listed.headers["x-ratelimit-used"] == "1", "the rate limit starts afresh"
    assert (made.status_code, made.json()["number"]) == (201, 1), "numbered as on a fresh fake"
    assert fake.server.count() == 2
    fake.flush_webhooks()
    assert [r.payload["issue"]["title"] for r in got[arrived:]] == ["After"]
