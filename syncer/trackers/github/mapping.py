"""GitHub's issue JSON to `RemoteIssue`, and `IssueChange` to a PATCH body: pure functions.

They read PyGithub's `raw_data`, a list item or a webhook's `issue`, and are tested on recorded
payloads (`tests/data/fixtures/api/github`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
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

Json = dict[str, Any]

KIND = "github"

# --- pure mappers ----------------------------------------------------------------------------


def is_pull_request(raw: Json) -> bool:
    """True for pull requests, which GitHub mixes into the issue list.

    2012-era payloads carried `pull_request` with null URLs on plain issues, so the object's
    presence is not enough: a pull request's object has URLs.
    """
    pull = raw.get("pull_request")
    return isinstance(pull, dict) and bool(pull.get("url") or pull.get("html_url"))


def label_names(raw: Json) -> tuple[str, ...]:
    labels = raw.get("labels") or []
    return tuple(label["name"] if isinstance(label, dict) else str(label) for label in labels)


def assignee_logins(raw: Json) -> tuple[str, ...]:
    """Logins from `assignees`, or from the lone `assignee` older payloads carry; sorted."""
    users = raw.get("assignees")
    if users is None:
        users = [raw["assignee"]] if raw.get("assignee") else []
    return sorted_assignees(user["login"] for user in users)


def _has_label(labels: Iterable[str], wanted: str) -> bool:
    """GitHub label names are unique regardless of case, so compare them that way."""
    return wanted.casefold() in {label.casefold() for label in labels}


def status_of(raw: Json, mapping: FieldMapping) -> Status:
    if raw.get("state") == "closed":
        return Status.DONE
    if _has_label(label_names(raw), mapping.in_progress_label):
        return Status.IN_PROGRESS
    return Status.TODO


def priority_of(labels: Iterable[str], mapping: FieldMapping) -> Priority | None:
    """The most urgent priority whose label the issue carries (Priority is ordered by urgency)."""
    present = {label.casefold() for label in labels}
    for priority in Priority:
        name = mapping.priority_labels.get(priority)
        if name is not None and name.casefold() in present:
            return priority
    return None


def raw_status_of(raw: Json) -> str:
    """GitHub's own words for where the issue stands, e.g. `closed (not_planned)`."""
    state = str(raw.get("state", ""))
    reason = raw.get("state_reason")
    return f"{state} ({reason})" if reason else state


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def normalized_body(raw: Json) -> str:
    """The body as Markdown with `\\n` line ends (the web editor saves `\\r\\n`); null is empty."""
    return str(raw.get("body") or "").replace("\r\n", "\n")


def version_of(raw: Json) -> str:
    """`updated_at` plus a digest of the fields syncer reads.

    GitHub's `updated_at` has one-second precision, so a person's edit in the same second as
    syncer's own write would otherwise look like syncer's echo. An ETag would not do either:
    list items have none, and a version must read the same from `get` and `list_changed`.
    """
    fields = [
        raw.get("title"),
        normalized_body(raw),
        raw.get("state"),
        raw.get("state_reason"),
        sorted(label_names(raw)),
        assignee_logins(raw),
    ]
    digest = hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:12]
    return f"{raw['updated_at']}#{digest}"


def issue_from_json(raw: Json, mapping: FieldMapping) -> RemoteIssue:
    """Normalize one GitHub issue (REST item or webhook `issue`) into a `RemoteIssue`."""
    labels = label_names(raw)
    body, marker = split_footer(normalized_body(raw))
    body = restore_mentions(body)
    return RemoteIssue(
        tracker=KIND,
        id=str(raw["id"]),
        ref=str(raw["number"]),
        url=str(raw.get("html_url") or raw.get("url") or ""),
        title=str(raw.get("title") or ""),
        body=body,
        state=IssueState.CLOSED if raw.get("state") == "closed" else IssueState.OPEN,
        status=status_of(raw, mapping),
        updated_at=parse_time(raw["updated_at"]),
        version=version_of(raw),
        labels=labels,
        assignees=assignee_logins(raw),
        priority=priority_of(labels, mapping),
        marker=marker,
        raw_status=raw_status_of(raw),
    )


def _managed(mapping: FieldMapping) -> set[str]:
    """Labels syncer owns: a user-label change never removes them."""
    names = [mapping.sync_label, mapping.in_progress_label, *mapping.priority_labels.values()]
    return {name.casefold() for name in names}


