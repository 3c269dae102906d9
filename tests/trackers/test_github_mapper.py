"""The GitHub mappers on real payloads, and the pure rules behind updates, polling and retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from github import GithubException, RateLimitExceededException
from hypothesis import given
from hypothesis import strategies as st

from syncer.model import IssueChange, IssueDraft, IssueState, Priority, Status
from syncer.trackers.base import (
    AuthError,
    FieldMapping,
    NotFound,
    Refused,
    TrackerError,
    replace_keeping_footer,
    with_footer,
)
from syncer.trackers.github.mapping import (
    changed_labels,
    draft_labels,
    edit_fields,
    is_pull_request,
    issue_from_json,
    priority_of,
    version_of,
)
from syncer.trackers.github.poll import REBASE_AFTER_STALE, PollCursor, next_link
from syncer.trackers.github.transport import translate, wait_from_headers

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
API = FIXTURES / "api" / "github"
WEBHOOKS = FIXTURES / "webhooks" / "github"
MAPPING = FieldMapping()


def replay_bodies(path: Path) -> list[Any]:
    """Response bodies of a PyGithub replay file (10 lines per exchange, a blank line between)."""
    blocks = path.read_text().strip("\n").split("\n\n")
    return [json.loads(block.split("\n")[9]) for block in blocks]


def real_issue_payloads() -> list[tuple[str, dict[str, Any]]]:
    """Every issue object in the GitHub fixtures: API answers, replays and webhook deliveries."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(API.glob("*.json")):
        data = json.loads(path.read_text())
        found += [(path.name, item) for item in (data if isinstance(data, list) else [data])]
    for path in sorted(API.glob("*.txt")):
        found += [(path.name, b) for b in replay_bodies(path) if "labels" in b and "number" in b]
    for path in sorted(WEBHOOKS.glob("issue*.json")):  # issue and issue_comment deliveries
        found.append((path.name, json.loads(path.read_text())["issue"]))
    return found


PAYLOADS = real_issue_payloads()

# Who each fixture's issues are assigned to, as GitHub's web page shows it.
ASSIGNEES = {
    "issue.get.pygithub-28.json": ("jacquev6",),
    "issues.list.pygithub-labels-Bug.json": ("jacquev6",),
    "issues.list.pygithub-state-closed-milestone-3.json": ("jacquev6",),
    "pygithub-replay.Issue.testEditWithAllParameters.txt": ("jacquev6",),
    "issue_comment.created.json": ("Codertocat",),
    "issues.closed.json": (),
    "issues.edited.json": ("Codertocat",),
    "issues.opened.json": ("Codertocat",),
}


def test_every_fixture_file_contributes_an_issue() -> None:
    sources = {name for name, _ in PAYLOADS}
    expected = {p.name for p in API.glob("*.json")} | {p.name for p in WEBHOOKS.glob("issue*.json")}
    expected.add("pygithub-replay.Issue.testEditWithAllParameters.txt")
    assert expected <= sources


@pytest.mark.parametrize(("source", "raw"), PAYLOADS, ids=[name for name, _ in PAYLOADS])
def test_mapper_reads_every_real_payload(source: str, raw: dict[str, Any]) -> None:
    issue = issue_from_json(raw, MAPPING)
    assert issue.tracker == "github"
    assert (issue.ref, issue.id) == (str(raw["number"]), str(raw["id"]))
    assert issue.title == raw["title"]
    assert issue.url == raw["html_url"]
    assert issue.state is IssueState(raw["state"])
    assert (issue.status is Status.DONE) == (raw["state"] == "closed")
    assert issue.labels == tuple(label["name"] for label in raw["labels"])
    assert issue.assignees == ASSIGNEES[source]
    assert issue.updated_at.tzinfo is not None
    assert issue.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") == raw["updated_at"]
    assert "\r" not in issue.body
    assert issue.marker is None, "no real payload carries syncer's marker"
    assert not is_pull_request(raw), f"{source}: a plain issue, whatever its `pull_request`"


def test_closed_issue_28_reads_as_done_with_its_people_and_reason() -> None:
    raw = json.loads((API / "issue.get.pygithub-28.json").read_text())
    issue = issue_from_json(raw, MAPPING)
    assert (issue.state, issue.status, issue.raw_status) == (
        IssueState.CLOSED,
        Status.DONE,
        "closed (completed)",
    )
    assert issue.labels == ("bug", "question")
    assert issue.assignees == ("jacquev6",)
    assert issue.body == "Body edited by PyGithub\n"
    assert issue.updated_at == datetime(2025, 8, 15, 19, 35, 40, tzinfo=UTC)


def test_old_payloads_with_only_a_lone_assignee_still_name_them() -> None:
    raw = json.loads((API / "issues.list.pygithub-labels-Bug.json").read_text())[0]
    assert "assignees" not in raw
    assert issue_from_json(raw, MAPPING).assignees == ("jacquev6",)


