"""`FakeGitHub`: one fake repository, what a person does to it behind the API's back, and the
webhooks it sends. Its HTTP side is `api`, its state `state`."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Iterable, Mapping

from syncer.fakes.clock import SYSTEM_TIME, Clock
from syncer.fakes.faults import Faults, ScheduledFaults
from syncer.fakes.github import payloads
from syncer.fakes.github.api import GitHubApi
from syncer.fakes.github.pulls import Pulls
from syncer.fakes.github.state import Event, Store
from syncer.fakes.github.wire import (
    BOT_LOGIN,
    COLLABORATORS,
    CREATES_PER_HOUR,
    CREATES_PER_MINUTE,
    DEFAULT_REPO,
    DEFAULT_TOKEN,
    HUMAN_LOGIN,
    SYNC_LABEL,
    WRITER_PERMISSIONS,
    Json,
    signature_256,
)
from syncer.fakes.limits import WindowLimit
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import Delivery, WebhookSender


class FakeGitHub(ServedFake, ScheduledFaults):
    """One fake GitHub repository served over HTTP; implements `syncer.fakes.control.FakeTracker`.

    Use as a context manager (starts and stops the server) or call `start()`/`stop()`.
    GitHub's secondary rate limit on issue creation is on: `create_limit` per `create_window`
    seconds and `create_hour_limit` an hour (`create_limit=None` turns it off, for a test about
    something else that creates faster on a clock it does not control); `has_issues=False`
    answers every issue call with GitHub's 410. `clock` is the one clock its timestamps, limits
    and resets read (a `VirtualTime` lets a test live through an hour's window at once).
    `scopes` are a classic token's OAuth scopes, sent in `X-OAuth-Scopes` on every answer;
    `None` plays a fine-grained token, which GitHub sends no such header for. `permissions`
    are the token's on the repository (`GET /repos/{repo}`'s `permissions`; GitHub's five keys,
    push and triage by default). Writes the scopes or permissions do not allow are refused as
    GitHub refuses them (403 `Resource not accessible by personal access token`).
    `other_tokens` are more tokens of the same account, as each machine of a deployment may
    hold its own: the recorded requests' `authorization` header then says which one sent each.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        issues: int = 0,
        repo: str = DEFAULT_REPO,
        token: str = DEFAULT_TOKEN,
        other_tokens: Iterable[str] = (),
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        create_limit: int | None = CREATES_PER_MINUTE,
        create_window: float = 60.0,
        create_hour_limit: int = CREATES_PER_HOUR,
        per_page_max: int = 100,
        rate_limit: int = 5000,
        has_issues: bool = True,
        collaborators: Iterable[str] = COLLABORATORS,
        clock: Clock = SYSTEM_TIME,
        scopes: tuple[str, ...] | None = ("repo",),
        permissions: Mapping[str, bool] | None = None,
    ) -> None:
        self.repo = repo
        self.token = token
        self.other_tokens = tuple(other_tokens)
        self.login = BOT_LOGIN
        self.clock = clock
        self.webhook_secret = webhook_secret
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.create_limit = create_limit
        self.create_windows = (
            WindowLimit([(create_window, create_limit), (3600.0, create_hour_limit)])
            if create_limit is not None
            else None
        )
        self.per_page_max = per_page_max
        self.rate_limit = rate_limit
        self.has_issues = has_issues
        self.scopes = scopes
        self.permissions = dict(permissions or WRITER_PERMISSIONS)
        self.lock = threading.Lock()
        self.faults = Faults()
        self.old_names: set[str] = set()
        self.used = 0
        self.reset_at = 0
        self.api = GitHubApi(self)
        self.server = FakeServer(self.api.app(), port=port)
        self.store = Store(self.server.base_url, repo, collaborators, clock, backlog=2 * issues)
        self.pulls = Pulls(self.store)
        """Pull requests (`syncer.fakes.github.pulls`): what a test checks of them."""
        self._hook_id = 400_000_000 + self.store.repo_id % 1000
        self._seed(issues)

    def accepts(self, token: str) -> bool:
        """Whether `token` is one of the account's (compared in constant time, as any)."""
        given = token.encode()
        return any(
            secrets.compare_digest(given, known.encode())
            for known in (self.token, *self.other_tokens)
        )

    def may_write(self) -> bool:
        """Whether the token may write issues: a classic token needs `repo` (or
        `public_repo`: the fake's repository is public), a fine-grained one push or triage."""
        if self.scopes is not None:
            return bool({"repo", "public_repo"} & set(self.scopes))
        return bool(self.permissions.get("push") or self.permissions.get("triage"))

    # -- what a person (or a test) does behind the API's back --

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        with self.lock:
            issue, events = self.store.create_issue(
                {"title": title, "body": body, "labels": list(labels)}, HUMAN_LOGIN
            )
            if closed:
                events += self.store.edit_issue(issue, {"state": "closed"}, HUMAN_LOGIN)
            self.deliver(events)
        return str(issue.number)

    def add_pull_request(self, title: str, body: str = "", labels: tuple[str, ...] = ()) -> str:
        """Open a pull request; it shows up in the issue list, as on GitHub."""
        with self.lock:
            fields = {"title": title, "body": body, "labels": list(labels)}
            issue, _ = self.store.create_issue(fields, HUMAN_LOGIN, pull=True)
        return str(issue.number)

    def human_edit(
        self,
        ref: str,
        *,
        title: str | None = None,
        body: str | None = None,
        closed: bool | None = None,
        labels: tuple[str, ...] | None = None,
        assignees: tuple[str, ...] | None = None,
    ) -> None:
        fields: Json = {"title": title, "body": body, "labels": labels, "assignees": assignees}
        fields = {key: value for key, value in fields.items() if value is not None}
        if closed is not None:
            fields["state"] = "closed" if closed else "open"
        with self.lock:
            issue = self.store.issue(int(ref))
            self.deliver(self.store.edit_issue(issue, fields, HUMAN_LOGIN))

    def delete_issue(self, ref: str) -> None:
        """Delete as an admin does in the web page: the issue then answers 410 Gone."""
        with self.lock:
            issue = self.store.issue(int(ref))
            self.deliver([Event("issues", "deleted", issue.number, HUMAN_LOGIN)])
            issue.deleted = True

    def issue_count(self) -> int:
        with self.lock:
            return sum(1 for i in self.store.issues.values() if not (i.is_pull or i.deleted))

    def refs(self, label: str | None = None) -> list[str]:
        """Refs of the issues held (pull requests excluded), only those carrying `label` if set."""
        with self.lock:
            return [
                str(issue.number)
                for issue in self.store.issues.values()
                if not (issue.is_pull or issue.deleted)
                and (label is None or label.lower() in {name.lower() for name in issue.labels})
            ]

    def issue_json(self, ref: str) -> Json:
        """The issue as `GET /repos/{repo}/issues/{n}` would show it, for assertions."""
        with self.lock:
            return payloads.issue_json(self.store, self.store.issue(int(ref)), single=True)

    @property
    def known_users(self) -> tuple[str, ...]:
        """Logins that may be assigned: the repository's collaborators. Any other login is
        refused as GitHub refuses it (422, `assignees` `invalid`, the login as `value`)."""
        return tuple(self.store.collaborators.values())

    def throttle_next(
        self, requests: int, retry_after: float | None = 1.0, status: int = 0
    ) -> None:
        """Answer the next calls as GitHub does when the rate limit is spent: 403 (or `status`
        429); `retry_after=None`: a bare 429 naming no wait, as GitHub also sends."""
        super().throttle_next(requests, retry_after, status or 403)

    def rename(self, new_repo: str) -> None:
        """Rename (or transfer) the repository as its owner does in the web page: the old name
        then answers with redirects to `/repositories/{id}`, 301 for reads, 307 for writes."""
        with self.lock:
            self.old_names.add(self.repo.lower())
            self.old_names.discard(new_repo.lower())
            self.repo = self.store.repo = new_repo

    def reset(self) -> None:
        """An empty repository again, server running: see `FakeTracker.reset`. Its labels and
        milestones are GitHub's defaults again, its collaborators stay."""
        self._forget_traffic()
        with self.lock:
            old = self.store
            collaborators = old.collaborators.values()
            self.store = Store(old.base_url, old.repo, collaborators, self.clock, backlog=0)
            self.pulls = Pulls(self.store)
            self.faults.clear()
            if self.create_windows is not None:
                self.create_windows.clear()
            self.used = self.reset_at = 0

    def _seed(self, count: int) -> None:
        """A plausible repository: most issues tech debt, some bugs, some closed, a few PRs."""
        with self.lock:
            for i in range(count):
                labels = ["bug"] if i % 3 == 2 else [SYNC_LABEL]
                if i % 5 == 0:
                    labels.append("priority: high")
                fields = {"title": f"Seeded issue {i + 1}", "body": f"Seeded body {i + 1}."}
                issue, _ = self.store.create_issue({**fields, "labels": labels}, HUMAN_LOGIN)
                if i % 7 == 6:
                    self.store.edit_issue(issue, {"state": "closed"}, HUMAN_LOGIN)
                if i % 9 == 8:
                    self.store.create_issue({"title": f"Seeded PR {i + 1}"}, HUMAN_LOGIN, pull=True)

    # -- webhooks (called with the lock held) --

    def deliver(self, events: list[Event]) -> None:
        if self.webhooks is None:
            return
        for event in events:
            body = json.dumps(self._webhook_payload(event), separators=(",", ":")).encode()
            self.webhooks.send(
                Delivery(event.event, self._webhook_headers(event.event, body), body)
            )

    def _webhook_payload(self, event: Event) -> Json:
        """The delivery's body: the event's references (a comment id, a login, a label name)
        rendered as GitHub's objects, as they are when the webhook goes out."""
        store = self.store
        issue = store.issues[event.number]
        extra = dict(event.extra)
        if "comment" in extra:
            comment = next(c for c in issue.comments if c.id == extra["comment"])
            extra["comment"] = payloads.comment_json(store, issue, comment)
        if "assignee" in extra:
            extra["assignee"] = payloads.user_json(store, extra["assignee"])
        if "label" in extra and (label := store.label(extra["label"])) is not None:
            extra["label"] = payloads.label_json(store, label)
        return {
            "action": event.action,
            "issue": payloads.issue_json(store, issue),
            **extra,
            "repository": payloads.repo_json(store),
            "sender": payloads.user_json(store, event.actor),
        }

    def _webhook_headers(self, event: str, body: bytes) -> dict[str, str]:
        headers = {
            "User-Agent": "GitHub-Hookshot/5e3a1b2",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": str(self._hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(self.store.repo_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        }
        if self.webhook_secret:
            sha1 = hmac.new(self.webhook_secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature"] = f"sha1={sha1}"
            headers["X-Hub-Signature-256"] = signature_256(self.webhook_secret, body)
        return headers


def serve_github(
    port: int,
    issues: int,
    webhook_url: str | None,
    webhook_secret: str | None,
) -> FakeGitHub:
    """Start a fake GitHub for `syncer fake github` / `syncer demo`; the caller stops it."""
    fake = FakeGitHub(
        port=port, issues=issues, webhook_url=webhook_url, webhook_secret=webhook_secret
    )
    return fake.start()
