"""The fake Jira's REST endpoints for metadata, issues, transitions and comments.

Each handler reads the request, takes the site's lock and leaves the checking to the workflow;
`JiraApiError` raised anywhere becomes Jira's error answer in `app`.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.jira.payloads import requested_fields
from syncer.fakes.jira.state import BULK_LIMIT, ISSUE_TYPES, PRIORITIES, JiraApiError, Json, stamp
from syncer.fakes.jira.workflow import EDITABLE, JiraWorkflow


class JiraHandlers(JiraWorkflow):
    """Endpoints other than search (`search`) and the gate before them (`app`)."""

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

    async def _project(self, request: Request) -> Response:
        if request.path_params["key"] not in (self.project, self.project_id):
            raise JiraApiError(
                404,
                [
                    "No project could be found with key '{key}'.".format(
                        key=request.path_params["key"]
                    )
                ],
            )
        project = self._project_json()
        project["issueTypes"] = [self._issue_type_json(t) for t in ISSUE_TYPES]
        return JSONResponse(project)

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
