"""A faithful in-memory fake of the Jira REST API, served over real HTTP.

It answers what the `jira` client library sends (REST v2, plus the Cloud `search/jql`
endpoint in v2 and v3), in the shapes of the real payloads in `tests/data/fixtures/api/jira`:
issues with every standard field, the To Do → In Progress → Done workflow with global
transitions, bulk create (at most 50 per request), comments, JQL search with Server-style
`startAt` and Cloud-style `nextPageToken` pagination, errors as `{errorMessages, errors}`,
401s for bad credentials, 429s with `Retry-After`, and signed `jira:issue_*` webhooks.

Two flavours: `"server"` (Data Center: `/rest/api/2/search`, users by `name`) and `"cloud"`
(the old search endpoint answers 410 Gone as it now does on Cloud, users by `accountId`). Both
accept the token as a Bearer personal access token or as Basic `email:token`.

Time is a fake clock: every write moves `updated` forward by at least one second, so the
ordering a poller relies on is strict, and tests can freeze the clock to put many writes in
one JQL minute.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from syncer.fakes.faults import Garble, garbled
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import Delivery, WebhookSender

Flavour = Literal["server", "cloud"]
Json = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

BULK_LIMIT = 50
"""Jira creates at most 50 issues per bulk request."""
PAGE_CAP = 100
"""The largest page a search returns, whatever `maxResults` asks for."""

_STATUSES: dict[str, tuple[str, str, int, str]] = {
    # name: (id, category key, category id, colour)
    "To Do": ("10000", "new", 2, "blue-gray"),
    "In Progress": ("3", "indeterminate", 4, "yellow"),
    "Done": ("10001", "done", 3, "green"),
}
_CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
_TRANSITIONS = (("11", "To Do"), ("21", "In Progress"), ("31", "Done"))
_PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest"))
_DEFAULT_PRIORITY = "Medium"
_ISSUE_TYPES: tuple[tuple[str, str, bool], ...] = (
    ("10001", "Task", False),
    ("10002", "Bug", False),
    ("10003", "Story", False),
    ("10004", "Epic", False),
    ("10005", "Sub-task", True),
)
_EDITABLE = ("summary", "description", "labels", "priority", "duedate", "assignee")
_CREATE_ONLY = ("project", "issuetype", "reporter")
_HUMAN = "admin"


def _stamp(moment: datetime) -> str:
    """Jira's timestamp format: `2021-05-04T10:11:12.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def _errors(messages: list[str] | None = None, **fields: str) -> Json:
    return {"errorMessages": messages or [], "errors": fields}


def _error(status: int, messages: list[str] | None = None, **fields: str) -> JSONResponse:
    return JSONResponse(_errors(messages, **fields), status_code=status)


class JiraApiError(Exception):
    """Raised inside a handler; becomes Jira's `{errorMessages, errors}` answer."""

    def __init__(self, status: int, messages: list[str] | None = None, **fields: str) -> None:
        super().__init__(status, messages, fields)
        self.status = status
        self.body = _errors(messages, **fields)


def _cannot_set(name: str) -> JiraApiError:
    error = JiraApiError(400)
    error.body["errors"][name] = (
        f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
    )
    return error


@dataclass
class _Comment:
    id: int
    body: str
    author: str
    created: datetime


@dataclass
class _Issue:
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
    resolutiondate: datetime | None = None
    status_changed: datetime | None = None
    comments: list[_Comment] = field(default_factory=list)


# --- JQL -----------------------------------------------------------------------------------------

