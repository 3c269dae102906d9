"""The fake Jira answers like the real one: shapes from the recorded payloads, JQL and its errors,
pagination per flavour, auth, rate limits, the clock, and signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncer.fakes.jira import FakeJira, Flavour, Screens, serve_jira
from syncer.fakes.server import FakeServer
from tests.trackers.helpers import StoppedTime

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
NOON = datetime(2021, 5, 4, 12, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def api(fake: FakeJira, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    return httpx.Client(base_url=f"{fake.base_url}/rest/api/2", headers=headers, timeout=5)


def new_issue(summary: str, **fields: Any) -> dict[str, Any]:
    base = {"project": {"key": "DEBT"}, "issuetype": {"name": "Task"}, "summary": summary}
    return {"fields": {**base, **fields}}


@pytest.fixture(scope="module")
def jira() -> Iterator[FakeJira]:
    """A server-flavour fake with a few known issues; tests here only read it."""
    with FakeJira(clock=StoppedTime(NOON)) as fake:
        fake.add_issue("Rate limit the API", "Limit *per key*", labels=("tech-debt", "api"))
        fake.add_issue("Cache warmup", "Warm the cache on deploy", labels=("tech-debt",))
        fake.add_issue("Unrelated bug", "Crash on start", labels=("bug",), closed=True)
        yield fake


def keys(fake: FakeJira, jql: str) -> list[str]:
    with api(fake) as client:
        answer = client.get("/search", params={"jql": jql, "fields": "key"})
    assert answer.status_code == 200, answer.text
    return [issue["key"] for issue in answer.json()["issues"]]


# --- JQL ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "jql, expected",
    [
        ("project = DEBT", ["DEBT-3", "DEBT-2", "DEBT-1"]),
        ('project = "DEBT" AND labels = "tech-debt" ORDER BY key ASC', ["DEBT-1", "DEBT-2"]),
        ("labels in (api, bug) ORDER BY key", ["DEBT-1", "DEBT-3"]),
        # JQL dates are the user's wall time (New York, UTC-4 in May); the issues are at 12:00 UTC
        ('updated >= "2021/05/04 08:00" ORDER BY updated DESC', ["DEBT-3", "DEBT-2", "DEBT-1"]),
        ('updated >= "2021-05-04 08:01"', []),
        ('updated >= "2021/05/04 12:00"', []),
        ("key = DEBT-2", ["DEBT-2"]),
        ("issuekey in (DEBT-1, DEBT-3) ORDER BY key ASC", ["DEBT-1", "DEBT-3"]),
        ('text ~ "cache deploy"', ["DEBT-2"]),
        ('description ~ "\\"per key\\""', ["DEBT-1"]),
        ('description ~ "\\"key per\\""', []),
        ("status = Done", ["DEBT-3"]),
        ("labels = bug OR (labels = api AND NOT status = Done) ORDER BY key", ["DEBT-1", "DEBT-3"]),
        ("labels is EMPTY", []),
        ("ORDER BY created ASC", ["DEBT-1", "DEBT-2", "DEBT-3"]),
    ],
)
def test_jql(jira: FakeJira, jql: str, expected: list[str]) -> None:
    assert keys(jira, jql) == expected


@pytest.mark.parametrize(
    "jql, message",
    [
        ("colour = red", "Field 'colour' does not exist or you do not have permission to view it."),
        ("project DEBT", "Error in the JQL Query: Expecting operator"),
        ('updated >= "yesterday"', "Date value 'yesterday' for field 'updated' is invalid."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("labels ~ api", "The operator '~' is not supported by the 'labels' field."),
        ("key = DEBT-99", "An issue with key 'DEBT-99' does not exist for field 'key'."),
        ("project = DEBT ORDER BY labels", "Field 'labels' does not support sorting."),
    ],
)
def test_unsupported_jql_is_refused_like_jira(jira: FakeJira, jql: str, message: str) -> None:
    with api(jira) as client:
        answer = client.get("/search", params={"jql": jql})
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"errorMessages", "errors"} and body["errors"] == {}
    assert body["errorMessages"][0].startswith(message)


def test_search_by_post_takes_the_same_query(jira: FakeJira) -> None:
    """Long JQL goes in a POST body; the answer is the same as for GET."""
    query = {"jql": "labels = tech-debt ORDER BY key", "fields": ["summary"], "maxResults": 1}
    with api(jira) as client:
        page = client.post("/search", json=query).json()
    assert (page["total"], len(page["issues"])) == (2, 1)
    assert page["issues"][0]["fields"] == {"summary": "Rate limit the API"}


# --- Shapes -------------------------------------------------------------------------------------


def test_keys_only_search_looks_like_the_recorded_one(jira: FakeJira) -> None:
    real = fixture("api/jira/search.keys-only.server-athabascau.json")
    with api(jira) as client:
        fake = client.get("/search", params={"jql": "project = DEBT", "fields": "key"}).json()
    assert set(fake) == set(real)
    assert {frozenset(issue) for issue in fake["issues"]} == {frozenset(real["issues"][0])}


def test_transitions_look_like_the_recorded_ones(jira: FakeJira) -> None:
    real = fixture("api/jira/issue.transitions.cloud-getsentry-dev.json")
    with api(jira) as client:
        fake = client.get("/issue/DEBT-1/transitions").json()
    assert set(fake) == set(real)
    assert [t["name"] for t in fake["transitions"]] == ["To Do", "In Progress", "Done"]
    assert all(set(t) == set(real["transitions"][0]) for t in fake["transitions"])
    assert set(fake["transitions"][0]["to"]) == set(real["transitions"][0]["to"])


def test_a_field_jira_cannot_set_is_refused_like_the_recorded_error() -> None:
    real = fixture("api/jira/error.400.field-not-on-screen.json")
    with FakeJira() as fake, api(fake) as client:
        answer = client.post("/issue", json=new_issue("x", components=[]))
    assert answer.status_code == 400
    expected = real["errors"]["labels"].replace("labels", "components")
    assert answer.json() == {"errorMessages": [], "errors": {"components": expected}}


def test_labels_with_spaces_are_refused_like_jira() -> None:
    with FakeJira() as fake, api(fake) as client:
        answer = client.post("/issue", json=new_issue("x", labels=["area: api"]))
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "labels": "The label 'area: api' contains spaces which is invalid."
    }


@pytest.mark.parametrize(
    "flavour, assignee, refusal",
    [
        ("server", {"name": "ghost"}, "User 'ghost' does not exist."),
        (
            "server",
            {"accountId": "5b10ac8d82e05b22cc7d4ef5"},
            "expected Object containing a 'name' property",
        ),
        ("cloud", {"accountId": "5b10ac8d82e05b22cc7d4ef5"}, "Specify a valid value for assignee"),
    ],
)
def test_an_unknown_assignee_is_refused_in_each_flavours_words(
    flavour: Flavour, assignee: dict[str, str], refusal: str
) -> None:
    with FakeJira(flavour=flavour) as fake, api(fake) as client:
        answer = client.post("/issue", json=new_issue("x", assignee=assignee))
        assert answer.status_code == 400
        assert answer.json() == {"errorMessages": [], "errors": {"assignee": refusal}}
        assert fake.issue_count() == 0


@pytest.mark.parametrize(("flavour", "key"), [("server", "name"), ("cloud", "accountId")])
def test_known_users_are_assigned_by_each_flavours_identifier(flavour: Flavour, key: str) -> None:
    with FakeJira(flavour=flavour) as fake, api(fake) as client:
        user = fake.known_users[1]
        made = client.post("/issue", json=new_issue("x", assignee={key: user})).json()
        assert fake.issue_json(made["key"])["fields"]["assignee"][key] == user


def test_bulk_create_takes_fifty_at_most_and_reports_each_failure() -> None:
    with FakeJira() as fake, api(fake) as client:
        too_many = client.post("/issue/bulk", json={"issueUpdates": [new_issue("x")] * 51})
        mixed = client.post(
            "/issue/bulk", json={"issueUpdates": [new_issue("ok"), new_issue(""), new_issue("ok")]}
        )
        assert fake.issue_count() == 2
    assert too_many.status_code == 400
    assert mixed.status_code == 201
    body = mixed.json()
    assert [i["key"] for i in body["issues"]] == ["DEBT-1", "DEBT-2"]
    assert body["errors"] == [
        {
            "status": 400,
            "elementErrors": {
                "errorMessages": [],
                "errors": {"summary": "You must specify a summary of the issue."},
            },
            "failedElementNumber": 1,
        }
    ]


def test_moving_to_done_sets_the_resolution_and_back_clears_it() -> None:
    with FakeJira(flavour="cloud") as fake, api(fake) as client:
        key = client.post("/issue", json=new_issue("x")).json()["key"]
        client.post(f"/issue/{key}/transitions", json={"transition": {"id": "31"}})
        done = client.get(f"/issue/{key}").json()["fields"]
        client.post(f"/issue/{key}/transitions", json={"transition": {"id": "11"}})
        reopened = client.get(f"/issue/{key}").json()["fields"]
        refused = client.post(f"/issue/{key}/transitions", json={"transition": {"id": "99"}})
    assert (done["status"]["name"], done["resolution"]["name"]) == ("Done", "Done")
    assert done["resolutiondate"] is not None
    assert (reopened["status"]["name"], reopened["resolution"]) == ("To Do", None)
    assert refused.status_code == 400


def test_servers_done_transition_has_a_screen_requiring_a_resolution() -> None:
    """Server/Data Center's classic workflow resolves through a screen: without a resolution
    the transition is refused in Jira's words; the screen's fields are listed on request."""
    with FakeJira() as fake, api(fake) as client:
        key = client.post("/issue", json=new_issue("x")).json()["key"]
        listed = client.get(f"/issue/{key}/transitions").json()["transitions"]
        expanded = client.get(
            f"/issue/{key}/transitions", params={"expand": "transitions.fields"}
        ).json()["transitions"]
        bare = client.post(f"/issue/{key}/transitions", json={"transition": {"id": "31"}})
        elsewhere = client.post(
            f"/issue/{key}/transitions",
            json={"transition": {"id": "21"}, "fields": {"resolution": {"name": "Fixed"}}},
        )
        fixed = client.post(
            f"/issue/{key}/transitions",
            json={"transition": {"id": "31"}, "fields": {"resolution": {"name": "Fixed"}}},
        )
        done = client.get(f"/issue/{key}").json()["fields"]
    assert "fields" not in listed[2] and listed[2]["hasScreen"] is True
    resolution = expanded[2]["fields"]["resolution"]
    assert resolution["required"] is True
    assert "Fixed" in [v["name"] for v in resolution["allowedValues"]]
    assert expanded[0]["fields"] == {}
    assert (bare.status_code, bare.json()) == (
        400,
        {"errorMessages": ["Field Resolution is required."], "errors": {}},
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"]["resolution"].startswith("Field 'resolution' cannot be set")
    assert fixed.status_code == 204
    assert (done["status"]["name"], done["resolution"]["name"]) == ("Done", "Fixed")


@pytest.mark.parametrize("flavour", ["server", "cloud"])
def test_screens_refuse_what_they_lack_and_the_metadata_says_what_they_have(
    flavour: Flavour,
) -> None:
    screens = Screens.default(flavour).without("priority")
    with FakeJira(flavour=flavour, screens=screens) as fake, api(fake) as client:
        refused = client.post("/issue", json=new_issue("x", priority={"name": "High"}))
        key = client.post("/issue", json=new_issue("x")).json()["key"]
        edit = client.put(f"/issue/{key}", json={"fields": {"priority": {"name": "High"}}})
        types = client.get("/issue/createmeta/DEBT/issuetypes").json()
        fields = client.get("/issue/createmeta/DEBT/issuetypes/10001").json()
        editmeta = client.get(f"/issue/{key}/editmeta").json()["fields"]
    message = "Field 'priority' cannot be set. It is not on the appropriate screen, or unknown."
    assert (refused.status_code, refused.json()["errors"]) == (400, {"priority": message})
    assert (edit.status_code, edit.json()["errors"]) == (400, {"priority": message})
    listed = "issueTypes" if flavour == "cloud" else "values"  # Cloud and Data Center differ
    assert "Task" in [t["name"] for t in types[listed]]
    field_ids = [f["fieldId"] for f in fields["fields" if flavour == "cloud" else "values"]]
    assert "duedate" in field_ids and "priority" not in field_ids
    assert "summary" in editmeta and "priority" not in editmeta


def test_user_search_takes_query_on_cloud_and_username_on_server() -> None:
    with FakeJira(flavour="cloud") as cloud, api(cloud) as client:
        found = client.get("/user/search", params={"query": "alice"}).json()
        by_name = client.get("/user/search", params={"username": "alice"})
        alice = cloud.user_id("alice")
    assert [u["accountId"] for u in found] == [alice] and "name" not in found[0]
    assert by_name.status_code == 400 and "GDPR strict mode" in by_name.json()["errorMessages"][0]
    with FakeJira() as server, api(server) as client:
        found = client.get("/user/search", params={"username": "bob"}).json()
    assert [u["name"] for u in found] == ["bob"]


# --- Pagination per flavour ---------------------------------------------------------------------


def test_server_search_pages_by_start_at() -> None:
    with FakeJira(issues=230) as fake, api(fake) as client:
        query: dict[str, str | int] = {"jql": "project = DEBT", "maxResults": 500}
        pages = [
            client.get("/search", params={**query, "startAt": at}).json() for at in (0, 100, 200)
        ]
    assert [(p["total"], p["maxResults"]) for p in pages] == [(230, 100)] * 3, "capped at 100"
    assert [len(p["issues"]) for p in pages] == [100, 100, 30]
    assert len({i["key"] for p in pages for i in p["issues"]}) == 230


def test_cloud_search_pages_by_token_and_has_dropped_the_old_endpoint() -> None:
    with FakeJira(flavour="cloud", issues=130) as fake, api(fake) as client:
        assert client.get("/search", params={"jql": "project = DEBT"}).status_code == 410
        first = client.post("/search/jql", json={"jql": "project = DEBT", "maxResults": 100})
        token = first.json()["nextPageToken"]
        second = client.get("/search/jql", params={"jql": "project = DEBT", "nextPageToken": token})
        stale = client.get("/search/jql", params={"jql": "labels = x", "nextPageToken": token})
        v3 = httpx.get(
            f"{fake.base_url}/rest/api/3/search/jql",
            params={"jql": "key = DEBT-1", "fields": "description"},
            headers={"Authorization": f"Bearer {fake.token}"},
        )
    assert (len(first.json()["issues"]), first.json()["isLast"]) == (100, False)
    assert first.json()["issues"][0] == {"id": "10130"}, "ids only unless fields are asked for"
    assert (len(second.json()["issues"]), second.json()["isLast"]) == (30, True)
    assert "nextPageToken" not in second.json()
    assert stale.status_code == 400
    description = v3.json()["issues"][0]["fields"]["description"]
    assert description["type"] == "doc", "REST v3 speaks the Atlassian Document Format"


# --- Auth, limits, clock ------------------------------------------------------------------------


def test_credentials(jira: FakeJira) -> None:
    basic = base64.b64encode(f"{jira.email}:{jira.token}".encode()).decode()
    with httpx.Client(base_url=f"{jira.base_url}/rest/api/2") as client:
        assert client.get("/myself", headers={"Authorization": f"Bearer {jira.token}"}).is_success
        assert client.get("/myself", headers={"Authorization": f"Basic {basic}"}).is_success
        refused = client.get("/myself", headers={"Authorization": "Bearer nope"})
        assert client.get("/serverInfo").is_success, "server info is public"
    assert refused.status_code == 401
    assert refused.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"


def test_request_limit_answers_429_with_retry_after() -> None:
    with FakeJira(request_limit=3, request_window=30) as fake, api(fake) as client:
        statuses = [client.get("/myself").status_code for _ in range(4)]
        limited = client.get("/myself")
    assert statuses == [200, 200, 200, 429]
    assert 1 <= int(limited.headers["Retry-After"]) <= 30


def test_every_write_moves_updated_forward_even_on_a_frozen_clock() -> None:
    with FakeJira(clock=StoppedTime(NOON)) as fake, api(fake) as client:
        key = client.post("/issue", json=new_issue("x")).json()["key"]
        stamps = [client.get(f"/issue/{key}").json()["fields"]["updated"]]
        for n in range(3):
            client.put(f"/issue/{key}", json={"fields": {"summary": f"x{n}"}})
            stamps.append(client.get(f"/issue/{key}").json()["fields"]["updated"])
        client.put(f"/issue/{key}", json={"fields": {"summary": "x2"}})
        unchanged = client.get(f"/issue/{key}").json()["fields"]["updated"]
    assert stamps == [f"2021-05-04T12:00:0{n}.000+0000" for n in range(4)]
    assert unchanged == stamps[-1], "an edit that changes nothing is not an update"


# --- Webhooks -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[tuple[FakeServer, list[tuple[dict[str, str], bytes]]]]:
    got: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        got.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    with FakeServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as server:
        yield server, got


def test_webhooks_are_signed_and_shaped_like_jiras(
    receiver: tuple[FakeServer, list[tuple[dict[str, str], bytes]]],
) -> None:
    server, got = receiver
    secret = "s3cret"
    with FakeJira(webhook_url=f"{server.base_url}/hook", webhook_secret=secret) as fake:
        with api(fake) as client:
            key = client.post("/issue", json=new_issue("Hooked")).json()["key"]
            done = {"transition": {"id": "31"}, "fields": {"resolution": {"name": "Done"}}}
            client.post(f"/issue/{key}/transitions", json=done)
        fake.human_edit(key, title="Hooked, renamed")
        fake.flush_webhooks()
    created, done, renamed = (json.loads(body) for _, body in got)
    for headers, body in got:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-hub-signature"], expected)
    assert len({headers["x-atlassian-webhook-identifier"] for headers, _ in got}) == 3
    real_created = fixture("webhooks/jira/jira_issue_created.server.json")
    real_updated = fixture("webhooks/jira/jira_issue_updated.status_changed.server.json")
    assert set(real_created) <= set(created) and created["webhookEvent"] == "jira:issue_created"
    assert set(real_updated) <= set(done) and done["webhookEvent"] == "jira:issue_updated"
    real_items = real_updated["changelog"]["items"]
    assert [set(item) for item in done["changelog"]["items"]] == [set(real_items[0])] * 2
    assert {(i["field"], i["fromString"], i["toString"]) for i in done["changelog"]["items"]} == {
        ("status", "To Do", "Done"),
        ("resolution", None, "Done"),
    }
    assert renamed["changelog"]["items"][0]["toString"] == "Hooked, renamed"
    assert renamed["user"]["name"] == "admin", "a person's edit is theirs, not the bot's"


def test_serve_jira_starts_a_fake_for_the_cli() -> None:
    fake = serve_jira(0, 5, None, None)
    try:
        with api(fake) as client:
            assert client.get("/search", params={"jql": "project = DEBT"}).json()["total"] == 5
    finally:
        fake.stop()


# --- Reset --------------------------------------------------------------------------------------


def test_reset_leaves_an_empty_project_that_still_answers(
    receiver: tuple[FakeServer, list[tuple[dict[str, str], bytes]]],
) -> None:
    server, got = receiver
    hook = f"{server.base_url}/hook"
    with (
        FakeJira(webhook_url=hook, request_limit=3, request_window=60) as fake,
        api(fake) as client,
    ):
        key = fake.add_issue("Before", labels=("tech-debt",))
        fake.human_edit(key, title="Before, renamed")
        client.post("/issue", json=new_issue("Made by the API"))
        client.post(f"/issue/{key}/comment", json={"body": "Noted."})
        fake.throttle_next(2)
        fake.fail_next(2)

        fake.reset()

        arrived = len(got)
        assert arrived == 4, "webhooks fired before the reset arrive before it returns"
        assert fake.issue_count() == 0
        assert fake.server.requests == []
        assert fake.webhooks is not None and fake.webhooks.delivered == []
        found = client.get("/search", params={"jql": "project = DEBT"})
        made = client.post("/issue", json=new_issue("After"))
        commented = client.post(f"/issue/{made.json()['key']}/comment", json={"body": "Again."})
        assert (found.status_code, found.json()["total"]) == (200, 0)
        assert made.json()["key"] == "DEBT-1", "numbered as on a fresh fake"
        assert commented.status_code == 201, "the request limit starts afresh"
        assert fake.server.count() == 3
        fake.flush_webhooks()
    about = [json.loads(body)["issue"]["fields"]["summary"] for _, body in got[arrived:]]
    assert about == ["After", "After"], "nothing from before the reset arrives after it"
