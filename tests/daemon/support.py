"""Shared by the daemon tests: the real webhook payloads, signing as each tracker signs, and an
HTTP app wired to fakes of what the daemon hands it (named as fakes: the store's delivery memory,
the links, the daemon's `wake`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette

from syncer.config import RegisterConfig, TargetConfig, TrackerKind, parse_target
from syncer.daemon.http import MAX_BODY_BYTES, build_app
from syncer.daemon.metrics import DeliveryOutcome, Metrics
from syncer.daemon.routing import Router
from syncer.state.records import LinkRecord

with warnings.catch_warnings():
    # Starlette 1.x prefers the `httpx2` fork for its TestClient and warns when it falls back to
    # httpx, which the project uses and which works the same for these tests. Matched by message:
    # the warning's class (StarletteDeprecationWarning) does not exist in the oldest Starlette
    # the project supports.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

__all__ = ["TestClient"]

WEBHOOKS = Path(__file__).parents[1] / "data" / "fixtures" / "webhooks"
SECRETS: dict[TrackerKind, str] = {
    "github": "It's a Secret to Everybody",
    "gitlab": "gitlab-token-4f1c",
    "jira": "jira-secret-9a7e",
}


@dataclass(frozen=True)
class Sample:
    """A real payload (tests/data/fixtures/webhooks) and the event header it came with."""

    tracker: TrackerKind
    file: str
    event: str

    @property
    def body(self) -> bytes:
        return (WEBHOOKS / self.file).read_bytes()


GITHUB_OPENED = Sample("github", "github/issues.opened.json", "issues")
GITHUB_EDITED = Sample("github", "github/issues.edited.json", "issues")
GITHUB_CLOSED = Sample("github", "github/issues.closed.json", "issues")
GITHUB_COMMENT = Sample("github", "github/issue_comment.created.json", "issue_comment")
GITLAB_ISSUE = Sample("gitlab", "gitlab/issue_hook.docs.json", "Issue Hook")
GITLAB_NOTE = Sample("gitlab", "gitlab/note_hook.issue.docs.json", "Note Hook")
JIRA_CREATED = Sample("jira", "jira/jira_issue_created.server.json", "jira:issue_created")
JIRA_UPDATED = Sample("jira", "jira/jira_issue_updated.status_changed.server.json", "")
ISSUE_EVENTS = (
    GITHUB_OPENED,
    GITHUB_EDITED,
    GITHUB_CLOSED,
    GITLAB_ISSUE,
    JIRA_CREATED,
    JIRA_UPDATED,
)


REMOVED = object()


def altered(body: bytes, path: Sequence[str], value: object = REMOVED) -> bytes:
    """A JSON body with the value at the key `path` replaced by `value` (or removed)."""
    payload = json.loads(body)
    node = payload
    for key in path[:-1]:
        node = node[key]
    if value is REMOVED:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(payload).encode()


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(
    tracker: TrackerKind,
    body: bytes,
    *,
    event: str = "",
    delivery: str | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """The headers the tracker sends with `body`: event, delivery id and signature (token)."""
    key = SECRETS[tracker] if secret is None else secret
    if tracker == "github":
        headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": "sha256=" + hmac_hex(key, body)}
        headers["Content-Type"] = "application/json"
        id_header = "X-GitHub-Delivery"
    elif tracker == "gitlab":
        headers = {"X-Gitlab-Event": event, "X-Gitlab-Token": key}
        id_header = "Idempotency-Key"
    else:
        headers = {"X-Hub-Signature": "sha256=" + hmac_hex(key, body)}
        id_header = "X-Atlassian-Webhook-Identifier"
    if delivery is not None:
        headers[id_header] = delivery
    return headers


def sample_headers(sample: Sample, delivery: str | None = None) -> dict[str, str]:
    return signed(sample.tracker, sample.body, event=sample.event, delivery=delivery)


def target(kind: TrackerKind, repo: str, **extra: str) -> TargetConfig:
    return parse_target({"kind": kind, "repo": repo, "token_env": "TOKEN", **extra})


def register(name: str, *targets: TargetConfig) -> RegisterConfig:
    return RegisterConfig(name=name, path=Path(f"/registers/{name}.md"), targets=list(targets))


class FakeLinks:
    """The store's links, as (register, target name, ref) triples."""

    def __init__(self, *links: tuple[str, str, str]) -> None:
        self.links = set(links)
        self.asked: list[tuple[str, str, str]] = []

    def find(self, register: str, target: str, ref: str) -> LinkRecord | None:
        self.asked.append((register, target, ref))
        if (register, target, ref) not in self.links:
            return None
        return LinkRecord(register, target, ref, url="https://example.test", item_key="k")


@dataclass
class FakeDeliveryMemory:
    """`Store.remember_delivery`: True the first time an id is seen from a source."""

    seen: set[tuple[str, str]] = field(default_factory=set)

    def remember(self, source: str, delivery_id: str) -> bool:
        if (source, delivery_id) in self.seen:
            return False
        self.seen.add((source, delivery_id))
        return True


# The fixtures' projects: Codertocat/Hello-World #1 (label "bug") and C-Saunders/flynn_env_test
# #1 on GitHub, gitlabhq/gitlab-test (id 1) !23 (label "API") on GitLab, TEST-4 and TEST-11 on
# Jira. "web" links GitHub's Hello-World #1 and Jira's TEST-11; "ops" adopts issues labelled
# "API" on GitLab and "bug" on GitHub's flynn_env_test; "idle" watches other projects.
FIXTURE_REGISTERS = (
    register(
        "web",
        target("github", "codertocat/hello-world"),
        target("jira", "TEST", base_url="https://jira.example.test"),
    ),
    register(
        "ops",
        target("gitlab", "gitlabhq/gitlab-test", sync_label="api"),
        target("github", "C-Saunders/flynn_env_test", sync_label="bug"),
    ),
    register("idle", target("github", "octo-org/other"), target("gitlab", "1234")),
)
FIXTURE_LINKS = (
    ("web", "github:codertocat/hello-world", "1"),
    ("web", "jira:TEST", "TEST-11"),
)


@dataclass
class Harness:
    """A webhook app over fakes, and what it did: who was woken, what was remembered."""

    secrets: Mapping[TrackerKind, str | None] = field(default_factory=lambda: dict(SECRETS))
    allow_unsigned: frozenset[TrackerKind] = frozenset()
    links: FakeLinks = field(default_factory=lambda: FakeLinks(*FIXTURE_LINKS))
    registers: Sequence[RegisterConfig] = FIXTURE_REGISTERS
    memory: FakeDeliveryMemory = field(default_factory=FakeDeliveryMemory)
    metrics: Metrics = field(default_factory=Metrics)
    woken: list[str] = field(default_factory=list)
    stopping: bool = False
    alive: bool = True
    ready: bool = True

    def app(self, max_body: int = MAX_BODY_BYTES) -> Starlette:
        router = Router(self.registers, self.links.find)
        return build_app(
            secrets=self.secrets,
            allow_unsigned=self.allow_unsigned,
            remember_delivery=self.memory.remember,
            route=router.registers_for,
            wake=self.woken.append,
            alive=lambda: self.alive,
            ready=lambda: self.ready,
            metrics=self.metrics,
            stopping=lambda: self.stopping,
            max_body=max_body,
        )

    def count(self, tracker: TrackerKind, outcome: DeliveryOutcome) -> float:
        value = self.metrics.registry.get_sample_value(
            "syncer_webhook_deliveries_total", {"tracker": tracker, "outcome": outcome}
        )
        assert value is not None
        return value
