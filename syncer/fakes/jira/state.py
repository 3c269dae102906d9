"""What the fake Jira site holds: its one project, issues, comments, users and clock.

Everything here is the site's state and the rules that keep it consistent (keys, the clock that
moves `updated` strictly forward, status and resolution together); how it is shown (payloads),
changed by requests (workflow, handlers) and searched (JQL) lives in the sibling modules.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from syncer.fakes.clock import Clock
from syncer.fakes.server import FakeServer

Flavour = Literal["server", "cloud"]
Json = dict[str, Any]

BULK_LIMIT = 50
"""Jira creates at most 50 issues per bulk request."""
PAGE_CAP = 100
"""The largest page a search returns, whatever `maxResults` asks for."""

STATUSES: dict[str, tuple[str, str, int, str]] = {
    # name: (id, category key, category id, colour)
    "To Do": ("10000", "new", 2, "blue-gray"),
    "In Progress": ("3", "indeterminate", 4, "yellow"),
    "Done": ("10001", "done", 3, "green"),
}
CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest"))
DEFAULT_PRIORITY = "Medium"
ISSUE_TYPES: tuple[tuple[str, str, bool], ...] = (
    ("10001", "Task", False),
    ("10002", "Bug", False),
    ("10003", "Story", False),
    ("10004", "Epic", False),
    ("10005", "Sub-task", True),
)
HUMAN = "admin"
"""The person who edits issues in the web page (`add_issue`, `human_edit`)."""


def stamp(moment: datetime) -> str:
    """Jira's timestamp format: `2021-05-04T10:11:12.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def errors_json(messages: list[str] | None = None, **fields: str) -> Json:
    return {"errorMessages": messages or [], "errors": fields}


class JiraApiError(Exception):
    """Raised inside a handler; becomes Jira's `{errorMessages, errors}` answer."""

    def __init__(self, status: int, messages: list[str] | None = None, **fields: str) -> None:
        super().__init__(status, messages, fields)
        self.status = status
        self.body = errors_json(messages, **fields)


def cannot_set(name: str) -> JiraApiError:
    """Jira's answer to a field that is not on the screen of the operation (or unknown)."""
    error = JiraApiError(400)
    error.body["errors"][name] = (
        f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
    )
    return error


def jql_error(message: str) -> JiraApiError:
    return JiraApiError(400, [message])


@dataclass
class Comment:
    id: int
    body: str
    author: str
    created: datetime


@dataclass
class Issue:
    id: int
    number: int
    summary: str
    description: str | None
    labels: list[str]
    priority: str | None
    reporter: str
    created: datetime
    updated: datetime
    status: str = "To Do"
    duedate: str | None = None
    assignee: str | None = None
    resolution: str | None = None
    resolutiondate: datetime | None = None
    status_changed: datetime | None = None
    comments: list[Comment] = field(default_factory=list)


