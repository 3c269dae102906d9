"""Verifying and reading deliveries (syncer.daemon.webhooks) on the trackers' real payloads."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from syncer.config import TrackerKind
from syncer.daemon.webhooks import Delivery, IssueEvent, Malformed, Unauthorized, parse, verify
from syncer.fakes.github import signature_256
from tests.daemon.support import (
    GITHUB_CLOSED,
    GITHUB_COMMENT,
    GITHUB_OPENED,
    GITLAB_ISSUE,
    GITLAB_NOTE,
    ISSUE_EVENTS,
    JIRA_CREATED,
    JIRA_UPDATED,
    SECRETS,
    Sample,
    altered,
    hmac_hex,
    sample_headers,
    signed,
)

# --- verify --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", ISSUE_EVENTS, ids=lambda s: s.file)
def test_a_delivery_signed_as_the_tracker_signs_is_verified(sample: Sample) -> None:
    verify(sample.tracker, sample_headers(sample), sample.body, SECRETS[sample.tracker])


@pytest.mark.parametrize("sample", ISSUE_EVENTS, ids=lambda s: s.file)
def test_a_delivery_signed_with_another_secret_is_refused(sample: Sample) -> None:
    forged = signed(sample.tracker, sample.body, event=sample.event, secret="guessed")
    with pytest.raises(Unauthorized):
        verify(sample.tracker, forged, sample.body, SECRETS[sample.tracker])


@pytest.mark.parametrize("sample", [GITHUB_OPENED, JIRA_UPDATED], ids=lambda s: s.tracker)
def test_a_signature_over_other_bytes_is_refused(sample: Sample) -> None:
    """The signature covers the raw body: one byte changed (here, reformatted JSON with the
    same meaning) and it no longer matches."""
    headers = sample_headers(sample)
    reformatted = json.dumps(json.loads(sample.body)).encode()
    assert reformatted != sample.body
    with pytest.raises(Unauthorized):
        verify(sample.tracker, headers, reformatted, SECRETS[sample.tracker])


@pytest.mark.parametrize("tracker", ["github", "gitlab", "jira"])
def test_an_unsigned_delivery_is_refused_when_a_secret_is_configured(tracker: TrackerKind) -> None:
    with pytest.raises(Unauthorized, match="no X-"):
        verify(tracker, {}, b"{}", SECRETS[tracker], allow_unsigned=True)


@pytest.mark.parametrize("tracker", ["github", "gitlab", "jira"])
def test_with_no_secret_configured_every_delivery_is_refused(tracker: TrackerKind) -> None:
    headers = signed(tracker, b"{}")
    with pytest.raises(Unauthorized, match=r"no \w+ webhook secret is configured"):
        verify(tracker, headers, b"{}", None)


def test_unsigned_deliveries_are_taken_only_where_allowed_and_no_secret_is_set() -> None:
    verify("jira", {}, JIRA_CREATED.body, None, allow_unsigned=True)
    with pytest.raises(Unauthorized):
        verify("jira", {}, JIRA_CREATED.body, "", allow_unsigned=False)


def test_header_names_are_matched_in_any_case() -> None:
    headers = {k.upper(): v for k, v in sample_headers(GITHUB_OPENED).items()}
    verify("github", headers, GITHUB_OPENED.body, SECRETS["github"])


def test_github_signature_is_the_sha256_header_not_the_legacy_sha1_one() -> None:
    body = GITHUB_OPENED.body
    sha1_only = {"X-Hub-Signature": "sha256=" + hmac_hex(SECRETS["github"], body)}
    with pytest.raises(Unauthorized, match="X-Hub-Signature-256"):
        verify("github", sha1_only, body, SECRETS["github"])


def test_jira_signatures_must_be_sha256() -> None:
    body = JIRA_CREATED.body
    other_method = {"X-Hub-Signature": "sha1=" + hmac_hex(SECRETS["jira"], body)}
    with pytest.raises(Unauthorized):
        verify("jira", other_method, body, SECRETS["jira"])


def test_the_fake_github_signs_as_the_daemon_verifies() -> None:
    body = GITHUB_OPENED.body
    headers = {"X-Hub-Signature-256": signature_256(SECRETS["github"], body)}
    verify("github", headers, body, SECRETS["github"])


@pytest.mark.parametrize("value", ["", "sha256=", "sha256", "=", "sha256=zz", "é" * 70])
def test_garbled_signatures_are_refused_not_crashed_on(value: str) -> None:
    for tracker, header in (("github", "X-Hub-Signature-256"), ("jira", "X-Hub-Signature")):
        with pytest.raises(Unauthorized):
            verify(tracker, {header: value}, b"{}", "secret")  # type: ignore[arg-type]
    with pytest.raises(Unauthorized):
        verify("gitlab", {"X-Gitlab-Token": value}, b"{}", "secret")


def test_refusals_never_carry_the_secret_or_what_was_sent() -> None:
    sent = "X-Gitlab-Token-value-sent"
    with pytest.raises(Unauthorized) as refused:
        verify("gitlab", {"X-Gitlab-Token": sent}, b"{}", SECRETS["gitlab"])
    assert SECRETS["gitlab"] not in str(refused.value)
    assert sent not in str(refused.value)


# --- parse: issue events -------------------------------------------------------------------------


def read(sample: Sample, delivery: str | None = "d-1") -> Delivery:
    return parse(sample.tracker, sample_headers(sample, delivery), sample.body)


def test_github_issue_event() -> None:
    assert read(GITHUB_OPENED) == Delivery(
        tracker="github",
        delivery_id="d-1",
        event="issues",
        action="opened",
        issue=IssueEvent(project="Codertocat/Hello-World", ref="1", labels=frozenset({"bug"})),
    )
    closed = read(GITHUB_CLOSED)
    assert closed.action == "closed"
    assert closed.issue == IssueEvent("C-Saunders/flynn_env_test", "1", frozenset())


def test_github_form_encoded_delivery_reads_as_its_json() -> None:
    """GitHub's default content type: `payload=<url-encoded JSON>`, signed as sent."""
    body = urlencode({"payload": GITHUB_OPENED.body.decode()}).encode()
    headers = signed("github", body, event="issues", delivery="d-2")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    verify("github", headers, body, SECRETS["github"])
    assert parse("github", headers, body) == read(GITHUB_OPENED, "d-2")


