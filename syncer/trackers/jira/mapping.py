"""Jira's issue JSON (REST v2) to `RemoteIssue`, descriptions with syncer's footer, and the
choice of workflow transitions: pure functions, tested on real payloads.

`syncer.trackers.markup` is imported where a body is converted, not here: its converters
(markdown-it, jira2markdown and pyparsing) cost more to load than an idle cycle's whole poll,
which converts nothing (docs/sync.md, "Idle cycles")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from syncer.model import IssueState, Priority, RemoteIssue, Status
from syncer.trackers.base import (
    FieldMapping,
    TrackerError,
)

Json = dict[str, Any]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
_FOOTER_RULE = "\n\n----\n"
_MARKER_COLOUR = "#97a0af"
_MARKER = re.compile(r"(?:\{color:[^}]*\})?syncer:item=(?P<key>(?:\\.|[^\s{}\\])+)(?:\{color\})?")


# --- The pure mapper --------------------------------------------------------------------------


def parse_jira_time(text: str) -> datetime:
    """`2021-05-04T10:11:12.000+0000` (Jira's format, with the offset it reports in)."""
    return datetime.strptime(text, _TIME_FORMAT)


def description_for(body: str, item_key: str, register_url: str = "") -> str:
    """The wiki description syncer writes: the body, a ruler, the footer and the marker."""
    from syncer.trackers.markup import escape_jira_text  # when converting (module docstring)

    source = (
        f"[the tech-debt register|{register_url}]" if register_url else "the tech-debt register"
    )
    footer = (
        f"_Tracked by syncer from {source}._\n"
        f"{{color:{_MARKER_COLOUR}}}syncer:item={escape_jira_text(item_key)}{{color}}"
    )
    return join_description(wiki(body), footer)


def wiki(markdown: str) -> str:
    """Markdown as Jira wiki markup (`syncer.trackers.markup.markdown_to_jira`)."""
    from syncer.trackers.markup import markdown_to_jira  # when converting (module docstring)

    return markdown_to_jira(markdown)


def join_description(wiki_body: str, footer: str) -> str:
    """A body and a footer (as `split_description` returned it) made one description again."""
    if not footer:
        return wiki_body
    return f"{wiki_body.rstrip()}{_FOOTER_RULE}{footer}" if wiki_body.strip() else footer


def split_description(wiki: str) -> tuple[str, str, str | None]:
    """(body, footer, item key) of a description; the footer is '' when there is no marker."""
    matches = list(_MARKER.finditer(wiki))
    if not matches:
        return wiki, "", None
    marker = matches[-1]
    head = wiki[: marker.start()]
    cut = head.rfind(_FOOTER_RULE)
    if cut == -1 and head.lstrip().startswith("_Tracked by syncer"):
        cut = 0
    start = cut if cut != -1 else marker.start()
    footer = wiki[start:].lstrip("\n").removeprefix("----\n")
    key = re.sub(r"\\(.)", r"\1", marker.group("key"))
    return wiki[:start].rstrip("\n"), footer, key


def label_to_jira(label: str) -> str:
    """Jira labels cannot hold spaces: write each as `_`."""
    return label.replace(" ", "_")


def label_from_jira(label: str, mapping: FieldMapping) -> str:
    if label == label_to_jira(mapping.sync_label):
        return mapping.sync_label
    return label.replace("_", " ")


def status_of(status: Mapping[str, Any], mapping: FieldMapping) -> tuple[IssueState, Status]:
    """Closed when the status is a done one (by name or category); in progress likewise."""
    name = str(status.get("name") or "")
    category = str((status.get("statusCategory") or {}).get("key") or "")
    if name in mapping.jira_done_statuses or category == "done":
        return IssueState.CLOSED, Status.DONE
    if name in mapping.jira_in_progress_statuses or category == "indeterminate":
        return IssueState.OPEN, Status.IN_PROGRESS
    return IssueState.OPEN, Status.TODO


def _priority_of(priority: Mapping[str, Any] | None, mapping: FieldMapping) -> Priority | None:
    if not priority:
        return None
    name = str(priority.get("name") or "").lower()
    return next((p for p, jira in mapping.jira_priorities.items() if jira.lower() == name), None)


def _user_of(user: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The assignee as a 1-tuple (Jira has one), in the identifier writes take: Cloud user
    objects carry `accountId` (and no `name` since Atlassian's privacy changes), Server and
    Data Center ones `name` (their `key` is internal and not accepted when assigning)."""
    if not user:
        return ()
    ident = user.get("accountId") or user.get("name")
    return (str(ident),) if ident else ()


def assigning(assignees: Sequence[str] | None) -> str:
    """The assignee a write sets, for its error message: Jira Cloud refuses an unknown account
    with "Specify a valid value for assignee", which does not say which one."""
    return f" assigning {assignees[0]!r}" if assignees else ""


def _browse_url(raw: Mapping[str, Any], site: str | None) -> str:
    base = site or str(raw.get("self", "")).split("/rest/api/", 1)[0]
    return f"{base}/browse/{raw['key']}"


def issue_from_json(
    raw: Mapping[str, Any], mapping: FieldMapping, site: str | None = None
) -> RemoteIssue:
    """A Jira issue as REST v2 returns it (`issue.raw`, a search hit, a webhook's `issue`).

    `site` is the site's web address for the browse link; None: the one the issue's `self`
    link starts with (wrong through Atlassian's API gateway, whose links are the API's)."""
    fields = raw.get("fields")
    if not isinstance(fields, Mapping) or "updated" not in fields:
        raise TrackerError(f"Jira issue {raw.get('key')} came without its fields")
    description = fields.get("description")
    if description is not None and not isinstance(description, str):
        raise TrackerError(
            f"Jira issue {raw.get('key')} has its description in Atlassian Document Format "
            "(REST v3); syncer reads REST v2, where it is wiki markup"
        )
    from syncer.trackers.markup import jira_to_markdown  # when converting (module docstring)

    body_wiki, _, marker = split_description(description or "")
    status = fields.get("status") or {}
    state, syncer_status = status_of(status, mapping)
    due = fields.get("duedate")
    return RemoteIssue(
        tracker="jira",
        id=str(raw["id"]),
        ref=str(raw["key"]),
        url=_browse_url(raw, site),
        title=str(fields.get("summary") or ""),
        body=jira_to_markdown(body_wiki),
        state=state,
        status=syncer_status,
        updated_at=parse_jira_time(fields["updated"]),
        version=str(fields["updated"]),
        labels=tuple(label_from_jira(label, mapping) for label in fields.get("labels") or ()),
        assignees=_user_of(fields.get("assignee")),
        priority=_priority_of(fields.get("priority"), mapping),
        due_date=date.fromisoformat(due) if due else None,
        marker=marker,
        raw_status=str(status.get("name") or ""),
    )


def pick_transition(
    transitions: Sequence[Mapping[str, Any]], target: Status, mapping: FieldMapping
) -> Mapping[str, Any] | None:
    """The transition to take towards `target`: the first configured name offered, else any
    transition whose destination status means `target`."""
    by_name = {str(t.get("name", "")).lower(): t for t in transitions}
    for name in mapping.jira_transitions.get(target.value, ()):
        if name.lower() in by_name:
            return by_name[name.lower()]
    for transition in transitions:
        destination = transition.get("to")
        if destination and status_of(destination, mapping)[1] is target:
            return transition
    return None


def pick_step(
    transitions: Sequence[Mapping[str, Any]], wanted: Sequence[Status], mapping: FieldMapping
) -> tuple[Mapping[str, Any], Status] | None:
    """The transition towards the first of `wanted` that one leads to, and that status."""
    for status in wanted:
        chosen = pick_transition(transitions, status, mapping)
        if chosen is not None:
            return chosen, status
    return None


Place = tuple[str | None, str]
"""Where an issue stands in its workflow: (status name, issue type name). Jira offers the same
transitions to every issue at one place, conditions aside. The status is None for an issue just
created: every new issue of a type starts in its workflow's initial status, whatever its name."""


def place_after(transition: Mapping[str, Any], place: Place) -> Place:
    """Where an issue at `place` stands once it took `transition`."""
    return str((transition.get("to") or {}).get("name") or ""), place[1]


def place_of(fields: Mapping[str, Any]) -> Place:
    """Where an issue stands, from its `status` and `issuetype` fields."""
    status = str((fields.get("status") or {}).get("name") or "")
    return status, str((fields.get("issuetype") or {}).get("name") or "")


def jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def marker_phrase(item_key: str) -> str:
    """The marker as the words Jira's index makes of it, for a phrase search."""
    words = re.findall(r"\w+", f"syncer:item={item_key}")
    return jql_string('"' + " ".join(words) + '"')