class JiraState:
    """The site's store, under one lock; see the module docstring."""

    project: str
    project_id: str
    project_name: str
    flavour: Flavour
    server: FakeServer

    def __init__(
        self,
        project: str,
        flavour: Flavour,
        clock: Clock,
        user_time_zone: str = "America/New_York",
    ) -> None:
        self.flavour = flavour
        self.user_time_zone = user_time_zone
        self.user_zone = ZoneInfo(user_time_zone)
        """The zone JQL dates are read in: the searching user's profile zone, as on a real
        site, while REST timestamps are written in UTC (`+0000`)."""
        self.project = project
        self.project_id = "10000"
        self.project_name = f"{project.title()} register"
        self.clock = clock
        self._last = self._wall() - timedelta(seconds=1)
        self._lock = threading.RLock()
        self._issues: dict[int, Issue] = {}
        self._next_number = 1
        self._next_comment = 10100
        self._users = {HUMAN: "Ada Admin", "alice": "Alice Example", "bob": "Bob Example"}
        self._bot = "syncer-bot"
        self._users[self._bot] = "syncer"

    api_prefix = ""
    """`/ex/jira/{cloudId}` when the API is reached through Atlassian's gateway."""
    site_url: str | None = None
    """The site's own web address (serverInfo's `baseUrl`); None: where the fake serves."""

    @property
    def base_url(self) -> str:
        """Where clients reach the API, and what its `self` links start with."""
        return self.server.base_url + self.api_prefix

    # --- the clock -----------------------------------------------------------------------------

    def _wall(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), UTC)

    def now(self) -> datetime:
        """The fake's current time (never behind the last write)."""
        with self._lock:
            return max(self._wall(), self._last)

    def _tick(self) -> datetime:
        """The time of a new write: the clock, but at least one second after the previous one."""
        with self._lock:
            moment = max(self._wall(), self._last + timedelta(seconds=1))
            self._last = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            return self._last

    # --- issues --------------------------------------------------------------------------------

    def _seed(self, count: int, label: str) -> None:
        """Issues with a history: last touched a minute apart, the newest an hour ago."""
        start = self._wall() - timedelta(hours=1, minutes=count)
        for n in range(1, count + 1):
            self._new_issue(
                f"Seeded debt item {n}",
                f"Seeded by the fake.\n\n* detail {n}",
                [label],
                HUMAN,
                at=start + timedelta(minutes=n),
            )

    def _new_issue(
        self,
        summary: str,
        description: str | None,
        labels: list[str],
        reporter: str,
        at: datetime | None = None,
    ) -> Issue:
        moment = at.replace(microsecond=0) if at is not None else self._tick()
        number = self._next_number
        self._next_number += 1
        issue = Issue(
            id=10000 + number,
            number=number,
            summary=summary,
            description=description,
            labels=labels,
            priority=DEFAULT_PRIORITY,
            reporter=reporter,
            created=moment,
            updated=moment,
            status_changed=moment,
        )
        self._issues[issue.id] = issue
        return issue

    def _new_comment(self, body: str, moment: datetime) -> Comment:
        self._next_comment += 1
        return Comment(self._next_comment, body, self._bot, moment)

    def _key(self, issue: Issue) -> str:
        return f"{self.project}-{issue.number}"

    def _lookup(self, ref: str) -> Issue | None:
        if ref.isdigit():
            return self._issues.get(int(ref))
        project, _, number = ref.upper().rpartition("-")
        if project != self.project or not number.isdigit():
            return None
        return self._issues.get(10000 + int(number))

    def _find(self, ref: str) -> Issue:
        issue = self._lookup(ref)
        if issue is None:
            raise JiraApiError(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        return issue

    def _set_status(self, issue: Issue, status: str, moment: datetime) -> None:
        if issue.status != status:
            issue.status_changed = moment
        issue.status = status
        done = STATUSES[status][1] == "done"
        issue.resolutiondate = (issue.resolutiondate or moment) if done else None
        issue.resolution = (issue.resolution or "Done") if done else None

    def _snapshot(self, issue: Issue) -> Json:
        return {
            "summary": issue.summary,
            "description": issue.description,
            "labels": list(issue.labels),
            "priority": issue.priority,
            "duedate": issue.duedate,
            "assignee": issue.assignee,
            "status": issue.status,
            "resolution": issue.resolution,
        }

    # --- users ---------------------------------------------------------------------------------

    def user_id(self, name: str) -> str:
        """How the API names a known user: `name` on Server, `accountId` on Cloud."""
        return self._account_id(name) if self.flavour == "cloud" else name

    @property
    def known_users(self) -> tuple[str, ...]:
        """The site's users as the API names them (see `user_id`): issues may be assigned
        to them. Any other user is refused with Jira's 400 on `assignee`."""
        return tuple(self.user_id(name) for name in self._users)

    def _account_id(self, name: str) -> str:
        return "5b10" + hashlib.sha1(name.encode()).hexdigest()[:20]

    def _user_named(self, ref: Json) -> str:
        """The user a request refers to: `{"name"}` on Server, `{"accountId"}` on Cloud, each
        refused in its own words (Cloud's do not name the account it could not find)."""
        if self.flavour == "cloud":
            wanted = ref.get("accountId")
            found = [name for name in self._users if self._account_id(name) == wanted]
            if not found:
                raise JiraApiError(400, assignee="Specify a valid value for assignee")
            return found[0]
        if "name" not in ref:
            raise JiraApiError(400, assignee="expected Object containing a 'name' property")
        if ref["name"] not in self._users:
            raise JiraApiError(400, assignee=f"User '{ref['name']}' does not exist.")
        return str(ref["name"])

    # --- what JQL asks of the store ------------------------------------------------------------

    def check_values(self, name: str, values: list[str]) -> None:
        """Jira refuses values it knows cannot exist (an unknown project, status, priority)."""
        known: dict[str, list[str]] = {
            "project": [self.project, self.project_id, self.project_name],
            "status": [*STATUSES, *(s[0] for s in STATUSES.values())],
            "priority": [name for _, name in PRIORITIES],
        }
        allowed = {v.lower() for v in known.get(name, [])}
        for value in values:
            if allowed and value.lower() not in allowed:
                raise jql_error(f"The value '{value}' does not exist for the field '{name}'.")

    def number_for_jql(self, value: str, name: str) -> int:
        issue = self._lookup(value)
        if issue is None:
            raise jql_error(f"An issue with key '{value}' does not exist for field '{name}'.")
        return issue.number
