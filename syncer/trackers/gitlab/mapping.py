"""GitLab's issue JSON to `RemoteIssue`, and syncer's values to GitLab's parameters: pure
functions, tested on GitLab's documented payloads (`tests/data/fixtures/api/gitlab`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from syncer.field_labels import swapped
from syncer.model import (
    IssueChange,
    IssueDraft,
    IssueState,
    Priority,
    RemoteIssue,
    Status,
)
from syncer.trackers.base import (
    FieldMapping,
    replace_keeping_footer,
    sorted_assignees,
    split_footer,
)
from syncer.trackers.mentions import render_mentions, restore_mentions

Json = Mapping[str, Any]
# --- Pure mapping: GitLab JSON -> RemoteIssue ---------------------------------------------------


def parse_time(text: str) -> datetime:
    """A GitLab timestamp as an aware UTC datetime.

    The REST API writes `2016-01-04T15:31:51.081Z`; webhooks write `2013-12-03T17:15:43Z` or
    `2013-12-03 17:15:43 UTC` depending on the field and the GitLab version.
    """
    moment = datetime.fromisoformat(text.strip().removesuffix(" UTC"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def api_time(moment: datetime) -> str:
    """The form GitLab's filters take, truncated to its millisecond precision."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def same_label(a: str, b: str) -> bool:
    """Label names compare without case: people type `Priority: High` for `priority: high`."""
    return a.casefold() == b.casefold()


def contains_label(labels: Iterable[str], name: str) -> bool:
    return any(same_label(label, name) for label in labels)


