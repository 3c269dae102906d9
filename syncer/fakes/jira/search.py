"""The fake Jira's searches: Server's `search` (`startAt`, `total`) and Cloud's `search/jql`
(`nextPageToken`, `isLast`), each refusing what the other flavour would.

Cloud page tokens are bound to their query, as Jira's are: a token from another JQL is invalid.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.jira.handlers import JiraHandlers
from syncer.fakes.jira.jql import matching
from syncer.fakes.jira.payloads import adf, requested_fields
from syncer.fakes.jira.state import PAGE_CAP, Issue, JiraApiError, Json, errors_json


def error_response(status: int, messages: list[str]) -> JSONResponse:
    return JSONResponse(errors_json(messages), status_code=status)


class JiraSearch(JiraHandlers):
    """The two search endpoints, over the site's issues."""

    def _matching(self, jql: str) -> list[Issue]:
        return matching(self, jql, list(self._issues.values()))

    async def _search_params(self, request: Request) -> Json:
        if request.method == "POST":
            return await self._body(request)
        params: Json = dict(request.query_params)
        params["fields"] = request.query_params.getlist("fields")
        return params

    async def _search(self, request: Request) -> Response:
        """Server/DC search: `startAt` + `maxResults` + `total`. Cloud removed it (410)."""
        if self.flavour == "cloud":
            return error_response(
                410,
                [
                    "The requested API has been removed. Please migrate to the "
                    "/rest/api/3/search/jql API. A full migration guideline is available at "
                    "https://developer.atlassian.com/changelog/#CHANGE-2046"
                ],
            )
        params = await self._search_params(request)
        start = _int_param(params.get("startAt"), 0)
        size = min(_int_param(params.get("maxResults"), 50), PAGE_CAP)
        fields = requested_fields(_as_list(params.get("fields")), "*navigable")
        with self._lock:
            matching = self._matching(str(params.get("jql") or ""))
            page = [self._issue_json(i, fields) for i in matching[start : start + size]]
        body = {"expand": "schema,names", "startAt": start, "maxResults": size}
        body.update(total=len(matching), issues=page)
        return JSONResponse(body)

    async def _search_jql(self, request: Request) -> Response:
        """Cloud's enhanced search: `nextPageToken` + `isLast`, only ids unless fields asked."""
        version = request.path_params["version"]
        if self.flavour != "cloud" or version not in (2, 3):
            return error_response(404, ["null for uri: " + str(request.url)])
        params = await self._search_params(request)
        jql = str(params.get("jql") or "")
        start = self._page_start(params.get("nextPageToken"), jql)
        size = min(_int_param(params.get("maxResults"), 50), PAGE_CAP)
        fields = requested_fields(_as_list(params.get("fields")), "id")
        with self._lock:
            matching = self._matching(jql)
            page = [
                self._search_jql_issue(i, fields, version) for i in matching[start : start + size]
            ]
        is_last = start + size >= len(matching)
        body: Json = {"issues": page, "isLast": is_last}
        if not is_last:
            body["nextPageToken"] = _page_token(start + size, jql)
        return JSONResponse(body)

    def _page_start(self, token: Any, jql: str) -> int:
        if not token:
            return 0
        try:
            offset, digest = base64.urlsafe_b64decode(str(token).encode()).decode().split(":")
            if digest == _jql_digest(jql):
                return int(offset)
        except (ValueError, UnicodeDecodeError):
            pass
        raise JiraApiError(400, ["The provided next page token is invalid or expired."])

    def _search_jql_issue(self, issue: Issue, fields: set[str] | None, version: int) -> Json:
        if fields is not None and fields <= {"id"}:
            return {"id": str(issue.id)}
        payload = self._issue_json(issue, fields)
        if version == 3 and "description" in payload["fields"]:
            payload["fields"]["description"] = adf(payload["fields"]["description"])
        return payload


def _int_param(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None and value != "" else default
    except ValueError:
        raise JiraApiError(400, [f"'{value}' is not a valid number."]) from None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _jql_digest(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:12]


def _page_token(offset: int, jql: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{_jql_digest(jql)}".encode()).decode()
