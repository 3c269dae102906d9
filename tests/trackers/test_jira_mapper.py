"""The pure Jira mapper, on real Jira payloads (REST and webhooks) and on the fake's.

Every file in `tests/data/fixtures/api/jira` and `webhooks/jira` is used here, and the fake's
payloads are held to the same keys as the real ones, so tests against the fake mean something.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from syncer.fakes.jira import FakeJira
from syncer.model import IssueState, Priority, Status
from syncer.trackers.base import FieldMapping, TrackerError
from syncer.trackers.jira.mapping import (
    description_for,
    issue_from_json,
    label_from_jira,
    label_to_jira,
    pick_transition,
    split_description,
)

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
MAPPING = FieldMapping()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def standard_keys(fields: dict[str, Any]) -> set[str]:
    return {key for key in fields if not key.startswith("customfield_")}


# --- Real payloads ------------------------------------------------------------------------------


def test_cloud_issue() -> None:
    issue = issue_from_json(fixture("api/jira/issue.get.cloud-getsentry-dev.json"), MAPPING)
    assert (issue.tracker, issue.id, issue.ref) == ("jira", "10305", "SEN-5")
    assert issue.url == "https://getsentry-dev.atlassian.net/browse/SEN-5"
    assert (issue.title, issue.body) == ("example summary", "example bug report")
    assert (issue.state, issue.status, issue.raw_status) == (IssueState.OPEN, Status.TODO, "To Do")
    assert issue.priority is Priority.MEDIUM
    assert (issue.labels, issue.assignees, issue.due_date, issue.marker) == ((), (), None, None)
    pacific = timezone(timedelta(hours=-7))
    assert issue.updated_at == datetime(2018, 6, 28, 14, 12, 29, 14000, tzinfo=pacific)
    assert issue.version == "2018-06-28T14:12:29.014-0700"


def test_server_issue_keeps_the_context_path_in_its_url() -> None:
    issue = issue_from_json(fixture("api/jira/issue.get.server-with-customfield.json"), MAPPING)
    assert issue.url == "http://localhost:2990/jira/browse/TEST-136"
    assert (issue.ref, issue.title, issue.body) == (
        "TEST-136",
        "summary content",
        "description body",
    )
    assert issue.labels == ("testlabel",)
    assert issue.due_date == date(2015, 12, 1)
    assert issue.updated_at == datetime(2015, 12, 26, 12, 0, 38, 891000, tzinfo=UTC)


def test_search_hit_without_fields_is_refused_clearly() -> None:
    """A keys-only search hit cannot make a RemoteIssue; say so instead of a KeyError."""
    hit = fixture("api/jira/search.keys-only.server-athabascau.json")["issues"][0]
    with pytest.raises(TrackerError, match="OROS-225 came without its fields"):
        issue_from_json(hit, MAPPING)


def test_webhook_issue_created() -> None:
    payload = fixture("webhooks/jira/jira_issue_created.server.json")
    issue = issue_from_json(payload["issue"], MAPPING)
    assert (issue.ref, issue.title, issue.body) == ("TEST-4", "a", "")
    assert (issue.state, issue.status) == (IssueState.OPEN, Status.TODO)


def test_webhook_issue_moved_to_done() -> None:
    payload = fixture("webhooks/jira/jira_issue_updated.status_changed.server.json")
    issue = issue_from_json(payload["issue"], MAPPING)
    assert (issue.state, issue.status, issue.raw_status) == (IssueState.CLOSED, Status.DONE, "Done")
    assert issue.assignees == ("admin",)
    assert issue.priority is None, "Blocker is not one of the mapped priorities"
    blocker = FieldMapping(jira_priorities={Priority.CRITICAL: "Blocker"})
    assert issue_from_json(payload["issue"], blocker).priority is Priority.CRITICAL


@pytest.mark.parametrize(
    "name, assignee",
    [
        # A 2018 Cloud user carries both; Cloud writes take only the account id.
        (
            "api/jira/issue.get.cloud-getsentry-dev.json",
            "557058:2b9b2878-fb9d-48b2-a166-86c179604206",
        ),
        ("api/jira/issue.get.server-with-customfield.json", "admin"),
    ],
)
def test_an_assignee_reads_as_the_identifier_its_flavour_assigns_by(
    name: str, assignee: str
) -> None:
    """Both fixtures are unassigned; their reporter (a real user object) stands in."""
    raw = fixture(name)
    raw["fields"]["assignee"] = raw["fields"]["reporter"]
    assert issue_from_json(raw, MAPPING).assignees == (assignee,)


def test_status_categories_decide_when_the_name_is_unknown() -> None:
    raw = fixture("api/jira/issue.get.cloud-getsentry-dev.json")
    status = raw["fields"]["status"]
    status.update(name="Peer Review", statusCategory={"key": "indeterminate"})
    assert issue_from_json(raw, MAPPING).status is Status.IN_PROGRESS
    status.update(name="Shipped", statusCategory={"key": "done"})
    assert issue_from_json(raw, MAPPING).state is IssueState.CLOSED


TRANSITIONS = fixture("api/jira/issue.transitions.cloud-getsentry-dev.json")["transitions"]


@pytest.mark.parametrize(
    "target, transition_id",
    [(Status.TODO, "11"), (Status.IN_PROGRESS, "21"), (Status.DONE, "31")],
)
def test_transition_chosen_by_name(target: Status, transition_id: str) -> None:
    chosen = pick_transition(TRANSITIONS, target, MAPPING)
    assert chosen is not None and chosen["id"] == transition_id


def test_transition_chosen_by_destination_when_no_name_matches() -> None:
    """A workflow with its own transition names still works: the destination status decides.
    (The fixture's "Kicked" transition has no destination at all, and is skipped.)"""
    unnamed = FieldMapping(jira_transitions={"done": ("Finish",)})
    chosen = pick_transition(TRANSITIONS, Status.DONE, unnamed)
    assert chosen is not None and chosen["to"]["name"] == "Done"
    assert pick_transition(TRANSITIONS[3:], Status.DONE, unnamed) is None


# --- The fake speaks the same shapes ------------------------------------------------------------


@pytest.fixture(scope="module")
def fakes() -> Any:
    with (
        FakeJira(flavour="server", issues=1) as server,
        FakeJira(flavour="cloud", issues=1) as cloud,
    ):
        yield {"server": server, "cloud": cloud}


def test_fake_server_issue_has_the_keys_of_a_real_server_issue(fakes: Any) -> None:
    real = fixture("api/jira/issue.get.server-with-customfield.json")
    fake = fakes["server"].issue_json("DEBT-1")
    assert set(fake) == set(real)
    assert set(fake["fields"]) == standard_keys(real["fields"])
    for user in ("creator", "reporter"):
        assert set(fake["fields"][user]) == set(real["fields"][user])
    assert set(fake["fields"]["status"]) == set(real["fields"]["status"])


def test_fake_cloud_issue_has_the_keys_of_a_real_cloud_issue(fakes: Any) -> None:
    real = fixture("api/jira/issue.get.cloud-getsentry-dev.json")
    fake = fakes["cloud"].issue_json("DEBT-1")
    extra = standard_keys(fake["fields"]) - standard_keys(real["fields"])
    assert standard_keys(real["fields"]) <= set(fake["fields"])
    assert extra == {"statuscategorychangedate"}, "newer Cloud sites add only this one"
    assert "accountId" in fake["fields"]["reporter"]


def test_mapper_reads_the_fake_like_the_real_thing(fakes: Any) -> None:
    issue = issue_from_json(fakes["server"].issue_json("DEBT-1"), MAPPING)
    assert issue.ref == "DEBT-1" and issue.url == f"{fakes['server'].base_url}/browse/DEBT-1"
    assert issue.labels == ("tech-debt",) and issue.body == "Seeded by the fake.\n\n- detail 1"


# --- The footer, the marker and labels ----------------------------------------------------------


@pytest.mark.parametrize("key", ["add-rate-limiting", "api/v2_rate*limit", "x"])
@pytest.mark.parametrize("body", ["Limit **per key**.\n\n- one", ""])
def test_footer_carries_the_marker_and_is_cut_from_the_body(body: str, key: str) -> None:
    wiki = description_for(body, key, "https://example.com/TECH_DEBT.md")
    assert "[the tech-debt register|https://example.com/TECH_DEBT.md]" in wiki
    _, footer, marker = split_description(wiki)
    assert marker == key
    assert footer.startswith("_Tracked by syncer from")
    issue = issue_from_json(
        {"id": "1", "key": "K-1", "self": "https://j/rest/api/2/issue/1",
         "fields": {"description": wiki, "updated": "2021-05-04T10:11:12.000+0000"}},
        MAPPING,
    )  # fmt: skip
    assert (issue.body, issue.marker) == (body, key)


def test_a_description_without_marker_is_all_body() -> None:
    assert split_description("h1. Notes\n\n----\nmore") == ("h1. Notes\n\n----\nmore", "", None)


def test_labels_with_spaces_survive_jira() -> None:
    assert label_to_jira("area: api") == "area:_api"
    assert label_from_jira("area:_api", MAPPING) == "area: api"
    underscored = FieldMapping(sync_label="tech_debt")
    assert label_from_jira(label_to_jira("tech_debt"), underscored) == "tech_debt"


def test_a_rest_v3_description_is_refused_not_read_as_empty() -> None:
    """Reading an ADF document as an empty body would look like someone erased the text."""
    raw = fixture("api/jira/issue.get.cloud-getsentry-dev.json")
    raw["fields"]["description"] = {"type": "doc", "version": 1, "content": []}
    with pytest.raises(TrackerError, match="Atlassian Document Format"):
        issue_from_json(raw, MAPPING)
