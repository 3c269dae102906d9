"""Over real HTTP on 127.0.0.1: the fake trackers' own signed webhooks reach the app served by
uvicorn, are accepted, and wake the right register; unsigned or unmanaged ones do not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from syncer.daemon.http import build_app
from syncer.daemon.metrics import Metrics
from syncer.daemon.routing import Router
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.fakes.server import FakeServer
from syncer.fakes.webhooks import WebhookSender
from tests.daemon.support import SECRETS, FakeDeliveryMemory, FakeLinks, register, target

REGISTERS = (
    register("web", target("github", "octo-org/tech-debt")),
    register("ops", target("gitlab", "octo-group/tech-debt"), target("github", "octo-org/ops")),
    register("plat", target("jira", "DEBT", base_url="https://jira.example.test")),
)


@dataclass
class Daemon:
    """The app on a real port, with what it woke."""

    server: FakeServer
    woken: list[str]

    def url(self, tracker: str) -> str:
        return f"{self.server.base_url}/webhooks/{tracker}"


@pytest.fixture(scope="module")
def daemon() -> Iterator[Daemon]:
    woken: list[str] = []
    app = build_app(
        secrets=SECRETS,
        allow_unsigned=(),
        remember_delivery=FakeDeliveryMemory().remember,
        route=Router(REGISTERS, FakeLinks(("plat", "jira:DEBT", "DEBT-1")).find).registers_for,
        wake=woken.append,
        alive=lambda: True,
        ready=lambda: True,
        metrics=Metrics(),
    )
    with FakeServer(app) as server:
        yield Daemon(server, woken)


def statuses(webhooks: WebhookSender | None) -> list[int | None]:
    assert webhooks is not None
    webhooks.flush()
    return [delivery.status for delivery in webhooks.delivered]


def test_a_github_webhook_about_a_labelled_issue_wakes_its_register(daemon: Daemon) -> None:
    daemon.woken.clear()
    with FakeGitHub(webhook_url=daemon.url("github"), webhook_secret=SECRETS["github"]) as fake:
        ref = fake.add_issue("Rotate the signing keys", labels=("tech-debt",))  # opened, labeled
        fake.human_edit(ref, closed=True)
        answered = statuses(fake.webhooks)
    assert answered == [202, 202, 202]
    assert daemon.woken == ["web", "web", "web"]


def test_a_github_webhook_about_an_unmanaged_issue_wakes_nothing(daemon: Daemon) -> None:
    daemon.woken.clear()
    with FakeGitHub(webhook_url=daemon.url("github"), webhook_secret=SECRETS["github"]) as fake:
        fake.human_edit(fake.add_issue("Someone else's bug"), closed=True)
        answered = statuses(fake.webhooks)
    assert answered == [202, 202]
    assert daemon.woken == []


def test_a_github_webhook_signed_with_another_secret_is_refused(daemon: Daemon) -> None:
    daemon.woken.clear()
    with FakeGitHub(webhook_url=daemon.url("github"), webhook_secret="not ours") as fake:
        fake.add_issue("Forged", labels=("tech-debt",))
        answered = statuses(fake.webhooks)
    assert answered == [401, 401]
    assert daemon.woken == []


def test_a_gitlab_webhook_is_accepted(daemon: Daemon) -> None:
    daemon.woken.clear()
    with FakeGitLab(webhook_url=daemon.url("gitlab"), webhook_secret=SECRETS["gitlab"]) as fake:
        fake.add_issue("Pin the base image", labels=("tech-debt",))
        answered = statuses(fake.webhooks)
    assert answered == [202]
    assert daemon.woken == ["ops"]


def test_a_jira_webhook_about_a_linked_issue_is_accepted(daemon: Daemon) -> None:
    daemon.woken.clear()
    with FakeJira(webhook_url=daemon.url("jira"), webhook_secret=SECRETS["jira"]) as fake:
        ref = fake.add_issue("Retire the v1 API")
        assert ref == "DEBT-1"
        fake.human_edit(ref, closed=True)
        answered = statuses(fake.webhooks)
    assert answered == [202, 202]
    assert daemon.woken == ["plat", "plat"]