def test_assignees_read_in_order_whatever_order_github_lists_them() -> None:
    raw = json.loads((WEBHOOKS / "issues.opened.json").read_text())["issue"]
    user = raw["assignees"][0]
    raw["assignees"] = [user, {**user, "login": "alice"}, {**user, "login": "Bob"}]
    reordered = {**raw, "assignees": raw["assignees"][::-1]}
    assert issue_from_json(raw, MAPPING).assignees == ("Bob", "Codertocat", "alice")
    assert version_of(reordered) == version_of(raw), "reordering alone is no change"


def test_web_editor_line_endings_do_not_reach_the_register() -> None:
    raw = json.loads((WEBHOOKS / "issues.closed.json").read_text())["issue"]
    assert "\r\n" in raw["body"]
    assert issue_from_json(raw, MAPPING).body == raw["body"].replace("\r\n", "\n")


def test_a_real_pull_request_object_is_recognised() -> None:
    web = "https://github.com/o/r/pull/7"
    raw = {"pull_request": {"url": "https://api.github.com/repos/o/r/pulls/7", "html_url": web}}
    assert is_pull_request(raw)
    assert not is_pull_request({"pull_request": {"url": None, "html_url": None}})


def base_issue(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": 1,
        "number": 5,
        "html_url": "https://github.com/o/r/issues/5",
        "title": "T",
        "body": with_footer("Text", "item-5", "https://example.com/TECH_DEBT.md"),
        "state": "open",
        "state_reason": None,
        "labels": [{"name": "tech-debt"}],
        "assignees": [],
        "updated_at": "2025-01-02T03:04:05Z",
    }
    return {**raw, **overrides}


def test_status_priority_and_marker_come_from_labels_state_and_footer() -> None:
    raw = base_issue(
        labels=[{"name": "tech-debt"}, {"name": "In Progress"}, {"name": "priority: low"}]
    )
    issue = issue_from_json(raw, MAPPING)
    assert (issue.status, issue.priority, issue.marker, issue.body) == (
        Status.IN_PROGRESS,
        Priority.LOW,
        "item-5",
        "Text",
    )


def test_closed_as_not_planned_is_done_but_keeps_githubs_reason() -> None:
    issue = issue_from_json(base_issue(state="closed", state_reason="not_planned"), MAPPING)
    assert (issue.status, issue.raw_status) == (Status.DONE, "closed (not_planned)")


def test_the_most_urgent_of_several_priority_labels_wins() -> None:
    assert priority_of(["priority: low", "priority: critical"], MAPPING) is Priority.CRITICAL
    custom = FieldMapping(priority_labels={Priority.HIGH: "P1", Priority.LOW: "P3"})
    assert priority_of(["p3"], custom) is Priority.LOW
    assert priority_of(["priority: low"], custom) is None


def test_a_same_second_edit_by_a_person_changes_the_version() -> None:
    ours = base_issue()
    theirs = base_issue(title="Retitled by a person")
    assert ours["updated_at"] == theirs["updated_at"]
    assert version_of(ours) != version_of(theirs)
    assert version_of(ours) == version_of(json.loads(json.dumps(ours)))


plain_text = st.text(
    alphabet=st.characters(
        categories=("L", "M", "N", "P", "S", "Z", "Cc"), exclude_characters="\r<"
    ),
    max_size=200,
)


@given(body=plain_text, new=plain_text)
def test_rewriting_the_body_keeps_the_footer_and_marker(body: str, new: str) -> None:
    current = with_footer(body, "key-1", "https://example.com/r.md")
    rewritten = replace_keeping_footer(current, new)
    issue = issue_from_json(base_issue(body=rewritten), MAPPING)
    assert issue.marker == "key-1"
    assert issue.body == new.rstrip()
    assert rewritten.endswith(current[current.rindex("_Tracked by syncer") :])


def test_a_body_without_marker_is_replaced_as_given() -> None:
    assert replace_keeping_footer("a person wrote this", "new") == "new"


def test_draft_labels_carry_sync_priority_and_status() -> None:
    draft = IssueDraft("k", "T", priority=Priority.HIGH, status=Status.IN_PROGRESS, labels=("x",))
    assert draft_labels(draft, MAPPING) == ["tech-debt", "priority: high", "in progress", "x"]


def test_replacing_labels_keeps_syncers_own_and_swaps_priority() -> None:
    current = ["tech-debt", "priority: low", "in progress", "area: api"]
    change = IssueChange(labels=("effort: high",), priority=Priority.HIGH)
    assert changed_labels(current, change, MAPPING) == [
        "tech-debt",
        "in progress",
        "effort: high",
        "priority: high",
    ]


def test_a_removed_sync_label_is_restored_by_the_next_update() -> None:
    assert changed_labels(["bug"], IssueChange(status=Status.TODO), MAPPING) == ["tech-debt", "bug"]


