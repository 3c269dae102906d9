"""The fields JQL can search and sort on in the fake Jira, and how each one compares.

Dates are compared as instants: an absolute JQL date (`"2021/05/04 10:00"`) is a minute in the
searching user's time zone (`JiraState.user_zone`), as on a real site; periods (`-5m`) count
from now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from syncer.fakes.jira.state import CATEGORY_NAMES, PRIORITIES, STATUSES, Issue, jql_error

if TYPE_CHECKING:
    from syncer.fakes.jira.jql import JqlParser
    from syncer.fakes.jira.state import JiraState

_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_PERIOD = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_PERIOD_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
Predicate = Callable[[Issue], bool]


def _words(text: str) -> list[str]:
    """Jira's full-text index, roughly: lower-cased runs of letters and digits."""
    return re.findall(r"\w+", text.lower())


@dataclass(frozen=True)
class Field:
    """One searchable field: how to read it from an issue and which operators it takes."""

    kind: Literal["single", "multi", "date", "text", "key"]
    read: Callable[[JiraState, Issue], Any]

    def predicate(self, parser: JqlParser, name: str, operator: str) -> Predicate:
        allowed = _ALLOWED[self.kind]
        if operator not in allowed:
            raise jql_error(
                f"The operator '{operator.upper()}' is not supported by the '{name}' field."
            )
        values = parser.values(operator)
        jira = parser.jira
        if self.kind == "text":
            return _text_predicate(jira, self.read, operator, values[0])
        if self.kind == "date":
            return _date_predicate(jira, self.read, operator, _parse_date(jira, name, values[0]))
        if self.kind == "key":
            numbers = [jira.number_for_jql(value, name) for value in values]
            return _ordered_predicate(jira, self.read, operator, numbers)
        jira.check_values(name, values)
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
    jira: JiraState, read: Callable[[JiraState, Issue], Any], operator: str, values: list[str]
) -> Predicate:
    wanted = {v.lower() for v in values}

    def test(issue: Issue) -> bool:
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
    jira: JiraState, read: Callable[[JiraState, Issue], Any], operator: str, values: list[int]
) -> Predicate:
    if operator in ("in", "not in"):
        return lambda issue: (read(jira, issue) in values) == (operator == "in")
    compare = _COMPARE[operator]
    return lambda issue: compare(read(jira, issue), values[0])


def _date_predicate(
    jira: JiraState,
    read: Callable[[JiraState, Issue], Any],
    operator: str,
    moment: datetime | None,
) -> Predicate:
    if moment is None:
        return lambda issue: (read(jira, issue) is None) == (operator == "is")
    compare = _COMPARE[operator]
    return lambda issue: read(jira, issue) is not None and compare(read(jira, issue), moment)


def _parse_date(jira: JiraState, name: str, value: str | None) -> datetime | None:
    """Absolute dates are minutes in the searching user's time zone; periods are relative."""
    if value is None:
        return None
    period = _PERIOD.match(value.strip())
    if period:
        sign = -1 if period.group(1) == "-" else 1
        delta = timedelta(**{_PERIOD_UNITS[period.group(3)]: int(period.group(2))})
        return jira.now() + sign * delta
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=jira.user_zone)
        except ValueError:
            continue
    raise jql_error(
        f"Date value '{value}' for field '{name}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format "
        "e.g. '-5d', '4w 2d'."
    )


def _text_predicate(
    jira: JiraState, read: Callable[[JiraState, Issue], Any], operator: str, query: str
) -> Predicate:
    """`~`: every word of the query appears; a query in inner quotes must appear as a phrase."""
    phrase = len(query) > 1 and query.startswith('"') and query.endswith('"')
    words = _words(query)

    def test(issue: Issue) -> bool:
        text = _words(str(read(jira, issue) or ""))
        if phrase:
            hit = any(text[i : i + len(words)] == words for i in range(len(text)))
        else:
            hit = set(words) <= set(text)
        return hit == (operator == "~")

    return test


def _issue_text(jira: JiraState, issue: Issue) -> str:
    comments = " ".join(c.body for c in issue.comments)
    return f"{issue.summary} {issue.description or ''} {comments}"


def _due(jira: JiraState, issue: Issue) -> datetime | None:
    """A due date is a day: its start in the searching user's zone, like JQL's dates."""
    if issue.duedate is None:
        return None
    return datetime.fromisoformat(issue.duedate).replace(tzinfo=jira.user_zone)


FIELDS: dict[str, Field] = {
    "project": Field("single", lambda j, i: [j.project, j.project_id, j.project_name]),
    "labels": Field("multi", lambda j, i: i.labels),
    "status": Field("single", lambda j, i: [i.status, STATUSES[i.status][0]]),
    "statuscategory": Field(
        "single", lambda j, i: [CATEGORY_NAMES[STATUSES[i.status][1]], STATUSES[i.status][1]]
    ),
    "priority": Field("single", lambda j, i: i.priority),
    "assignee": Field("single", lambda j, i: i.assignee),
    "reporter": Field("single", lambda j, i: i.reporter),
    "updated": Field("date", lambda j, i: i.updated),
    "updateddate": Field("date", lambda j, i: i.updated),
    "created": Field("date", lambda j, i: i.created),
    "createddate": Field("date", lambda j, i: i.created),
    "resolved": Field("date", lambda j, i: i.resolutiondate),
    "duedate": Field("date", _due),
    "due": Field("date", _due),
    "key": Field("key", lambda j, i: i.number),
    "issuekey": Field("key", lambda j, i: i.number),
    "text": Field("text", _issue_text),
    "summary": Field("text", lambda j, i: i.summary),
    "description": Field("text", lambda j, i: i.description),
    "comment": Field("text", lambda j, i: " ".join(c.body for c in i.comments)),
}


SORTS: dict[str, Callable[[Issue], Any]] = {
    "updated": lambda i: i.updated,
    "created": lambda i: i.created,
    "key": lambda i: i.number,
    "issuekey": lambda i: i.number,
    "id": lambda i: i.id,
    "summary": lambda i: i.summary.lower(),
    "status": lambda i: i.status,
    "priority": lambda i: [name for _, name in PRIORITIES].index(i.priority or "Lowest"),
}


def sorted_issues(issues: list[Issue], order: list[tuple[str, bool]]) -> list[Issue]:
    """Stable multi-key sort, last key first; Jira's default order is by key, newest first."""
    result = sorted(issues, key=lambda i: i.number, reverse=True)
    for name, descending in reversed(order):
        result.sort(key=SORTS[name], reverse=descending)
    return result