def unique_labels(labels: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for label in labels:
        if not contains_label(kept, label):
            kept.append(label)
    return kept


def label_names(raw: Iterable[Any]) -> tuple[str, ...]:
    """Label names from strings (REST API) or objects (`title` in webhooks, `name` in
    `with_labels_details=true` listings)."""
    return tuple(
        str(item.get("title", item.get("name"))) if isinstance(item, Mapping) else str(item)
        for item in raw
    )


def priority_from_labels(labels: Sequence[str], mapping: FieldMapping) -> Priority | None:
    """The most urgent priority whose label the issue carries."""
    for priority in Priority:
        name = mapping.priority_labels.get(priority)
        if name is not None and contains_label(labels, name):
            return priority
    return None


def status_from(state: str, labels: Sequence[str], mapping: FieldMapping) -> Status:
    if state == "closed":
        return Status.DONE
    if contains_label(labels, mapping.in_progress_label):
        return Status.IN_PROGRESS
    return Status.TODO


def _raw_status(state: str, labels: Sequence[str], mapping: FieldMapping) -> str:
    in_progress = [label for label in labels if same_label(label, mapping.in_progress_label)]
    return in_progress[0] if state != "closed" and in_progress else state


def assignee_usernames(data: Json) -> tuple[str, ...]:
    """Usernames of an issue's assignees (REST or Issue Hook user objects), sorted."""
    return sorted_assignees(str(user["username"]) for user in data.get("assignees") or ())


def issue_from_api(data: Json, mapping: FieldMapping) -> RemoteIssue:
    """A REST issue (`GET /projects/:id/issues/:iid`, list items, create/edit answers)."""
    labels = label_names(data.get("labels") or ())
    state = str(data["state"])
    text, marker = split_footer(data.get("description") or "")
    body = restore_mentions(text)
    updated_at = parse_time(data["updated_at"])
    due, moved_to = data.get("due_date"), data.get("moved_to_id")
    return RemoteIssue(
        tracker="gitlab",
        id=str(data["id"]),
        ref=str(data["iid"]),
        url=str(data["web_url"]),
        title=str(data["title"]),
        body=body,
        state=IssueState.CLOSED if state == "closed" else IssueState.OPEN,
        status=status_from(state, labels, mapping),
        updated_at=updated_at,
        version=updated_at.isoformat(timespec="milliseconds"),
        labels=labels,
        assignees=assignee_usernames(data),
        priority=priority_from_labels(labels, mapping),
        due_date=date.fromisoformat(due) if due else None,
        marker=marker,
        raw_status=_raw_status(state, labels, mapping),
        moved_to=str(moved_to) if moved_to else None,
    )


def issue_from_hook(payload: Json, mapping: FieldMapping) -> RemoteIssue:
    """The issue an Issue Hook or a Note Hook (on an issue) is about, as far as it tells.

    Note Hooks carry assignee ids only, so their issue comes without assignees.
    """
    if payload.get("object_kind") == "issue":
        attributes = payload["object_attributes"]
        labels = payload.get("labels", attributes.get("labels") or ())
        assignees = payload.get("assignees") or ()
        url = attributes["url"]
    elif payload.get("object_kind") == "note" and "issue" in payload:
        attributes, assignees = payload["issue"], ()
        labels = attributes.get("labels") or ()
        url = f"{payload['project']['web_url']}/-/issues/{attributes['iid']}"
    else:
        raise ValueError(f"not an issue event: {payload.get('object_kind')!r}")
    as_api = {**attributes, "labels": labels, "assignees": assignees, "web_url": url}
    return issue_from_api(as_api, mapping)


# --- Pure planning: syncer values -> GitLab parameters ------------------------------------------


def draft_labels(draft: IssueDraft, mapping: FieldMapping) -> list[str]:
    labels = [mapping.sync_label]
    if draft.priority is not None:
        labels.append(mapping.priority_labels[draft.priority])
    if draft.status is Status.IN_PROGRESS:
        labels.append(mapping.in_progress_label)
    return unique_labels([*labels, *draft.labels])


def _is_managed(label: str, mapping: FieldMapping) -> bool:
    """Labels syncer owns (sync, priority, status): a label change from the register keeps them."""
    managed = [mapping.sync_label, mapping.in_progress_label, *mapping.priority_labels.values()]
    return contains_label(managed, label)


def planned_labels(current: Sequence[str], change: IssueChange, mapping: FieldMapping) -> list[str]:
    """The labels the issue should end with after `change`."""
    labels = list(current)
    if change.labels is not None:
        labels = [label for label in current if _is_managed(label, mapping)]
        labels += change.labels
    if change.priority is not None or change.clear_priority:
        labels = [label for label in labels if priority_from_labels([label], mapping) is None]
        if change.priority is not None:
            labels.append(mapping.priority_labels[change.priority])
    if change.status is not None:
        labels = [label for label in labels if not same_label(label, mapping.in_progress_label)]
        if change.status is Status.IN_PROGRESS:
            labels.append(mapping.in_progress_label)
    return unique_labels(swapped(labels, change.field_labels))


def _label_edits(current: Sequence[str], wanted: Sequence[str]) -> dict[str, str]:
    """`add_labels`/`remove_labels` rather than `labels`: a label a person adds meanwhile stays."""
    edits: dict[str, str] = {}
    added = [label for label in wanted if not contains_label(current, label)]
    removed = [label for label in current if not contains_label(wanted, label)]
    if added:
        edits["add_labels"] = ",".join(added)
    if removed:
        edits["remove_labels"] = ",".join(removed)
    return edits


def _state_event(state: str, status: Status | None) -> dict[str, str]:
    if status is Status.DONE and state != "closed":
        return {"state_event": "close"}
    if status is not None and status is not Status.DONE and state == "closed":
        return {"state_event": "reopen"}
    return {}


def _due_date_edit(current: str | None, change: IssueChange) -> dict[str, str]:
    """`""` clears the date: GitLab's way of saying "no due date"."""
    wanted = change.due_date.isoformat() if change.due_date else None
    if wanted is None and change.clear_due_date:
        wanted = ""
    return {} if wanted is None or wanted == (current or "") else {"due_date": wanted}


def blind_update(change: IssueChange, mapping: FieldMapping) -> dict[str, Any]:
    """The `PUT` parameters for `change` without reading the issue first; empty when it needs
    the issue (a body keeps its footer, replaced labels and field labels need their names).

    GitLab's own parameters make the rest safe unseen: a `state_event` the issue already
    meets, a `remove_labels` naming a label it lacks, change nothing. The engine asks for a
    change only where the issue differs from what it wants."""
    if change.body is not None or change.labels is not None or change.field_labels:
        return {}
    data: dict[str, Any] = {} if change.title is None else {"title": change.title}
    added: list[str] = []
    removed: list[str] = []
    if change.status is not None:
        data["state_event"] = "close" if change.status is Status.DONE else "reopen"
        in_progress = change.status is Status.IN_PROGRESS
        (added if in_progress else removed).append(mapping.in_progress_label)
    if change.priority is not None or change.clear_priority:
        wanted = mapping.priority_labels[change.priority] if change.priority else None
        removed += [label for label in mapping.priority_labels.values() if label != wanted]
        added += [wanted] if wanted else []
    if added:
        data["add_labels"] = ",".join(added)
    if removed:
        data["remove_labels"] = ",".join(removed)
    if change.due_date is not None or change.clear_due_date:
        data["due_date"] = change.due_date.isoformat() if change.due_date else ""
    return data


def known_api(seen: RemoteIssue) -> Json:
    """What `plan_update` reads of an issue, from syncer's own reading of it: all but the
    description, whose footer the reading drops."""
    return {
        "title": seen.title,
        "state": "closed" if seen.state is IssueState.CLOSED else "opened",
        "labels": list(seen.labels),
        "due_date": seen.due_date.isoformat() if seen.due_date else None,
        "assignees": [{"username": user} for user in seen.assignees],
    }


def plan_update(current: Json, change: IssueChange, mapping: FieldMapping) -> dict[str, Any]:
    """The `PUT /issues/:iid` parameters turning `current` into what `change` asks for.

    Only what differs is sent, so re-applying a value syncer already wrote costs no write (and
    fires no webhook). Assignees are left out: turning usernames into ids takes requests.
    """
    data: dict[str, Any] = {}
    if change.title is not None and change.title != current["title"]:
        data["title"] = change.title
    description = current.get("description") or ""
    if change.body is not None:
        wanted = replace_keeping_footer(description, render_mentions(change.body, mapping.mentions))
        if wanted != description:
            data["description"] = wanted
    data.update(_state_event(str(current["state"]), change.status))
    labels = label_names(current.get("labels") or ())
    data.update(_label_edits(labels, planned_labels(labels, change, mapping)))
    data.update(_due_date_edit(current.get("due_date"), change))
    return data
