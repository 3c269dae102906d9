"""Which registers a delivery wakes (syncer.daemon.routing), over a loaded configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import Settings, TrackerKind, load_config
from syncer.daemon.routing import Router
from syncer.daemon.webhooks import Delivery, IssueEvent
from tests.daemon.support import FakeLinks

CONFIG = """
[[registers]]
name = "platform"
path = "platform.md"

[[registers.targets]]
kind = "github"
repo = "Octo-Org/Platform"
token_env = "GH_TOKEN"

[[registers.targets]]
kind = "jira"
repo = "PLAT"
base_url = "https://jira.example.test"
token_env = "JIRA_TOKEN"

[[registers.targets]]
name = "gitlab-by-id"
kind = "gitlab"
repo = "4242"
token_env = "GL_TOKEN"

[[registers]]
name = "web"
path = "web.md"

[[registers.targets]]
kind = "github"
repo = "octo-org/platform"
token_env = "GH_TOKEN"
sync_label = "Debt"

[[registers.targets]]
kind = "gitlab"
repo = "Group/Sub/Web"
token_env = "GL_TOKEN"
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "syncer.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path, env={})


def issue_delivery(
    tracker: TrackerKind,
    project: str,
    ref: str,
    labels: tuple[str, ...] = (),
    project_id: str | None = None,
) -> Delivery:
    issue = IssueEvent(project, ref, frozenset(labels), project_id)
    return Delivery(tracker, "id-1", "event", None, issue)


def route(settings: Settings, delivery: Delivery, *links: tuple[str, str, str]) -> tuple[str, ...]:
    return Router(settings.registers, FakeLinks(*links).find).registers_for(delivery)


def test_a_linked_issue_wakes_the_register_linking_it(settings: Settings) -> None:
    delivery = issue_delivery("github", "octo-org/platform", "12")
    woken = route(settings, delivery, ("platform", "github:Octo-Org/Platform", "12"))
    assert woken == ("platform",)


def test_an_issue_with_a_registers_sync_label_wakes_it_to_be_adopted(settings: Settings) -> None:
    """Labels compare without case: `debt` is the `Debt` label on GitHub."""
    assert route(settings, issue_delivery("github", "octo-org/platform", "9", ("debt",))) == (
        "web",
    )
    assert route(settings, issue_delivery("github", "octo-org/platform", "9", ("tech-debt",))) == (
        "platform",
    )


def test_one_issue_may_wake_several_registers_in_configuration_order(settings: Settings) -> None:
    delivery = issue_delivery("github", "OCTO-ORG/PLATFORM", "3", ("Debt",))
    links = ("platform", "github:Octo-Org/Platform", "3")
    assert route(settings, delivery, links) == ("platform", "web")


def test_an_unmanaged_issue_wakes_nothing(settings: Settings) -> None:
    delivery = issue_delivery("github", "octo-org/platform", "5", ("bug",))
    assert route(settings, delivery, ("web", "github:octo-org/platform", "6")) == ()


def test_a_link_counts_only_for_its_own_register_and_target(settings: Settings) -> None:
    delivery = issue_delivery("github", "octo-org/platform", "12")
    assert route(settings, delivery, ("platform", "jira:PLAT", "12")) == ()


def test_another_project_of_the_same_tracker_wakes_nothing(settings: Settings) -> None:
    delivery = issue_delivery("github", "octo-org/other", "12", ("tech-debt", "Debt"))
    assert route(settings, delivery, ("platform", "github:Octo-Org/Platform", "12")) == ()


def test_the_same_project_name_on_another_tracker_wakes_nothing(settings: Settings) -> None:
    delivery = issue_delivery("gitlab", "octo-org/platform", "12", ("tech-debt",))
    assert route(settings, delivery) == ()


def test_jira_routes_by_project_key(settings: Settings) -> None:
    linked = issue_delivery("jira", "PLAT", "PLAT-7")
    assert route(settings, linked, ("platform", "jira:PLAT", "PLAT-7")) == ("platform",)
    assert route(settings, issue_delivery("jira", "OPS", "OPS-7", ("tech-debt",))) == ()


def test_gitlab_routes_by_path_in_any_case_or_by_project_id(settings: Settings) -> None:
    by_path = issue_delivery("gitlab", "group/sub/web", "4", ("tech-debt",), project_id="99")
    assert route(settings, by_path) == ("web",)
    by_id = issue_delivery("gitlab", "renamed/project", "4", project_id="4242")
    assert route(settings, by_id, ("platform", "gitlab-by-id", "4")) == ("platform",)
    assert route(settings, issue_delivery("gitlab", "renamed/project", "4", ("tech-debt",))) == ()


def test_events_syncer_does_not_use_wake_nothing_and_ask_the_store_nothing(
    settings: Settings,
) -> None:
    links = FakeLinks(("platform", "github:Octo-Org/Platform", "1"))
    comment = Delivery("github", "id", "issue_comment", "created", None)
    assert Router(settings.registers, links.find).registers_for(comment) == ()
    assert links.asked == []


def test_a_labelled_issue_is_routed_without_reading_the_links(settings: Settings) -> None:
    links = FakeLinks()
    delivery = issue_delivery("jira", "PLAT", "PLAT-1", ("TECH-DEBT",))
    assert Router(settings.registers, links.find).registers_for(delivery) == ("platform",)
    assert links.asked == []
