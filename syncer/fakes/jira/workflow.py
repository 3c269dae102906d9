"""What the fake Jira lets a request change: the fields of the create and edit screens, how each
value is checked, and the workflow's transitions.

Jira checks a field against the screen of the operation before its value: a field the screen
lacks is refused with "cannot be set. It is not on the appropriate screen, or unknown.", a
value that does not fit with the field's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar

from syncer.fakes.jira.events import JiraEvents
from syncer.fakes.jira.screens import RESOLUTIONS, Screens, field_meta, field_name
from syncer.fakes.jira.state import (
    ISSUE_TYPES,
    PRIORITIES,
    Issue,
    JiraApiError,
    Json,
    cannot_set,
)

TRANSITIONS = (("11", "To Do"), ("21", "In Progress"), ("31", "Done"))
"""(id, name) of the global transitions; each leads to the status of its name."""
EDITABLE = ("summary", "description", "labels", "priority", "duedate", "assignee")
_CREATE_ONLY = ("project", "issuetype", "reporter")
_TEXT_FIELDS = ("customfield_10050",)
"""Custom fields a transition screen may carry: their values are checked, not kept."""


class JiraWorkflow(JiraEvents):
    """Creates, edits and transitions, checked as Jira checks them."""

    transitions: tuple[tuple[str, str], ...] = TRANSITIONS
    """The workflow's transitions; a test may renumber them, as an admin editing it would."""
    screens: Screens

    def _created_json(self, issue: Issue) -> Json:
        return {
            "id": str(issue.id),
            "key": self._key(issue),
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}",
        }

    def _create_from(self, data: Json) -> Issue:
        fields = data.get("fields")
        if not isinstance(fields, dict):
            raise JiraApiError(400, ["Issue must have fields."])
        self._check_project(fields.get("project"))
        self._check_issue_type(fields.get("issuetype"))
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise JiraApiError(400, summary="You must specify a summary of the issue.")
        _check_required(self.screens.create, fields)
        values = self._validated(
            {k: v for k, v in fields.items() if k not in _CREATE_ONLY}, self.screens.create
        )
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
            for type_id, name, _ in ISSUE_TYPES
            for k, v in (("id", type_id), ("name", name))
        )
        if not known:
            raise JiraApiError(400, issuetype="valid issue type is required")

    def _validated(self, fields: Json, screen: Mapping[str, bool]) -> Json:
        """Field values from a request, checked the way Jira checks them: first that the
        operation's screen has the field, then the value."""
        values: Json = {}
        for name, value in fields.items():
            if name not in screen or name not in EDITABLE:
                raise cannot_set(name)
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
        for priority_id, name in PRIORITIES:
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

    _FIELD_CHECKS: ClassVar[dict[str, Callable[[JiraWorkflow, Any], Any]]] = {
        "summary": _check_summary,
        "description": _check_description,
        "labels": _check_labels,
        "priority": _check_priority,
        "duedate": _check_duedate,
        "assignee": _check_assignee,
    }

    def _edit(self, issue: Issue, data: Json) -> None:
        values = self._validated(data.get("fields") or {}, self.screens.edit)
        operations = data.get("update") or {}
        comments = self._apply_operations(issue, operations, values)
        self._write(issue, values, self._bot, comments)

    def _apply_operations(self, issue: Issue, operations: Json, values: Json) -> tuple[str, ...]:
        """The `update` verbs: labels add/remove/set (into `values`), comment add (returned)."""
        comments: list[str] = []
        for name, verbs in operations.items():
            if name not in ("labels", "comment") or (
                name == "labels" and name not in self.screens.edit
            ):
                raise cannot_set(name)
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

    def _transition(self, issue: Issue, data: Json) -> None:
        """Take a transition: the fields sent must be on its screen, and those it requires
        there; into a done status, the resolution given (or, with no screen, Done)."""
        wanted = str((data.get("transition") or {}).get("id", ""))
        target = dict(self.transitions).get(wanted)
        if target is None:
            raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        screen = self.screens.transitions.get(target, {})
        fields = dict(data.get("fields") or {})
        for name in fields:
            if name not in screen:
                raise cannot_set(name)
        _check_required(screen, fields)
        resolution = _resolution_named(fields.pop("resolution", None))
        for name in _TEXT_FIELDS:
            _check_text(name, fields.pop(name, None))
        values: Json = {**self._validated(fields, screen), "status": target}
        if resolution is not None:
            values["resolution"] = resolution
        self._write(issue, values, self._bot)

    def _transitions_json(self, issue: Issue, with_fields: bool) -> Json:
        """What `GET .../transitions` answers for `issue`: every global transition, with its
        screen's fields when asked (`expand=transitions.fields`)."""
        transitions = [self._transition_json(t, n, with_fields) for t, n in self.transitions]
        return {"expand": "transitions", "transitions": transitions}

    def _transition_json(self, transition_id: str, name: str, with_fields: bool) -> Json:
        screen = self.screens.transitions.get(name, {})
        transition: Json = {
            "id": transition_id,
            "name": name,
            "to": self._status_json(name),
            "hasScreen": bool(screen),
            "isGlobal": True,
            "isInitial": False,
            "isConditional": False,
        }
        if with_fields:
            transition["fields"] = {
                field_id: field_meta(field_id, required, self.base_url)
                for field_id, required in screen.items()
            }
        return transition


def _check_required(screen: Mapping[str, bool], fields: Json) -> None:
    """Jira's refusal of a request that leaves out a field its screen requires."""
    missing = [name for name, required in screen.items() if required and not fields.get(name)]
    if "resolution" in missing:
        raise JiraApiError(400, ["Field Resolution is required."])
    if missing:
        error = JiraApiError(400)
        error.body["errors"].update({name: f"{field_name(name)} is required." for name in missing})
        raise error


def _resolution_named(value: Any) -> str | None:
    if value is None:
        return None
    for resolution_id, name in RESOLUTIONS:
        if isinstance(value, dict) and (
            value.get("name") == name or value.get("id") == resolution_id
        ):
            return name
    raise JiraApiError(400, resolution="Could not find valid 'id' or 'name' in resolution object.")


def _check_text(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        error = JiraApiError(400)
        error.body["errors"][name] = "Operation value must be a string"
        raise error