@pytest.mark.parametrize(
    "body",
    [b"", b"payload=%7B", b"payload=%FF%FE", b"a=1&b=2", b"payload=1&payload=2", b"\xff=\xfe"],
)
def test_github_form_bodies_without_one_json_payload_are_malformed(body: bytes) -> None:
    headers = {"X-GitHub-Event": "issues", "Content-Type": "application/x-www-form-urlencoded"}
    with pytest.raises(Malformed):
        parse("github", headers, body)


def test_gitlab_issue_hook() -> None:
    assert read(GITLAB_ISSUE) == Delivery(
        tracker="gitlab",
        delivery_id="d-1",
        event="Issue Hook",
        action="open",
        issue=IssueEvent(
            project="gitlabhq/gitlab-test", ref="23", labels=frozenset({"API"}), project_id="1"
        ),
    )


def test_gitlab_confidential_issue_hook_is_an_issue_event() -> None:
    headers = signed("gitlab", GITLAB_ISSUE.body, event="Confidential Issue Hook")
    assert parse("gitlab", headers, GITLAB_ISSUE.body).used


def test_gitlab_delivery_id_is_the_idempotency_key_else_the_event_uuid() -> None:
    body = GITLAB_ISSUE.body
    both = {"X-Gitlab-Event": "Issue Hook", "Idempotency-Key": "k", "X-Gitlab-Event-UUID": "u"}
    assert parse("gitlab", both, body).delivery_id == "k"
    del both["Idempotency-Key"]
    assert parse("gitlab", both, body).delivery_id == "u"


def test_jira_issue_events() -> None:
    created = read(JIRA_CREATED)
    issue = IssueEvent("TEST", "TEST-4", frozenset())
    assert created == Delivery("jira", "d-1", "jira:issue_created", None, issue)
    updated = read(JIRA_UPDATED)
    assert (updated.event, updated.issue) == (
        "jira:issue_updated",
        IssueEvent("TEST", "TEST-11", frozenset()),
    )


def test_jira_project_falls_back_to_the_key_prefix_and_labels_are_read() -> None:
    payload = {
        "webhookEvent": "jira:issue_deleted",
        "issue": {"key": "PLAT-7", "fields": {"labels": ["tech-debt", "backend"]}},
    }
    delivery = parse("jira", {}, json.dumps(payload).encode())
    assert delivery.issue == IssueEvent("PLAT", "PLAT-7", frozenset({"tech-debt", "backend"}))


