"""`FakeGitLab`: the fake served over HTTP, with the person side tests and `syncer demo` drive
(`syncer.fakes.control.FakeTracker`) and the knobs for what differs between GitLab sites."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable

from syncer.fakes.clock import SYSTEM_TIME, Clock
from syncer.fakes.faults import ScheduledFaults
from syncer.fakes.gitlab.app import GitLabApi
from syncer.fakes.gitlab.gate import DEVELOPER, Gate, RequestBudget
from syncer.fakes.gitlab.merge_requests import edit, merge_request_json
from syncer.fakes.gitlab.payloads import issue_json
from syncer.fakes.gitlab.state import (
    DEFAULT_REPO,
    HUMAN,
    MEMBERS,
    USERS,
    Json,
    Project,
    Tier,
)
from syncer.fakes.gitlab.store import Instance
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import Delivery, WebhookSender

DEFAULT_TOKEN = "glpat-fake-gitlab-token-0000"
GITLAB_VERSION = "17.5.0"


class FakeGitLab(ServedFake, ScheduledFaults):
    """A GitLab instance hosting syncer's project, `repo`, for python-gitlab and syncer's tests.

    Use it as a context manager (`with FakeGitLab(issues=1000) as fake:`) or via
    `serve_gitlab`. `request_limit` answers 429 past that many requests per `limit_window`
    seconds; `webhook_url` receives Issue and Note Hooks signed with `webhook_secret`.
    `tier` is the license: `"free"` (the default, as on gitlab.com Free and self-managed CE)
    keeps one assignee per issue, `"premium"` several. `members` are the usernames that may
    read the private project (every user but `mallory` unless given): GitLab drops the others
    from `assignee_ids` without a word. `clock` is the one clock its timestamps and limit
    windows read; `throttle_next(n, retry_after=None)` answers 429s naming no wait, as
    GitLab.com sends some. `scopes` are the token's (`GET /personal_access_tokens/self`;
    without `api` every write is refused with GitLab's `insufficient_scope`), `access_level`
    the token user's role in the project (the project's `permissions`; below Reporter, 20,
    writes are refused).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        issues: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        request_limit: int | None = None,
        limit_window: float = 60.0,
        clock: Clock = SYSTEM_TIME,
        token: str = DEFAULT_TOKEN,
        repo: str = DEFAULT_REPO,
        tier: Tier = "free",
        members: Iterable[str] | None = None,
        scopes: tuple[str, ...] = ("api",),
        access_level: int = DEVELOPER,
    ) -> None:
        self.token = token
        self.repo = repo
        self.tier: Tier = tier
        names = None if members is None else set(members)
        self._members = MEMBERS if names is None else tuple(u for u in USERS if u.username in names)
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.webhook_secret = webhook_secret
        self.webhook_uuid = str(uuid.uuid4())
        self._lock = threading.RLock()
        self.clock = clock
        budget = RequestBudget(request_limit, limit_window, clock) if request_limit else None
        self.gate = Gate(token, budget, self._lock, clock)
        self.gate.scopes, self.gate.access_level = scopes, access_level
        self.faults = self.gate.faults
        self.server = FakeServer(GitLabApi(lambda: self._instance, self.gate).app(), port=port)
        self._instance = self._new_instance()
        self._instance.seed(issues)

    def _new_instance(self) -> Instance:
        return Instance(
            self.server.base_url,
            self._deliver,
            repo=self.repo,
            tier=self.tier,
            members=self._members,
            clock=self.clock,
        )

    # The FakeTracker protocol: what a person or the network does behind the API's back

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        params: Json = {"title": title, "description": body, "labels": list(labels)}
        with self._lock:
            project = self._instance.project
            issue = self._instance.create(project, params, HUMAN)
            if closed:
                self._instance.edit(project, issue, {"state_event": "close"}, HUMAN)
        return str(issue.iid)

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
        params: Json = {"title": title, "description": body}
        params = {key: value for key, value in params.items() if value is not None}
        if labels is not None:
            params["labels"] = list(labels)
        if closed is not None:
            params["state_event"] = "close" if closed else "reopen"
        if assignees is not None:
            ids = {user.username: user.id for user in USERS}
            params["assignee_ids"] = [ids[name] for name in assignees]
        with self._lock:
            project = self._instance.project
            self._instance.edit(project, project.issue(int(ref)), params, HUMAN)

    def move_issue(self, ref: str, to: str) -> str:
        """Move issue `ref` to the project at path `to` (made on first use) as a person does
        from the issue's page; returns the new issue's iid there."""
        with self._lock:
            project = self._instance.project
            destination = self.project(to)
            moved = self._instance.move(project, project.issue(int(ref)), destination, HUMAN)
            return str(moved.iid)

    def project(self, path: str) -> Project:
        """The instance's project at `path`, made (every user a member) if there is none."""
        with self._lock:
            for project in self._instance.projects.values():
                if project.path == path:
                    return project
            return self._instance.add_project(path)

    def merge_requests(self, state: str = "opened") -> list[Json]:
        """The project's merge requests in `state` ("all": every one), as the API shows them,
        oldest first (what a test checks)."""
        with self._lock:
            project = self._instance.project
            return [
                merge_request_json(project, request)
                for request in project.merge_requests.values()
                if state in ("all", request.state)
            ]

    def close_merge_request(self, iid: int) -> None:
        """A person closes merge request `iid` unmerged, from its page."""
        with self._lock:
            project = self._instance.project
            edit(project, project.merge_requests[iid], {"state_event": "close"}, HUMAN)

    def delete_issue(self, ref: str) -> None:
        with self._lock:
            self._instance.project.issues.pop(int(ref), None)

    def issue_count(self) -> int:
        with self._lock:
            return len(self._instance.project.issues)

    def issue_json(self, ref: str) -> Json:
        """The issue as `GET /projects/:id/issues/:iid` would show it, for assertions."""
        with self._lock:
            project = self._instance.project
            return issue_json(project, project.issue(int(ref)))

    @property
    def known_users(self) -> tuple[str, ...]:
        """Usernames of the project's members, which `GET /users?username=` finds and issues
        may be assigned (by id). GitLab ignores an unknown id in `assignee_ids`, and the id
        of a user who is no member."""
        return tuple(user.username for user in self._members)

    def reset(self) -> None:
        """An empty project again, server running: see `FakeTracker.reset`."""
        self._forget_traffic()
        with self._lock:
            self._instance = self._new_instance()
            self.gate.reset()

    def _deliver(self, event: str, payload: Json) -> None:
        if self.webhooks is None:
            return
        headers = {
            "User-Agent": f"GitLab/{GITLAB_VERSION}",
            "X-Gitlab-Event": event,
            "X-Gitlab-Webhook-UUID": self.webhook_uuid,
            "X-Gitlab-Event-UUID": str(uuid.uuid4()),
            "X-Gitlab-Instance": self.server.base_url,
            "Idempotency-Key": str(uuid.uuid4()),
        }
        if self.webhook_secret:  # GitLab sends no header for a hook without a token
            headers["X-Gitlab-Token"] = self.webhook_secret
        self.webhooks.send(Delivery(event, headers, json.dumps(payload).encode()))


def serve_gitlab(
    port: int, issues: int, webhook_url: str | None, webhook_secret: str | None
) -> FakeGitLab:
    """A started fake for `syncer fake gitlab`: the caller stops it with `.stop()`."""
    fake = FakeGitLab(
        port=port, issues=issues, webhook_url=webhook_url, webhook_secret=webhook_secret
    )
    return fake.start()
