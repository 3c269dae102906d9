"""A fake of the GitHub REST API v3 (issues, labels, comments), served over real HTTP.

PyGithub talks to it unchanged: `Github(base_url=fake.server.base_url, auth=Auth.Token(token))`.
It is faithful where syncer and PyGithub depend on GitHub's behaviour, because those are the
behaviours a fake most easily gets wrong and a user notices first on the real thing:

- payloads shaped like the real ones (`tests/data/fixtures/api/github`): every key, node ids,
  label/user/milestone objects, `closed_by` only on single-issue reads, pull requests mixed into
  the issue list with a `pull_request` object;
- pagination with a real `Link` header (pointing at `/repositories/{id}/issues` as GitHub does);
- weak ETags and `304 Not Modified` for `If-None-Match` (304s do not count against the rate limit);
- `x-ratelimit-*` headers, the primary limit, the secondary limit on issue creation (403 with
  `retry-after` and GitHub's message; on by default at the 20 a minute and 150 an hour users
  measure), 401/404/410/422 error bodies;
- a renamed or transferred repository (`rename`): reads under the old name answer 301 and
  writes 307, both to `/repositories/{id}/...`, as GitHub does;
- `issues` and `issue_comment` webhooks signed with `X-Hub-Signature-256`;
- `updated_at` with second precision that advances at least one second per write, so `since`
  filters behave as on GitHub without tests having to sleep.

Deliberate simplifications: one repository; no search, events, reactions or timeline endpoints;
`retry-after` may be fractional when a test asks for a sub-second wait (GitHub sends integers).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncer.fakes.faults import Garble, garbled
from syncer.fakes.limits import WindowLimit
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import Delivery, WebhookSender

Json = dict[str, Any]

DOCS = "https://docs.github.com/rest"
ISSUES_DOCS = "https://docs.github.com/v3/issues/"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
DEFAULT_TOKEN = "ghp_fakeSyncerToken0000000000000000000000"
DEFAULT_REPO = "octo-org/tech-debt"
BOT_LOGIN = "syncer-bot"
HUMAN_LOGIN = "monalisa"
COLLABORATORS = (BOT_LOGIN, HUMAN_LOGIN, "octocat", "hubot")
SYNC_LABEL = "tech-debt"
CREATES_PER_MINUTE = 20
CREATES_PER_HOUR = 150
"""The issue-creation limit users of GitHub measure, well under the documented 80/500."""

# The labels GitHub gives every new repository.
DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")


# --- small pure helpers ----------------------------------------------------------------------


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node id: base64 of `0<len(kind)>:<kind><database id>`."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def weak_etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def signature_256(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub computes for a delivery body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def seconds_header(seconds: float) -> str:
    """Header text for a wait: an integer as GitHub sends it, or a decimal for sub-second tests."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}"


