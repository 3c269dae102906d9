"""A fake of the GitLab v4 REST API: in memory, served over real HTTP on 127.0.0.1.

It is faithful where python-gitlab and syncer look, so that what passes against it holds against
gitlab.com: payloads shaped like GitLab's own documented responses
(`tests/data/fixtures/api/gitlab`), offset pagination with the `X-*` and `Link` headers,
`updated_after` inclusive like GitLab's `>=`, labels created on first use, `401`/`404` bodies,
Rack::Attack-style `429`s with `Retry-After` and `RateLimit-*` headers, and Issue/Note Hook
webhooks carrying `X-Gitlab-Token`. It hosts one project and ignores permissions, groups,
milestones and everything else syncer never touches.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import formatdate
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncer.fakes.faults import Garble, garbled
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import Delivery, WebhookSender
from syncer.model import Priority
from syncer.trackers.base import FieldMapping

Json = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")

DEFAULT_REPO = "octo-group/tech-debt"
DEFAULT_TOKEN = "glpat-fake-gitlab-token-0000"
PROJECT_ID = 42
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
LABEL_COLOR = "#6699cc"
GITLAB_VERSION = "17.5.0"


# --- Time: GitLab writes two formats, and never repeats an update time ------------------------


def api_time(moment: datetime) -> str:
    """The REST API's format: `2016-01-04T15:31:51.081Z` (UTC, milliseconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def hook_time(moment: datetime) -> str:
    """The format webhook `changes` and Note Hook issues use: `2013-12-03 17:15:43 UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _hook_iso(moment: datetime) -> str:
    """The format Issue Hook `object_attributes` use: `2013-12-03T17:15:43Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Clock:
    """Wall time, truncated to GitLab's milliseconds, advancing at least 1 ms per write.

    Two writes in the same millisecond would share an `updated_at` and make `updated_after`
    cursors ambiguous in tests; on the real server they are merely unlikely.
    """

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        wall = datetime.now(UTC)
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000)
        self._last = max(wall, self._last + timedelta(milliseconds=1))
        return self._last


# --- The project's data ------------------------------------------------------------------------


@dataclass(frozen=True)
class _User:
    id: int
    username: str
    name: str

    def api(self, base: str) -> Json:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"{base}/{self.username}",
        }

    def hook(self) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "username": self.username,
            "avatar_url": None,
            "email": "[REDACTED]",
        }


ROOT = _User(1, "root", "Administrator")
BOT = _User(2, "syncer-bot", "Syncer Bot")
"""The user the fake's token belongs to."""
HUMAN = _User(3, "alice", "Alice Example")
"""Who `add_issue` and `human_edit` act as: a person using the web page."""
USERS = (ROOT, BOT, HUMAN, _User(4, "bob", "Bob Example"))


@dataclass
class _Label:
    id: int
    name: str
    color: str
    description: str | None
    created_at: datetime

    def api(self, open_issues: int) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "text_color": "#FFFFFF",
            "description": self.description,
            "description_html": self.description or "",
            "open_issues_count": open_issues,
            "closed_issues_count": 0,
            "open_merge_requests_count": 0,
            "subscribed": False,
            "priority": None,
            "is_project_label": True,
        }

    def hook(self) -> Json:
        return {
            "id": self.id,
            "title": self.name,
            "color": self.color,
            "project_id": PROJECT_ID,
            "created_at": _hook_iso(self.created_at),
            "updated_at": _hook_iso(self.created_at),
            "template": False,
            "description": self.description,
            "type": "ProjectLabel",
            "group_id": None,
        }


@dataclass
class _Note:
    id: int
    body: str
    author: _User
    created_at: datetime


@dataclass
class _Issue:
    id: int
    iid: int
    title: str
    description: str | None
    author: _User
    created_at: datetime
    updated_at: datetime
    state: str = "opened"
    closed_at: datetime | None = None
    closed_by: _User | None = None
    updated_by: _User | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[_User] = field(default_factory=list)
    due_date: date | None = None
    notes: list[_Note] = field(default_factory=list)


class _ApiError(Exception):
    """Answered as GitLab answers errors: a status and a small JSON body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _not_found(what: str = "Not found") -> _ApiError:
    return _ApiError(404, {"message": f"404 {what}"})


def _bad_request(message: object) -> _ApiError:
    return _ApiError(400, {"message": message})


class _Project:
    """The one project the fake hosts: issues, labels, and the ids GitLab would hand out."""

    def __init__(self, path: str, base_url: str) -> None:
        self.path = path
        self.base_url = base_url
        self.clock = _Clock()
        self.created_at = self.clock.now()
        self.issues: dict[int, _Issue] = {}
        self.labels: dict[str, _Label] = {}
        self._next_iid = 1
        self._next_id = 1000

    @property
    def web_url(self) -> str:
        return f"{self.base_url}/{self.path}"

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def issue(self, iid: int) -> _Issue:
        found = self.issues.get(iid)
        if found is None:
            raise _not_found()
        return found

    def add_issue(self, title: str, author: _User, at: datetime | None = None) -> _Issue:
        moment = at or self.clock.now()
        issue = _Issue(self.new_id(), self._next_iid, title, None, author, moment, moment)
        self._next_iid += 1
        self.issues[issue.iid] = issue
        return issue

    def use_labels(self, names: Iterable[str]) -> None:
        """GitLab creates a project label the first time an issue is given it."""
        for name in names:
            if name not in self.labels:
                self.add_label(name, LABEL_COLOR, None)

    def add_label(self, name: str, color: str, description: str | None) -> _Label:
        label = _Label(self.new_id(), name, color, description, self.clock.now())
        self.labels[name] = label
        return label

    def open_issues_with(self, label: str) -> int:
        return sum(1 for i in self.issues.values() if i.state == "opened" and label in i.labels)


# --- JSON renderings, key for key like GitLab's ------------------------------------------------

_TASK_RE = re.compile(r"^\s*[-*+] \[([ xX])\]", re.MULTILINE)


def _tasks(description: str | None) -> tuple[int, int]:
    marks = _TASK_RE.findall(description or "")
    return len(marks), sum(1 for m in marks if m != " ")


def _issue_json(project: _Project, issue: _Issue) -> Json:
    base, api = project.base_url, f"{project.base_url}/api/v4/projects/{PROJECT_ID}"
    count, completed = _tasks(issue.description)
    first_assignee = issue.assignees[0].api(base) if issue.assignees else None
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": PROJECT_ID,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": api_time(issue.created_at),
        "updated_at": api_time(issue.updated_at),
        "closed_at": api_time(issue.closed_at) if issue.closed_at else None,
        "closed_by": issue.closed_by.api(base) if issue.closed_by else None,
        "labels": list(issue.labels),
        "milestone": None,
        "assignees": [a.api(base) for a in issue.assignees],
        "assignee": first_assignee,
        "author": issue.author.api(base),
        "type": "ISSUE",
        "issue_type": "issue",
        "upvotes": 0,
        "downvotes": 0,
        "merge_requests_count": 0,
        "user_notes_count": len(issue.notes),
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "moved_to_id": None,
        "web_url": f"{project.web_url}/-/issues/{issue.iid}",
        "references": {
            "short": f"#{issue.iid}",
            "relative": f"#{issue.iid}",
            "full": f"{project.path}#{issue.iid}",
        },
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "has_tasks": count > 0,
        "task_status": f"{completed} of {count} tasks completed",
        "confidential": False,
        "discussion_locked": False,
        "subscribed": True,
        "severity": "UNKNOWN",
        "_links": {
            "self": f"{api}/issues/{issue.iid}",
            "notes": f"{api}/issues/{issue.iid}/notes",
            "award_emoji": f"{api}/issues/{issue.iid}/award_emoji",
            "project": api,
            "closed_as_duplicate_of": None,
        },
        "task_completion_status": {"count": count, "completed_count": completed},
    }


def _note_json(project: _Project, issue: _Issue, note: _Note) -> Json:
    return {
        "id": note.id,
        "type": None,
        "body": note.body,
        "attachment": None,
        "author": note.author.api(project.base_url),
        "created_at": api_time(note.created_at),
        "updated_at": api_time(note.created_at),
        "system": False,
        "noteable_id": issue.id,
        "noteable_type": "Issue",
        "project_id": PROJECT_ID,
        "noteable_iid": issue.iid,
        "resolvable": False,
        "confidential": False,
        "internal": False,
        "imported": False,
        "imported_from": "none",
    }


def _project_json(project: _Project) -> Json:
    group, _, name = project.path.rpartition("/")
    api = f"{project.base_url}/api/v4/projects/{PROJECT_ID}"
    return {
        "id": PROJECT_ID,
        "description": "Issues tracked from the tech-debt register",
        "name": name,
        "name_with_namespace": f"{group} / {name}",
        "path": name,
        "path_with_namespace": project.path,
        "created_at": api_time(project.created_at),
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@127.0.0.1:{project.path}.git",
        "http_url_to_repo": f"{project.web_url}.git",
        "web_url": project.web_url,
        "readme_url": None,
        "avatar_url": None,
        "forks_count": 0,
        "star_count": 0,
        "last_activity_at": api_time(project.created_at),
        "namespace": {
            "id": 7,
            "name": group,
            "path": group,
            "kind": "group",
            "full_path": group,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{project.base_url}/groups/{group}",
        },
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "labels": f"{api}/labels",
            "events": f"{api}/events",
            "members": f"{api}/members",
        },
        "issues_enabled": True,
        "open_issues_count": sum(1 for i in project.issues.values() if i.state == "opened"),
        "visibility": "private",
        "archived": False,
    }


# --- Webhook payloads --------------------------------------------------------------------------


def _project_hook(project: _Project) -> Json:
    group, _, name = project.path.rpartition("/")
    return {
        "id": PROJECT_ID,
        "name": name,
        "description": "Issues tracked from the tech-debt register",
        "web_url": project.web_url,
        "avatar_url": None,
        "git_ssh_url": f"git@127.0.0.1:{project.path}.git",
        "git_http_url": f"{project.web_url}.git",
        "namespace": group,
        "visibility_level": 0,
        "path_with_namespace": project.path,
        "default_branch": "main",
        "ci_config_path": None,
        "homepage": project.web_url,
        "url": f"git@127.0.0.1:{project.path}.git",
        "ssh_url": f"git@127.0.0.1:{project.path}.git",
        "http_url": f"{project.web_url}.git",
    }


def _repository_hook(project: _Project) -> Json:
    return {
        "name": project.path.rpartition("/")[2],
        "url": f"git@127.0.0.1:{project.path}.git",
        "description": "Issues tracked from the tech-debt register",
        "homepage": project.web_url,
    }


def _hook_labels(project: _Project, issue: _Issue) -> list[Json]:
    return [project.labels[name].hook() for name in issue.labels if name in project.labels]


def _hook_snapshot(project: _Project, issue: _Issue) -> Json:
    """The fields whose before/after GitLab reports in an Issue Hook's `changes`."""
    return {
        "title": issue.title,
        "description": issue.description,
        "state_id": 1 if issue.state == "opened" else 2,
        "labels": _hook_labels(project, issue),
        "assignees": [a.hook() for a in issue.assignees],
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "closed_at": hook_time(issue.closed_at) if issue.closed_at else None,
        "updated_by_id": issue.updated_by.id if issue.updated_by else None,
    }


def _changes(before: Json, after: Json, issue: _Issue, updated_before: datetime | None) -> Json:
    """What changed, plus `updated_at`: always there, since every change moves it."""
    changes = {
        key: {"previous": before.get(key), "current": value}
        for key, value in after.items()
        if before.get(key) != value
    }
    previous = hook_time(updated_before) if updated_before else None
    changes["updated_at"] = {"previous": previous, "current": hook_time(issue.updated_at)}
    return changes


def _issue_attributes(project: _Project, issue: _Issue, action: str) -> Json:
    ids = [a.id for a in issue.assignees]
    return {
        "id": issue.id,
        "title": issue.title,
        "assignee_ids": ids,
        "assignee_id": ids[0] if ids else None,
        "author_id": issue.author.id,
        "project_id": PROJECT_ID,
        "created_at": _hook_iso(issue.created_at),
        "updated_at": _hook_iso(issue.updated_at),
        "updated_by_id": issue.updated_by.id if issue.updated_by else None,
        "last_edited_at": None,
        "last_edited_by_id": None,
        "relative_position": None,
        "description": issue.description,
        "milestone_id": None,
        "state_id": 1 if issue.state == "opened" else 2,
        "confidential": False,
        "discussion_locked": None,
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "moved_to_id": None,
        "duplicated_to_id": None,
        "time_estimate": 0,
        "total_time_spent": 0,
        "time_change": 0,
        "human_total_time_spent": None,
        "human_time_estimate": None,
        "human_time_change": None,
        "weight": None,
        "health_status": None,
        "type": "Issue",
        "iid": issue.iid,
        "url": f"{project.web_url}/-/issues/{issue.iid}",
        "state": issue.state,
        "action": action,
        "severity": "unknown",
        "labels": _hook_labels(project, issue),
    }


def _issue_hook(project: _Project, issue: _Issue, action: str, actor: _User, changes: Json) -> Json:
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": actor.hook(),
        "project": _project_hook(project),
        "object_attributes": _issue_attributes(project, issue, action),
        "repository": _repository_hook(project),
        "assignees": [a.hook() for a in issue.assignees],
        "assignee": issue.assignees[0].hook() if issue.assignees else None,
        "labels": _hook_labels(project, issue),
        "changes": changes,
    }


def _note_hook(project: _Project, issue: _Issue, note: _Note) -> Json:
    issue_part = {
        "id": issue.id,
        "title": issue.title,
        "assignee_ids": [a.id for a in issue.assignees],
        "assignee_id": issue.assignees[0].id if issue.assignees else None,
        "author_id": issue.author.id,
        "project_id": PROJECT_ID,
        "created_at": hook_time(issue.created_at),
        "updated_at": hook_time(issue.updated_at),
        "position": 0,
        "branch_name": None,
        "description": issue.description,
        "milestone_id": None,
        "state": issue.state,
        "iid": issue.iid,
        "labels": _hook_labels(project, issue),
    }
    attributes = {
        "id": note.id,
        "note": note.body,
        "noteable_type": "Issue",
        "author_id": note.author.id,
        "created_at": hook_time(note.created_at),
        "updated_at": hook_time(note.created_at),
        "project_id": PROJECT_ID,
        "attachment": None,
        "line_code": None,
        "commit_id": "",
        "noteable_id": issue.id,
        "system": False,
        "st_diff": None,
        "action": "create",
        "url": f"{project.web_url}/-/issues/{issue.iid}#note_{note.id}",
    }
    return {
        "object_kind": "note",
        "event_type": "note",
        "user": note.author.hook(),
        "project_id": PROJECT_ID,
        "project": _project_hook(project),
        "repository": _repository_hook(project),
        "object_attributes": attributes,
        "issue": issue_part,
    }


# --- Request parameters ------------------------------------------------------------------------


def _str_list(value: object) -> list[str]:
    """GitLab takes lists as JSON arrays or comma-separated strings."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _int_list(value: object) -> list[int]:
    try:
        return [int(item) for item in _str_list(value)]
    except ValueError as exc:
        raise _bad_request("assignee_ids is invalid") from exc


def _due_date(value: object) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise _bad_request("due_date is invalid") from exc


def _timestamp(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad_request(f"{name} is invalid") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page_args(query: dict[str, str]) -> tuple[int, int]:
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = int(query.get("per_page", str(DEFAULT_PER_PAGE)))
    except ValueError as exc:
        raise _bad_request("page is invalid") from exc
    return page, min(max(1, per_page), MAX_PER_PAGE)


def _validate_edit(params: Json) -> None:
    """Refuse a bad edit before touching anything, as GitLab validates the whole request."""
    if "title" in params and not str(params["title"] or "").strip():
        raise _bad_request({"title": ["can't be blank"]})
    if params.get("state_event") not in (None, "close", "reopen"):
        raise _ApiError(400, {"error": "state_event does not have a valid value"})
    _due_date(params.get("due_date"))
    _int_list(params.get("assignee_ids", []))


async def _params(request: Request) -> Json:
    """Query parameters merged with the JSON (or form) body, as GitLab's Grape API merges them."""
    params: Json = dict(request.query_params)
    raw = await request.body()
    if not raw:
        return params
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(raw.decode()))
        return params
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _bad_request("400 Bad request - body is not valid JSON") from exc
    if isinstance(body, dict):
        params.update(body)
    return params


# --- Listing issues ----------------------------------------------------------------------------

_ORDER_FIELDS: dict[str, Callable[[_Issue], datetime]] = {
    "created_at": lambda i: i.created_at,
    "updated_at": lambda i: i.updated_at,
}


def _matches_labels(issue: _Issue, wanted: str) -> bool:
    if wanted == "None":
        return not issue.labels
    if wanted == "Any":
        return bool(issue.labels)
    return all(name in issue.labels for name in _str_list(wanted))


def _matches_search(issue: _Issue, search: str) -> bool:
    """Every word of the query appears in the title or description, case-insensitively."""
    text = f"{issue.title}\n{issue.description or ''}".lower()
    return all(word.lower() in text for word in search.split())


def _filter_issues(issues: Iterable[_Issue], query: dict[str, str]) -> list[_Issue]:
    state = query.get("state", "all")
    if state not in ("opened", "closed", "all"):
        raise _ApiError(400, {"error": "state does not have a valid value"})
    after = (
        _timestamp(query["updated_after"], "updated_after") if "updated_after" in query else None
    )
    return [
        issue
        for issue in issues
        if state in ("all", issue.state)
        and ("labels" not in query or _matches_labels(issue, query["labels"]))
        and (after is None or issue.updated_at >= after)
        and ("search" not in query or _matches_search(issue, query["search"]))
    ]


def _sort_issues(issues: list[_Issue], query: dict[str, str]) -> list[_Issue]:
    order_by, sort = query.get("order_by", "created_at"), query.get("sort", "desc")
    if order_by not in _ORDER_FIELDS:
        raise _ApiError(400, {"error": "order_by does not have a valid value"})
    if sort not in ("asc", "desc"):
        raise _ApiError(400, {"error": "sort does not have a valid value"})
    key = _ORDER_FIELDS[order_by]
    return sorted(issues, key=lambda i: (key(i), i.id), reverse=sort == "desc")


def _page_url(request: Request, base_url: str, page: int) -> str:
    query = dict(request.query_params)
    query["page"] = str(page)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    return f"{base_url}{raw_path.decode('latin-1')}?{urlencode(query)}"


def _paginated(
    request: Request, base_url: str, items: Sequence[T], render: Callable[[T], Json]
) -> JSONResponse:
    """One page of `items`, rendered, with GitLab's offset-pagination headers."""
    page, per_page = _page_args(dict(request.query_params))
    total_pages = max(1, math.ceil(len(items) / per_page))
    has_next, has_prev = page < total_pages, page > 1
    links = [f'<{_page_url(request, base_url, page + 1)}>; rel="next"'] if has_next else []
    links += [f'<{_page_url(request, base_url, page - 1)}>; rel="prev"'] if has_prev else []
    links += [
        f'<{_page_url(request, base_url, 1)}>; rel="first"',
        f'<{_page_url(request, base_url, total_pages)}>; rel="last"',
    ]
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(page + 1) if has_next else "",
        "X-Prev-Page": str(page - 1) if has_prev else "",
        "X-Total": str(len(items)),
        "X-Total-Pages": str(total_pages),
        "Link": ", ".join(links),
    }
    start = (page - 1) * per_page
    return JSONResponse([render(item) for item in items[start : start + per_page]], headers=headers)


# --- Rate limiting -----------------------------------------------------------------------------


@dataclass
class _RequestBudget:
    """A fixed window of `limit` requests, like GitLab's `throttle_authenticated_api`."""

    limit: int
    window: float
    started: float = field(default_factory=time.monotonic)
    used: int = 0

    def spend(self) -> None:
        now = time.monotonic()
        if now >= self.started + self.window:
            self.started, self.used = now, 0
        self.used += 1

    @property
    def exhausted(self) -> bool:
        return self.used > self.limit

    def seconds_left(self) -> float:
        return max(0.0, self.started + self.window - time.monotonic())

    def headers(self) -> dict[str, str]:
        reset = time.time() + self.seconds_left()
        return {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Observed": str(self.used),
            "RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "RateLimit-Reset": str(math.ceil(reset)),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }


def _throttled(retry_after: float, headers: dict[str, str]) -> Response:
    """GitLab's 429: plain text, `Retry-After` in whole seconds (HTTP allows no fractions)."""
    wait = str(max(1, math.ceil(retry_after)))
    return Response("Retry later\n", 429, {**headers, "Retry-After": wait}, "text/plain")


def _server_error(status: int) -> Response:
    if status == 500:
        return JSONResponse({"message": "500 Internal Server Error"}, status)
    page = (
        f"<html><body><h1>{status}</h1><p>Whoops, GitLab is taking too much time.</p></body></html>"
    )
    return Response(page, status, media_type="text/html")


# --- The fake ----------------------------------------------------------------------------------


class FakeGitLab(ServedFake):
    """A GitLab instance hosting one project, `repo`, for python-gitlab and syncer's tests.

    Use it as a context manager (`with FakeGitLab(issues=1000) as fake:`) or via
    `serve_gitlab`. `request_limit` answers 429 past that many requests per `limit_window`
    seconds; `webhook_url` receives Issue and Note Hooks signed with `webhook_secret`.
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
        token: str = DEFAULT_TOKEN,
        repo: str = DEFAULT_REPO,
    ) -> None:
        self.token = token
        self.repo = repo
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.webhook_secret = webhook_secret
        self.webhook_uuid = str(uuid.uuid4())
        self._budget = _RequestBudget(request_limit, limit_window) if request_limit else None
        self._faults: deque[Callable[[], Response]] = deque()
        self._stalls: deque[float] = deque()
        """Seconds to hold the next answers back, after doing their work."""
        self._lates: deque[float] = deque()
        """Seconds to hold the next requests back, before doing their work."""
        self._garbles: deque[Garble] = deque()
        self._lock = threading.RLock()
        self.server = FakeServer(self._app(), port=port)
        self._project = _Project(repo, self.server.base_url)
        self._seed(issues)

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
            issue = self._create(params, HUMAN)
            if closed:
                self._edit(issue, {"state_event": "close"}, HUMAN)
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
            self._edit(self._project.issue(int(ref)), params, HUMAN)

    def delete_issue(self, ref: str) -> None:
        with self._lock:
            self._project.issues.pop(int(ref), None)

    def issue_count(self) -> int:
        with self._lock:
            return len(self._project.issues)

    def issue_json(self, ref: str) -> Json:
        """The issue as `GET /projects/:id/issues/:iid` would show it, for assertions."""
        with self._lock:
            return _issue_json(self._project, self._project.issue(int(ref)))

    @property
    def known_users(self) -> tuple[str, ...]:
        """Usernames of the instance's users, which `GET /users?username=` finds and issues
        may be assigned (by id). GitLab ignores an unknown id in `assignee_ids`."""
        return tuple(user.username for user in USERS)

    def throttle_next(self, requests: int, retry_after: float = 1.0) -> None:
        reset = time.time() + retry_after
        headers = {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(math.ceil(reset)),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }
        with self._lock:
            self._faults.extend(lambda: _throttled(retry_after, headers) for _ in range(requests))

    def fail_next(self, requests: int, status: int = 502) -> None:
        with self._lock:
            self._faults.extend(lambda: _server_error(status) for _ in range(requests))

    def stall_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._stalls.extend([seconds] * requests)

    def late_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._lates.extend([seconds] * requests)

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        with self._lock:
            self._garbles.extend([how] * requests)

    def clear_faults(self) -> None:
        with self._lock:
            self._clear_faults()

    def _clear_faults(self) -> None:
        for faults in (self._faults, self._stalls, self._lates, self._garbles):
            faults.clear()

    def reset(self) -> None:
        """An empty project again, server running: see `FakeTracker.reset`."""
        self._forget_traffic()
        with self._lock:
            self._project = _Project(self.repo, self.server.base_url)
            self._clear_faults()
            if self._budget is not None:
                self._budget = _RequestBudget(self._budget.limit, self._budget.window)

    # Writes shared by the API and the person behind it

    def _seed(self, count: int) -> None:
        """Issues a project already had: sync-labelled, spread over the past `count` hours."""
        mapping, priorities = FieldMapping(), list(Priority)
        start = datetime.now(UTC) - timedelta(hours=count + 1)
        for n in range(count):
            at = start + timedelta(hours=n)
            issue = self._project.add_issue(f"Seeded tech-debt item {n + 1}", HUMAN, at)
            issue.description = f"Found while working on area {n % 9}.\n\n- [ ] fix it"
            issue.labels = [mapping.sync_label, mapping.priority_labels[priorities[n % 4]]]
            if n % 5 == 4:
                issue.state, issue.closed_at, issue.closed_by = "closed", at, HUMAN
            self._project.use_labels(issue.labels)

    def _create(self, params: Json, actor: _User) -> _Issue:
        title = str(params.get("title") or "").strip()
        if not title:
            raise _bad_request({"title": ["can't be blank"]})
        issue = self._project.add_issue(title, actor)
        issue.description = params.get("description")
        issue.labels = list(dict.fromkeys(_str_list(params.get("labels", []))))
        issue.assignees = self._users(_int_list(params.get("assignee_ids", [])))
        issue.due_date = _due_date(params.get("due_date"))
        self._project.use_labels(issue.labels)
        self._issue_event(issue, "open", actor, _changes({}, self._snapshot(issue), issue, None))
        return issue

    def _edit(self, issue: _Issue, params: Json, actor: _User) -> None:
        """Apply a PUT's parameters; like Rails, an edit that changes nothing touches nothing."""
        _validate_edit(params)
        before, updated_before = self._snapshot(issue), issue.updated_at
        self._apply_fields(issue, params)
        self._apply_state(issue, params.get("state_event"), actor)
        self._project.use_labels(issue.labels)
        if self._snapshot(issue) == before:
            return
        issue.updated_at, issue.updated_by = self._project.clock.now(), actor
        event = params.get("state_event")
        action = {"close": "close", "reopen": "reopen"}.get(str(event), "update")
        changes = _changes(before, self._snapshot(issue), issue, updated_before)
        self._issue_event(issue, action, actor, changes)

    def _apply_fields(self, issue: _Issue, params: Json) -> None:
        if "title" in params:
            issue.title = str(params["title"]).strip()
        if "description" in params:
            issue.description = params["description"]
        if "labels" in params:
            issue.labels = _str_list(params["labels"])
        removed = set(_str_list(params.get("remove_labels", [])))
        added = _str_list(params.get("add_labels", []))
        issue.labels = [n for n in dict.fromkeys(issue.labels + added) if n not in removed]
        if "assignee_ids" in params:
            issue.assignees = self._users(_int_list(params["assignee_ids"]))
        if "due_date" in params:
            issue.due_date = _due_date(params["due_date"])

    def _apply_state(self, issue: _Issue, event: object, actor: _User) -> None:
        if event == "close" and issue.state == "opened":
            issue.state, issue.closed_by = "closed", actor
            issue.closed_at = self._project.clock.now()
        elif event == "reopen" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by = "opened", None, None

    def _users(self, ids: list[int]) -> list[_User]:
        """Assignees by id; 0 means "nobody" and unknown ids are dropped, as GitLab does."""
        known = {user.id: user for user in USERS}
        return [known[i] for i in dict.fromkeys(ids) if i in known]

    def _snapshot(self, issue: _Issue) -> Json:
        return _hook_snapshot(self._project, issue)

    def _issue_event(self, issue: _Issue, action: str, actor: _User, changes: Json) -> None:
        self._deliver("Issue Hook", _issue_hook(self._project, issue, action, actor, changes))

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

    # HTTP

    def _app(self) -> Starlette:
        project = "/api/v4/projects/{project:path}"
        issue = f"{project}/issues/{{iid:int}}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/api/v4/user", self._current_user),
            ("GET", "/api/v4/users", self._list_users),
            ("GET", f"{issue}/notes", self._list_notes),
            ("POST", f"{issue}/notes", self._create_note),
            ("GET", issue, self._get_issue),
            ("PUT", issue, self._edit_issue),
            ("DELETE", issue, self._delete_issue),
            ("GET", f"{project}/issues", self._list_issues),
            ("POST", f"{project}/issues", self._create_issue),
            ("GET", f"{project}/labels", self._list_labels),
            ("POST", f"{project}/labels", self._create_label),
            ("GET", project, self._get_project),
        ]
        routes = [
            Route(path, self._guard(handler), methods=[verb]) for verb, path, handler in table
        ]
        routes.append(Route("/{rest:path}", self._guard(self._no_route)))
        return Starlette(routes=routes)

    def _guard(self, handler: Handler) -> Handler:
        """What GitLab checks before routing: injected faults, the rate limit, the token."""

        async def guarded(request: Request) -> Response:
            with self._lock:
                refusal = self._refusal(request)
                if refusal is not None:
                    return refusal
                stall = self._stalls.popleft() if self._stalls else 0.0
                late = self._lates.popleft() if self._lates else 0.0
                garble = self._garbles.popleft() if self._garbles else None
            await request.body()  # taken in whole before going silent, as a server does
            await asyncio.sleep(late)
            try:
                response = await handler(request)
            except _ApiError as error:
                response = JSONResponse(error.body, error.status)
            with self._lock:
                if self._budget is not None:
                    response.headers.update(self._budget.headers())
            await asyncio.sleep(stall)
            return response if garble is None else garbled(response, garble)

        return guarded

    def _refusal(self, request: Request) -> Response | None:
        if self._faults:
            return self._faults.popleft()()
        if self._budget is not None:
            self._budget.spend()
            if self._budget.exhausted:
                return _throttled(self._budget.seconds_left(), self._budget.headers())
        if self._presented_token(request) != self.token:
            return JSONResponse({"message": "401 Unauthorized"}, 401)
        return None

    @staticmethod
    def _presented_token(request: Request) -> str | None:
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return bearer[7:]
        return request.headers.get("private-token")

    def _resolve(self, request: Request) -> _Project:
        wanted = str(request.path_params["project"])
        if wanted not in (self.repo, str(PROJECT_ID)):
            raise _not_found("Project Not Found")
        return self._project

    async def _no_route(self, request: Request) -> Response:
        return JSONResponse({"error": "404 Not Found"}, 404)

    async def _current_user(self, request: Request) -> Response:
        user = BOT.api(self.server.base_url)
        user.update({"bot": False, "created_at": api_time(self._project.created_at)})
        return JSONResponse(user)

    async def _list_users(self, request: Request) -> Response:
        """`?username=` matches without case, as GitLab's does; the answer spells it right."""
        wanted = request.query_params.get("username")
        base = self.server.base_url
        found = [u for u in USERS if wanted is None or wanted.lower() == u.username.lower()]
        return _paginated(request, base, found, lambda user: user.api(base))

    async def _get_project(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse(_project_json(self._resolve(request)))

    async def _list_issues(self, request: Request) -> Response:
        query = dict(request.query_params)
        with self._lock:
            project = self._resolve(request)
            issues = _sort_issues(_filter_issues(project.issues.values(), query), query)
            return _paginated(request, project.base_url, issues, partial(_issue_json, project))

    async def _get_issue(self, request: Request) -> Response:
        with self._lock:
            project = self._resolve(request)
            return JSONResponse(_issue_json(project, project.issue(request.path_params["iid"])))

    async def _create_issue(self, request: Request) -> Response:
        params = await _params(request)
        with self._lock:
            project = self._resolve(request)
            return JSONResponse(_issue_json(project, self._create(params, BOT)), 201)

    async def _edit_issue(self, request: Request) -> Response:
        params = await _params(request)
        if not params:
            raise _ApiError(400, {"error": "at least one parameter must be provided"})
        with self._lock:
            project = self._resolve(request)
            issue = project.issue(request.path_params["iid"])
            self._edit(issue, params, BOT)
            return JSONResponse(_issue_json(project, issue))

    async def _delete_issue(self, request: Request) -> Response:
        with self._lock:
            project = self._resolve(request)
            project.issues.pop(project.issue(request.path_params["iid"]).iid)
        return Response(status_code=204)

    async def _list_notes(self, request: Request) -> Response:
        with self._lock:
            project = self._resolve(request)
            issue = project.issue(request.path_params["iid"])
            notes = issue.notes[::-1]
            return _paginated(request, project.base_url, notes, partial(_note_json, project, issue))

    async def _create_note(self, request: Request) -> Response:
        body = str((await _params(request)).get("body") or "")
        if not body.strip():
            raise _bad_request('400 Bad request - Note {:note=>["can\'t be blank"]}')
        with self._lock:
            project = self._resolve(request)
            issue = project.issue(request.path_params["iid"])
            note = _Note(project.new_id(), body, BOT, project.clock.now())
            issue.notes.append(note)
            issue.updated_at = note.created_at  # a comment touches its issue, as on GitLab
            self._deliver("Note Hook", _note_hook(project, issue, note))
            return JSONResponse(_note_json(project, issue, note), 201)

    async def _list_labels(self, request: Request) -> Response:
        with self._lock:
            project = self._resolve(request)
            labels = list(project.labels.values())
            return _paginated(
                request,
                project.base_url,
                labels,
                lambda label: label.api(project.open_issues_with(label.name)),
            )

    async def _create_label(self, request: Request) -> Response:
        params = await _params(request)
        name, color = str(params.get("name") or ""), str(params.get("color") or "")
        if not name or not color:
            raise _bad_request({"name" if not name else "color": ["can't be blank"]})
        with self._lock:
            project = self._resolve(request)
            if name in project.labels:
                raise _ApiError(409, {"message": "Label already exists"})
            label = project.add_label(name, color, params.get("description"))
            return JSONResponse(label.api(0), 201)


def serve_gitlab(
    port: int, issues: int, webhook_url: str | None, webhook_secret: str | None
) -> FakeGitLab:
    """A started fake for `syncer fake gitlab`: the caller stops it with `.stop()`."""
    fake = FakeGitLab(
        port=port, issues=issues, webhook_url=webhook_url, webhook_secret=webhook_secret
    )
    return fake.start()
