"""Property: whatever a client sends, no webhook endpoint answers 5xx, and only an accepted
delivery wakes anything."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from syncer.config import TrackerKind
from tests.daemon.support import (
    ISSUE_EVENTS,
    SECRETS,
    Harness,
    TestClient,
    altered,
    hmac_hex,
)

TRACKERS: list[TrackerKind] = ["github", "gitlab", "jira"]
# Keys the readers look for, so generated payloads reach deep into them.
KEYS = [
    "action", "issue", "number", "labels", "name", "title", "repository", "full_name",
    "project", "path_with_namespace", "id", "object_attributes", "iid", "webhookEvent",
    "issue_event_type_name", "key", "fields", "payload",
]  # fmt: skip
HEADER_NAMES = [
    "Content-Type", "Content-Length", "X-GitHub-Event", "X-GitHub-Delivery",
    "X-Hub-Signature-256", "X-Hub-Signature", "X-Gitlab-Event", "X-Gitlab-Token",
    "Idempotency-Key", "X-Gitlab-Event-UUID", "X-Atlassian-Webhook-Identifier",
]  # fmt: skip
EVENTS = [
    "issues", "issue_comment", "ping", "Issue Hook", "Confidential Issue Hook", "Note Hook",
    "jira:issue_updated", "jira:issue_deleted",
]  # fmt: skip

# Header values as HTTP carries them: latin-1 text without line breaks, sometimes huge.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=300,
) | st.sampled_from(["", "0", "-1", "1" * 40, "sha256=", "application/x-www-form-urlencoded"])
header_value = header_text | st.sampled_from(EVENTS) | st.just("x" * 20_000)
headers = st.dictionaries(
    st.sampled_from(HEADER_NAMES) | st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True),
    header_value,
    max_size=8,
)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars | st.sampled_from([*EVENTS, "TEST-11", "Codertocat/Hello-World", "api"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=30,
)
fixture_bodies = st.sampled_from([sample.body for sample in ISSUE_EVENTS])


def paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a JSON object, for changing one value deep inside a real payload."""
    if not isinstance(node, dict):
        return []
    return [
        p for key, value in node.items() for p in [(*prefix, key), *paths(value, (*prefix, key))]
    ]


@st.composite
def altered_payloads(draw: st.DrawFn) -> bytes:
    """A real payload with one value, anywhere in it, replaced by any JSON value."""
    body = draw(fixture_bodies)
    return altered(body, draw(st.sampled_from(paths(json.loads(body)))), draw(json_values))


bodies = (
    st.binary(max_size=2_000)
    | json_values.map(lambda value: json.dumps(value).encode())
    | fixture_bodies
    | fixture_bodies.flatmap(lambda body: st.integers(0, len(body)).map(lambda n: body[:n]))
    | altered_payloads()
)
EVENT_HEADER = {"github": "X-GitHub-Event", "gitlab": "X-Gitlab-Event", "jira": "X-Jira-Event"}


def sign(tracker: TrackerKind, body: bytes, sent: dict[str, str]) -> dict[str, str]:
    """`sent` plus the right signature, so the body gets past the check into the reader."""
    if tracker == "gitlab":
        return {**sent, "X-Gitlab-Token": SECRETS["gitlab"]}
    header = "X-Hub-Signature-256" if tracker == "github" else "X-Hub-Signature"
    return {**sent, header: "sha256=" + hmac_hex(SECRETS[tracker], body)}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    tracker=st.sampled_from(TRACKERS),
    body=bodies,
    sent=headers,
    event_name=st.none() | st.sampled_from(EVENTS),
    signed=st.booleans(),
    unsigned_jira=st.booleans(),
)
def test_no_request_makes_a_webhook_endpoint_answer_5xx(
    tracker: TrackerKind,
    body: bytes,
    sent: dict[str, str],
    event_name: str | None,
    signed: bool,
    unsigned_jira: bool,
) -> None:
    secrets: dict[TrackerKind, str | None] = dict(SECRETS)
    if unsigned_jira:
        secrets["jira"] = None
    harness = Harness(
        secrets=secrets, allow_unsigned=frozenset({"jira"}) if unsigned_jira else frozenset()
    )
    if event_name is not None:
        sent = {**sent, EVENT_HEADER[tracker]: event_name}
    sent = sign(tracker, body, sent) if signed else sent
    with TestClient(harness.app(), raise_server_exceptions=True) as client:
        raw = {name: value.encode("latin-1") for name, value in sent.items()}
        answer = client.post(f"/webhooks/{tracker}", content=body, headers=raw)
    assert answer.status_code in (200, 202, 400, 401, 413)
    outcome: Any = answer.json()["outcome"]
    event(outcome)
    assert harness.count(tracker, outcome) == 1
    if outcome != "accepted":
        assert harness.woken == []