def test_closing_and_reopening_patch_state_reason_and_progress_label() -> None:
    in_progress = base_issue(labels=[{"name": "tech-debt"}, {"name": "in progress"}])
    assert edit_fields(in_progress, IssueChange(status=Status.DONE), MAPPING) == {
        "state": "closed",
        "state_reason": "completed",
    }, "closing leaves the labels, as GitHub's Close button does"
    assert edit_fields(in_progress, IssueChange(status=Status.TODO), MAPPING) == {
        "labels": ["tech-debt"],
    }
    closed = base_issue(state="closed", state_reason="completed")
    assert edit_fields(closed, IssueChange(status=Status.IN_PROGRESS), MAPPING) == {
        "state": "open",
        "state_reason": "reopened",
        "labels": ["tech-debt", "in progress"],
    }


def test_an_update_that_changes_nothing_sends_nothing() -> None:
    assert edit_fields(base_issue(), IssueChange(status=Status.TODO), MAPPING) == {}


def test_title_and_assignees_need_no_read_first() -> None:
    change = IssueChange(title="New", assignees=("octocat",))
    assert edit_fields(None, change, MAPPING) == {"title": "New", "assignees": ["octocat"]}


def item(number: int, updated: str) -> dict[str, Any]:
    return {"number": number, "updated_at": updated}


def test_cursor_skips_what_it_returned_at_the_same_second_only() -> None:
    cursor = PollCursor().advanced([item(1, "2025-01-01T00:00:05Z")], 'W/"e"', stale=0)
    assert cursor.already_returned(item(1, "2025-01-01T00:00:05Z"))
    assert not cursor.already_returned(item(2, "2025-01-01T00:00:05Z")), "same second, new"
    assert cursor.already_returned(item(3, "2025-01-01T00:00:04Z"))
    assert not cursor.already_returned(item(1, "2025-01-01T00:00:06Z"))
    assert PollCursor.decode(cursor.encode()) == cursor


def test_cursor_rebases_since_when_the_first_page_is_mostly_old_news() -> None:
    fresh = [item(9, "2025-01-01T00:01:00Z")]
    kept = PollCursor().advanced(fresh, 'W/"e"', stale=REBASE_AFTER_STALE - 1)
    assert (kept.since, kept.etag) == (None, 'W/"e"')
    rebased = PollCursor().advanced(fresh, 'W/"e"', stale=REBASE_AFTER_STALE)
    assert (rebased.since, rebased.etag) == ("2025-01-01T00:01:00Z", None)


def test_a_crowded_second_does_not_rebase_forever() -> None:
    second = "2025-01-01T00:01:00Z"
    crowd = [item(n, second) for n in range(REBASE_AFTER_STALE + 5)]
    rebased = PollCursor().advanced(crowd, 'W/"a"', stale=REBASE_AFTER_STALE)
    settled = rebased.advanced([], 'W/"b"', stale=len(crowd))
    assert (settled.since, settled.etag) == (second, 'W/"b"'), "the next idle poll can be a 304"


def test_an_unreadable_cursor_means_listing_everything_again() -> None:
    assert PollCursor.decode("not json") == PollCursor()


def test_next_link_is_read_from_a_real_shaped_link_header() -> None:
    header = (
        '<https://api.github.com/repositories/1/issues?page=1>; rel="prev", '
        '<https://api.github.com/repositories/1/issues?page=3>; rel="next", '
        '<https://api.github.com/repositories/1/issues?page=9>; rel="last"'
    )
    assert next_link(header) == "https://api.github.com/repositories/1/issues?page=3"
    assert next_link(None) is None


def test_waits_follow_retry_after_then_the_reset_time() -> None:
    assert wait_from_headers({"retry-after": "7"}, now=1000.0) == 7.0
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}
    assert wait_from_headers(spent, now=1000.0) == 30.0
    assert wait_from_headers({"x-ratelimit-remaining": "12"}, now=1000.0) is None
    assert wait_from_headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=0) is None


def github_error(status: int, message: str, cls: type[GithubException] = GithubException) -> Any:
    return cls(status, {"message": message}, {})


def test_githubs_refusals_become_typed_errors() -> None:
    assert isinstance(translate(github_error(401, "Bad credentials"), "x"), AuthError)
    no_rights = github_error(403, "Resource not accessible by integration")
    assert isinstance(translate(no_rights, "x"), AuthError)
    assert isinstance(translate(github_error(404, "Not Found"), "x"), NotFound)
    gone = translate(github_error(410, "Issues are disabled for this repo"), "creating")
    assert isinstance(gone, NotFound) and "Issues are disabled" in str(gone)
    invalid = translate(github_error(422, "Validation Failed"), "x")
    assert type(invalid) is Refused, "a refusal of what was sent: that request alone fails"
    assert type(translate(github_error(502, "Bad Gateway"), "x")) is TrackerError
    limited = github_error(403, "API rate limit exceeded", RateLimitExceededException)
    assert not isinstance(translate(limited, "x"), AuthError)
