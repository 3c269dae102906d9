"""The GitLab mappers and planners, on GitLab's own documented payloads and on generated input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.model import IssueChange, IssueDraft, IssueState, Priority, RemoteIssue, Status
from syncer.trackers.base import FieldMapping, replace_keeping_footer, split_footer, with_footer
from syncer.trackers.gitlab.cursor import Cursor
from syncer.trackers.gitlab.mapping import (
    draft_labels,
    issue_from_api,
    issue_from_hook,
    parse_time,
    plan_update,
    planned_labels,
    priority_from_labels,
)

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
API = FIXTURES / "api" / "gitlab"
HOOKS = FIXTURES / "webhooks" / "gitlab"
MAPPING = FieldMapping()


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def api_issues() -> list[tuple[str, dict[str, Any]]]:
    """Every issue object in every GitLab REST fixture, named `file[index]`."""
    found = []
    for path in sorted(API.glob("*.json")):
        data = load(path)
        items = data if isinstance(data, list) else [data]
        found += [(f"{path.name}[{n}]", item) for n, item in enumerate(items)]
    return found


def utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# What a person reading each documented payload in GitLab's web page would see.
EXPECTED_API: dict[str, dict[str, Any]] = {
    "issue.create.docs-v4.json[0]": {
        "ref": "14",
        "title": "Issues with auth",
        "state": IssueState.OPEN,
        "status": Status.TODO,
        "labels": ("bug",),
        "assignees": (),
        "due_date": None,
        "updated_at": utc(2016, 1, 7, 12, 44, 33, 959000),
        "body": "",
    },
    "issue.edit-close.docs-v4.json[0]": {
        "ref": "15",
        "title": "Issues with auth",
        "state": IssueState.CLOSED,
        "status": Status.DONE,
        "labels": ("bug",),
        "assignees": (),
        "due_date": date(2016, 7, 22),
        "updated_at": utc(2016, 1, 7, 12, 55, 16, 213000),
        "body": "",
    },
    "issues.list.docs-v4.json[0]": {
        "ref": "6",
        "title": "Consequatur vero maxime deserunt laboriosam est voluptas dolorem.",
        "state": IssueState.OPEN,
        "status": Status.TODO,
        "labels": ("foo", "bar"),
        "assignees": ("root",),
        "due_date": date(2016, 7, 22),
        "updated_at": utc(2016, 1, 4, 15, 31, 51, 81000),
        "body": "Ratione dolores corrupti mollitia soluta quia.",
    },
}


def test_every_rest_fixture_has_an_expectation() -> None:
    assert sorted(name for name, _ in api_issues()) == sorted(EXPECTED_API)


@pytest.mark.parametrize(("name", "data"), api_issues(), ids=[n for n, _ in api_issues()])
def test_rest_payloads_map_to_what_gitlab_shows(name: str, data: dict[str, Any]) -> None:
    issue = issue_from_api(data, MAPPING)
    expected = EXPECTED_API[name]
    assert {key: getattr(issue, key) for key in expected} == expected
    assert issue.tracker == "gitlab"
    assert issue.id == str(data["id"])
    assert issue.url == data["web_url"]
    assert issue.marker is None and issue.priority is None


def test_assignees_read_in_order_whatever_order_gitlab_lists_them() -> None:
    data = load(API / "issues.list.docs-v4.json")[0]
    root = data["assignees"][0]
    data["assignees"] = [root, {**root, "id": 3, "username": "alice"}]
    assert issue_from_api(data, MAPPING).assignees == ("alice", "root")


def test_a_moved_issue_says_so_and_a_documented_one_is_not_moved() -> None:
    data = load(API / "issues.list.docs-v4.json")[0]
    assert issue_from_api(data, MAPPING).moved_to is None
    moved = issue_from_api({**data, "state": "closed", "moved_to_id": 1234}, MAPPING)
    assert (moved.moved_to, moved.state) == ("1234", IssueState.CLOSED)
    hook = load(HOOKS / "issue_hook.docs.json")
    hook["object_attributes"]["moved_to_id"] = 1234
    assert issue_from_hook(hook, MAPPING).moved_to == "1234"


def test_issue_hook_maps_labels_assignees_and_the_iso_timestamp() -> None:
    issue = issue_from_hook(load(HOOKS / "issue_hook.docs.json"), MAPPING)
    assert (issue.ref, issue.id) == ("23", "301")
    assert issue.title == "New API: create/update/delete file"
    assert issue.body == "Create new API for manipulations with repository"
    assert (issue.state, issue.status) == (IssueState.OPEN, Status.TODO)
    assert issue.labels == ("API",)
    assert issue.assignees == ("user1",)
    assert issue.updated_at == utc(2013, 12, 3, 17, 15, 43)
    assert issue.url == "http://example.com/diaspora/issues/23"


def test_note_hook_maps_its_issue_with_the_utc_suffixed_timestamp() -> None:
    issue = issue_from_hook(load(HOOKS / "note_hook.issue.docs.json"), MAPPING)
    assert (issue.ref, issue.title) == ("17", "test")
    assert (issue.state, issue.status) == (IssueState.CLOSED, Status.DONE)
    assert issue.labels == ("Afterpod", "Element")
    assert issue.updated_at == utc(2015, 4, 26, 8, 28, 42)
    assert issue.url == "http://example.com/gitlab-org/gitlab-test/-/issues/17"


def test_hooks_that_are_not_about_an_issue_are_refused() -> None:
    with pytest.raises(ValueError, match="not an issue event"):
        issue_from_hook({"object_kind": "push"}, MAPPING)


@pytest.mark.parametrize(
    "text",
    ["2013-12-03T17:15:43Z", "2013-12-03 17:15:43 UTC", "2013-12-03T18:15:43.000+01:00"],
)
def test_both_gitlab_timestamp_formats_mean_the_same_instant(text: str) -> None:
    assert parse_time(text) == utc(2013, 12, 3, 17, 15, 43)


def test_the_same_instant_from_rest_and_hook_gives_the_same_version() -> None:
    rest = dict(api_issues()[0][1], updated_at="2017-09-15T16:52:00.000Z")
    hook = dict(rest, updated_at="2017-09-15 16:52:00 UTC")
    assert issue_from_api(rest, MAPPING).version == issue_from_api(hook, MAPPING).version


def fixture_issue(**overrides: Any) -> dict[str, Any]:
    return {**dict(api_issues())["issues.list.docs-v4.json[0]"], **overrides}


def test_labels_give_status_priority_and_marker() -> None:
    body = with_footer("Fix it.", "api-versioning", "https://example.com/TECH_DEBT.md")
    data = fixture_issue(labels=["tech-debt", "Priority: High", "In Progress"], description=body)
    issue = issue_from_api(data, MAPPING)
    assert (issue.status, issue.raw_status) == (Status.IN_PROGRESS, "In Progress")
    assert issue.priority is Priority.HIGH
    assert (issue.body, issue.marker) == ("Fix it.", "api-versioning")


def test_a_closed_issue_is_done_even_with_the_in_progress_label() -> None:
    issue = issue_from_api(fixture_issue(state="closed", labels=["in progress"]), MAPPING)
    assert (issue.status, issue.raw_status) == (Status.DONE, "closed")


def test_two_priority_labels_read_as_the_more_urgent() -> None:
    labels = ["priority: low", "priority: critical"]
    assert priority_from_labels(labels, MAPPING) is Priority.CRITICAL


def test_a_draft_gets_sync_priority_and_status_labels_once() -> None:
    draft = IssueDraft(
        "k", "T", status=Status.IN_PROGRESS, priority=Priority.LOW, labels=("TECH-DEBT", "api")
    )
    assert draft_labels(draft, MAPPING) == ["tech-debt", "priority: low", "in progress", "api"]


def test_update_sends_only_label_additions_and_removals() -> None:
    current = fixture_issue(labels=["tech-debt", "priority: high", "needs design"])
    data = plan_update(current, IssueChange(priority=Priority.LOW), MAPPING)
    assert data == {"add_labels": "priority: low", "remove_labels": "priority: high"}


def test_update_closes_reopens_and_clears_the_due_date() -> None:
    opened, closed = fixture_issue(labels=["in progress"]), fixture_issue(state="closed")
    assert plan_update(opened, IssueChange(status=Status.DONE), MAPPING) == {
        "state_event": "close",
        "remove_labels": "in progress",
    }
    assert plan_update(closed, IssueChange(status=Status.TODO), MAPPING) == {
        "state_event": "reopen"
    }
    assert plan_update(opened, IssueChange(clear_due_date=True), MAPPING) == {"due_date": ""}


def test_an_update_changing_nothing_sends_nothing() -> None:
    body = with_footer("Same text.", "k")
    current = fixture_issue(labels=["tech-debt", "priority: high"], description=body)
    change = IssueChange(
        title=current["title"],
        body="Same text.",
        priority=Priority.HIGH,
        status=Status.TODO,
        labels=(),
        due_date=date(2016, 7, 22),
    )
    assert plan_update(current, change, MAPPING) == {}
    assert (
        plan_update(fixture_issue(due_date=None), IssueChange(clear_due_date=True), MAPPING) == {}
    )


managed = st.sampled_from(
    [MAPPING.sync_label, MAPPING.in_progress_label, *MAPPING.priority_labels.values()]
)
FREE_LABELS = ("area: api", "bug", "effort: high", "docs")
free = st.sampled_from(FREE_LABELS)
label_lists = st.lists(st.one_of(managed, free), max_size=6)


@given(
    current=label_lists,
    wanted=st.none() | st.lists(free, max_size=3).map(tuple),
    priority=st.none() | st.sampled_from(Priority),
    status=st.none() | st.sampled_from(Status),
)
def test_planned_labels_keep_syncers_own_and_hold_one_status_and_priority(
    current: list[str],
    wanted: tuple[str, ...] | None,
    priority: Priority | None,
    status: Status | None,
) -> None:
    change = IssueChange(labels=wanted, priority=priority, status=status)
    result = planned_labels(current, change, MAPPING)
    assert len(result) == len(set(result))
    if MAPPING.sync_label in current:
        assert MAPPING.sync_label in result
    if wanted is not None:
        assert {label for label in result if label in FREE_LABELS} == set(wanted)
    if priority is not None:
        assert priority_from_labels(result, MAPPING) is priority
        assert sum(label.startswith("priority: ") for label in result) == 1
    if status is not None:
        assert (MAPPING.in_progress_label in result) == (status is Status.IN_PROGRESS)


body_text = st.text(st.sampled_from("ab \n-*#[]x"), max_size=40)


@given(old=body_text, new=body_text, url=st.sampled_from(["", "https://example.com/TODO.md"]))
def test_replacing_the_body_keeps_the_footer_and_marker(old: str, new: str, url: str) -> None:
    replaced = replace_keeping_footer(with_footer(old, "item-7", url), new)
    assert replaced == with_footer(new, "item-7", url)
    assert split_footer(replaced) == (new.rstrip(), "item-7")


def test_replacing_the_body_of_an_issue_syncer_did_not_create_is_plain() -> None:
    assert replace_keeping_footer("written by a person", "new text") == "new text"


def remote(ref: str, at: datetime) -> RemoteIssue:
    return issue_from_api(fixture_issue(iid=int(ref), updated_at=at.isoformat()), MAPPING)


def test_cursor_skips_only_issues_already_read_at_its_timestamp() -> None:
    t1, t2 = utc(2024, 5, 1, 10, 0, 0, 1000), utc(2024, 5, 1, 10, 0, 0, 2000)
    cursor = Cursor.decode(Cursor().advanced([remote("1", t1), remote("2", t2)]).encode())
    assert cursor.after == t2
    assert cursor.already_read(remote("2", t2))
    assert not cursor.already_read(remote("3", t2)), "another issue changed in the same ms"
    assert not cursor.already_read(remote("2", utc(2024, 5, 1, 10, 0, 1)))


def test_cursor_accumulates_issues_read_at_the_same_timestamp() -> None:
    at = utc(2024, 5, 1, 10, 0, 0)
    cursor = Cursor().advanced([remote("1", at)]).advanced([remote("2", at)])
    assert cursor.seen == {"1", "2"}


@pytest.mark.parametrize("garbage", [None, "", "not json", '{"after": 3}', "[]"])
def test_a_cursor_this_adapter_did_not_write_means_a_full_read(garbage: str | None) -> None:
    assert Cursor.decode(garbage) == Cursor()
