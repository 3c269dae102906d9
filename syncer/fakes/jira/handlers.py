"""The fake Jira's REST endpoints for metadata, issues, transitions and comments.

Each handler reads the request, takes the site's lock and leaves the checking to the workflow;
`JiraApiError` raised anywhere becomes Jira's error answer in `app`.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.jira.payloads import requested_fields
from syncer.fakes.jira.screens import field_meta
from syncer.fakes.jira.state import BULK_LIMIT, ISSUE_TYPES, PRIORITIES, JiraApiError, Json, stamp
from syncer.fakes.jira.workflow import EDITABLE, JiraWorkflow

PROJECT_PERMISSIONS = {
    "BROWSE_PROJECTS": ("10", "Browse Projects"),
    "CREATE_ISSUES": ("11", "Create Issues"),
    "EDIT_ISSUES": ("12", "Edit Issues"),
    "TRANSITION_ISSUES": ("46", "Transition Issues"),
    "ADD_COMMENTS": ("15", "Add Comments"),
    "ASSIGN_ISSUES": ("13", "Assign Issues"),
    "RESOLVE_ISSUES": ("14", "Resolve Issues"),
}
"""Jira's project permissions the fake knows: key -> (id, name)."""


class JiraHandlers(JiraWorkflow):
    """Endpoints other than search (`search`) and the gate before them (`app`)."""

    granted: frozenset[str]
    """The project permissions the token's user holds (`mypermissions` answers with them)."""

    async def _body(self, request: Request) -> Json:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError as err:
            raise JiraApiError(400, [f"Unexpected character in the request body: {err}"]) from err
        if not isinstance(data, dict):
            raise JiraApiError(400, ["Can not deserialize the request body: expected an object"])
        return data

    # --- metadata endpoints --------------------------------------------------------------------

    async def _server_info(self, request: Request) -> Response:
        cloud = self.flavour == "cloud"
        version = [1001, 0, 0] if cloud else [9, 12, 0]
        return JSONResponse(
            {
                "baseUrl": self.site_url or self.base_url,
                "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.0",
                "versionNumbers": version,
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100280 if cloud else 9120000,
                "buildDate": "2024-01-01T00:00:00.000+0000",
                "serverTime": stamp(self.now()),
                "scmInfo": "fake",
                "serverTitle": "Fake Jira",
            }
        )

    async def _myself(self, request: Request) -> Response:
        return JSONResponse(self._user_json(self._bot))

    async def _my_permissions(self, request: Request) -> Response:
        """`GET mypermissions`: each asked permission with `havePermission` for the project.
        Cloud requires `permissions`; an unknown project or key is Jira's 404 / 400."""
        query = request.query_params
        wanted = [key for key in (query.get("permissions") or "").split(",") if key]
        if not wanted and self.flavour == "cloud":
            raise JiraApiError(400, ["The 'permissions' query parameter is required."])
        if (project := query.get("projectKey")) is not None:
            self._check_project_ref(project)
        unknown = [key for key in wanted if key not in PROJECT_PERMISSIONS]
        if unknown:
            raise JiraApiError(400, [f"Permission with key '{unknown[0]}' does not exist."])
        answer = {
            key: {
                "id": PROJECT_PERMISSIONS[key][0],
                "key": key,
                "name": PROJECT_PERMISSIONS[key][1],
                "type": "PROJECT",
                "description": f"Ability to {PROJECT_PERMISSIONS[key][1].lower()}.",
                "havePermission": key in self.granted,
            }
            for key in wanted or PROJECT_PERMISSIONS
        }
        return JSONResponse({"permissions": answer})

    async def _field_list(self, request: Request) -> Response:
        names = {
            "summary": ("Summary", ["summary"]),
            "description": ("Description", ["description"]),
            "labels": ("Labels", ["labels"]),
            "priority": ("Priority", ["priority"]),
            "duedate": ("Due date", ["due", "duedate"]),
            "assignee": ("Assignee", ["assignee"]),
            "reporter": ("Reporter", ["reporter"]),
            "status": ("Status", ["status"]),
            "updated": ("Updated", ["updated", "updatedDate"]),
            "created": ("Created", ["created", "createdDate"]),
            "resolution": ("Resolution", ["resolution"]),
            "resolutiondate": ("Resolved", ["resolved", "resolutiondate"]),
            "issuetype": ("Issue Type", ["issuetype", "type"]),
            "project": ("Project", ["project"]),
            "comment": ("Comment", ["comment"]),
            "issuekey": ("Key", ["id", "issue", "issuekey", "key"]),
        }
        return JSONResponse(
            [
                {
                    "id": field_id,
                    "key": field_id,
                    "name": name,
                    "custom": False,
                    "orderable": field_id in EDITABLE,
                    "navigable": field_id != "comment",
                    "searchable": True,
                    "clauseNames": clauses,
                }
                for field_id, (name, clauses) in names.items()
            ]
        )

    async def _priority_list(self, request: Request) -> Response:
        return JSONResponse([self._priority_json(name) for _, name in PRIORITIES])

    async def _issue_type_list(self, request: Request) -> Response:
        return JSONResponse([self._issue_type_json(t) for t in ISSUE_TYPES])

    def _check_project_ref(self, ref: str) -> None:
        if ref not in (self.project, self.project_id):
            raise JiraApiError(404, [f"No project could be found with key '{ref}'."])

    async def _project(self, request: Request) -> Response:
        self._check_project_ref(request.path_params["key"])
        project = self._project_json()
        project["issueTypes"] = [self._issue_type_json(t) for t in ISSUE_TYPES]
        return JSONResponse(project)

    async def _create_meta_types(self, request: Request) -> Response:
        """`GET issue/createmeta/{project}/issuetypes`: the types one may create (Cloud and
        Data Center 8.4+; the older `createmeta?expand=...` is not served)."""
        self._check_project_ref(request.path_params["project"])
        types = [self._issue_type_json(t) for t in ISSUE_TYPES]
        return JSONResponse(self._meta_page(request, types, "issueTypes"))

    async def _create_meta_fields(self, request: Request) -> Response:
        """`GET issue/createmeta/{project}/issuetypes/{id}`: the create screen's fields."""
        self._check_project_ref(request.path_params["project"])
        type_id = request.path_params["type_id"]
        if type_id not in [t[0] for t in ISSUE_TYPES]:
            raise JiraApiError(404, [f"Issue type with id '{type_id}' does not exist."])
        create = self.screens.create.items()
        fields = [field_meta(name, required, self.base_url) for name, required in create]
        return JSONResponse(self._meta_page(request, fields, "fields"))

    def _meta_page(self, request: Request, values: list[Json], cloud_key: str) -> Json:
        """One page of create metadata: Data Center's `values` + `isLast`, Cloud's own key."""
        start = int(request.query_params.get("startAt") or 0)
        size = min(int(request.query_params.get("maxResults") or 50), 200)
        page: Json = {"maxResults": size, "startAt": start, "total": len(values)}
        if self.flavour == "cloud":
            page[cloud_key] = values[start : start + size]
        else:
            page.update(isLast=start + size >= len(values), values=values[start : start + size])
        return page

    async def _edit_meta(self, request: Request) -> Response:
        """`GET issue/{key}/editmeta`: the edit screen's fields."""
        with self._lock:
            self._find(request.path_params["key"])
        edit = self.screens.edit.items()
        fields = {name: field_meta(name, required, self.base_url) for name, required in edit}
        return JSONResponse({"fields": fields})

    async def _user_search(self, request: Request) -> Response:
        """`GET user/search`: Cloud takes `query` (matched from the start of the display name,
        of one of its words, or of the email) and refuses `username` in its privacy ("GDPR
        strict") mode; Server and Data Center take `username` (name, display name or email)."""
        params = request.query_params
        cloud = self.flavour == "cloud"
        if cloud and "username" in params:
            raise JiraApiError(
                400, ["The query parameter 'username' is not supported in GDPR strict mode."]
            )
        wanted = params.get("query" if cloud else "username", "").strip().casefold()
        if not wanted:
            missing = "query" if cloud else "username"
            raise JiraApiError(400, [f"The {missing} query parameter was not provided"])
        with self._lock:
            found = [name for name in self._users if self._user_matches(name, wanted)]
            return JSONResponse([self._user_json(name) for name in found])

    def _user_matches(self, name: str, wanted: str) -> bool:
        display = self._users[name].casefold()
        words = [display, *display.split(), f"{name}@example.com"]
        if self.flavour != "cloud":
            words.append(name.casefold())
        return any(word.startswith(wanted) for word in words)

    async def _create(self, request: Request) -> Response:
        data = await self._body(request)
        with self._lock:
            issue = self._create_from(data)
            return JSONResponse(self._created_json(issue), status_code=201)

    async def _bulk_create(self, request: Request) -> Response:
        updates = (await self._body(request)).get("issueUpdates", [])
        if len(updates) > BULK_LIMIT:
            raise JiraApiError(
                400,
                [
                    f"The number of issues to create in bulk ({len(updates)}) exceeds the "
                    f"limit of {BULK_LIMIT}."
                ],
            )
        created, failed = [], []
        with self._lock:
            for index, data in enumerate(updates):
                try:
                    created.append(self._created_json(self._create_from(data)))
                except JiraApiError as err:
                    failed.append(
                        {
                            "status": err.status,
                            "elementErrors": err.body,
                            "failedElementNumber": index,
                        }
                    )
        status = 400 if failed and not created else 201
        return JSONResponse({"issues": created, "errors": failed}, status_code=status)

    async def _issue(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                fields = requested_fields(request.query_params.getlist("fields"), "*all")
                return JSONResponse(self._issue_json(self._find(ref), fields))
        if request.method == "DELETE":
            with self._lock:
                issue = self._find(ref)
                del self._issues[issue.id]
                self._webhook("jira:issue_deleted", issue, self._bot, event="issue_deleted")
            return Response(status_code=204)
        data = await self._body(request)
        with self._lock:
            self._edit(self._find(ref), data)
        return Response(status_code=204)

    async def _transitions(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                issue = self._find(ref)
                expand = request.query_params.get("expand", "").split(",")
                return JSONResponse(self._transitions_json(issue, "transitions.fields" in expand))
        data = await self._body(request)
        with self._lock:
            self._transition(self._find(ref), data)
        return Response(status_code=204)

    async def _comment(self, request: Request) -> Response:
        ref = request.path_params["key"]
        if request.method == "GET":
            with self._lock:
                return JSONResponse(self._comments_json(self._find(ref)))
        data = await self._body(request)
        body = data.get("body")
        if not isinstance(body, str) or not body.strip():
            raise JiraApiError(400, comment="Comment body can not be empty!")
        with self._lock:
            issue = self._find(ref)
            self._write(issue, {}, self._bot, (body,))
            return JSONResponse(self._comment_json(issue, issue.comments[-1]), status_code=201)