def parse_since(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def link_header(url_for_page: Callable[[int], str], page: int, last: int) -> str | None:
    """A `Link` header in GitHub's order: prev, next, last, first."""
    rels: list[tuple[int, str]] = []
    if page > 1:
        rels.append((page - 1, "prev"))
    if page < last:
        rels += [(page + 1, "next"), (last, "last")]
    if page > 1:
        rels.append((1, "first"))
    return ", ".join(f'<{url_for_page(n)}>; rel="{rel}"' for n, rel in rels) or None


def error_body(status: int, message: str, docs: str = DOCS, **extra: Any) -> Json:
    return {"message": message, **extra, "documentation_url": docs, "status": str(status)}


class ApiError(Exception):
    """An answer GitHub gives instead of doing what was asked (4xx)."""

    def __init__(self, status: int, body: Json, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def not_found() -> ApiError:
    return ApiError(404, error_body(404, "Not Found"))


def invalid(resource: str, field_name: str, code: str = "invalid", value: Any = None) -> ApiError:
    error: Json = {"resource": resource, "code": code, "field": field_name}
    if value is not None:
        error["value"] = value
    return ApiError(422, error_body(422, "Validation Failed", errors=[error]))


# --- the repository's state ------------------------------------------------------------------


class Clock:
    """GitHub-precision time (whole seconds) that moves at least one second per write.

    Starting `backlog` seconds in the past lets a seeded repository have a plausible history
    while later writes still land near the wall clock.
    """

    def __init__(self, backlog: int = 0) -> None:
        self._last = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=backlog + 1)

    def tick(self) -> datetime:
        wall = datetime.now(UTC).replace(microsecond=0)
        self._last = max(self._last + timedelta(seconds=1), wall)
        return self._last

    def now(self) -> datetime:
        return self._last


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class Milestone:
    number: int
    title: str
    created_at: datetime
    description: str = ""
    due_on: datetime | None = None


@dataclass
class Comment:
    id: int
    body: str
    user: str
    created_at: datetime


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    comments: list[Comment] = field(default_factory=list)
    is_pull: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Event:
    """One webhook delivery to make: `event` header, `action`, and the extra payload keys."""

    event: str
    action: str
    number: int
    actor: str
    extra: Json = field(default_factory=dict)


class Store:
    """The repository's issues, labels and milestones, with GitHub's validation and rendering.

    Not thread-safe on its own: `FakeGitHub` holds one lock around every use.
    """

    def __init__(
        self, base_url: str, repo: str, collaborators: Iterable[str], backlog: int
    ) -> None:
        self.base_url = base_url
        self.repo = repo
        self.repo_id = 700_000_000 + int(hashlib.sha256(repo.encode()).hexdigest()[:6], 16)
        self.collaborators = {login.lower(): login for login in collaborators}
        self.clock = Clock(backlog)
        self.created_at = self.clock.now() - timedelta(days=30)
        self.issues: dict[int, Issue] = {}
        self.labels: dict[str, Label] = {}
        self.milestones: dict[int, Milestone] = {}
        self._user_ids: dict[str, int] = {}
        self._ids = 0
        for name, color, description in DEFAULT_LABELS:
            self.add_label(name, color, description, default=True)
        for number, title in enumerate(("v1.0", "v1.1", "Later"), start=1):
            self.milestones[number] = Milestone(number, title, self.created_at)

    # -- identities and URLs --

    def next_id(self) -> int:
        self._ids += 1
        return 4_000_000 + self._ids

    def user_id(self, login: str) -> int:
        return self._user_ids.setdefault(login.lower(), 580_000 + len(self._user_ids))

    @property
    def api_repo(self) -> str:
        return f"{self.base_url}/repos/{self.repo}"

    @property
    def web_repo(self) -> str:
        return f"{self.base_url}/{self.repo}"

    # -- lookups --

    def issue(self, number: int) -> Issue:
        found = self.issues.get(number)
        if found is None:
            raise not_found()
        if found.deleted:
            raise ApiError(410, error_body(410, "This issue was deleted"))
        return found

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def assignable(self, logins: Iterable[str]) -> list[str]:
        known: list[str] = []
        for login in logins:
            canonical = self.collaborators.get(str(login).lower())
            if canonical is None:
                raise invalid("Issue", "assignees", value=login)
            if canonical not in known:
                known.append(canonical)
        return known

    # -- writes (every change to an issue is one tick of the clock) --

    def add_label(
        self, name: str, color: str, description: str | None, default: bool = False
    ) -> Label:
        if not name.strip():
            raise invalid("Label", "name", code="missing_field")
        if self.label(name) is not None:
            raise invalid("Label", "name", code="already_exists", value=name)
        label = Label(self.next_id(), name, color.lstrip("#").lower(), description, default)
        self.labels[name.lower()] = label
        return label

    def resolve_labels(self, names: Iterable[Any]) -> list[str]:
        """Label names as stored; unknown names are created, as GitHub does for pushers."""
        resolved: list[str] = []
        for raw in names:
            name = raw.get("name", "") if isinstance(raw, dict) else str(raw)
            label = self.label(name) or self.add_label(name, "ededed", None)
            if label.name not in resolved:
                resolved.append(label.name)
        return resolved

    def create_issue(
        self, fields: Json, actor: str, *, pull: bool = False
    ) -> tuple[Issue, list[Event]]:
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("Issue", "title", code="missing_field")
        labels = self.resolve_labels(fields.get("labels") or [])
        assignees = self.assignable(fields.get("assignees") or [])
        milestone = self.valid_milestone(fields.get("milestone"))
        now = self.clock.tick()
        issue = Issue(
            number=len(self.issues) + 1,
            title=title,
            body=fields.get("body"),
            user=actor,
            created_at=now,
            updated_at=now,
            labels=labels,
            assignees=assignees,
            milestone=milestone,
            is_pull=pull,
        )
        self.issues[issue.number] = issue
        if pull:
            return issue, []
        events = [Event("issues", "opened", issue.number, actor)]
        events += [self.label_event("labeled", issue, name, actor) for name in labels]
        return issue, events

    def valid_milestone(self, number: Any) -> int | None:
        if number is None or number == "":
            return None
        if not isinstance(number, int) or number not in self.milestones:
            raise invalid("Issue", "milestone", value=number)
        return number

    def edit_issue(self, issue: Issue, fields: Json, actor: str) -> list[Event]:
        """Apply a PATCH body (or a person's edit) all or nothing; returns the webhooks to send."""
        before = replace(issue)
        draft = replace(issue)
        self.apply_fields(draft, fields, actor)
        if _snapshot(draft) == _snapshot(before):
            return []
        draft.updated_at = self.clock.tick()
        if draft.state == "closed" and before.state == "open":
            draft.closed_at = draft.updated_at
        issue.__dict__.update(draft.__dict__)
        return self.diff_events(before, issue, actor)

    def apply_fields(self, issue: Issue, fields: Json, actor: str) -> None:
        if "title" in fields:
            if not isinstance(fields["title"], str) or not fields["title"].strip():
                raise invalid("Issue", "title", code="missing_field")
            issue.title = fields["title"]
        if "body" in fields:
            issue.body = fields["body"]
        if "labels" in fields:
            issue.labels = self.resolve_labels(fields["labels"] or [])
        if "assignees" in fields:
            issue.assignees = self.assignable(fields["assignees"] or [])
        if "milestone" in fields:
            issue.milestone = self.valid_milestone(fields["milestone"])
        if "state" in fields or "state_reason" in fields:
            self.apply_state(
                issue, fields.get("state", issue.state), fields.get("state_reason"), actor
            )

    def apply_state(self, issue: Issue, state: Any, reason: Any, actor: str) -> None:
        if state not in ("open", "closed"):
            raise invalid("Issue", "state", value=state)
        if reason is not None and reason not in STATE_REASONS:
            raise invalid("Issue", "state_reason", value=reason)
        if state == "closed":
            if issue.state == "open":
                issue.closed_by = actor
            issue.state_reason = reason or "completed"
        elif issue.state == "closed":
            issue.state_reason, issue.closed_at, issue.closed_by = "reopened", None, None
        issue.state = state

    def diff_events(self, before: Issue, after: Issue, actor: str) -> list[Event]:
        events: list[Event] = []
        changes = {
            key: {"from": getattr(before, key)}
            for key in ("title", "body")
            if getattr(before, key) != getattr(after, key)
        }
        if changes:
            events.append(Event("issues", "edited", after.number, actor, {"changes": changes}))
        if before.state != after.state:
            action = "closed" if after.state == "closed" else "reopened"
            events.append(Event("issues", action, after.number, actor))
        events += [
            self.label_event("labeled", after, name, actor)
            for name in after.labels
            if name not in before.labels
        ]
        events += [
            self.label_event("unlabeled", after, name, actor)
            for name in before.labels
            if name not in after.labels
        ]
        events += [
            Event("issues", action, after.number, actor, {"assignee": self.user_json(login)})
            for action, logins in (
                ("assigned", [x for x in after.assignees if x not in before.assignees]),
                ("unassigned", [x for x in before.assignees if x not in after.assignees]),
            )
            for login in logins
        ]
        return events

    def label_event(self, action: str, issue: Issue, name: str, actor: str) -> Event:
        label = self.label(name)
        extra = {"label": self.label_json(label)} if label else {}
        return Event("issues", action, issue.number, actor, extra)

    def add_comment(self, issue: Issue, body: Any, actor: str) -> tuple[Comment, list[Event]]:
        if not isinstance(body, str) or not body.strip():
            raise invalid("IssueComment", "body", code="missing_field")
        now = self.clock.tick()
        comment = Comment(self.next_id(), body, actor, now)
        issue.comments.append(comment)
        issue.updated_at = now
        return comment, [
            Event("issue_comment", "created", issue.number, actor, {"comment": comment.id})
        ]

    # -- rendering --

    def user_json(self, login: str) -> Json:
        uid = self.user_id(login)
        api = f"{self.base_url}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("User", uid),
            "avatar_url": f"{self.base_url}/avatars/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.base_url}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": "Bot" if login == "hubot" else "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def private_user_json(self, login: str) -> Json:
        """`GET /user`: the public profile plus the fields only its owner sees."""
        return {
            **self.user_json(login),
            "name": login.replace("-", " ").title(),
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "notification_email": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "private_gists": 0,
            "total_private_repos": 1,
            "owned_private_repos": 0,
            "disk_usage": 0,
            "collaborators": 0,
            "two_factor_authentication": True,
            "plan": {
                "name": "free",
                "space": 976562499,
                "collaborators": 0,
                "private_repos": 10000,
            },
        }

    def label_json(self, label: Label) -> Json:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.api_repo}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def milestone_json(self, milestone: Milestone) -> Json:
        mid = 90_000 + milestone.number
        states = [i.state for i in self.issues.values() if i.milestone == milestone.number]
        return {
            "url": f"{self.api_repo}/milestones/{milestone.number}",
            "html_url": f"{self.web_repo}/milestone/{milestone.number}",
            "labels_url": f"{self.api_repo}/milestones/{milestone.number}/labels",
            "id": mid,
            "node_id": node_id("Milestone", mid),
            "number": milestone.number,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.user_json(HUMAN_LOGIN),
            "open_issues": states.count("open"),
            "closed_issues": states.count("closed"),
            "state": "open",
            "created_at": iso(milestone.created_at),
            "updated_at": iso(milestone.created_at),
            "due_on": iso(milestone.due_on),
            "closed_at": None,
        }

    def association(self, login: str) -> str:
        return "MEMBER" if login.lower() in self.collaborators else "NONE"

    def issue_json(self, issue: Issue, *, single: bool = False) -> Json:
        """An issue as `GET /issues/{n}` (`single`) or a list/webhook item (no `closed_by`)."""
        url = f"{self.api_repo}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        assignees = [self.user_json(login) for login in issue.assignees]
        labels = [self.label(name) for name in issue.labels]
        milestone = self.milestones.get(issue.milestone) if issue.milestone else None
        data: Json = {
            "url": url,
            "repository_url": self.api_repo,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.web_repo}/{kind}/{issue.number}",
            "id": 1_000_000_000 + issue.number,
            "node_id": node_id(
                "PullRequest" if issue.is_pull else "Issue", 1_000_000_000 + issue.number
            ),
            "number": issue.number,
            "title": issue.title,
            "user": self.user_json(issue.user),
            "labels": [self.label_json(label) for label in labels if label],
            "state": issue.state,
            "locked": False,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": self.milestone_json(milestone) if milestone else None,
            "comments": len(issue.comments),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": self.association(issue.user),
            "type": None,
            "active_lock_reason": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": {
                "blocked_by": 0,
                "total_blocked_by": 0,
                "blocking": 0,
                "total_blocking": 0,
            },
            "body": issue.body,
        }
        if issue.is_pull:
            data["draft"] = False
            data["pull_request"] = self.pull_request_json(issue.number)
        if single:
            data["closed_by"] = self.user_json(issue.closed_by) if issue.closed_by else None
        data["reactions"] = self.reactions_json(url)
        data["timeline_url"] = f"{url}/timeline"
        data["performed_via_github_app"] = None
        data["state_reason"] = issue.state_reason
        return data

    def pull_request_json(self, number: int) -> Json:
        web = f"{self.web_repo}/pull/{number}"
        return {
            "url": f"{self.api_repo}/pulls/{number}",
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "merged_at": None,
        }

    @staticmethod
    def reactions_json(url: str) -> Json:
        counts = dict.fromkeys(
            ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
        )
        return {"url": f"{url}/reactions", "total_count": 0, **counts}

    def comment_json(self, issue: Issue, comment: Comment) -> Json:
        url = f"{self.api_repo}/issues/comments/{comment.id}"
        return {
            "url": url,
            "html_url": f"{self.web_repo}/issues/{issue.number}#issuecomment-{comment.id}",
            "issue_url": f"{self.api_repo}/issues/{issue.number}",
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "user": self.user_json(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.created_at),
            "author_association": self.association(comment.user),
            "body": comment.body,
            "reactions": self.reactions_json(url),
            "performed_via_github_app": None,
        }

    def repo_json(self) -> Json:
        owner, name = self.repo.split("/", 1)
        api, web = self.api_repo, self.web_repo
        open_count = sum(1 for i in self.issues.values() if i.state == "open" and not i.deleted)
        templates = {
            "forks_url": "/forks",
            "keys_url": "/keys{/key_id}",
            "collaborators_url": "/collaborators{/collaborator}",
            "teams_url": "/teams",
            "hooks_url": "/hooks",
            "issue_events_url": "/issues/events{/number}",
            "events_url": "/events",
            "assignees_url": "/assignees{/user}",
            "branches_url": "/branches{/branch}",
            "tags_url": "/tags",
            "blobs_url": "/git/blobs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "trees_url": "/git/trees{/sha}",
            "statuses_url": "/statuses/{sha}",
            "languages_url": "/languages",
            "stargazers_url": "/stargazers",
            "contributors_url": "/contributors",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "commits_url": "/commits{/sha}",
            "git_commits_url": "/git/commits{/sha}",
            "comments_url": "/comments{/number}",
            "issue_comment_url": "/issues/comments{/number}",
            "contents_url": "/contents/{+path}",
            "compare_url": "/compare/{base}...{head}",
            "merges_url": "/merges",
            "archive_url": "/{archive_format}{/ref}",
            "downloads_url": "/downloads",
            "issues_url": "/issues{/number}",
            "pulls_url": "/pulls{/number}",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "labels_url": "/labels{/name}",
            "releases_url": "/releases{/id}",
            "deployments_url": "/deployments",
        }
        return {
            "id": self.repo_id,
            "node_id": node_id("Repository", self.repo_id),
            "name": name,
            "full_name": self.repo,
            "private": True,
            "owner": {**self.user_json(owner), "type": "Organization"},
            "html_url": web,
            "description": "Tech debt, tracked by syncer",
            "fork": False,
            "url": api,
            **{key: f"{api}{suffix}" for key, suffix in templates.items()},
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "pushed_at": iso(self.created_at),
            "git_url": f"git://{web.split('://', 1)[1]}.git",
            "ssh_url": f"git@{self.base_url.split('://', 1)[1]}:{self.repo}.git",
            "clone_url": f"{web}.git",
            "svn_url": web,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_count,
            "license": None,
            "allow_forking": False,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private",
            "forks": 0,
            "open_issues": open_count,
            "watchers": 0,
            "default_branch": "main",
        }


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """What a handler needs from the request, already authenticated and parsed."""

    method: str
    params: Mapping[str, Any]
    query: Mapping[str, str]
    payload: Any
    login: str