def dedupe_labels(labels: Iterable[str]) -> list[str]:
    """Labels in order, each once regardless of case."""
    unique: dict[str, str] = {}
    for label in labels:
        unique.setdefault(label.casefold(), label)
    return list(unique.values())


def draft_labels(draft: IssueDraft, mapping: FieldMapping) -> list[str]:
    labels = [mapping.sync_label]
    if draft.priority is not None:
        labels.append(mapping.priority_labels[draft.priority])
    if draft.status is Status.IN_PROGRESS:
        labels.append(mapping.in_progress_label)
    return dedupe_labels([*labels, *draft.labels])


def changed_labels(current: Sequence[str], change: IssueChange, mapping: FieldMapping) -> list[str]:
    """The issue's labels after `change`: user labels replaced, priority and status swapped.

    Closing leaves the "in progress" label where it is, as GitHub's Close button does (a
    closed issue reads done whatever its labels): closing then costs one PATCH, never a read
    of the labels first. Reopening takes the label away, or puts it on."""
    labels = list(current)
    if change.labels is not None:
        managed = _managed(mapping)
        labels = [x for x in labels if x.casefold() in managed] + list(change.labels)
    if change.priority is not None or change.clear_priority:
        priority_names = {name.casefold() for name in mapping.priority_labels.values()}
        labels = [x for x in labels if x.casefold() not in priority_names]
        if change.priority is not None and not change.clear_priority:
            labels.append(mapping.priority_labels[change.priority])
    if change.status is not None and change.status is not Status.DONE:
        labels = [x for x in labels if x.casefold() != mapping.in_progress_label.casefold()]
        if change.status is Status.IN_PROGRESS:
            labels.append(mapping.in_progress_label)
    return dedupe_labels([mapping.sync_label, *swapped(labels, change.field_labels)])


def state_fields(current_state: str, status: Status) -> Json:
    """PATCH fields moving an issue to `status`; empty when its state already fits."""
    if status is Status.DONE:
        return {} if current_state == "closed" else {"state": "closed", "state_reason": "completed"}
    return {"state": "open", "state_reason": "reopened"} if current_state == "closed" else {}


def known_json(seen: RemoteIssue) -> Json:
    """What `edit_fields` reads of an issue, from syncer's own reading of it: its state and
    labels (not its body, whose footer the reading drops)."""
    return {
        "state": "closed" if seen.state is IssueState.CLOSED else "open",
        "labels": [{"name": label} for label in seen.labels],
    }


def blind_fields(change: IssueChange, mapping: FieldMapping) -> Json | None:
    """The PATCH for `change` sent without reading the issue first, when it needs nothing of
    it: a move between todo and done (with a title or assignees), written as if the issue
    stood at the other end; None for any other change. The engine asks for a move only when
    the issue was not at its end at the last sync and has not changed since; the answer
    tells whether reopening left an "in progress" label to take away (`update`)."""
    if change.status not in (Status.TODO, Status.DONE) or needs_labels_or_body(change):
        return None
    assumed = "open" if change.status is Status.DONE else "closed"
    return {**edit_fields(None, change, mapping), **state_fields(assumed, change.status)}


def needs_labels_or_body(change: IssueChange) -> bool:
    """Whether the PATCH needs the issue's labels or body (not only its state)."""
    touched = (change.body, change.labels, change.priority)
    return change.clear_priority or bool(change.field_labels) or any(v is not None for v in touched)


def needs_current(change: IssueChange) -> bool:
    """Whether building the PATCH needs the issue as it is now (its body, labels or state)."""
    return change.status is not None or needs_labels_or_body(change)


def edit_fields(current: Json | None, change: IssueChange, mapping: FieldMapping) -> Json:
    """The PATCH body applying `change` to `current` (which `needs_current` says when to fetch)."""
    fields: Json = {}
    if change.title is not None:
        fields["title"] = change.title
    if change.assignees is not None:
        fields["assignees"] = list(change.assignees)
    if current is None:
        return fields
    if change.body is not None:
        body = render_mentions(change.body, mapping.mentions)
        fields["body"] = replace_keeping_footer(str(current.get("body") or ""), body)
    if change.status is not None:
        fields.update(state_fields(str(current.get("state")), change.status))
    labels = changed_labels(label_names(current), change, mapping)
    if labels != list(label_names(current)):
        fields["labels"] = labels
    return fields


def label_color(name: str) -> str:
    """A stable colour per label name, so every repository shows syncer's labels alike."""
    return hashlib.sha256(name.casefold().encode()).hexdigest()[:6]
