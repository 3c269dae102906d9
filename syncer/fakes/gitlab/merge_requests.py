"""Merge requests for the fake GitLab: create, list (filtered by state and branches), read, edit.

Only what syncer's pull-request mode calls (`syncer.sources.git.merge_requests`), as strictly as
GitLab answers it: `title`, `source_branch` and `target_branch` are required (Grape's 400
naming each missing or blank one; a blank title is the model's "can't be blank"); a second
open merge request from the same source into the same target is refused with GitLab's 409
("Another open merge request already exists for this source branch: !N"), as is reopening one
while another is open, and a source that is its own target; `state` and `state_event` take
only GitLab's values, and an edit must change something. The fake knows no git, so it cannot
refuse a source branch that was never pushed; tests push it to a real repository first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.gitlab.gate import Handler
from syncer.fakes.gitlab.listing import paginated
from syncer.fakes.gitlab.params import request_params
from syncer.fakes.gitlab.state import (
    BOT,
    ApiError,
    Json,
    MergeRequest,
    Project,
    User,
    api_time,
    not_found,
)
from syncer.fakes.gitlab.store import Instance

_REQUIRED = ("source_branch", "target_branch", "title")
_BRANCHES = ("source_branch", "target_branch")
"""Required and not blank (Grape's `allow_blank: false`); a blank title is the model's to
refuse."""
_LIST_STATES = ("opened", "closed", "locked", "merged", "all")


class MergeRequestApi:
    """The merge-request routes under a project, over the instance as it is at call time."""

    def __init__(self, current: Callable[[], Instance], lock: threading.RLock) -> None:
        self._current = current
        self.lock = lock

    def routes(self, project: str) -> list[tuple[str, str, Handler]]:
        """(verb, path, handler) under `project`, a path template ending in `{project:path}`."""
        one = f"{project}/merge_requests/{{iid:int}}"
        return [
            ("GET", one, self._get),
            ("PUT", one, self._edit),
            ("GET", f"{project}/merge_requests", self._list),
            ("POST", f"{project}/merge_requests", self._create),
        ]

    def _project(self, request: Request) -> Project:
        return self._current().find_project(str(request.path_params["project"]))

    def _one(self, request: Request) -> tuple[Project, MergeRequest]:
        project = self._project(request)
        found = project.merge_requests.get(request.path_params["iid"])
        if found is None:
            raise not_found()
        return project, found

    async def _list(self, request: Request) -> Response:
        query = dict(request.query_params)
        state = query.get("state", "all")
        if state not in _LIST_STATES:
            raise ApiError(400, {"error": "state does not have a valid value"})
        with self.lock:
            project = self._project(request)
            found = [
                mr
                for mr in reversed(project.merge_requests.values())  # newest first, as GitLab
                if state in ("all", mr.state)
                and query.get("source_branch", mr.source_branch) == mr.source_branch
                and query.get("target_branch", mr.target_branch) == mr.target_branch
            ]
            return paginated(request, project.base_url, found, partial(merge_request_json, project))

    async def _get(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse(merge_request_json(*self._one(request)))

    async def _create(self, request: Request) -> Response:
        params = await request_params(request)
        missing = [f"{name} is missing" for name in _REQUIRED if params.get(name) is None]
        missing += [f"{name} is empty" for name in _BRANCHES if str(params.get(name)).strip() == ""]
        if missing:
            raise ApiError(400, {"error": ", ".join(missing)})
        if not str(params["title"]).strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        source, target = str(params["source_branch"]), str(params["target_branch"])
        with self.lock:
            project = self._project(request)
            _refuse_a_second(project, source, target)
            made = project.add_merge_request(str(params["title"]).strip(), source, target, BOT)
            made.description = params.get("description")
            return JSONResponse(merge_request_json(project, made), 201)

    async def _edit(self, request: Request) -> Response:
        params = await request_params(request)
        fields = {k: v for k, v in params.items() if k in ("title", "description", "state_event")}
        if not fields:
            raise ApiError(400, {"error": "at least one parameter must be provided"})
        event = fields.get("state_event")
        if event not in (None, "close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a valid value"})
        if "title" in fields and not str(fields["title"] or "").strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        with self.lock:
            project, found = self._one(request)
            if event == "reopen" and found.state == "closed":
                _refuse_a_second(project, found.source_branch, found.target_branch)
            edit(project, found, fields, BOT)
            return JSONResponse(merge_request_json(project, found))


def edit(project: Project, request: MergeRequest, fields: Json, actor: User) -> None:
    """Apply an edit's fields (`title`, `description`, `state_event`), already checked."""
    if "title" in fields:
        request.title = str(fields["title"]).strip()
    if "description" in fields:
        request.description = fields["description"]
    event = fields.get("state_event")
    if event == "close" and request.state == "opened":
        request.state, request.closed_by = "closed", actor
        request.closed_at = project.clock.now()
    elif event == "reopen" and request.state == "closed":
        request.state, request.closed_at, request.closed_by = "opened", None, None
    request.updated_at = project.clock.now()


def _refuse_a_second(project: Project, source: str, target: str) -> None:
    """GitLab's `validate_branches`, answered 409 with its message list."""
    if source == target:
        message = "You can't use same project/branch for source and target"
        raise ApiError(409, {"message": [message]})
    for other in project.merge_requests.values():
        if other.state == "opened" and (other.source_branch, other.target_branch) == (
            source,
            target,
        ):
            message = (
                f"Another open merge request already exists for this source branch: !{other.iid}"
            )
            raise ApiError(409, {"message": [message]})


def merge_request_json(project: Project, request: MergeRequest) -> Json:
    """Key for key like GitLab's `GET /projects/:id/merge_requests/:iid`, for what syncer and
    tests read (no pipelines, approvals or diff refs)."""
    base = project.base_url
    return {
        "id": request.id,
        "iid": request.iid,
        "project_id": project.id,
        "title": request.title,
        "description": request.description,
        "state": request.state,
        "created_at": api_time(request.created_at),
        "updated_at": api_time(request.updated_at),
        "merged_by": None,
        "merge_user": None,
        "merged_at": None,
        "closed_by": request.closed_by.api(base) if request.closed_by else None,
        "closed_at": api_time(request.closed_at) if request.closed_at else None,
        "target_branch": request.target_branch,
        "source_branch": request.source_branch,
        "user_notes_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "author": request.author.api(base),
        "assignees": [],
        "assignee": None,
        "reviewers": [],
        "source_project_id": project.id,
        "target_project_id": project.id,
        "labels": [],
        "draft": False,
        "work_in_progress": False,
        "milestone": None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable",
        "sha": None,
        "merge_commit_sha": None,
        "squash_commit_sha": None,
        "discussion_locked": None,
        "should_remove_source_branch": None,
        "force_remove_source_branch": False,
        "reference": f"!{request.iid}",
        "references": {
            "short": f"!{request.iid}",
            "relative": f"!{request.iid}",
            "full": f"{project.path}!{request.iid}",
        },
        "web_url": f"{project.web_url}/-/merge_requests/{request.iid}",
        "squash": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
    }
