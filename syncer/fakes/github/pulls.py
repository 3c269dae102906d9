"""Pull requests for the fake GitHub: create, list (filtered by state, head, base), read, edit.

Only what syncer's pull-request mode calls (`syncer.sources.git.pulls`), as strictly as GitHub
answers it: a second open pull request for the same head and base is refused with GitHub's 422
("A pull request already exists for owner:branch."), `head` and `base` are required, `state`
takes only GitHub's values, and a pull request shares its number with the issues (it shows in
the issue list, as on GitHub). The fake knows no git branches, so it cannot refuse a head
branch that was never pushed; tests push it to a real repository first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncer.fakes.github.payloads import user_json
from syncer.fakes.github.state import Store
from syncer.fakes.github.wire import (
    DOCS,
    Answer,
    ApiError,
    Call,
    Handler,
    Json,
    error_body,
    invalid,
    not_found,
)


@dataclass
class PullRequest:
    number: int
    head: str
    """The branch, without its owner."""
    base: str


def pull_routes(repo: str, pulls: Callable[[], Pulls]) -> list[tuple[str, str, Handler]]:
    """The routes under `repo` (a path template), served by the `Pulls` that `pulls()` gives
    at call time (the fake's store is made after its routes, and made anew by `reset`)."""
    pull = f"{repo}/pulls/{{number:int}}"
    return [
        (f"{repo}/pulls", "GET", lambda call: pulls().list(call)),
        (f"{repo}/pulls", "POST", lambda call: pulls().create(call)),
        (pull, "GET", lambda call: pulls().get(call)),
        (pull, "PATCH", lambda call: pulls().edit(call)),
    ]


class Pulls:
    """The repository's pull requests beside its issues (`Store`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.by_number: dict[int, PullRequest] = {}

    def open(self) -> list[PullRequest]:
        """The open ones, oldest first (what a test checks)."""
        return [p for p in self.by_number.values() if self.store.issue(p.number).state == "open"]

    def list(self, call: Call) -> Answer:
        state = call.query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid("PullRequest", "state")
        head = call.query.get("head", "")
        found = [
            self.json(p)
            for p in self.by_number.values()
            if state in ("all", self.store.issue(p.number).state)
            and (not head or head.lower() == self._label(p.head).lower())
            and call.query.get("base", p.base) == p.base
        ]
        return Answer(200, found)

    def create(self, call: Call) -> Answer:
        payload: Json = call.payload if isinstance(call.payload, dict) else {}
        head, base = payload.get("head"), payload.get("base")
        for name, value in (("head", head), ("base", base), ("title", payload.get("title"))):
            if not isinstance(value, str) or not value.strip():
                raise ApiError(422, _failed(f"{name} wasn't supplied."))
        assert isinstance(head, str) and isinstance(base, str)
        branch = head.rpartition(":")[2]
        if any(p.head == branch and p.base == base for p in self.open()):
            message = f"A pull request already exists for {self._label(branch)}."
            raise ApiError(422, _failed(message))
        if branch == base:
            raise ApiError(422, error_body(422, "Validation Failed"))
        issue, _ = self.store.create_issue(payload, call.login, pull=True)
        self.by_number[issue.number] = PullRequest(issue.number, branch, base)
        return Answer(201, self.json(self.by_number[issue.number]))

    def get(self, call: Call) -> Answer:
        found = self.by_number.get(int(call.params["number"]))
        if found is None:
            raise not_found()
        return Answer(200, self.json(found))

    def edit(self, call: Call) -> Answer:
        found = self.by_number.get(int(call.params["number"]))
        if found is None:
            raise not_found()
        payload: Json = call.payload if isinstance(call.payload, dict) else {}
        if payload.get("state", "open") not in ("open", "closed"):
            raise invalid("PullRequest", "state")
        fields = {k: v for k, v in payload.items() if k in ("title", "body", "state")}
        self.store.edit_issue(self.store.issue(found.number), fields, call.login)
        if isinstance(payload.get("base"), str):
            found.base = payload["base"]
        return Answer(200, self.json(found))

    def json(self, pull: PullRequest) -> Json:
        issue = self.store.issue(pull.number)
        web = f"{self.store.web_repo}/pull/{pull.number}"
        return {
            "url": f"{self.store.api_repo}/pulls/{pull.number}",
            "id": 9_000_000 + pull.number,
            "number": pull.number,
            "html_url": web,
            "state": issue.state,
            "title": issue.title,
            "body": issue.body,
            "user": user_json(self.store, issue.user),
            "head": {"label": self._label(pull.head), "ref": pull.head},
            "base": {"label": self._label(pull.base), "ref": pull.base},
            "merged": False,
            "draft": False,
        }

    def _label(self, branch: str) -> str:
        return f"{self.store.repo.partition('/')[0]}:{branch}"


def _failed(message: str) -> Any:
    return {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
        "documentation_url": f"{DOCS}/pulls/pulls#create-a-pull-request",
    }