def test_a_missing_delivery_id_is_none() -> None:
    assert read(GITHUB_OPENED, delivery=None).delivery_id is None
    assert read(JIRA_CREATED, delivery="  ").delivery_id is None


# --- parse: events syncer does not use -----------------------------------------------------------


def test_comments_are_not_used() -> None:
    """Comments are not a synced field: they would only wake a cycle with nothing to do."""
    assert not read(GITHUB_COMMENT).used
    assert not read(GITLAB_NOTE).used
    payload = json.loads(JIRA_UPDATED.body)
    payload["issue_event_type_name"] = "issue_commented"
    assert not parse("jira", {}, json.dumps(payload).encode()).used


@pytest.mark.parametrize(
    ("tracker", "headers", "payload"),
    [
        ("github", {"X-GitHub-Event": "ping"}, {"zen": "Keep it logically awesome.", "hook_id": 1}),
        ("github", {"X-GitHub-Event": "star"}, {"action": "created"}),
        ("github", {"X-GitHub-Event": "pull_request"}, {"action": "opened", "number": 3}),
        ("jira", {}, {"webhookEvent": "comment_created", "comment": {}}),
        ("jira", {}, {"webhookEvent": "jira:version_released"}),
    ],
)
def test_other_events_are_not_used(
    tracker: TrackerKind, headers: dict[str, str], payload: dict[str, object]
) -> None:
    delivery = parse(tracker, headers, json.dumps(payload).encode())
    assert delivery.issue is None


# --- parse: malformed ----------------------------------------------------------------------------


NOT_JSON_OBJECTS = [
    b"",
    b"{",
    b"[]",
    b'"text"',
    b"\xff\xfe{",
    b"[" * 100_000,  # nested past Python's recursion limit
    b'{"n": 1' + b"0" * 5000 + b"}",  # past Python's limit on digits in an int
]


@pytest.mark.parametrize("body", NOT_JSON_OBJECTS)
@pytest.mark.parametrize("tracker", ["github", "gitlab", "jira"])
def test_bodies_that_are_not_a_json_object_are_malformed(tracker: TrackerKind, body: bytes) -> None:
    headers = {"X-GitHub-Event": "issues", "X-Gitlab-Event": "Issue Hook"}
    with pytest.raises(Malformed):
        parse(tracker, headers, body)


@pytest.mark.parametrize(
    ("sample", "path"),
    [
        (GITHUB_OPENED, ["repository"]),
        (GITHUB_OPENED, ["issue", "number"]),
        (GITLAB_ISSUE, ["object_attributes", "iid"]),
        (GITLAB_ISSUE, ["project", "path_with_namespace"]),
        (JIRA_CREATED, ["issue", "key"]),
    ],
)
def test_issue_events_missing_their_issue_or_project_are_malformed(
    sample: Sample, path: list[str]
) -> None:
    body = altered(sample.body, path)
    with pytest.raises(Malformed, match=".".join(path)):
        parse(sample.tracker, signed(sample.tracker, body, event=sample.event), body)


@pytest.mark.parametrize(
    ("sample", "path", "value"),
    [
        (GITHUB_OPENED, ["issue", "number"], "1"),
        (GITHUB_OPENED, ["issue", "number"], True),
        (GITHUB_OPENED, ["issue", "labels"], [{"id": 3}]),
        (GITHUB_OPENED, ["issue", "labels"], "bug"),
        (GITLAB_ISSUE, ["labels"], [None]),
        (JIRA_CREATED, ["issue", "fields", "labels"], [1]),
        (JIRA_CREATED, ["issue", "key"], "   "),
    ],
)
def test_issue_events_with_ill_typed_values_are_malformed(
    sample: Sample, path: list[str], value: object
) -> None:
    body = altered(sample.body, path, value)
    with pytest.raises(Malformed):
        parse(sample.tracker, signed(sample.tracker, body, event=sample.event), body)


def test_a_jira_issue_without_a_project_key_anywhere_is_malformed() -> None:
    body = altered(
        altered(JIRA_CREATED.body, ["issue", "fields", "project"]), ["issue", "key"], "4"
    )
    with pytest.raises(Malformed, match="project"):
        parse("jira", {}, body)


def test_github_and_gitlab_deliveries_need_their_event_header() -> None:
    with pytest.raises(Malformed, match="X-GitHub-Event"):
        parse("github", {}, GITHUB_OPENED.body)
    with pytest.raises(Malformed, match="X-Gitlab-Event"):
        parse("gitlab", {}, GITLAB_ISSUE.body)
