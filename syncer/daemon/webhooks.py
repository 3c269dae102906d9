"""Checking and reading webhook deliveries from GitHub, GitLab and Jira: pure, no I/O.

A delivery is checked before a byte of it is parsed (`verify`), then read into a `Delivery`
(`parse`) that says only what syncer needs to decide whom to wake: which project and issue it
concerns and which labels the issue carries, or which repository and branch a push went to
(a register kept in git). It is a trigger, never the truth: the cycle it
wakes reads the issue afresh, so nothing here maps fields.

Headers are given as the ASGI server decoded them (latin-1, any letter case). Error messages
name the header or payload key at fault and never quote what the client sent, so they can be
answered and logged as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

from syncer.config import TrackerKind

Json = dict[str, Any]
T = TypeVar("T")

# Jira Server reports a comment or work log as `jira:issue_updated` of these types: none of them
# touches a field syncer keeps, so they would only wake a cycle that finds nothing to do.
_JIRA_UNUSED_TYPES = frozenset(
    {
        "issue_commented",
        "issue_comment_edited",
        "issue_comment_deleted",
        "issue_work_logged",
        "issue_worklog_updated",
        "issue_worklog_deleted",
    }
)
_JIRA_ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"})
_GITLAB_ISSUE_EVENTS = frozenset({"Issue Hook", "Confidential Issue Hook"})
_FORM = "application/x-www-form-urlencoded"


class Unauthorized(Exception):
    """The delivery is not signed as the configured secret requires, or no secret is configured
    and unsigned deliveries are not allowed. The message says which, never any secret."""


class Malformed(Exception):
    """The delivery is not JSON, or lacks what an event of its kind must carry."""


@dataclass(frozen=True)
class IssueEvent:
    """What a delivery about an issue says about it, enough to route it."""

    project: str
    """GitHub `owner/name`, GitLab `group/project` (`path_with_namespace`), Jira project key."""
    ref: str
    """The issue as syncer's links name it: GitHub number, GitLab iid, Jira key (`PROJ-7`)."""
    labels: frozenset[str]
    """The issue's labels as the tracker spells them, after the event."""
    project_id: str | None = None
    """GitLab's numeric project id (a target's `repo` may be written that way)."""


@dataclass(frozen=True)
class PushEvent:
    """What a push to a branch says about where it went, enough to find the git registers
    kept there."""

    branch: str
    """The branch pushed to (`ref` without `refs/heads/`)."""
    project: str
    """GitHub `owner/name`, GitLab `group/project` (`path_with_namespace`)."""
    addresses: frozenset[str]
    """The repository's clone addresses the payload names (https and ssh)."""


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery, read."""

    tracker: TrackerKind
    delivery_id: str | None
    """The tracker's id of this delivery, the same when it is redelivered; None if not sent."""
    event: str
    """`X-GitHub-Event`, `X-Gitlab-Event`, or Jira's `webhookEvent`."""
    action: str | None
    """GitHub `action`, GitLab `object_attributes.action`, Jira `issue_event_type_name`."""
    issue: IssueEvent | None
    """The issue an event syncer uses is about; None for every other event (comments, pings,
    stars, pull requests, pushes), which never wake a cycle for an issue."""
    push: PushEvent | None = None
    """A push to a branch (GitHub `push`, GitLab `Push Hook`); None for every other event and
    for tag pushes."""

    @property
    def used(self) -> bool:
        return self.issue is not None or self.push is not None


# --- Verifying -----------------------------------------------------------------------------------


