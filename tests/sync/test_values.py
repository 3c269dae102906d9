"""How items and issues are read for comparison: owners, assignees and the user map."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from syncer.model import IssueState, RemoteIssue, Status
from syncer.register import parse
from syncer.sync.values import People, Reading, owner_names

GITHUB_USERS = {"@dana": "dana-k", "Lee Park": "lpark"}
JIRA_USERS = {"@dana": "dana.k", "@kim": "kim.o"}
PEOPLE = People.of([GITHUB_USERS, JIRA_USERS])
GITHUB = Reading(user_map=GITHUB_USERS, people=PEOPLE)

ISSUE = RemoteIssue(
    tracker="github",
    id="1",
    ref="1",
    url="https://github.example/o/r/issues/1",
    title="Slow build",
    body="",
    state=IssueState.OPEN,
    status=Status.TODO,
    updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    version="v1",
)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@dana", ["@dana"]),
        ("@dana, Lee Park (backend) and @kim", ["@dana", "Lee Park", "@kim"]),
        ("Dana & Lee; Kim / Ops", ["Dana", "Lee", "Kim", "Ops"]),
        ("@dana @lee", ["@dana", "@lee"]),
        ("", []),
        (" , @ ,", []),
    ],
)
def test_an_owner_field_names_its_people(text: str, names: list[str]) -> None:
    assert owner_names(text) == names


def test_the_register_side_names_only_mapped_people_as_configured() -> None:
    register = parse(
        "# Debt\n\n### Slow build\n**Status**: Todo\n**Owner**: @Dana, Ops team, lee park\n"
    )
    assert GITHUB.item(register.items[0])["assignees"] == "@dana, Lee Park"


def test_an_item_without_owner_or_known_owner_has_no_assignees() -> None:
    register = parse(
        "# Debt\n\n### Slow build\n**Status**: Todo\n\n### Old cache\n**Owner**: Ops team\n"
    )
    assert [GITHUB.item(item)["assignees"] for item in register.items] == [None, None]


def test_a_tracker_side_names_mapped_users_and_ignores_the_others() -> None:
    issue = replace(ISSUE, assignees=("LPARK", "dependabot", "dana-k"))
    assert GITHUB.issue(issue)["assignees"] == "@dana, Lee Park"
    assert GITHUB.issue(replace(ISSUE, assignees=("dependabot",)))["assignees"] is None


def test_assignees_sent_keep_the_users_syncer_cannot_name() -> None:
    assert GITHUB.assignees("Lee Park", ("dana-k", "dependabot")) == ("lpark", "dependabot")
    assert GITHUB.assignees("@dana, Lee Park", ()) == ("dana-k", "lpark"), "in name order"
    assert GITHUB.assignees(None, ("dana-k",)) == ()
    assert GITHUB.assignees("@kim", ()) == (), "kim has no GitHub user: nothing to send"


def test_an_owner_field_rewritten_keeps_the_names_nobody_maps() -> None:
    assert GITHUB.owner_text("Lee Park", "@dana, Ops (on call)") == "Lee Park, Ops (on call)"
    assert GITHUB.owner_text(None, "@dana") == ""


def test_assignees_sync_only_where_a_user_map_is_configured() -> None:
    assert GITHUB.syncs("assignees")
    assert not Reading(people=PEOPLE).syncs("assignees")
