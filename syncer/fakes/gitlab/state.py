"""What the fake GitLab holds: users, projects, their issues, labels and notes.

Plain data plus the ids GitLab would hand out; what a request does to it lives in `store`, how
it looks on the wire in `payloads` and `hooks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from syncer.fakes.clock import Clock

Json = dict[str, Any]

DEFAULT_REPO = "octo-group/tech-debt"
PROJECT_ID = 42
"""The id of the project the fake hosts for syncer; projects added later count up from it."""
LABEL_COLOR = "#6699cc"

Tier = Literal["free", "premium"]
"""GitLab's license tier, as far as issues care: Free (gitlab.com Free, self-managed CE) keeps
one assignee per issue; Premium and up keep several."""


# --- Time: GitLab writes two formats, and never repeats an update time ------------------------


def api_time(moment: datetime) -> str:
    """The REST API's format: `2016-01-04T15:31:51.081Z` (UTC, milliseconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def hook_time(moment: datetime) -> str:
    """The format webhook `changes` and Note Hook issues use: `2013-12-03 17:15:43 UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def hook_iso(moment: datetime) -> str:
    """The format Issue Hook `object_attributes` use: `2013-12-03T17:15:43Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class IssueClock:
    """The fake's clock, truncated to GitLab's milliseconds, advancing at least 1 ms per write.

    Two writes in the same millisecond would share an `updated_at` and make `updated_after`
    cursors ambiguous in tests; on the real server they are merely unlikely.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        wall = datetime.fromtimestamp(self._clock.time(), UTC)
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000)
        self._last = max(wall, self._last + timedelta(milliseconds=1))
        return self._last


# --- Users -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
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


ROOT = User(1, "root", "Administrator")
BOT = User(2, "syncer-bot", "Syncer Bot")
"""The user the fake's token belongs to."""
HUMAN = User(3, "alice", "Alice Example")
"""Who `add_issue` and `human_edit` act as: a person using the web page."""
OUTSIDER = User(5, "mallory", "Mallory Outsider")
"""A user of the instance who is no member of the (private) project: GitLab drops them from
`assignee_ids` without a word, as they cannot read the issue."""
USERS = (ROOT, BOT, HUMAN, User(4, "bob", "Bob Example"), OUTSIDER)
MEMBERS = tuple(user for user in USERS if user is not OUTSIDER)
"""The project's members unless a test says otherwise."""


# --- A project's data --------------------------------------------------------------------------


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    created_at: datetime
    project_id: int

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
            "project_id": self.project_id,
            "created_at": hook_iso(self.created_at),
            "updated_at": hook_iso(self.created_at),
            "template": False,
            "description": self.description,
            "type": "ProjectLabel",
            "group_id": None,
        }


@dataclass
class Note:
    id: int
    body: str
    author: User
    created_at: datetime
    system: bool = False
    """GitLab's own notes ("moved to …"), written by the action, not by a person."""


@dataclass
class Issue:
    id: int
    iid: int
    title: str
    description: str | None
    author: User
    created_at: datetime
    updated_at: datetime
    state: str = "opened"
    closed_at: datetime | None = None
    closed_by: User | None = None
    updated_by: User | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[User] = field(default_factory=list)
    due_date: date | None = None
    notes: list[Note] = field(default_factory=list)
    moved_to_id: int | None = None
    """The global id of the issue this one became when a person moved it to another project."""


@dataclass
class MergeRequest:
    """A merge request within one project (`syncer.fakes.gitlab.merge_requests`). The fake
    knows no git, so the branches are only names."""

    id: int
    iid: int
    title: str
    description: str | None
    source_branch: str
    target_branch: str
    author: User
    created_at: datetime
    updated_at: datetime
    state: str = "opened"
    closed_at: datetime | None = None
    closed_by: User | None = None


class ApiError(Exception):
    """Answered as GitLab answers errors: a status and a small JSON body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def not_found(what: str = "Not found") -> ApiError:
    return ApiError(404, {"message": f"404 {what}"})


def bad_request(message: object) -> ApiError:
    return ApiError(400, {"message": message})


class Ids:
    """The instance-wide ids GitLab hands out (issues, notes and labels share one sequence
    here; on GitLab they are separate tables, but no client may assume either way)."""

    def __init__(self) -> None:
        self._next = 1000

    def new(self) -> int:
        self._next += 1
        return self._next


class Project:
    """One project of the fake: its issues, labels and members."""

    def __init__(
        self,
        project_id: int,
        path: str,
        base_url: str,
        ids: Ids,
        members: Iterable[User],
        clock: Clock,
    ) -> None:
        self.id = project_id
        self.path = path
        self.base_url = base_url
        self.ids = ids
        self.members = {user.id for user in members}
        self.clock = IssueClock(clock)
        self.created_at = self.clock.now()
        self.issues: dict[int, Issue] = {}
        self.labels: dict[str, Label] = {}
        self.merge_requests: dict[int, MergeRequest] = {}
        self._next_iid = 1

    @property
    def web_url(self) -> str:
        return f"{self.base_url}/{self.path}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v4/projects/{self.id}"

    def issue(self, iid: int) -> Issue:
        found = self.issues.get(iid)
        if found is None:
            raise not_found()
        return found

    def add_issue(self, title: str, author: User, at: datetime | None = None) -> Issue:
        moment = at or self.clock.now()
        issue = Issue(self.ids.new(), self._next_iid, title, None, author, moment, moment)
        self._next_iid += 1
        self.issues[issue.iid] = issue
        return issue

    def add_merge_request(self, title: str, source: str, target: str, author: User) -> MergeRequest:
        """Merge requests count their own iids, apart from the issues', as on GitLab."""
        moment = self.clock.now()
        iid = max(self.merge_requests, default=0) + 1
        request = MergeRequest(
            self.ids.new(), iid, title, None, source, target, author, moment, moment
        )
        self.merge_requests[iid] = request
        return request

    def use_labels(self, names: Iterable[str]) -> None:
        """GitLab creates a project label the first time an issue is given it."""
        for name in names:
            if name not in self.labels:
                self.add_label(name, LABEL_COLOR, None)

    def add_label(self, name: str, color: str, description: str | None) -> Label:
        label = Label(self.ids.new(), name, color, description, self.clock.now(), self.id)
        self.labels[name] = label
        return label

    def open_issues_with(self, label: str) -> int:
        return sum(1 for i in self.issues.values() if i.state == "opened" and label in i.labels)
