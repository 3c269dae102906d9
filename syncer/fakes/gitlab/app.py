"""The fake's HTTP side: GitLab v4 routes, each handler reading its request and answering in
GitLab's shapes. Every route sits behind the `Gate` (faults, rate limit, token)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncer.fakes.gitlab.gate import Gate, Handler
from syncer.fakes.gitlab.listing import filter_issues, paginated, sort_issues
from syncer.fakes.gitlab.merge_requests import MergeRequestApi
from syncer.fakes.gitlab.params import request_params
from syncer.fakes.gitlab.payloads import issue_json, note_json, project_json
from syncer.fakes.gitlab.state import BOT, USERS, ApiError, Issue, Project, api_time, bad_request
from syncer.fakes.gitlab.store import Instance, destination


class GitLabApi:
    """The routes of the API the fake serves, over one `Instance`, as the token's user."""

    def __init__(self, current: Callable[[], Instance], gate: Gate) -> None:
        self._current = current
        self.gate = gate
        self.lock = gate.lock

    @property
    def instance(self) -> Instance:
        """The instance as it is now (`FakeGitLab.reset` starts a new one)."""
        return self._current()

    def app(self) -> Starlette:
        project = "/api/v4/projects/{project:path}"
        issue = f"{project}/issues/{{iid:int}}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/api/v4/user", self._current_user),
            ("GET", "/api/v4/personal_access_tokens/self", self._token_self),
            ("GET", "/api/v4/users", self._list_users),
            ("GET", f"{issue}/notes", self._list_notes),
            ("POST", f"{issue}/notes", self._create_note),
            ("POST", f"{issue}/move", self._move_issue),
            ("GET", issue, self._get_issue),
            ("PUT", issue, self._edit_issue),
            ("DELETE", issue, self._delete_issue),
            ("GET", f"{project}/issues", self._list_issues),
            ("POST", f"{project}/issues", self._create_issue),
            ("GET", f"{project}/labels", self._list_labels),
            ("GET", f"{project}/labels/{{label:path}}", self._get_label),
            ("POST", f"{project}/labels", self._create_label),
            *MergeRequestApi(self._current, self.lock).routes(project),
            ("GET", project, self._get_project),
        ]
        guard = self.gate.guard
        routes = [Route(path, guard(handler), methods=[verb]) for verb, path, handler in table]
        anything = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]  # GitLab: 404, never 405
        routes.append(Route("/{rest:path}", guard(self._no_route), methods=anything))
        return Starlette(routes=routes)

    def _project(self, request: Request) -> Project:
        return self.instance.find_project(str(request.path_params["project"]))

    def _issue(self, request: Request) -> tuple[Project, Issue]:
        project = self._project(request)
        return project, project.issue(request.path_params["iid"])

    async def _no_route(self, request: Request) -> Response:
        return JSONResponse({"error": "404 Not Found"}, 404)

    async def _current_user(self, request: Request) -> Response:
        user = BOT.api(self.instance.base_url)
        user.update({"bot": False, "created_at": api_time(self.instance.project.created_at)})
        return JSONResponse(user)

    async def _token_self(self, request: Request) -> Response:
        """The token itself, as GitLab describes it (its scopes are what doctor reads)."""
        created = api_time(self.instance.project.created_at)
        return JSONResponse(
            {
                "id": 4242,
                "name": "syncer",
                "revoked": False,
                "created_at": created,
                "description": None,
                "scopes": list(self.gate.scopes),
                "user_id": BOT.id,
                "last_used_at": created,
                "active": True,
                "expires_at": None,
            }
        )

    async def _list_users(self, request: Request) -> Response:
        """`?username=` matches without case, as GitLab's does; the answer spells it right."""
        wanted = request.query_params.get("username")
        base = self.instance.base_url
        found = [u for u in USERS if wanted is None or wanted.lower() == u.username.lower()]
        return paginated(request, base, found, lambda user: user.api(base))

    async def _get_project(self, request: Request) -> Response:
        with self.lock:
            data = project_json(self._project(request))
        access = {"access_level": self.gate.access_level, "notification_level": 3}
        data["permissions"] = {"project_access": access, "group_access": None}
        return JSONResponse(data)

    async def _list_issues(self, request: Request) -> Response:
        query = dict(request.query_params)
        with self.lock:
            project = self._project(request)
            issues = sort_issues(filter_issues(project.issues.values(), query), query)
            return paginated(request, project.base_url, issues, partial(issue_json, project))

    async def _get_issue(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse(issue_json(*self._issue(request)))

    async def _create_issue(self, request: Request) -> Response:
        params = await request_params(request)
        with self.lock:
            project = self._project(request)
            made = self.instance.create(project, params, BOT)
            return JSONResponse(issue_json(project, made), 201)

    async def _edit_issue(self, request: Request) -> Response:
        params = await request_params(request)
        if not params:
            raise ApiError(400, {"error": "at least one parameter must be provided"})
        with self.lock:
            project, issue = self._issue(request)
            self.instance.edit(project, issue, params, BOT)
            return JSONResponse(issue_json(project, issue))

    async def _move_issue(self, request: Request) -> Response:
        """Answers the new issue, in its new project (201, as GitLab's POST answers)."""
        params = await request_params(request)
        with self.lock:
            project, issue = self._issue(request)
            to = destination(self.instance, params)
            moved = self.instance.move(project, issue, to, BOT)
            return JSONResponse(issue_json(to, moved), 201)

    async def _delete_issue(self, request: Request) -> Response:
        with self.lock:
            project, issue = self._issue(request)
            project.issues.pop(issue.iid)
        return Response(status_code=204)

    async def _list_notes(self, request: Request) -> Response:
        with self.lock:
            project, issue = self._issue(request)
            notes = issue.notes[::-1]
            return paginated(request, project.base_url, notes, partial(note_json, project, issue))

    async def _create_note(self, request: Request) -> Response:
        body = str((await request_params(request)).get("body") or "")
        if not body.strip():
            raise bad_request('400 Bad request - Note {:note=>["can\'t be blank"]}')
        with self.lock:
            project, issue = self._issue(request)
            note = self.instance.comment(project, issue, body, BOT)
            return JSONResponse(note_json(project, issue, note), 201)

    async def _list_labels(self, request: Request) -> Response:
        with self.lock:
            project = self._project(request)
            labels = list(project.labels.values())
            return paginated(
                request,
                project.base_url,
                labels,
                lambda label: label.api(project.open_issues_with(label.name)),
            )

    async def _get_label(self, request: Request) -> Response:
        """One label by its id or its name, as `GET /projects/:id/labels/:label_id` takes."""
        wanted = str(request.path_params["label"])
        with self.lock:
            project = self._project(request)
            for label in project.labels.values():
                if wanted in (label.name, str(label.id)):
                    return JSONResponse(label.api(project.open_issues_with(label.name)))
        return JSONResponse({"message": "404 Label Not Found"}, 404)

    async def _create_label(self, request: Request) -> Response:
        params = await request_params(request)
        name, color = str(params.get("name") or ""), str(params.get("color") or "")
        if not name or not color:
            raise bad_request({"name" if not name else "color": ["can't be blank"]})
        with self.lock:
            project = self._project(request)
            if name in project.labels:
                raise ApiError(409, {"message": "Label already exists"})
            label = project.add_label(name, color, params.get("description"))
            return JSONResponse(label.api(0), 201)