def verify(
    tracker: TrackerKind,
    headers: Mapping[str, str],
    body: bytes,
    secret: str | None,
    *,
    allow_unsigned: bool = False,
) -> None:
    """Raise `Unauthorized` unless `body` was sent by someone holding `secret`.

    GitHub signs the raw body (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`), Jira 10+ and
    Jira Cloud the same way in `X-Hub-Signature`; GitLab sends the token itself in
    `X-Gitlab-Token`. Comparisons take constant time. With no secret configured a delivery is
    refused, unless `allow_unsigned` (for Jira Server before 10, which cannot sign); with one, it
    is always required.
    """
    if not secret:
        if allow_unsigned:
            return
        raise Unauthorized(f"no {tracker} webhook secret is configured: {tracker} webhooks are off")
    lowered = _lowered(headers)
    if tracker == "gitlab":
        token = lowered.get("x-gitlab-token")
        if token is None:
            raise Unauthorized("no X-Gitlab-Token header")
        if not hmac.compare_digest(_raw(token), secret.encode()):
            raise Unauthorized("X-Gitlab-Token is not the configured token")
        return
    header = "X-Hub-Signature-256" if tracker == "github" else "X-Hub-Signature"
    signature = lowered.get(header.lower())
    if signature is None:
        raise Unauthorized(f"no {header} header")
    method, _, digest = signature.strip().partition("=")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    matches = hmac.compare_digest(_raw(digest.lower()), expected)
    if method.lower() != "sha256" or not matches:
        raise Unauthorized(f"{header} is not a sha256 signature of the body with the secret")


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _raw(value: str) -> bytes:
    """A header value's bytes as sent: ASGI servers decode headers as latin-1."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace")


# --- Reading -------------------------------------------------------------------------------------


def parse(tracker: TrackerKind, headers: Mapping[str, str], body: bytes) -> Delivery:
    """Read a verified delivery; `Malformed` if it is not JSON (GitHub: or the form-encoded
    `payload=` GitHub sends by default) or an issue event lacks its project or issue."""
    return _READERS[tracker](_lowered(headers), body)


def _github(headers: dict[str, str], body: bytes) -> Delivery:
    event = headers.get("x-github-event", "").strip()
    if not event:
        raise Malformed("no X-GitHub-Event header")
    payload = _json_object(_github_json(headers.get("content-type", ""), body))
    issue = None
    if event == "issues":
        issue = IssueEvent(
            project=_text(payload, "repository.full_name"),
            ref=str(_at(payload, "issue.number", int)),
            labels=_names(payload, "issue.labels", "name"),
        )
    push = None
    if event == "push":
        push = _push(payload, "repository.full_name", "repository", ("clone_url", "ssh_url"))
    action = _maybe(payload, "action", str)
    delivery_id = _delivery_id(headers, "x-github-delivery")
    return Delivery("github", delivery_id, event, action, issue, push)


def _github_json(content_type: str, body: bytes) -> bytes | str:
    """The JSON of a GitHub delivery: the body, or its `payload` field when form-encoded (the
    content type GitHub uses unless told otherwise). The signature covers the body as sent."""
    if content_type.split(";")[0].strip().lower() != _FORM:
        return body
    try:
        fields = parse_qs(
            body.decode("ascii"), strict_parsing=True, errors="strict", max_num_fields=16
        )
    except ValueError:  # UnicodeDecodeError is one
        raise Malformed("the form-encoded body is not valid") from None
    payload = fields.get("payload", [])
    if len(payload) != 1:
        raise Malformed("a form-encoded delivery must carry exactly one payload field")
    return payload[0]


def _gitlab(headers: dict[str, str], body: bytes) -> Delivery:
    event = headers.get("x-gitlab-event", "").strip()
    if not event:
        raise Malformed("no X-Gitlab-Event header")
    payload = _json_object(body)
    issue = None
    if event in _GITLAB_ISSUE_EVENTS:
        project_id = _maybe(payload, "project.id", int)
        labels_at = "labels" if "labels" in payload else "object_attributes.labels"
        issue = IssueEvent(
            project=_text(payload, "project.path_with_namespace"),
            ref=str(_at(payload, "object_attributes.iid", int)),
            labels=_names(payload, labels_at, "title"),
            project_id=None if project_id is None else str(project_id),
        )
    push = None
    if event == "Push Hook":
        addresses = ("git_http_url", "git_ssh_url")
        push = _push(payload, "project.path_with_namespace", "project", addresses)
    action = _maybe(payload, "object_attributes.action", str)
    # Idempotency-Key stays the same when GitLab retries a delivery; the event UUID is older.
    delivery_id = _delivery_id(headers, "idempotency-key") or _delivery_id(
        headers, "x-gitlab-event-uuid"
    )
    return Delivery("gitlab", delivery_id, event, action, issue, push)


def _jira(headers: dict[str, str], body: bytes) -> Delivery:
    payload = _json_object(body)
    event = _text(payload, "webhookEvent")
    action = _maybe(payload, "issue_event_type_name", str)
    issue = None
    if event in _JIRA_ISSUE_EVENTS and action not in _JIRA_UNUSED_TYPES:
        key = _text(payload, "issue.key")
        project = _maybe(payload, "issue.fields.project.key", str) or key.rpartition("-")[0]
        if not project:
            raise Malformed("issue.key has no project prefix and there is no project key")
        labels = _maybe(payload, "issue.fields.labels", list) or []
        if not all(isinstance(label, str) for label in labels):
            raise Malformed("issue.fields.labels is not a list of names")
        issue = IssueEvent(project=project, ref=key, labels=frozenset(labels))
    delivery_id = _delivery_id(headers, "x-atlassian-webhook-identifier")
    return Delivery("jira", delivery_id, event, action, issue)


def _push(payload: Json, project: str, repository: str, urls: tuple[str, ...]) -> PushEvent | None:
    """The branch push a payload describes; None for a tag (or any other ref) pushed."""
    ref = _text(payload, "ref")
    if not ref.startswith(_BRANCHES):
        return None
    addresses = (_maybe(payload, f"{repository}.{key}", str) for key in urls)
    return PushEvent(
        branch=ref.removeprefix(_BRANCHES),
        project=_text(payload, project),
        addresses=frozenset(url for url in addresses if url),
    )


_BRANCHES = "refs/heads/"


_READERS: dict[TrackerKind, Callable[[dict[str, str], bytes], Delivery]] = {
    "github": _github,
    "gitlab": _gitlab,
    "jira": _jira,
}


# --- Payload access ------------------------------------------------------------------------------


def _json_object(data: bytes | str) -> Json:
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested past the stack
        raise Malformed("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Malformed("the body is not a JSON object")
    return payload


def _delivery_id(headers: dict[str, str], name: str) -> str | None:
    return headers.get(name, "").strip() or None


def _find(payload: Json, path: str) -> object:
    """The value at a dotted `path`, None when a step is missing (or null)."""
    node: object = payload
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _maybe(payload: Json, path: str, kind: type[T]) -> T | None:
    """The value at `path` if it is there; `Malformed` if it is there but not a `kind`."""
    value = _find(payload, path)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise Malformed(f"{path} is not a {kind.__name__}")
    return value


def _at(payload: Json, path: str, kind: type[T]) -> T:
    value = _maybe(payload, path, kind)
    if value is None:
        raise Malformed(f"the payload has no {path}")
    return value


def _text(payload: Json, path: str) -> str:
    value = _at(payload, path, str)
    if not value.strip():
        raise Malformed(f"{path} is empty")
    return value


def _names(payload: Json, path: str, key: str) -> frozenset[str]:
    """Label names from a list of label objects (`[{"name": …}]`); absent means none."""
    labels = _maybe(payload, path, list) or []
    names = [label.get(key) if isinstance(label, dict) else None for label in labels]
    if not all(isinstance(name, str) for name in names):
        raise Malformed(f"{path} is not a list of labels with a {key}")
    return frozenset(str(name) for name in names)
