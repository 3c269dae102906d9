"""The fake Jira's JSON: issues, users, statuses, comments as REST v2 returns them.

Shapes follow the real payloads in `tests/data/fixtures/api/jira`: every standard field, even
those syncer never reads, so a client that trips over one trips here first.
"""

from __future__ import annotations

import re

from syncer.fakes.jira.screens import resolution_id_of
from syncer.fakes.jira.state import (
    CATEGORY_NAMES,
    ISSUE_TYPES,
    PRIORITIES,
    STATUSES,
    Comment,
    Issue,
    JiraState,
    Json,
    stamp,
)


class JiraPayloads(JiraState):
    """The site's state, shown as Jira shows it."""

    def _user_json(self, name: str) -> Json:
        avatars = {
            f"{s}x{s}": f"{self.base_url}/secure/useravatar?size={s}&ownerId={name}"
            for s in (48, 24, 16, 32)
        }
        user: Json = {"self": "", "avatarUrls": avatars, "displayName": self._users[name]}
        user.update(active=True, timeZone=self.user_time_zone)
        if self.flavour == "cloud":
            user["accountId"] = self._account_id(name)
            user["accountType"] = "atlassian"
            user["self"] = f"{self.base_url}/rest/api/2/user?accountId={user['accountId']}"
        else:
            user.update(name=name, key=name, emailAddress=f"{name}@example.com")
            user["self"] = f"{self.base_url}/rest/api/2/user?username={name}"
        return user

    # --- payloads ------------------------------------------------------------------------------

    def _issue_json(self, issue: Issue, fields: set[str] | None = None) -> Json:
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

    def _fields_json(self, issue: Issue) -> Json:
        key = self._key(issue)
        empty_progress = {"progress": 0, "total": 0}
        fields: Json = {
            "issuetype": self._issue_type_json(ISSUE_TYPES[0]),
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
            "resolutiondate": stamp(issue.resolutiondate) if issue.resolutiondate else None,
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
            "created": stamp(issue.created),
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
            "updated": stamp(issue.updated),
            "status": self._status_json(issue.status),
        }
        if self.flavour == "cloud":
            fields["security"] = None
            fields["statuscategorychangedate"] = stamp(issue.status_changed or issue.created)
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
        priority_id = next(pid for pid, pname in PRIORITIES if pname == name)
        return {
            "self": f"{self.base_url}/rest/api/2/priority/{priority_id}",
            "iconUrl": f"{self.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": priority_id,
        }

    def _status_json(self, name: str) -> Json:
        status_id, category, category_id, colour = STATUSES[name]
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
                "name": CATEGORY_NAMES[category],
            },
        }

    def _resolution_json(self, issue: Issue) -> Json | None:
        if issue.resolution is None:
            return None
        resolution_id = resolution_id_of(issue.resolution)
        return {
            "self": f"{self.base_url}/rest/api/2/resolution/{resolution_id}",
            "id": resolution_id,
            "description": "Work has been completed on this issue.",
            "name": issue.resolution,
        }

    def _comment_json(self, issue: Issue, comment: Comment) -> Json:
        return {
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}/comment/{comment.id}",
            "id": str(comment.id),
            "author": self._user_json(comment.author),
            "body": comment.body,
            "updateAuthor": self._user_json(comment.author),
            "created": stamp(comment.created),
            "updated": stamp(comment.created),
        }

    def _comments_json(self, issue: Issue) -> Json:
        comments = [self._comment_json(issue, c) for c in issue.comments]
        return {
            "startAt": 0,
            "maxResults": len(comments),
            "total": len(comments),
            "comments": comments,
        }


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


def requested_fields(values: list[str], default: str) -> set[str] | None:
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


def adf(text: str | None) -> Json | None:
    """A wiki description as the Atlassian Document Format REST v3 returns (plain paragraphs)."""
    if text is None:
        return None
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    content = [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]
    return {"type": "doc", "version": 1, "content": content}
