"""The fake's endpoints: users, the repository, issues, comments, labels and milestones, each
under the repository's name and its id (a redirect from a former name lands on the id).

Every route runs with the fake's lock held (see `api`) and answers, or raises `ApiError`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from syncer.fakes.github import payloads
from syncer.fakes.github.pulls import pull_routes
from syncer.fakes.github.state import Issue
from syncer.fakes.github.wire import (
    ISSUES_DOCS,
    RATE_DOCS,
    SECONDARY_LIMIT_MESSAGE,
    Answer,
    ApiError,
    Call,
    Handler,
    error_body,
    invalid,
    json_object,
    not_found,
    parse_since,
)

if TYPE_CHECKING:
    from syncer.fakes.github.fake import FakeGitHub

Paginate = Callable[[list[Any], Call, str], tuple[list[Any], dict[str, str]]]


class Routes:
    def __init__(self, fake: FakeGitHub, paginate: Paginate) -> None:
        self.fake = fake
        self.paginate = paginate

    def table(self) -> list[tuple[str, str, Handler]]:
        """(path, method, handler) of every endpoint."""
        table: list[tuple[str, str, Handler]] = [
            ("/user", "GET", self.get_user),
            ("/users/{login}", "GET", self.get_named_user),
        ]
        for repo in ("/repos/{owner}/{repo}", "/repositories/{repo_id:int}"):
            issue = f"{repo}/issues/{{number:int}}"
            table += [
                (repo, "GET", self.get_repo),
                (f"{repo}/issues", "GET", self.list_issues),
                (f"{repo}/issues", "POST", self.create_issue),
                (issue, "GET", self.get_issue),
                (issue, "PATCH", self.edit_issue),
                (f"{issue}/comments", "GET", self.list_comments),
                (f"{issue}/comments", "POST", self.create_comment),
                (f"{repo}/labels", "GET", self.list_labels),
                (f"{repo}/labels", "POST", self.create_label),
                (f"{repo}/labels/{{name:path}}", "GET", self.get_label),
                (f"{repo}/milestones/{{number:int}}", "GET", self.get_milestone),
                *pull_routes(repo, lambda: self.fake.pulls),
            ]
        return table

    # -- users and the repository --

    def get_user(self, call: Call) -> Answer:
        return Answer(200, payloads.private_user_json(self.fake.store, call.login))

    def get_named_user(self, call: Call) -> Answer:
        store = self.fake.store
        login = str(call.params["login"])
        if login.lower() == call.login.lower():
            return Answer(200, payloads.private_user_json(store, call.login))
        if login.lower() not in store.collaborators:
            raise not_found()
        return Answer(200, payloads.user_json(store, store.collaborators[login.lower()]))

    def get_repo(self, call: Call) -> Answer:
        data = payloads.repo_json(self.fake.store)
        data["has_issues"] = self.fake.has_issues
        data["permissions"] = dict(self.fake.permissions)
        return Answer(200, data)

    # -- issues --

    def _require_issues(self) -> None:
        if not self.fake.has_issues:
            raise ApiError(410, error_body(410, "Issues are disabled for this repo", ISSUES_DOCS))

    def list_issues(self, call: Call) -> Answer:
        self._require_issues()
        store = self.fake.store
        items = _filtered(store.issues.values(), call.query)
        page, headers = self.paginate(items, call, f"/repositories/{store.repo_id}/issues")
        return Answer(200, [payloads.issue_json(store, issue) for issue in page], headers)

    def create_issue(self, call: Call) -> Answer:
        self._require_issues()
        payload = json_object(call.payload)
        self._check_secondary_limit()
        store = self.fake.store
        issue, events = store.create_issue(payload, call.login)
        if self.fake.create_windows is not None:
            self.fake.create_windows.record(self.fake.clock.monotonic())
        self.fake.deliver(events)
        location = f"{store.api_repo}/issues/{issue.number}"
        return Answer(201, payloads.issue_json(store, issue, single=True), {"location": location})

    def _check_secondary_limit(self) -> None:
        """GitHub throttles content creation separately from reads: 403 and a `retry-after`."""
        windows = self.fake.create_windows
        if windows is None:
            return
        wait = windows.wait(self.fake.clock.monotonic())
        if wait is not None:
            message = SECONDARY_LIMIT_MESSAGE.format(request_id=secrets.token_hex(8).upper())
            body = error_body(403, message, f"{RATE_DOCS}#about-secondary-rate-limits")
            raise ApiError(403, body, {"retry-after": str(wait)})

    def get_issue(self, call: Call) -> Answer:
        self._require_issues()
        store = self.fake.store
        issue = store.issue(int(call.params["number"]))
        modified = format_datetime(issue.updated_at, usegmt=True)
        answer = payloads.issue_json(store, issue, single=True)
        return Answer(200, answer, {"last-modified": modified})

    def edit_issue(self, call: Call) -> Answer:
        self._require_issues()
        store = self.fake.store
        issue = store.issue(int(call.params["number"]))
        self.fake.deliver(store.edit_issue(issue, json_object(call.payload), call.login))
        return Answer(200, payloads.issue_json(store, issue, single=True))

    # -- comments --

    def list_comments(self, call: Call) -> Answer:
        self._require_issues()
        store = self.fake.store
        issue = store.issue(int(call.params["number"]))
        path = f"/repos/{self.fake.repo}/issues/{issue.number}/comments"
        page, headers = self.paginate(issue.comments, call, path)
        return Answer(200, [payloads.comment_json(store, issue, c) for c in page], headers)

    def create_comment(self, call: Call) -> Answer:
        self._require_issues()
        store = self.fake.store
        issue = store.issue(int(call.params["number"]))
        body = json_object(call.payload).get("body")
        comment, events = store.add_comment(issue, body, call.login)
        self.fake.deliver(events)
        data = payloads.comment_json(store, issue, comment)
        return Answer(201, data, {"location": data["url"]})

    # -- labels and milestones --

    def list_labels(self, call: Call) -> Answer:
        store = self.fake.store
        labels = sorted(store.labels.values(), key=lambda label: label.id)
        page, headers = self.paginate(labels, call, f"/repos/{self.fake.repo}/labels")
        return Answer(200, [payloads.label_json(store, label) for label in page], headers)

    def create_label(self, call: Call) -> Answer:
        payload = json_object(call.payload)
        name, color = payload.get("name"), payload.get("color", "ededed")
        if not isinstance(name, str) or not isinstance(color, str):
            raise invalid("Label", "name", code="missing_field")
        label = self.fake.store.add_label(name, color, payload.get("description"))
        data = payloads.label_json(self.fake.store, label)
        return Answer(201, data, {"location": data["url"]})

    def get_label(self, call: Call) -> Answer:
        label = self.fake.store.label(str(call.params["name"]))
        if label is None:
            raise not_found()
        return Answer(200, payloads.label_json(self.fake.store, label))

    def get_milestone(self, call: Call) -> Answer:
        milestone = self.fake.store.milestones.get(int(call.params["number"]))
        if milestone is None:
            raise not_found()
        return Answer(200, payloads.milestone_json(self.fake.store, milestone))


def _filtered(issues: Iterable[Issue], query: Mapping[str, str]) -> list[Issue]:
    """The issues a list query selects (`state`, `labels`, `since`), in its `sort` order."""
    state = query.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise invalid("Issue", "state", value=state)
    wanted = {name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()}
    try:
        since = parse_since(query["since"]) if query.get("since") else None
    except ValueError:
        raise invalid("Issue", "since", value=query["since"]) from None
    selected = [
        issue
        for issue in issues
        if not issue.deleted
        and state in ("all", issue.state)
        and wanted <= {name.lower() for name in issue.labels}
        and (since is None or issue.updated_at >= since)
    ]
    keys: dict[str, Callable[[Issue], tuple[Any, int]]] = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (len(i.comments), i.number),
    }
    key = keys.get(query.get("sort", "created"), keys["created"])
    return sorted(selected, key=key, reverse=query.get("direction", "desc") != "asc")