@dataclass(frozen=True)
class Fault:
    """A scripted misbehaviour for the next request: throttle, fail, stall, late or garble."""

    kind: str
    seconds: float = 0.0
    status: int = 0
    acted: bool = False
    how: Garble = "cut"
    timed: bool = True
    """A throttle that says how long to wait (`retry-after`, `x-ratelimit-*`)."""


Handler = Callable[[Call], Answer]


class FakeGitHub(ServedFake):
    """One fake GitHub repository served over HTTP; implements `syncer.fakes.control.FakeTracker`.

    Use as a context manager (starts and stops the server) or call `start()`/`stop()`.
    GitHub's secondary rate limit on issue creation is on: `create_limit` per `create_window`
    seconds and `create_hour_limit` an hour (`create_limit=None` turns it off, for a test about
    something else that creates faster on a clock it does not control); `has_issues=False`
    answers every issue call with GitHub's 410.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        issues: int = 0,
        repo: str = DEFAULT_REPO,
        token: str = DEFAULT_TOKEN,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        create_limit: int | None = CREATES_PER_MINUTE,
        create_window: float = 60.0,
        create_hour_limit: int = CREATES_PER_HOUR,
        per_page_max: int = 100,
        rate_limit: int = 5000,
        has_issues: bool = True,
        collaborators: Iterable[str] = COLLABORATORS,
    ) -> None:
        self.repo = repo
        self.token = token
        self.login = BOT_LOGIN
        self.webhook_secret = webhook_secret
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.create_limit = create_limit
        self._create_windows = (
            WindowLimit([(create_window, create_limit), (3600.0, create_hour_limit)])
            if create_limit is not None
            else None
        )
        self.per_page_max = per_page_max
        self.rate_limit = rate_limit
        self.has_issues = has_issues
        self.server = FakeServer(self._app(), port=port)
        self._lock = threading.Lock()
        self._store = Store(self.server.base_url, repo, collaborators, backlog=2 * issues)
        from syncer.fakes.github_pulls import Pulls  # it imports this module

        self.pulls = Pulls(self._store)
        """Pull requests (`syncer.fakes.github_pulls`): what a test checks of them."""
        self._faults: deque[Fault] = deque()
        self._old_names: set[str] = set()
        self._used = 0
        self._reset_at = 0
        self._hook_id = 400_000_000 + self._store.repo_id % 1000
        self._seed(issues)

    # -- what a person (or a test) does behind the API's back --

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        with self._lock:
            issue, events = self._store.create_issue(
                {"title": title, "body": body, "labels": list(labels)}, HUMAN_LOGIN
            )
            if closed:
                events += self._store.edit_issue(issue, {"state": "closed"}, HUMAN_LOGIN)
            self._deliver(events)
        return str(issue.number)

    def add_pull_request(self, title: str, body: str = "", labels: tuple[str, ...] = ()) -> str:
        """Open a pull request; it shows up in the issue list, as on GitHub."""
        with self._lock:
            fields = {"title": title, "body": body, "labels": list(labels)}
            issue, _ = self._store.create_issue(fields, HUMAN_LOGIN, pull=True)
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
        with self._lock:
            issue = self._store.issue(int(ref))
            self._deliver(self._store.edit_issue(issue, fields, HUMAN_LOGIN))

    def delete_issue(self, ref: str) -> None:
        """Delete as an admin does in the web page: the issue then answers 410 Gone."""
        with self._lock:
            issue = self._store.issue(int(ref))
            self._deliver([Event("issues", "deleted", issue.number, HUMAN_LOGIN)])
            issue.deleted = True

    def issue_count(self) -> int:
        with self._lock:
            return sum(1 for i in self._store.issues.values() if not (i.is_pull or i.deleted))

    def refs(self, label: str | None = None) -> list[str]:
        """Refs of the issues held (pull requests excluded), only those carrying `label` if set."""
        with self._lock:
            return [
                str(issue.number)
                for issue in self._store.issues.values()
                if not (issue.is_pull or issue.deleted)
                and (label is None or label.lower() in {name.lower() for name in issue.labels})
            ]

    def issue_json(self, ref: str) -> Json:
        """The issue as `GET /repos/{repo}/issues/{n}` would show it, for assertions."""
        with self._lock:
            return self._store.issue_json(self._store.issue(int(ref)), single=True)

    @property
    def known_users(self) -> tuple[str, ...]:
        """Logins that may be assigned: the repository's collaborators. Any other login is
        refused as GitHub refuses it (422, `assignees` `invalid`, the login as `value`)."""
        return tuple(self._store.collaborators.values())

    def throttle_next(
        self, requests: int, retry_after: float | None = 1.0, status: int = 403
    ) -> None:
        """Answer the next calls as GitHub does when the rate limit is spent (403, or 429);
        `retry_after=None`: a bare 429 naming no wait, as GitHub also sends."""
        fault = Fault(
            "throttle", seconds=retry_after or 0.0, status=status, timed=retry_after is not None
        )
        with self._lock:
            self._faults.extend([fault] * requests)

    def rename(self, new_repo: str) -> None:
        """Rename (or transfer) the repository as its owner does in the web page: the old name
        then answers with redirects to `/repositories/{id}`, 301 for reads, 307 for writes."""
        with self._lock:
            self._old_names.add(self.repo.lower())
            self._old_names.discard(new_repo.lower())
            self.repo = self._store.repo = new_repo

    def fail_next(self, requests: int, status: int = 502, *, acted: bool = False) -> None:
        """Answer the next calls with a server error; `acted`: after doing the work anyway."""
        with self._lock:
            self._faults.extend([Fault("fail", status=status, acted=acted)] * requests)

    def stall_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._faults.extend([Fault("stall", seconds=seconds)] * requests)

    def late_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._faults.extend([Fault("late", seconds=seconds)] * requests)

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        with self._lock:
            self._faults.extend([Fault("garble", how=how)] * requests)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """An empty repository again, server running: see `FakeTracker.reset`. Its labels and
        milestones are GitHub's defaults again, its collaborators stay."""
        self._forget_traffic()
        with self._lock:
            old = self._store
            self._store = Store(old.base_url, old.repo, old.collaborators.values(), backlog=0)
            self._faults.clear()
            if self._create_windows is not None:
                self._create_windows.clear()
            self._used = self._reset_at = 0

    def _seed(self, count: int) -> None:
        """A plausible repository: most issues tech debt, some bugs, some closed, a few PRs."""
        with self._lock:
            for i in range(count):
                labels = ["bug"] if i % 3 == 2 else [SYNC_LABEL]
                if i % 5 == 0:
                    labels.append("priority: high")
                fields = {"title": f"Seeded issue {i + 1}", "body": f"Seeded body {i + 1}."}
                issue, _ = self._store.create_issue({**fields, "labels": labels}, HUMAN_LOGIN)
                if i % 7 == 6:
                    self._store.edit_issue(issue, {"state": "closed"}, HUMAN_LOGIN)
                if i % 9 == 8:
                    self._store.create_issue(
                        {"title": f"Seeded PR {i + 1}"}, HUMAN_LOGIN, pull=True
                    )

    # -- webhooks --

    def _deliver(self, events: list[Event]) -> None:
        if self.webhooks is None:
            return
        for event in events:
            body = json.dumps(self._webhook_payload(event), separators=(",", ":")).encode()
            self.webhooks.send(
                Delivery(event.event, self._webhook_headers(event.event, body), body)
            )

    def _webhook_payload(self, event: Event) -> Json:
        issue = self._store.issues[event.number]
        extra = dict(event.extra)
        if "comment" in extra:
            comment = next(c for c in issue.comments if c.id == extra["comment"])
            extra["comment"] = self._store.comment_json(issue, comment)
        return {
            "action": event.action,
            "issue": self._store.issue_json(issue),
            **extra,
            "repository": self._store.repo_json(),
            "sender": self._store.user_json(event.actor),
        }

    def _webhook_headers(self, event: str, body: bytes) -> dict[str, str]:
        headers = {
            "User-Agent": "GitHub-Hookshot/5e3a1b2",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": str(self._hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(self._store.repo_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        }
        if self.webhook_secret:
            sha1 = hmac.new(self.webhook_secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature"] = f"sha1={sha1}"
            headers["X-Hub-Signature-256"] = signature_256(self.webhook_secret, body)
        return headers

    # -- the HTTP application --

    def _app(self) -> Starlette:
        from syncer.fakes.github_pulls import pull_routes  # it imports this module

        table: list[tuple[str, str, Handler]] = [
            ("/user", "GET", self._get_user),
            ("/users/{login}", "GET", self._get_named_user),
        ]
        # every repository path by name and by id: a redirect from a former name lands on the id
        for repo in ("/repos/{owner}/{repo}", "/repositories/{repo_id:int}"):
            issue = f"{repo}/issues/{{number:int}}"
            table += [
                (repo, "GET", self._get_repo),
                (f"{repo}/issues", "GET", self._list_issues),
                (f"{repo}/issues", "POST", self._create_issue),
                (issue, "GET", self._get_issue),
                (issue, "PATCH", self._edit_issue),
                (f"{issue}/comments", "GET", self._list_comments),
                (f"{issue}/comments", "POST", self._create_comment),
                (f"{repo}/labels", "GET", self._list_labels),
                (f"{repo}/labels", "POST", self._create_label),
                (f"{repo}/labels/{{name:path}}", "GET", self._get_label),
                (f"{repo}/milestones/{{number:int}}", "GET", self._get_milestone),
                *pull_routes(repo, lambda: self.pulls),
            ]
        routes = [Route(path, self._endpoint(h), methods=[verb]) for path, verb, h in table]
        handlers = {404: self._no_route, 405: self._no_route}
        return Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]

    async def _no_route(self, request: Request, exc: HTTPException) -> Response:
        return self._to_response(request, Answer(404, error_body(404, "Not Found")))

    def _endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fault = self._next_fault()
            if fault is not None and fault.kind == "throttle":
                return self._to_response(request, self._throttled(fault))
            if fault is not None and fault.kind == "fail" and not fault.acted:
                return self._to_response(request, self._server_error(fault.status))
            payload = await request.body()
            if fault is not None and fault.kind == "late":
                await asyncio.sleep(fault.seconds)
            answer = self._answer(request, payload, handler)
            if fault is not None and fault.kind == "stall":
                await asyncio.sleep(fault.seconds)
            if fault is not None and fault.kind == "fail":
                return self._to_response(request, self._server_error(fault.status))
            if fault is not None and fault.kind == "garble":
                return garbled(self._to_response(request, answer), fault.how)
            return self._to_response(request, answer)

        return endpoint

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _answer(self, request: Request, payload: bytes, handler: Handler) -> Answer:
        with self._lock:
            try:
                call = Call(
                    method=request.method,
                    params=request.path_params,
                    query=dict(request.query_params),
                    payload=self._parse(payload),
                    login=self._authenticate(request),
                )
                self._check_primary_limit(call.login)
                if (moved := self._moved(request)) is not None:
                    return moved
                self._check_repo(call.params)
                return handler(call)
            except ApiError as refused:
                return Answer(refused.status, refused.body, refused.headers)

    @staticmethod
    def _parse(payload: bytes) -> Any:
        try:
            return json.loads(payload) if payload.strip() else None
        except ValueError:
            raise ApiError(400, error_body(400, "Problems parsing JSON")) from None

    def _authenticate(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not token:
            raise ApiError(401, error_body(401, "Requires authentication"))
        if scheme.lower() not in ("token", "bearer") or not hmac.compare_digest(
            token.strip().encode(), self.token.encode()
        ):
            raise ApiError(401, error_body(401, "Bad credentials"))
        return self.login

    def _check_primary_limit(self, login: str) -> None:
        now = int(time.time())
        if now >= self._reset_at:
            self._used, self._reset_at = 0, now + 3600
        if self._used >= self.rate_limit:
            uid = self._store.user_id(login)
            message = f"API rate limit exceeded for user ID {uid}."
            raise ApiError(403, error_body(403, message, RATE_DOCS))

    def _moved(self, request: Request) -> Answer | None:
        """GitHub's redirect for a path under a former name of the repository, else None."""
        parts = request.url.path.split("/", 4)
        if len(parts) < 4 or parts[1] != "repos":
            return None
        if f"{parts[2]}/{parts[3]}".lower() not in self._old_names:
            return None
        rest = f"/{parts[4]}" if len(parts) > 4 else ""
        query = f"?{request.url.query}" if request.url.query else ""
        location = f"{self.server.base_url}/repositories/{self._store.repo_id}{rest}{query}"
        status, message = (
            (301, "Moved Permanently") if request.method == "GET" else (307, "Temporary Redirect")
        )
        docs = f"{DOCS}/guides/best-practices-for-using-the-rest-api#follow-redirects"
        body = {"message": message, "url": location, "documentation_url": docs}
        return Answer(status, body, {"location": location})

    def _check_repo(self, params: Mapping[str, Any]) -> None:
        if "repo_id" in params and params["repo_id"] != self._store.repo_id:
            raise not_found()
        if "owner" in params and f"{params['owner']}/{params['repo']}".lower() != self.repo.lower():
            raise not_found()

    def _throttled(self, fault: Fault) -> Answer:
        uid = self._store.user_id(self.login)
        message = (
            f"API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for "
            f"help, please include the request ID {secrets.token_hex(8).upper()}."
        )
        reset = math.ceil(time.time() + fault.seconds)
        headers = {
            "retry-after": seconds_header(fault.seconds),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset),
        }
        if not fault.timed:
            headers = {}
            message = "API rate limit exceeded. Please wait before you try again."
        return Answer(fault.status, error_body(fault.status, message, RATE_DOCS), headers)

    @staticmethod
    def _server_error(status: int) -> Answer:
        message = (
            "Server Error" if status == 500 else "Bad Gateway" if status == 502 else "Unavailable"
        )
        return Answer(status, error_body(status, message))

    def _to_response(self, request: Request, answer: Answer) -> Response:
        """Serialize, answer 304 to a matching `If-None-Match`, add GitHub's headers."""
        body = (
            b"" if answer.body is None else json.dumps(answer.body, separators=(",", ":")).encode()
        )
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-request-id": secrets.token_hex(8).upper(),
            **answer.headers,
        }
        status = answer.status
        if 200 <= status < 300 and body:
            headers["etag"] = weak_etag(body)
            if request.method == "GET" and _etag_matches(
                request.headers.get("if-none-match"), body
            ):
                status, body = 304, b""
        with self._lock:
            if status != 304 and status != 401:
                self._used += 1
            headers = {**self._rate_headers(), **headers}
        return Response(body, status_code=status, headers=headers)

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(max(self.rate_limit - self._used, 0)),
            "x-ratelimit-reset": str(self._reset_at or int(time.time()) + 3600),
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-resource": "core",
        }

    # -- pagination --

    def _paginate(
        self, items: list[Any], call: Call, path: str
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = min(max(_int(call.query.get("per_page"), 30), 1), self.per_page_max)
        page = max(_int(call.query.get("page"), 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        params = {key: value for key, value in call.query.items() if key != "page"}

        def url_for(number: int) -> str:
            return f"{self.server.base_url}{path}?{urlencode({**params, 'page': number})}"

        link = link_header(url_for, page, last)
        return items[(page - 1) * per_page : page * per_page], ({"link": link} if link else {})

    # -- handlers (called with the lock held) --

    def _get_user(self, call: Call) -> Answer:
        return Answer(200, self._store.private_user_json(call.login))

    def _get_named_user(self, call: Call) -> Answer:
        login = str(call.params["login"])
        if login.lower() == call.login.lower():
            return Answer(200, self._store.private_user_json(call.login))
        if login.lower() not in self._store.collaborators:
            raise not_found()
        return Answer(200, self._store.user_json(self._store.collaborators[login.lower()]))

    def _get_repo(self, call: Call) -> Answer:
        data = self._store.repo_json()
        data["has_issues"] = self.has_issues
        data["permissions"] = {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        }
        return Answer(200, data)

    def _require_issues(self) -> None:
        if not self.has_issues:
            raise ApiError(410, error_body(410, "Issues are disabled for this repo", ISSUES_DOCS))

    def _list_issues(self, call: Call) -> Answer:
        self._require_issues()
        items = self._filtered(call.query)
        page, headers = self._paginate(items, call, f"/repositories/{self._store.repo_id}/issues")
        return Answer(200, [self._store.issue_json(issue) for issue in page], headers)

    def _filtered(self, query: Mapping[str, str]) -> list[Issue]:
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid("Issue", "state", value=state)
        wanted = {
            name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()
        }
        try:
            since = parse_since(query["since"]) if query.get("since") else None
        except ValueError:
            raise invalid("Issue", "since", value=query["since"]) from None
        issues = [
            issue
            for issue in self._store.issues.values()
            if not issue.deleted
            and state in ("all", issue.state)
            and wanted <= {name.lower() for name in issue.labels}
            and (since is None or issue.updated_at >= since)
        ]
        keys: dict[str, Callable[[Issue], tuple[Any, int]]] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(i.comments), i.number),
        }
        key = keys.get(query.get("sort", "created"), keys["created"])
        return sorted(issues, key=key, reverse=query.get("direction", "desc") != "asc")

    def _create_issue(self, call: Call) -> Answer:
        self._require_issues()
        payload = _object(call.payload)
        self._check_secondary_limit()
        issue, events = self._store.create_issue(payload, call.login)
        if self._create_windows is not None:
            self._create_windows.record(time.monotonic())
        self._deliver(events)
        location = f"{self._store.api_repo}/issues/{issue.number}"
        return Answer(201, self._store.issue_json(issue, single=True), {"location": location})

    def _check_secondary_limit(self) -> None:
        """GitHub throttles content creation separately from reads: 403 and a `retry-after`."""
        if self._create_windows is None:
            return
        wait = self._create_windows.wait(time.monotonic())
        if wait is not None:
            message = SECONDARY_LIMIT_MESSAGE.format(request_id=secrets.token_hex(8).upper())
            body = error_body(403, message, f"{RATE_DOCS}#about-secondary-rate-limits")
            raise ApiError(403, body, {"retry-after": str(wait)})

    def _get_issue(self, call: Call) -> Answer:
        self._require_issues()
        issue = self._store.issue(int(call.params["number"]))
        modified = format_datetime(issue.updated_at, usegmt=True)
        return Answer(200, self._store.issue_json(issue, single=True), {"last-modified": modified})

    def _edit_issue(self, call: Call) -> Answer:
        self._require_issues()
        issue = self._store.issue(int(call.params["number"]))
        self._deliver(self._store.edit_issue(issue, _object(call.payload), call.login))
        return Answer(200, self._store.issue_json(issue, single=True))

    def _list_comments(self, call: Call) -> Answer:
        self._require_issues()
        issue = self._store.issue(int(call.params["number"]))
        path = f"/repos/{self.repo}/issues/{issue.number}/comments"
        page, headers = self._paginate(issue.comments, call, path)
        return Answer(200, [self._store.comment_json(issue, c) for c in page], headers)

    def _create_comment(self, call: Call) -> Answer:
        self._require_issues()
        issue = self._store.issue(int(call.params["number"]))
        comment, events = self._store.add_comment(
            issue, _object(call.payload).get("body"), call.login
        )
        self._deliver(events)
        data = self._store.comment_json(issue, comment)
        return Answer(201, data, {"location": data["url"]})

    def _list_labels(self, call: Call) -> Answer:
        labels = sorted(self._store.labels.values(), key=lambda label: label.id)
        page, headers = self._paginate(labels, call, f"/repos/{self.repo}/labels")
        return Answer(200, [self._store.label_json(label) for label in page], headers)

    def _create_label(self, call: Call) -> Answer:
        payload = _object(call.payload)
        name, color = payload.get("name"), payload.get("color", "ededed")
        if not isinstance(name, str) or not isinstance(color, str):
            raise invalid("Label", "name", code="missing_field")
        label = self._store.add_label(name, color, payload.get("description"))
        data = self._store.label_json(label)
        return Answer(201, data, {"location": data["url"]})

    def _get_label(self, call: Call) -> Answer:
        label = self._store.label(str(call.params["name"]))
        if label is None:
            raise not_found()
        return Answer(200, self._store.label_json(label))

    def _get_milestone(self, call: Call) -> Answer:
        milestone = self._store.milestones.get(int(call.params["number"]))
        if milestone is None:
            raise not_found()
        return Answer(200, self._store.milestone_json(milestone))


def _snapshot(issue: Issue) -> tuple[Any, ...]:
    """The fields whose change makes an edit real (bumps `updated_at`)."""
    return (
        issue.title,
        issue.body,
        tuple(issue.labels),
        tuple(issue.assignees),
        issue.milestone,
        issue.state,
        issue.state_reason,
    )


def _etag_matches(header: str | None, body: bytes) -> bool:
    """Weak comparison, as GitHub does: `W/"x"` matches `"x"`, and `*` matches anything."""
    if not header:
        return False
    ours = weak_etag(body).removeprefix("W/")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or ours in tags


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _object(payload: Any) -> Json:
    if not isinstance(payload, dict):
        raise ApiError(400, error_body(400, "Problems parsing JSON"))
    return payload


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