_JQL_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<op>!=|>=|<=|!~|=|>|<|~|\(|\)|,)|(?P<word>[^\s"'=!<>~(),]+))"""
)
_OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~", "!~")
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_PERIOD = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_PERIOD_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
Predicate = Callable[[_Issue], bool]


def _words(text: str) -> list[str]:
    """Jira's full-text index, roughly: lower-cased runs of letters and digits."""
    return re.findall(r"\w+", text.lower())


@dataclass
class _Token:
    kind: str
    text: str
    at: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokenize(jql: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(jql.rstrip()):
        match = _JQL_TOKEN.match(jql, pos)
        if match is None or match.lastgroup is None:
            raise _jql_error(
                f"Error in the JQL Query: The character '{jql[pos]}' is a reserved "
                f"JQL character. (line 1, character {pos + 1})"
            )
        tokens.append(
            _Token(match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup))
        )
        pos = match.end()
    return tokens


def _jql_error(message: str) -> JiraApiError:
    return JiraApiError(400, [message])


def _unknown_field(name: str) -> JiraApiError:
    return _jql_error(f"Field '{name}' does not exist or you do not have permission to view it.")


def _unquote(token: _Token) -> str:
    if token.kind != "str":
        return token.text
    return re.sub(r"\\(.)", r"\1", token.text[1:-1])


class _JqlParser:
    """Enough JQL for syncer and a person poking at the fake: clauses on project, key, labels,
    status, priority, assignee, dates and text, joined by AND/OR/NOT with parentheses, and
    ORDER BY. Anything else is answered the way Jira answers it: 400 with errorMessages."""

    def __init__(self, jira: FakeJira, jql: str) -> None:
        self.jira = jira
        self.tokens = _tokenize(jql)
        self.pos = 0

    def parse(self) -> tuple[Predicate, list[tuple[str, bool]]]:
        predicate: Predicate = lambda issue: True  # noqa: E731
        if self._peek().kind != "end" and self._peek().upper != "ORDER":
            predicate = self._or()
        order = self._order_by()
        if self._peek().kind != "end":
            raise self._expecting("AND, OR or ORDER BY")
        return predicate, order

    def _peek(self) -> _Token:
        if self.pos < len(self.tokens):
            return self.tokens[self.pos]
        return _Token("end", "", sum(len(t.text) for t in self.tokens))

    def _next(self) -> _Token:
        token = self._peek()
        self.pos += 1
        return token

    def _expecting(self, what: str) -> JiraApiError:
        token = self._peek()
        got = f"'{token.text}'" if token.kind != "end" else "end of query"
        return _jql_error(
            f"Error in the JQL Query: Expecting {what} but got {got}. "
            f"(line 1, character {token.at + 1})"
        )

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek().upper == "OR":
            self._next()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda issue: any(p(issue) for p in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek().upper == "AND":
            self._next()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else lambda issue: all(p(issue) for p in parts)

    def _not(self) -> Predicate:
        if self._peek().upper == "NOT":
            self._next()
            inner = self._not()
            return lambda issue: not inner(issue)
        if self._peek().text == "(":
            self._next()
            inner = self._or()
            if self._next().text != ")":
                self.pos -= 1
                raise self._expecting("')'")
            return inner
        return self._clause()

    def _clause(self) -> Predicate:
        token = self._next()
        if token.kind not in ("word", "str"):
            self.pos -= 1
            raise self._expecting("a field name")
        name = _unquote(token).lower()
        field_ = _FIELDS.get(name)
        if field_ is None:
            raise _unknown_field(_unquote(token))
        operator = self._operator()
        return field_.predicate(self, name, operator)

    def _operator(self) -> str:
        token = self._next()
        if token.kind == "op" and token.text in _OPERATORS:
            return token.text
        word = token.upper
        if word == "NOT" and self._peek().upper == "IN":
            self._next()
            return "not in"
        if word == "IS" and self._peek().upper == "NOT":
            self._next()
            return "is not"
        if word in ("IN", "IS"):
            return word.lower()
        self.pos -= 1
        raise self._expecting(
            "operator ('=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' "
            "or 'IS NOT')"
        )

    def values(self, operator: str) -> list[str]:
        """The operand: one value, a parenthesised list for IN, EMPTY for IS."""
        if operator in ("is", "is not"):
            token = self._next()
            if token.upper not in ("EMPTY", "NULL"):
                self.pos -= 1
                raise self._expecting("EMPTY or NULL")
            return []
        if operator in ("in", "not in"):
            return self._list()
        token = self._next()
        if token.kind not in ("word", "str"):
            self.pos -= 1
            raise self._expecting("a value")
        return [_unquote(token)]

    def _list(self) -> list[str]:
        if self._next().text != "(":
            self.pos -= 1
            raise self._expecting("'('")
        values = []
        while True:
            token = self._next()
            if token.kind not in ("word", "str"):
                self.pos -= 1
                raise self._expecting("a value")
            values.append(_unquote(token))
            separator = self._next()
            if separator.text == ")":
                return values
            if separator.text != ",":
                self.pos -= 1
                raise self._expecting("',' or ')'")

    def _order_by(self) -> list[tuple[str, bool]]:
        if self._peek().upper != "ORDER":
            return []
        self._next()
        if self._next().upper != "BY":
            self.pos -= 1
            raise self._expecting("BY")
        order = [self._sort_key()]
        while self._peek().text == ",":
            self._next()
            order.append(self._sort_key())
        return order

    def _sort_key(self) -> tuple[str, bool]:
        token = self._next()
        name = _unquote(token).lower()
        if name not in _SORTS:
            if name in _FIELDS:
                raise _jql_error(f"Field '{name}' does not support sorting.")
            raise _unknown_field(name)
        descending = False
        if self._peek().upper in ("ASC", "DESC"):
            descending = self._next().upper == "DESC"
        return name, descending


@dataclass(frozen=True)
class _Field:
    """One searchable field: how to read it from an issue and which operators it takes."""

    kind: Literal["single", "multi", "date", "text", "key"]
    read: Callable[[FakeJira, _Issue], Any]

    def predicate(self, parser: _JqlParser, name: str, operator: str) -> Predicate:
        allowed = _ALLOWED[self.kind]
        if operator not in allowed:
            raise _jql_error(
                f"The operator '{operator.upper()}' is not supported by the '{name}' field."
            )
        values = parser.values(operator)
        jira = parser.jira
        if self.kind == "text":
            return _text_predicate(jira, self.read, operator, values[0])
        if self.kind == "date":
            return _date_predicate(jira, self.read, operator, _parse_date(jira, name, values[0]))
        if self.kind == "key":
            numbers = [jira._number_for_jql(value, name) for value in values]
            return _ordered_predicate(jira, self.read, operator, numbers)
        jira._check_values(name, values)
        return _set_predicate(jira, self.read, operator, values)


_ALLOWED = {
    "single": ("=", "!=", "in", "not in", "is", "is not"),
    "multi": ("=", "!=", "in", "not in", "is", "is not"),
    "date": ("=", "!=", ">", ">=", "<", "<=", "is", "is not"),
    "text": ("~", "!~", "is", "is not"),
    "key": ("=", "!=", ">", ">=", "<", "<=", "in", "not in"),
}


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list):
        return {str(v).lower() for v in value}
    return {str(value).lower()}


def _set_predicate(
    jira: FakeJira, read: Callable[[FakeJira, _Issue], Any], operator: str, values: list[str]
) -> Predicate:
    wanted = {v.lower() for v in values}

    def test(issue: _Issue) -> bool:
        have = _as_set(read(jira, issue))
        if operator in ("is", "is not"):
            return (not have) == (operator == "is")
        hit = bool(have & wanted)
        return hit if operator in ("=", "in") else (bool(have) and not hit)

    return test


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _ordered_predicate(
    jira: FakeJira, read: Callable[[FakeJira, _Issue], Any], operator: str, values: list[int]
) -> Predicate:
    if operator in ("in", "not in"):
        return lambda issue: (read(jira, issue) in values) == (operator == "in")
    compare = _COMPARE[operator]
    return lambda issue: compare(read(jira, issue), values[0])


def _date_predicate(
    jira: FakeJira,
    read: Callable[[FakeJira, _Issue], Any],
    operator: str,
    moment: datetime | None,
) -> Predicate:
    if moment is None:
        return lambda issue: (read(jira, issue) is None) == (operator == "is")
    compare = _COMPARE[operator]
    return lambda issue: read(jira, issue) is not None and compare(read(jira, issue), moment)


def _parse_date(jira: FakeJira, name: str, value: str | None) -> datetime | None:
    """Absolute dates are minutes in the server's time zone (UTC here); periods are relative."""
    if value is None:
        return None
    period = _PERIOD.match(value.strip())
    if period:
        sign = -1 if period.group(1) == "-" else 1
        delta = timedelta(**{_PERIOD_UNITS[period.group(3)]: int(period.group(2))})
        return jira.now() + sign * delta
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise _jql_error(
        f"Date value '{value}' for field '{name}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format "
        "e.g. '-5d', '4w 2d'."
    )


def _text_predicate(
    jira: FakeJira, read: Callable[[FakeJira, _Issue], Any], operator: str, query: str
) -> Predicate:
    """`~`: every word of the query appears; a query in inner quotes must appear as a phrase."""
    phrase = len(query) > 1 and query.startswith('"') and query.endswith('"')
    words = _words(query)

    def test(issue: _Issue) -> bool:
        text = _words(str(read(jira, issue) or ""))
        if phrase:
            hit = any(text[i : i + len(words)] == words for i in range(len(text)))
        else:
            hit = set(words) <= set(text)
        return hit == (operator == "~")

    return test


def _issue_text(jira: FakeJira, issue: _Issue) -> str:
    comments = " ".join(c.body for c in issue.comments)
    return f"{issue.summary} {issue.description or ''} {comments}"


_FIELDS: dict[str, _Field] = {
    "project": _Field("single", lambda j, i: [j.project, j.project_id, j.project_name]),
    "labels": _Field("multi", lambda j, i: i.labels),
    "status": _Field("single", lambda j, i: [i.status, _STATUSES[i.status][0]]),
    "statuscategory": _Field(
        "single", lambda j, i: [_CATEGORY_NAMES[_STATUSES[i.status][1]], _STATUSES[i.status][1]]
    ),
    "priority": _Field("single", lambda j, i: i.priority),
    "assignee": _Field("single", lambda j, i: i.assignee),
    "reporter": _Field("single", lambda j, i: i.reporter),
    "updated": _Field("date", lambda j, i: i.updated),
    "updateddate": _Field("date", lambda j, i: i.updated),
    "created": _Field("date", lambda j, i: i.created),
    "createddate": _Field("date", lambda j, i: i.created),
    "resolved": _Field("date", lambda j, i: i.resolutiondate),
    "duedate": _Field("date", lambda j, i: _due(i)),
    "due": _Field("date", lambda j, i: _due(i)),
    "key": _Field("key", lambda j, i: i.number),
    "issuekey": _Field("key", lambda j, i: i.number),
    "text": _Field("text", _issue_text),
    "summary": _Field("text", lambda j, i: i.summary),
    "description": _Field("text", lambda j, i: i.description),
    "comment": _Field("text", lambda j, i: " ".join(c.body for c in i.comments)),
}


def _due(issue: _Issue) -> datetime | None:
    return datetime.fromisoformat(issue.duedate).replace(tzinfo=UTC) if issue.duedate else None


_SORTS: dict[str, Callable[[_Issue], Any]] = {
    "updated": lambda i: i.updated,
    "created": lambda i: i.created,
    "key": lambda i: i.number,
    "issuekey": lambda i: i.number,
    "id": lambda i: i.id,
    "summary": lambda i: i.summary.lower(),
    "status": lambda i: i.status,
    "priority": lambda i: [name for _, name in _PRIORITIES].index(i.priority or "Lowest"),
}


def _sorted(issues: list[_Issue], order: list[tuple[str, bool]]) -> list[_Issue]:
    """Stable multi-key sort, last key first; Jira's default order is by key, newest first."""
    result = sorted(issues, key=lambda i: i.number, reverse=True)
    for name, descending in reversed(order):
        result.sort(key=_SORTS[name], reverse=descending)
    return result


# --- The fake ------------------------------------------------------------------------------------


@dataclass
class _Gate:
    """What the next API calls are answered with before they reach the handlers."""

    fail: list[tuple[int, bool]] = field(default_factory=list)
    throttle: list[float] = field(default_factory=list)
    stall: list[float] = field(default_factory=list)
    """Seconds to hold the next answers back, after doing their work."""
    late: list[float] = field(default_factory=list)
    """Seconds to hold the next requests back, before doing their work."""
    garble: list[Garble] = field(default_factory=list)


class FakeJira(ServedFake):
    """A Jira site with one project, served over HTTP; implements `FakeTracker`.

    `token` is accepted as `Authorization: Bearer <token>` or Basic `<email>:<token>`; anything
    else gets Jira's 401. `request_limit` requests per `request_window` seconds are allowed,
    then 429 with `Retry-After`, like Jira Cloud's rate limiter.
    """

    project: str
    project_id: str
    project_name: str

    def __init__(
        self,
        *,
        port: int = 0,
        issues: int = 0,
        project: str = "DEBT",
        flavour: Flavour = "server",
        token: str = "fake-jira-token",
        email: str = "syncer-bot@example.com",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        request_limit: int | None = None,
        request_window: float = 60.0,
        seed_label: str = "tech-debt",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.flavour: Flavour = flavour
        self.token = token
        self.email = email
        self.repo = project
        self.project = project
        self.project_id = "10000"
        self.project_name = f"{project.title()} register"
        self.webhook_secret = webhook_secret
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._last = self._clock() - timedelta(seconds=1)
        self._lock = threading.RLock()
        self._issues: dict[int, _Issue] = {}
        self._next_number = 1
        self._next_comment = 10100
        self._gate = _Gate()
        self._limit = request_limit
        self._window = request_window
        self._window_hits: list[float] = []
        self._users = {_HUMAN: "Ada Admin", "alice": "Alice Example", "bob": "Bob Example"}
        self._bot = "syncer-bot"
        self._users[self._bot] = "syncer"
        self._seed(issues, seed_label)
        self.server = FakeServer(self._app(), port=port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    # --- the clock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The fake's current time (never behind the last write)."""
        with self._lock:
            return max(self._clock(), self._last)

    def _tick(self) -> datetime:
        """The time of a new write: the clock, but at least one second after the previous one."""
        with self._lock:
            moment = max(self._clock(), self._last + timedelta(seconds=1))
            self._last = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            return self._last

    # --- FakeTracker: what a person does in the web page ---------------------------------------

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        with self._lock:
            issue = self._new_issue(title, body or None, list(labels), _HUMAN)
            if closed:
                self._set_status(issue, "Done", issue.created)
            self._notify_created(issue, _HUMAN)
            return self._key(issue)

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
        """Edit as a person would; `body` is what they type in the description (wiki markup)."""
        labels_now = None if labels is None else list(labels)
        changes = {"summary": title, "description": body, "labels": labels_now}
        if closed is not None:
            changes["status"] = "Done" if closed else "To Do"
        with self._lock:
            issue = self._find(ref)
            values: Json = {k: v for k, v in changes.items() if v is not None}
            if assignees is not None:
                names = {self.user_id(name): name for name in self._users}
                values["assignee"] = names[assignees[0]] if assignees else None
            self._write(issue, values, _HUMAN)

    def delete_issue(self, ref: str) -> None:
        with self._lock:
            issue = self._find(ref)
            del self._issues[issue.id]
            self._webhook("jira:issue_deleted", issue, _HUMAN, event="issue_deleted")

    def issue_count(self) -> int:
        with self._lock:
            return len(self._issues)

    def throttle_next(self, requests: int, retry_after: float = 1.0) -> None:
        with self._lock:
            self._gate.throttle.extend([retry_after] * requests)

    def fail_next(self, requests: int, status: int = 502, *, processed: bool = False) -> None:
        """`processed=True`: Jira does the work but the answer is lost (a proxy timing out
        after the write went through), the case a client must not blindly repeat."""
        with self._lock:
            self._gate.fail.extend([(status, processed)] * requests)

    def stall_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._gate.stall.extend([seconds] * requests)

    def late_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._gate.late.extend([seconds] * requests)

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        with self._lock:
            self._gate.garble.extend([how] * requests)

    def clear_faults(self) -> None:
        with self._lock:
            self._gate = _Gate()

    def reset(self) -> None:
        """An empty project again, server running: see `FakeTracker.reset`. Its clock goes on
        forward: a fresh fake's starts now too, and time never runs back for a client."""
        self._forget_traffic()
        with self._lock:
            self._issues.clear()
            self._next_number, self._next_comment = 1, 10100
            self._gate = _Gate()
            self._window_hits.clear()

    # --- inspection for tests ------------------------------------------------------------------

    def issue_json(self, ref: str) -> Json:
        """The issue exactly as `GET /rest/api/2/issue/{ref}` returns it."""
        with self._lock:
            return self._issue_json(self._find(ref))

    def user_id(self, name: str) -> str:
        """How the API names a known user: `name` on Server, `accountId` on Cloud."""
        return self._account_id(name) if self.flavour == "cloud" else name

    @property
    def known_users(self) -> tuple[str, ...]:
        """The site's users as the API names them (see `user_id`): issues may be assigned
        to them. Any other user is refused with Jira's 400 on `assignee`."""
        return tuple(self.user_id(name) for name in self._users)

    # --- the store -----------------------------------------------------------------------------

    def _seed(self, count: int, label: str) -> None:
        """Issues with a history: last touched a minute apart, the newest an hour ago."""
        start = self._clock() - timedelta(hours=1, minutes=count)
        for n in range(1, count + 1):
            self._new_issue(
                f"Seeded debt item {n}",
                f"Seeded by the fake.\n\n* detail {n}",
                [label],
                _HUMAN,
                at=start + timedelta(minutes=n),
            )

    def _new_issue(
        self,
        summary: str,
        description: str | None,
        labels: list[str],
        reporter: str,
        at: datetime | None = None,
    ) -> _Issue:
        moment = at.replace(microsecond=0) if at is not None else self._tick()
        number = self._next_number
        self._next_number += 1
        issue = _Issue(
            id=10000 + number,
            number=number,
            summary=summary,
            description=description,
            labels=labels,
            priority=_DEFAULT_PRIORITY,
            reporter=reporter,
            created=moment,
            updated=moment,
            status_changed=moment,
        )
        self._issues[issue.id] = issue
        return issue

    def _key(self, issue: _Issue) -> str:
        return f"{self.project}-{issue.number}"

    def _lookup(self, ref: str) -> _Issue | None:
        if ref.isdigit():
            return self._issues.get(int(ref))
        project, _, number = ref.upper().rpartition("-")
        if project != self.project or not number.isdigit():
            return None
        return self._issues.get(10000 + int(number))

    def _find(self, ref: str) -> _Issue:
        issue = self._lookup(ref)
        if issue is None:
            raise JiraApiError(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        return issue

    def _set_status(self, issue: _Issue, status: str, moment: datetime) -> None:
        if issue.status != status:
            issue.status_changed = moment
        issue.status = status
        done = _STATUSES[status][1] == "done"
        issue.resolutiondate = (issue.resolutiondate or moment) if done else None

    def _snapshot(self, issue: _Issue) -> Json:
        return {
            "summary": issue.summary,
            "description": issue.description,
            "labels": list(issue.labels),
            "priority": issue.priority,
            "duedate": issue.duedate,
            "assignee": issue.assignee,
            "status": issue.status,
            "resolution": "Done" if issue.resolutiondate else None,
        }

    def _write(
        self, issue: _Issue, values: Json, actor: str, comments: tuple[str, ...] = ()
    ) -> None:
        """Apply one edit: new field values (and `status`), comments; bump `updated` once if
        anything changed, and tell the webhook with the changelog."""
        before = self._snapshot(issue)
        status = values.pop("status", issue.status)
        for name, value in values.items():
            setattr(issue, name, value)
        if self._snapshot(issue) == before and status == issue.status and not comments:
            return
        moment = self._tick()
        issue.updated = moment
        self._set_status(issue, status, moment)
        after = self._snapshot(issue)
        added = [self._new_comment(body, moment) for body in comments]
        issue.comments.extend(added)
        event = "issue_generic" if status != before["status"] else "issue_updated"
        if added and after == before:
            event = "issue_commented"
        self._webhook(
            "jira:issue_updated",
            issue,
            actor,
            event=event,
            changes=self._changelog(before, after),
            comment=added[-1] if added else None,
        )

    # --- users ---------------------------------------------------------------------------------

    def _user_json(self, name: str) -> Json:
        avatars = {
            f"{s}x{s}": f"{self.base_url}/secure/useravatar?size={s}&ownerId={name}"
            for s in (48, 24, 16, 32)
        }
        user: Json = {"self": "", "avatarUrls": avatars, "displayName": self._users[name]}
        user.update(active=True, timeZone="UTC")
        if self.flavour == "cloud":
            user["accountId"] = self._account_id(name)
            user["accountType"] = "atlassian"
            user["self"] = f"{self.base_url}/rest/api/2/user?accountId={user['accountId']}"
        else:
            user.update(name=name, key=name, emailAddress=f"{name}@example.com")
            user["self"] = f"{self.base_url}/rest/api/2/user?username={name}"
        return user

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

    # --- payloads ------------------------------------------------------------------------------

    def _issue_json(self, issue: _Issue, fields: set[str] | None = None) -> Json:
        all_fields = self._fields_json(issue)
        chosen = (
            all_fields if fields is None else {k: v for k, v in all_fields.items() if k in fields}
        )
        payload: Json = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
            "versionedRepresentations",
            "id": str(issue.id),
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}",
            "key": self._key(issue),
        }
        if chosen:
            payload["fields"] = chosen
        return payload

    def _fields_json(self, issue: _Issue) -> Json:
        key = self._key(issue)
        empty_progress = {"progress": 0, "total": 0}
        fields: Json = {
            "issuetype": self._issue_type_json(_ISSUE_TYPES[0]),
            "components": [],
            "timespent": None,
            "timeoriginalestimate": None,
            "description": issue.description,
            "project": self._project_json(),
            "fixVersions": [],
            "aggregatetimespent": None,
            "resolution": self._resolution_json(issue),
            "timetracking": {},
            "attachment": [],
            "aggregatetimeestimate": None,
            "resolutiondate": _stamp(issue.resolutiondate) if issue.resolutiondate else None,
            "workratio": -1,
            "summary": issue.summary,
            "lastViewed": None,
            "watches": {
                "self": f"{self.base_url}/rest/api/2/issue/{key}/watchers",
                "watchCount": 1,
                "isWatching": False,
            },
            "creator": self._user_json(issue.reporter),
            "subtasks": [],
            "created": _stamp(issue.created),
            "reporter": self._user_json(issue.reporter),
            "aggregateprogress": dict(empty_progress),
            "priority": self._priority_json(issue.priority) if issue.priority else None,
            "labels": list(issue.labels),
            "environment": None,
            "timeestimate": None,
            "aggregatetimeoriginalestimate": None,
            "versions": [],
            "duedate": issue.duedate,
            "progress": dict(empty_progress),
            "comment": self._comments_json(issue),
            "issuelinks": [],
            "votes": {
                "self": f"{self.base_url}/rest/api/2/issue/{key}/votes",
                "votes": 0,
                "hasVoted": False,
            },
            "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
            "assignee": self._user_json(issue.assignee) if issue.assignee else None,
            "updated": _stamp(issue.updated),
            "status": self._status_json(issue.status),
        }
        if self.flavour == "cloud":
            fields["security"] = None
            fields["statuscategorychangedate"] = _stamp(issue.status_changed or issue.created)
        return fields

    def _issue_type_json(self, issue_type: tuple[str, str, bool]) -> Json:
        type_id, name, subtask = issue_type
        return {
            "self": f"{self.base_url}/rest/api/2/issuetype/{type_id}",
            "id": type_id,
            "description": f"A {name.lower()} that needs to be done.",
            "iconUrl": f"{self.base_url}/secure/viewavatar?size=xsmall&avatarId=10318"
            "&avatarType=issuetype",
            "name": name,
            "subtask": subtask,
            "avatarId": 10318,
        }

    def _project_json(self) -> Json:
        avatars = {
            f"{s}x{s}": f"{self.base_url}/secure/projectavatar?avatarId=10324&size={s}"
            for s in (48, 24, 16, 32)
        }
        return {
            "self": f"{self.base_url}/rest/api/2/project/{self.project_id}",
            "id": self.project_id,
            "key": self.project,
            "name": self.project_name,
            "projectTypeKey": "software",
            "avatarUrls": avatars,
        }

    def _priority_json(self, name: str) -> Json:
        priority_id = next(pid for pid, pname in _PRIORITIES if pname == name)
        return {
            "self": f"{self.base_url}/rest/api/2/priority/{priority_id}",
            "iconUrl": f"{self.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": priority_id,
        }

    def _status_json(self, name: str) -> Json:
        status_id, category, category_id, colour = _STATUSES[name]
        return {
            "self": f"{self.base_url}/rest/api/2/status/{status_id}",
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/status_generic.gif",
            "name": name,
            "id": status_id,
            "statusCategory": {
                "self": f"{self.base_url}/rest/api/2/statuscategory/{category_id}",
                "id": category_id,
                "key": category,
                "colorName": colour,
                "name": _CATEGORY_NAMES[category],
            },
        }

    def _resolution_json(self, issue: _Issue) -> Json | None:
        if issue.resolutiondate is None:
            return None
        return {
            "self": f"{self.base_url}/rest/api/2/resolution/10000",
            "id": "10000",
            "description": "Work has been completed on this issue.",
            "name": "Done",
        }

    def _comment_json(self, issue: _Issue, comment: _Comment) -> Json:
        return {
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}/comment/{comment.id}",
            "id": str(comment.id),
            "author": self._user_json(comment.author),
            "body": comment.body,
            "updateAuthor": self._user_json(comment.author),
            "created": _stamp(comment.created),
            "updated": _stamp(comment.created),
        }

    def _comments_json(self, issue: _Issue) -> Json:
        comments = [self._comment_json(issue, c) for c in issue.comments]
        return {
            "startAt": 0,
            "maxResults": len(comments),
            "total": len(comments),
            "comments": comments,
        }

    def _transition_json(self, transition_id: str, name: str) -> Json:
        return {
            "id": transition_id,
            "name": name,
            "to": self._status_json(name),
            "hasScreen": False,
            "isGlobal": True,
            "isInitial": False,
            "isConditional": False,
        }

    # --- webhooks ------------------------------------------------------------------------------

    def _changelog(self, before: Json, after: Json) -> list[Json]:
        items = []
        for name, old in before.items():
            new = after[name]
            if old != new:
                items.append(self._change_item(name, old, new))
        return items

    def _change_item(self, name: str, old: Any, new: Any) -> Json:
        def ids(value: Any) -> str | None:
            if name == "status" and value:
                return _STATUSES[value][0]
            if name == "priority" and value:
                return next(pid for pid, pname in _PRIORITIES if pname == value)
            if name == "resolution" and value:
                return "10000"
            return value if name == "assignee" else None

        def text(value: Any) -> str | None:
            return " ".join(value) if isinstance(value, list) else value

        return {
            "field": name,
            "fieldtype": "jira",
            "from": ids(old),
            "fromString": text(old),
            "to": ids(new),
            "toString": text(new),
        }

    def _notify_created(self, issue: _Issue, actor: str) -> None:
        self._webhook("jira:issue_created", issue, actor, event="issue_created")

    def _webhook(
        self,
        name: str,
        issue: _Issue,
        actor: str,
        *,
        event: str,
        changes: list[Json] | None = None,
        comment: _Comment | None = None,
    ) -> None:
        if self.webhooks is None:
            return
        payload: Json = {
            "timestamp": int(self.now().timestamp() * 1000),
            "webhookEvent": name,
            "issue_event_type_name": event,
            "user": self._user_json(actor),
            "issue": self._issue_json(issue),
        }
        if changes:
            payload["changelog"] = {"id": str(uuid.uuid4().int % 10**6), "items": changes}
        if comment is not None:
            payload["comment"] = self._comment_json(issue, comment)
        body = json.dumps(payload).encode()
        self.webhooks.send(Delivery(event=name, headers=self._webhook_headers(body), body=body))

    def _webhook_headers(self, body: bytes) -> dict[str, str]:
        headers = {
            "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
            "User-Agent": "Atlassian Webhook HTTP Client",
        }
        if self.webhook_secret:
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        return headers

    # --- HTTP ----------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        v2 = "/rest/api/2"
        routes = [
            Route(f"{v2}/serverInfo", self._api(self._server_info, anonymous=True)),
            Route(f"{v2}/myself", self._api(self._myself)),
            Route(f"{v2}/field", self._api(self._field_list)),
            Route(f"{v2}/priority", self._api(self._priority_list)),
            Route(f"{v2}/issuetype", self._api(self._issue_type_list)),
            Route(f"{v2}/project/{{key}}", self._api(self._project)),
            Route(f"{v2}/issue", self._api(self._create), methods=["POST"]),
            Route(f"{v2}/issue/bulk", self._api(self._bulk_create), methods=["POST"]),
            Route(
                f"{v2}/issue/{{key}}",
                self._api(self._issue),
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(
                f"{v2}/issue/{{key}}/transitions",
                self._api(self._transitions),
                methods=["GET", "POST"],
            ),
            Route(f"{v2}/issue/{{key}}/comment", self._api(self._comment), methods=["GET", "POST"]),
            Route(f"{v2}/search", self._api(self._search), methods=["GET", "POST"]),
            Route(
                "/rest/api/{version:int}/search/jql",
                self._api(self._search_jql),
                methods=["GET", "POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _api(self, handler: Handler, *, anonymous: bool = False) -> Handler:
        """Wrap a handler with what happens before Jira gets to it: injected failures, rate
        limits, authentication; and turn `JiraApiError` into Jira's error answer."""

        async def endpoint(request: Request) -> Response:
            refused, lost = self._gatekeeper(request, anonymous)
            if refused is not None:
                return refused
            with self._lock:
                late = self._gate.late.pop(0) if self._gate.late else 0.0
                garble = self._gate.garble.pop(0) if self._gate.garble else None
            await request.body()  # taken in whole before going silent, as a server does
            await asyncio.sleep(late)
            try:
                response = await handler(request)
            except JiraApiError as err:
                response = JSONResponse(err.body, status_code=err.status)
            with self._lock:
                stall = self._gate.stall.pop(0) if self._gate.stall else 0.0
            await asyncio.sleep(stall)
            if lost is not None:
                return _bad_gateway(lost)
            return response if garble is None else garbled(response, garble)

        return endpoint

    def _gatekeeper(self, request: Request, anonymous: bool) -> tuple[Response | None, int | None]:
        """(a refusal, or None to go ahead; the status to answer with after processing)."""
        lost = None
        with self._lock:
            if self._gate.fail:
                status, processed = self._gate.fail.pop(0)
                if not processed:
                    return _bad_gateway(status), None
                lost = status
            elif self._gate.throttle:
                return self._rate_limited(self._gate.throttle.pop(0)), None
            wait = self._window_wait()
            if wait is not None:
                return self._rate_limited(wait), None
        return self._authenticate(request, anonymous), lost

    def _window_wait(self) -> float | None:
        """Seconds until the request limit lets another request through (None: go ahead)."""
        if self._limit is None:
            return None
        now = time.monotonic()
        self._window_hits = [t for t in self._window_hits if now - t < self._window]
        if len(self._window_hits) >= self._limit:
            return self._window - (now - self._window_hits[0])
        self._window_hits.append(now)
        return None

    def _rate_limited(self, retry_after: float) -> Response:
        seconds = max(1, math.ceil(retry_after))
        reset = datetime.now(UTC) + timedelta(seconds=seconds)
        headers = {
            "Retry-After": str(seconds),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-quota-tenant-based",
        }
        return PlainTextResponse("Rate limit exceeded.", status_code=429, headers=headers)

    def _authenticate(self, request: Request, anonymous: bool) -> Response | None:
        header = request.headers.get("authorization", "")
        if not header and anonymous:
            return None
        if hmac.compare_digest(header.encode(), f"Bearer {self.token}".encode()):
            return None
        basic = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if hmac.compare_digest(header.encode(), f"Basic {basic}".encode()):
            return None
        if self.flavour == "cloud":
            return PlainTextResponse(
                "Client must be authenticated to access this resource.", status_code=401
            )
        response = _error(
            401, ["You are not authenticated. Authentication required to perform this operation."]
        )
        response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
        return response

    async def _body(self, request: Request) -> Json:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError as err:
            raise JiraApiError(400, [f"Unexpected character in the request body: {err}"]) from err
        if not isinstance(data, dict):
            raise JiraApiError(400, ["Can not deserialize the request body: expected an object"])
        return data

    # --- metadata endpoints --------------------------------------------------------------------

    async def _server_info(self, request: Request) -> Response:
        cloud = self.flavour == "cloud"
        version = [1001, 0, 0] if cloud else [9, 12, 0]
        return JSONResponse(
            {
                "baseUrl": self.base_url,
                "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.0",
                "versionNumbers": version,
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100280 if cloud else 9120000,
                "buildDate": "2024-01-01T00:00:00.000+0000",
                "serverTime": _stamp(self.now()),
                "scmInfo": "fake",
                "serverTitle": "Fake Jira",
            }
        )

    async def _myself(self, request: Request) -> Response:
        return JSONResponse(self._user_json(self._bot))

    async def _field_list(self, request: Request) -> Response:
        names = {
            "summary": ("Summary", ["summary"]),
            "description": ("Description", ["description"]),
            "labels": ("Labels", ["labels"]),
            "priority": ("Priority", ["priority"]),
            "duedate": ("Due date", ["due", "duedate"]),
            "assignee": ("Assignee", ["assignee"]),
            "reporter": ("Reporter", ["reporter"]),
            "status": ("Status", ["status"]),
            "updated": ("Updated", ["updated", "updatedDate"]),
            "created": ("Created", ["created", "createdDate"]),
            "resolution": ("Resolution", ["resolution"]),
            "resolutiondate": ("Resolved", ["resolved", "resolutiondate"]),
            "issuetype": ("Issue Type", ["issuetype", "type"]),
            "project": ("Project", ["project"]),
            "comment": ("Comment", ["comment"]),
            "issuekey": ("Key", ["id", "issue", "issuekey", "key"]),
        }
        return JSONResponse(
            [
                {
                    "id": field_id,
                    "key": field_id,
                    "name": name,
                    "custom": False,
                    "orderable": field_id in _EDITABLE,
                    "navigable": field_id != "comment",
                    "searchable": True,
                    "clauseNames": clauses,
                }
                for field_id, (name, clauses) in names.items()
            ]
        )

    async def _priority_list(self, request: Request) -> Response:
        return JSONResponse([self._priority_json(name) for _, name in _PRIORITIES])

    async def _issue_type_list(self, request: Request) -> Response:
        return JSONResponse([self._issue_type_json(t) for t in _ISSUE_TYPES])

    async def _project(self, request: Request) -> Response:
        if request.path_params["key"] not in (self.project, self.project_id):
            raise JiraApiError(
                404,
                [
                    "No project could be found with key '{key}'.".format(
                        key=request.path_params["key"]
                    )
                ],
            )
        project = self._project_json()
        project["issueTypes"] = [self._issue_type_json(t) for t in _ISSUE_TYPES]
        return JSONResponse(project)

    # --- issues --------------------------------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        data = await self._body(request)
        with self._lock:
            issue = self._create_from(data)
            return JSONResponse(self._created_json(issue), status_code=201)

    async def _bulk_create(self, request: Request) -> Response:
        updates = (await self._body(request)).get("issueUpdates", [])
        if len(updates) > BULK_LIMIT:
            raise JiraApiError(
                400,
                [
                    f"The number of issues to create in bulk ({len(updates)}) exceeds the "
                    f"limit of {BULK_LIMIT}."
                ],
            )
        created, failed = [], []
        with self._lock:
            for index, data in enumerate(updates):
                try:
                    created.append(self._created_json(self._create_from(data)))
                except JiraApiError as err:
                    failed.append(
                        {
                            "status": err.status,
                            "elementErrors": err.body,
                            "failedElementNumber": index,
                        }
                    )
        status = 400 if failed and not created else 201
        return JSONResponse({"issues": created, "errors": failed}, status_code=status)

    def _created_json(self, issue: _Issue) -> Json:
        return {
            "id": str(issue.id),
            "key": self._key(issue),
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}",
        }

    def _create_from(self, data: Json) -> _Issue:
        fields = data.get("fields")
        if not isinstance(fields, dict):
            raise JiraApiError(400, ["Issue must have fields."])
        self._check_project(fields.get("project"))
        self._check_issue_type(fields.get("issuetype"))
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise JiraApiError(400, summary="You must specify a summary of the issue.")
        values = self._validated({k: v for k, v in fields.items() if k not in _CREATE_ONLY})
        issue = self._new_issue(summary, None, [], self._bot)
        for name, value in values.items():
            setattr(issue, name, value)
        self._notify_created(issue, self._bot)
        return issue

    def _check_project(self, project: Any) -> None:
        if not isinstance(project, dict) or (
            project.get("key") != self.project and project.get("id") != self.project_id
        ):
            raise JiraApiError(400, project="valid project is required")

    def _check_issue_type(self, issue_type: Any) -> None:
        known = any(
            isinstance(issue_type, dict) and issue_type.get(k) == v
            for type_id, name, _ in _ISSUE_TYPES
            for k, v in (("id", type_id), ("name", name))
        )
        if not known:
            raise JiraApiError(400, issuetype="valid issue type is required")

    def _validated(self, fields: Json) -> Json:
        """Field values from a create/edit request, checked the way Jira checks them."""
        values: Json = {}
        for name, value in fields.items():
            if name not in _EDITABLE:
                raise _cannot_set(name)
            values[name] = self._FIELD_CHECKS[name](self, value)
        return values

    def _check_summary(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise JiraApiError(400, summary="You must specify a summary of the issue.")
        if "\n" in value:
            raise JiraApiError(
                400, summary="The summary is invalid because it contains newline characters."
            )
        return value

    def _check_description(self, value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise JiraApiError(400, description="Operation value must be a string")
        return value or None

    def _check_labels(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JiraApiError(400, labels="Operation value must be an array of strings")
        for label in value:
            if any(c.isspace() for c in label):
                raise JiraApiError(
                    400, labels=f"The label '{label}' contains spaces which is invalid."
                )
            if len(label) > 255:
                raise JiraApiError(400, labels="The label must not exceed 255 characters.")
        return list(dict.fromkeys(value))

    def _check_priority(self, value: Any) -> str | None:
        if value is None:
            return None
        for priority_id, name in _PRIORITIES:
            if isinstance(value, dict) and (
                value.get("name") == name or value.get("id") == priority_id
            ):
                return name
        wanted = value.get("name") or value.get("id") if isinstance(value, dict) else value
        raise JiraApiError(400, priority=f"Priority name '{wanted}' is not valid")

    def _check_duedate(self, value: Any) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise JiraApiError(400, duedate=f"Error parsing date string: {value}") from None

    def _check_assignee(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise JiraApiError(400, assignee="Operation value must be an object")
        return self._user_named(value)

    _FIELD_CHECKS: ClassVar[dict[str, Callable[[FakeJira, Any], Any]]] = {
        "summary": _check_summary,
        "description": _check_description,
        "labels": _check_labels,
        "priority": _check_priority,
        "duedate": _check_duedate,
        "assignee": _check_assignee,
    }

    async def _issue(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                fields = _requested_fields(request.query_params.getlist("fields"), "*all")
                return JSONResponse(self._issue_json(self._find(ref), fields))
        if request.method == "DELETE":
            with self._lock:
                issue = self._find(ref)
                del self._issues[issue.id]
                self._webhook("jira:issue_deleted", issue, self._bot, event="issue_deleted")
            return Response(status_code=204)
        data = await self._body(request)
        with self._lock:
            self._edit(self._find(ref), data)
        return Response(status_code=204)

    def _edit(self, issue: _Issue, data: Json) -> None:
        values = self._validated(data.get("fields") or {})
        operations = data.get("update") or {}
        comments = self._apply_operations(issue, operations, values)
        self._write(issue, values, self._bot, comments)

    def _apply_operations(self, issue: _Issue, operations: Json, values: Json) -> tuple[str, ...]:
        """The `update` verbs: labels add/remove/set (into `values`), comment add (returned)."""
        comments: list[str] = []
        for name, verbs in operations.items():
            if name not in ("labels", "comment"):
                raise _cannot_set(name)
            for verb in verbs:
                if name == "comment" and "add" in verb:
                    comments.append(str(verb["add"].get("body", "")))
                elif name == "labels":
                    values["labels"] = self._label_verb(values.get("labels", issue.labels), verb)
        return tuple(comments)

    def _label_verb(self, labels: list[str], verb: Json) -> list[str]:
        if "set" in verb:
            return self._check_labels(verb["set"])
        if "add" in verb:
            return self._check_labels([*labels, verb["add"]])
        if "remove" in verb:
            return [label for label in labels if label != verb["remove"]]
        raise JiraApiError(400, labels=f"Unknown operation: {sorted(verb)}")

    def _new_comment(self, body: str, moment: datetime) -> _Comment:
        self._next_comment += 1
        return _Comment(self._next_comment, body, self._bot, moment)

    async def _transitions(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                self._find(ref)
            return JSONResponse(
                {
                    "expand": "transitions",
                    "transitions": [self._transition_json(t, n) for t, n in _TRANSITIONS],
                }
            )
        data = await self._body(request)
        wanted = str((data.get("transition") or {}).get("id", ""))
        target = dict(_TRANSITIONS).get(wanted)
        with self._lock:
            issue = self._find(ref)
            if target is None:
                raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this issue."])
            values = {**self._validated(data.get("fields") or {}), "status": target}
            self._write(issue, values, self._bot)
        return Response(status_code=204)

    async def _comment(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                return JSONResponse(self._comments_json(self._find(ref)))
        data = await self._body(request)
        body = data.get("body")
        if not isinstance(body, str) or not body.strip():
            raise JiraApiError(400, comment="Comment body can not be empty!")
        with self._lock:
            issue = self._find(ref)
            self._write(issue, {}, self._bot, (body,))
            return JSONResponse(self._comment_json(issue, issue.comments[-1]), status_code=201)

    # --- search --------------------------------------------------------------------------------

    def _check_values(self, name: str, values: list[str]) -> None:
        """Jira refuses values it knows cannot exist (an unknown project, status, priority)."""
        known: dict[str, list[str]] = {
            "project": [self.project, self.project_id, self.project_name],
            "status": [*_STATUSES, *(s[0] for s in _STATUSES.values())],
            "priority": [name for _, name in _PRIORITIES],
        }
        allowed = {v.lower() for v in known.get(name, [])}
        for value in values:
            if allowed and value.lower() not in allowed:
                raise _jql_error(f"The value '{value}' does not exist for the field '{name}'.")

    def _number_for_jql(self, value: str, name: str) -> int:
        issue = self._lookup(value)
        if issue is None:
            raise _jql_error(f"An issue with key '{value}' does not exist for field '{name}'.")
        return issue.number

    def _matching(self, jql: str) -> list[_Issue]:
        predicate, order = _JqlParser(self, jql).parse()
        return _sorted([i for i in self._issues.values() if predicate(i)], order)

    async def _search_params(self, request: Request) -> Json:
        if request.method == "POST":
            return await self._body(request)
        params: Json = dict(request.query_params)
        params["fields"] = request.query_params.getlist("fields")
        return params

    async def _search(self, request: Request) -> Response:
        """Server/DC search: `startAt` + `maxResults` + `total`. Cloud removed it (410)."""
        if self.flavour == "cloud":
            return _error(
                410,
                [
                    "The requested API has been removed. Please migrate to the "
                    "/rest/api/3/search/jql API. A full migration guideline is available at "
                    "https://developer.atlassian.com/changelog/#CHANGE-2046"
                ],
            )
        params = await self._search_params(request)
        start = _int_param(params.get("startAt"), 0)
        size = min(_int_param(params.get("maxResults"), 50), PAGE_CAP)
        fields = _requested_fields(_as_list(params.get("fields")), "*navigable")
        with self._lock:
            matching = self._matching(str(params.get("jql") or ""))
            page = [self._issue_json(i, fields) for i in matching[start : start + size]]
        body = {"expand": "schema,names", "startAt": start, "maxResults": size}
        body.update(total=len(matching), issues=page)
        return JSONResponse(body)

    async def _search_jql(self, request: Request) -> Response:
        """Cloud's enhanced search: `nextPageToken` + `isLast`, only ids unless fields asked."""
        version = request.path_params["version"]
        if self.flavour != "cloud" or version not in (2, 3):
            return _error(404, ["null for uri: " + str(request.url)])
        params = await self._search_params(request)
        jql = str(params.get("jql") or "")
        start = self._page_start(params.get("nextPageToken"), jql)
        size = min(_int_param(params.get("maxResults"), 50), PAGE_CAP)
        fields = _requested_fields(_as_list(params.get("fields")), "id")
        with self._lock:
            matching = self._matching(jql)
            page = [
                self._search_jql_issue(i, fields, version) for i in matching[start : start + size]
            ]
        is_last = start + size >= len(matching)
        body: Json = {"issues": page, "isLast": is_last}
        if not is_last:
            body["nextPageToken"] = _page_token(start + size, jql)
        return JSONResponse(body)

    def _page_start(self, token: Any, jql: str) -> int:
        if not token:
            return 0
        try:
            offset, digest = base64.urlsafe_b64decode(str(token).encode()).decode().split(":")
            if digest == _jql_digest(jql):
                return int(offset)
        except (ValueError, UnicodeDecodeError):
            pass
        raise JiraApiError(400, ["The provided next page token is invalid or expired."])

    def _search_jql_issue(self, issue: _Issue, fields: set[str] | None, version: int) -> Json:
        if fields is not None and fields <= {"id"}:
            return {"id": str(issue.id)}
        payload = self._issue_json(issue, fields)
        if version == 3 and "description" in payload["fields"]:
            payload["fields"]["description"] = _adf(payload["fields"]["description"])
        return payload


def _bad_gateway(status: int) -> Response:
    return PlainTextResponse(f"{status} Bad Gateway", status_code=status)


def _int_param(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None and value != "" else default
    except ValueError:
        raise JiraApiError(400, [f"'{value}' is not a valid number."]) from None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


_ALL_FIELDS = {
    "issuetype", "components", "timespent", "timeoriginalestimate", "description", "project",
    "fixVersions", "aggregatetimespent", "resolution", "timetracking", "attachment",
    "aggregatetimeestimate", "resolutiondate", "workratio", "summary", "lastViewed", "watches",
    "creator", "subtasks", "created", "reporter", "aggregateprogress", "priority", "labels",
    "environment", "timeestimate", "aggregatetimeoriginalestimate", "versions", "duedate",
    "progress", "comment", "issuelinks", "votes", "worklog", "assignee", "updated", "status",
    "security", "statuscategorychangedate",
}  # fmt: skip
_NOT_NAVIGABLE = {"comment", "worklog", "attachment", "timetracking"}


def _requested_fields(values: list[str], default: str) -> set[str] | None:
    """The `fields` parameter (repeated or comma-separated): names, `*all`, `*navigable`,
    `-name` to drop one. None means every field."""
    names = [n.strip() for v in values for n in v.split(",") if n.strip()] or [default]
    chosen: set[str] = set()
    for name in names:
        if name == "*all":
            chosen |= _ALL_FIELDS
        elif name == "*navigable":
            chosen |= _ALL_FIELDS - _NOT_NAVIGABLE
        elif not name.startswith("-"):
            chosen.add(name)
    chosen -= {n[1:] for n in names if n.startswith("-")}
    return None if chosen >= _ALL_FIELDS else chosen


def _jql_digest(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:12]


def _page_token(offset: int, jql: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{_jql_digest(jql)}".encode()).decode()


def _adf(text: str | None) -> Json | None:
    """A wiki description as the Atlassian Document Format REST v3 returns (plain paragraphs)."""
    if text is None:
        return None
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    content = [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]
    return {"type": "doc", "version": 1, "content": content}


def serve_jira(
    port: int, issues: int, webhook_url: str | None, webhook_secret: str | None
) -> FakeJira:
    """Start a fake Jira (Server flavour) for `syncer fake jira` and `syncer demo`."""
    return FakeJira(
        port=port, issues=issues, webhook_url=webhook_url, webhook_secret=webhook_secret
    ).start()
