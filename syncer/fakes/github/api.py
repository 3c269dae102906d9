"""The fake's HTTP side: what every request goes through before and after its route.

Faults first (`syncer.fakes.faults`), then authentication, the primary rate limit, the
redirect from a former repository name, the route itself; then GitHub's headers, weak ETags
with `304 Not Modified` (which cost no rate limit), and `Link` pagination.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncer.fakes.faults import Fault, answer_with
from syncer.fakes.github.routes import Routes
from syncer.fakes.github.wire import (
    DOCS,
    RATE_DOCS,
    Answer,
    ApiError,
    Call,
    Handler,
    error_body,
    etag_matches,
    int_param,
    link_header,
    not_found,
    seconds_header,
    weak_etag,
)

if TYPE_CHECKING:
    from syncer.fakes.github.fake import FakeGitHub


class GitHubApi:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    def app(self) -> Starlette:
        routes = [
            Route(path, self._endpoint(handler), methods=[verb])
            for path, verb, handler in Routes(self.fake, self.paginate).table()
        ]
        handlers = {404: self._no_route, 405: self._no_route}
        return Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]

    async def _no_route(self, request: Request, exc: HTTPException) -> Response:
        return self._to_response(request, Answer(404, error_body(404, "Not Found")))

    def _endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fault = self.fake.faults.next()
            payload = await request.body()

            async def work() -> Response:
                return self._to_response(request, self._answer(request, payload, handler))

            def throttled(fault: Fault) -> Response:
                return self._to_response(request, self._throttled(fault))

            def failed(status: int) -> Response:
                return self._to_response(request, _server_error(status))

            return await answer_with(fault, work, throttled, failed)

        return endpoint

    def _answer(self, request: Request, payload: bytes, handler: Handler) -> Answer:
        with self.fake.lock:
            try:
                call = Call(
                    method=request.method,
                    params=request.path_params,
                    query=dict(request.query_params),
                    payload=_parse(payload),
                    login=self._authenticate(request),
                )
                self._check_primary_limit(call.login)
                if call.method != "GET" and not self.fake.may_write():
                    message = "Resource not accessible by personal access token"
                    raise ApiError(403, error_body(403, message, DOCS))
                if (moved := self._moved(request)) is not None:
                    return moved
                self._check_repo(call.params)
                return handler(call)
            except ApiError as refused:
                return Answer(refused.status, refused.body, refused.headers)

    def _authenticate(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not token:
            raise ApiError(401, error_body(401, "Requires authentication"))
        if scheme.lower() not in ("token", "bearer") or not self.fake.accepts(token.strip()):
            raise ApiError(401, error_body(401, "Bad credentials"))
        return self.fake.login

    def _check_primary_limit(self, login: str) -> None:
        fake = self.fake
        now = int(fake.clock.time())
        if now >= fake.reset_at:
            fake.used, fake.reset_at = 0, now + 3600
        if fake.used >= fake.rate_limit:
            uid = fake.store.user_id(login)
            message = f"API rate limit exceeded for user ID {uid}."
            raise ApiError(403, error_body(403, message, RATE_DOCS))

    def _moved(self, request: Request) -> Answer | None:
        """GitHub's redirect for a path under a former name of the repository, else None."""
        parts = request.url.path.split("/", 4)
        if len(parts) < 4 or parts[1] != "repos":
            return None
        if f"{parts[2]}/{parts[3]}".lower() not in self.fake.old_names:
            return None
        rest = f"/{parts[4]}" if len(parts) > 4 else ""
        query = f"?{request.url.query}" if request.url.query else ""
        repo_id = self.fake.store.repo_id
        location = f"{self.fake.server.base_url}/repositories/{repo_id}{rest}{query}"
        status, message = (
            (301, "Moved Permanently") if request.method == "GET" else (307, "Temporary Redirect")
        )
        docs = f"{DOCS}/guides/best-practices-for-using-the-rest-api#follow-redirects"
        body = {"message": message, "url": location, "documentation_url": docs}
        return Answer(status, body, {"location": location})

    def _check_repo(self, params: Mapping[str, Any]) -> None:
        if "repo_id" in params and params["repo_id"] != self.fake.store.repo_id:
            raise not_found()
        named = f"{params.get('owner')}/{params.get('repo')}"
        if "owner" in params and named.lower() != self.fake.repo.lower():
            raise not_found()

    def _throttled(self, fault: Fault) -> Answer:
        if not fault.timed:
            message = "API rate limit exceeded. Please wait before you try again."
            return Answer(fault.status, error_body(fault.status, message, RATE_DOCS))
        uid = self.fake.store.user_id(self.fake.login)
        message = (
            f"API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for "
            f"help, please include the request ID {secrets.token_hex(8).upper()}."
        )
        headers = {
            "retry-after": seconds_header(fault.seconds),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(math.ceil(self.fake.clock.time() + fault.seconds)),
        }
        return Answer(fault.status, error_body(fault.status, message, RATE_DOCS), headers)

    def _to_response(self, request: Request, answer: Answer) -> Response:
        """Serialize, answer 304 to a matching `If-None-Match`, add GitHub's headers."""
        body = (
            b"" if answer.body is None else json.dumps(answer.body, separators=(",", ":")).encode()
        )
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-request-id": secrets.token_hex(8).upper(),
            **answer.headers,
        }
        status = answer.status
        if self.fake.scopes is not None and status != 401:
            headers["x-oauth-scopes"] = ", ".join(self.fake.scopes)
        if 200 <= status < 300 and body:
            headers["etag"] = weak_etag(body)
            if request.method == "GET" and etag_matches(request.headers.get("if-none-match"), body):
                status, body = 304, b""
        with self.fake.lock:
            if status != 304 and status != 401:
                self.fake.used += 1
            headers = {**self._rate_headers(), **headers}
        return Response(body, status_code=status, headers=headers)

    def _rate_headers(self) -> dict[str, str]:
        fake = self.fake
        return {
            "x-ratelimit-limit": str(fake.rate_limit),
            "x-ratelimit-remaining": str(max(fake.rate_limit - fake.used, 0)),
            "x-ratelimit-reset": str(fake.reset_at or int(fake.clock.time()) + 3600),
            "x-ratelimit-used": str(fake.used),
            "x-ratelimit-resource": "core",
        }

    def paginate(self, items: list[Any], call: Call, path: str) -> tuple[list[Any], dict[str, str]]:
        """One page of `items` as `per_page`/`page` ask, and its `Link` header."""
        per_page = min(max(int_param(call.query.get("per_page"), 30), 1), self.fake.per_page_max)
        page = max(int_param(call.query.get("page"), 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        params = {key: value for key, value in call.query.items() if key != "page"}

        def url_for(number: int) -> str:
            return f"{self.fake.server.base_url}{path}?{urlencode({**params, 'page': number})}"

        link = link_header(url_for, page, last)
        return items[(page - 1) * per_page : page * per_page], ({"link": link} if link else {})


def _parse(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload.strip() else None
    except ValueError:
        raise ApiError(400, error_body(400, "Problems parsing JSON")) from None


def _server_error(status: int) -> Answer:
    message = "Server Error" if status == 500 else "Bad Gateway" if status == 502 else "Unavailable"
    return Answer(status, error_body(status, message))
