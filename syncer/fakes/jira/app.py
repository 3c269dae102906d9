"""`FakeJira`: the site served over HTTP, and what a test does to it behind the API's back.

Before a request reaches its handler it passes the gate: faults a test scheduled (failures,
throttling, late or garbled answers), the request limit, then authentication. A person's edits
(`add_issue`, `human_edit`) go through the same writes as the API's, webhooks and all.
"""

from __future__ import annotations

import base64
import hmac
import math
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from syncer.fakes.clock import SYSTEM_TIME, Clock
from syncer.fakes.faults import Fault, Faults, ScheduledFaults, answer_with
from syncer.fakes.jira.handlers import PROJECT_PERMISSIONS
from syncer.fakes.jira.screens import Screens
from syncer.fakes.jira.search import JiraSearch, error_response
from syncer.fakes.jira.state import HUMAN, Flavour, JiraApiError, Json
from syncer.fakes.limits import WindowLimit
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import WebhookSender

Handler = Callable[[Request], Awaitable[Response]]


class FakeJira(JiraSearch, ServedFake, ScheduledFaults):
    """A Jira site with one project, served over HTTP; implements `FakeTracker`.

    `token` is accepted as `Authorization: Bearer <token>` or Basic `<email>:<token>`; anything
    else gets Jira's 401. `request_limit` requests per `request_window` seconds are allowed,
    then 429 with `Retry-After`, like Jira Cloud's rate limiter. `user_time_zone` is the
    syncer user's profile zone, in which JQL dates are read (never UTC by default: a client
    that writes JQL dates in UTC must show up here). `cloud_id` serves the API only under
    `/ex/jira/{cloud_id}`, as Atlassian's gateway (`api.atlassian.com`) does for scoped tokens,
    its `self` links included; `site_url` is the site's own address (serverInfo's `baseUrl`,
    where people browse issues), for a gateway or a custom domain. `screens` say which fields
    creating, editing and each transition may (or must) set (`Screens.default`: Server closes
    through a screen requiring a resolution, Cloud has none). `clock` is the one clock its
    timestamps, JQL dates and request window read. `permissions` are the project permissions
    the token's user holds, as `mypermissions` reports them (all by default).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        issues: int = 0,
        project: str = "DEBT",
        flavour: Flavour = "server",
        token: str = "fake-jira-token",
        email: str = "syncer-bot@example.com",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        request_limit: int | None = None,
        request_window: float = 60.0,
        seed_label: str = "tech-debt",
        clock: Clock = SYSTEM_TIME,
        user_time_zone: str = "America/New_York",
        cloud_id: str | None = None,
        site_url: str | None = None,
        screens: Screens | None = None,
        permissions: Iterable[str] = PROJECT_PERMISSIONS,
    ) -> None:
        super().__init__(project, flavour, clock, user_time_zone)
        self.granted = frozenset(permissions)
        self.screens = screens or Screens.default(flavour)
        self.api_prefix = f"/ex/jira/{cloud_id}" if cloud_id else ""
        self.site_url = site_url
        self.token = token
        self.email = email
        self.repo = project
        self.webhook_secret = webhook_secret
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.faults = Faults()
        self._window = (
            WindowLimit([(request_window, request_limit)]) if request_limit is not None else None
        )
        self._seed(issues, seed_label)
        self.server = FakeServer(self._app(), port=port)

    # --- FakeTracker: what a person does in the web page ---------------------------------------

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        with self._lock:
            issue = self._new_issue(title, body or None, list(labels), HUMAN)
            if closed:
                self._set_status(issue, "Done", issue.created)
            self._notify_created(issue, HUMAN)
            return self._key(issue)

    def human_edit(
        self,
        ref: str,
        *,
        title: str | None = None,
        body: str | None = None,
        closed: bool | None = None,
        labels: tuple[str, ...] | None = None,
        assignees: tuple[str, ...] | None = None,
    ) -> None:
        """Edit as a person would; `body` is what they type in the description (wiki markup)."""
        labels_now = None if labels is None else list(labels)
        changes = {"summary": title, "description": body, "labels": labels_now}
        if closed is not None:
            changes["status"] = "Done" if closed else "To Do"
        with self._lock:
            issue = self._find(ref)
            values: Json = {k: v for k, v in changes.items() if v is not None}
            if assignees is not None:
                names = {self.user_id(name): name for name in self._users}
                values["assignee"] = names[assignees[0]] if assignees else None
            self._write(issue, values, HUMAN)

    def delete_issue(self, ref: str) -> None:
        with self._lock:
            issue = self._find(ref)
            del self._issues[issue.id]
            self._webhook("jira:issue_deleted", issue, HUMAN, event="issue_deleted")

    def issue_count(self) -> int:
        with self._lock:
            return len(self._issues)

    def reset(self) -> None:
        """An empty project again, server running: see `FakeTracker.reset`. Its clock goes on
        forward: a fresh fake's starts now too, and time never runs back for a client."""
        self._forget_traffic()
        with self._lock:
            self._issues.clear()
            self._next_number, self._next_comment = 1, 10100
            self.faults.clear()
            if self._window is not None:
                self._window.clear()

    # --- inspection for tests ------------------------------------------------------------------

    def issue_json(self, ref: str) -> Json:
        """The issue exactly as `GET /rest/api/2/issue/{ref}` returns it."""
        with self._lock:
            return self._issue_json(self._find(ref))

    # --- HTTP ----------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        v2 = f"{self.api_prefix}/rest/api/2"
        routes = [
            Route(f"{v2}/serverInfo", self._api(self._server_info, anonymous=True)),
            Route(f"{v2}/myself", self._api(self._myself)),
            Route(
                f"{self.api_prefix}/rest/api/{{version:int}}/user/search",
                self._api(self._user_search),
            ),
            Route(f"{v2}/field", self._api(self._field_list)),
            Route(f"{v2}/priority", self._api(self._priority_list)),
            Route(f"{v2}/mypermissions", self._api(self._my_permissions)),
            Route(f"{v2}/issuetype", self._api(self._issue_type_list)),
            Route(f"{v2}/project/{{key}}", self._api(self._project)),
            Route(f"{v2}/issue", self._api(self._create, needs="CREATE_ISSUES"), methods=["POST"]),
            Route(
                f"{v2}/issue/bulk",
                self._api(self._bulk_create, needs="CREATE_ISSUES"),
                methods=["POST"],
            ),
            Route(
                f"{v2}/issue/createmeta/{{project}}/issuetypes",
                self._api(self._create_meta_types),
            ),
            Route(
                f"{v2}/issue/createmeta/{{project}}/issuetypes/{{type_id}}",
                self._api(self._create_meta_fields),
            ),
            Route(f"{v2}/issue/{{key}}/editmeta", self._api(self._edit_meta)),
            Route(
                f"{v2}/issue/{{key}}",
                self._api(self._issue, needs="EDIT_ISSUES"),
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(
                f"{v2}/issue/{{key}}/transitions",
                self._api(self._transitions, needs="TRANSITION_ISSUES"),
                methods=["GET", "POST"],
            ),
            Route(
                f"{v2}/issue/{{key}}/comment",
                self._api(self._comment, needs="ADD_COMMENTS"),
                methods=["GET", "POST"],
            ),
            Route(f"{v2}/search", self._api(self._search), methods=["GET", "POST"]),
            Route(
                f"{self.api_prefix}/rest/api/{{version:int}}/search/jql",
                self._api(self._search_jql),
                methods=["GET", "POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _api(
        self, handler: Handler, *, anonymous: bool = False, needs: str | None = None
    ) -> Handler:
        """Wrap a handler with what happens before Jira gets to it: injected failures, rate
        limits, authentication, the project permission a write `needs`; and turn
        `JiraApiError` into Jira's error answer."""

        async def endpoint(request: Request) -> Response:
            fault = self.faults.next()
            await request.body()  # taken in whole before going silent, as a server does

            async def work() -> Response:
                refused = self._gatekeeper(request, anonymous)
                if refused is not None:
                    return refused
                if request.method != "GET" and needs is not None and needs not in self.granted:
                    name = PROJECT_PERMISSIONS[needs][1].lower()
                    message = f"You do not have permission to {name} in this project."
                    return error_response(403, [message])
                try:
                    return await handler(request)
                except JiraApiError as err:
                    return JSONResponse(err.body, status_code=err.status)

            return await answer_with(fault, work, self._throttled, _bad_gateway)

        return endpoint

    def _gatekeeper(self, request: Request, anonymous: bool) -> Response | None:
        """The request limit, then the credentials: a refusal, or None to go ahead."""
        with self._lock:
            wait = self._window_wait()
        if wait is not None:
            return self._rate_limited(wait)
        return self._authenticate(request, anonymous)

    def _throttled(self, fault: Fault) -> Response:
        return self._rate_limited(fault.seconds if fault.timed else None)

    def _window_wait(self) -> float | None:
        """Seconds until the request limit lets another request through (None: go ahead)."""
        if self._window is None:
            return None
        now = self.clock.monotonic()
        wait = self._window.wait(now)
        if wait is None:
            self._window.record(now)
        return wait

    def _rate_limited(self, retry_after: float | None) -> Response:
        """Jira's 429; `retry_after=None`: one naming no wait (no `Retry-After`)."""
        if retry_after is None:
            return PlainTextResponse("Rate limit exceeded.", status_code=429)
        seconds = max(1, math.ceil(retry_after))
        reset = self.now() + timedelta(seconds=seconds)
        headers = {
            "Retry-After": str(seconds),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-quota-tenant-based",
        }
        return PlainTextResponse("Rate limit exceeded.", status_code=429, headers=headers)

    def _authenticate(self, request: Request, anonymous: bool) -> Response | None:
        header = request.headers.get("authorization", "")
        if not header and anonymous:
            return None
        if hmac.compare_digest(header.encode(), f"Bearer {self.token}".encode()):
            return None
        basic = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if hmac.compare_digest(header.encode(), f"Basic {basic}".encode()):
            return None
        if self.flavour == "cloud":
            return PlainTextResponse(
                "Client must be authenticated to access this resource.", status_code=401
            )
        response = error_response(
            401, ["You are not authenticated. Authentication required to perform this operation."]
        )
        response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
        return response


def _bad_gateway(status: int) -> Response:
    return PlainTextResponse(f"{status} Bad Gateway", status_code=status)


def serve_jira(
    port: int, issues: int, webhook_url: str | None, webhook_secret: str | None
) -> FakeJira:
    """Start a fake Jira (Server flavour) for `syncer fake jira` and `syncer demo`."""
    return FakeJira(
        port=port, issues=issues, webhook_url=webhook_url, webhook_secret=webhook_secret
    ).start()
