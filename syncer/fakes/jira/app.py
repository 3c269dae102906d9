"""`FakeJira`: the site served over HTTP, and what a test does to it behind the API's back.

Before a request reaches its handler it passes the gate: faults a test scheduled (failures,
throttling, late or garbled answers), the request limit, then authentication. A person's edits
(`add_issue`, `human_edit`) go through the same writes as the API's, webhooks and all.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from syncer.fakes.faults import Garble, garbled
from syncer.fakes.jira.screens import Screens
from syncer.fakes.jira.search import JiraSearch, error_response
from syncer.fakes.jira.state import HUMAN, Flavour, JiraApiError, Json
from syncer.fakes.limits import WindowLimit
from syncer.fakes.server import FakeServer, ServedFake
from syncer.fakes.webhooks import WebhookSender

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class _Gate:
    """What the next API calls are answered with before they reach the handlers."""

    fail: list[tuple[int, bool]] = field(default_factory=list)
    throttle: list[float] = field(default_factory=list)
    stall: list[float] = field(default_factory=list)
    """Seconds to hold the next answers back, after doing their work."""
    late: list[float] = field(default_factory=list)
    """Seconds to hold the next requests back, before doing their work."""
    garble: list[Garble] = field(default_factory=list)


class FakeJira(JiraSearch, ServedFake):
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
    through a screen requiring a resolution, Cloud has none).
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
        clock: Callable[[], datetime] | None = None,
        user_time_zone: str = "America/New_York",
        cloud_id: str | None = None,
        site_url: str | None = None,
        screens: Screens | None = None,
    ) -> None:
        super().__init__(project, flavour, clock, user_time_zone)
        self.screens = screens or Screens.default(flavour)
        self.api_prefix = f"/ex/jira/{cloud_id}" if cloud_id else ""
        self.site_url = site_url
        self.token = token
        self.email = email
        self.repo = project
        self.webhook_secret = webhook_secret
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self._gate = _Gate()
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

    def throttle_next(self, requests: int, retry_after: float = 1.0) -> None:
        with self._lock:
            self._gate.throttle.extend([retry_after] * requests)

    def fail_next(self, requests: int, status: int = 502, *, processed: bool = False) -> None:
        """`processed=True`: Jira does the work but the answer is lost (a proxy timing out
        after the write went through), the case a client must not blindly repeat."""
        with self._lock:
            self._gate.fail.extend([(status, processed)] * requests)

    def stall_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._gate.stall.extend([seconds] * requests)

    def late_next(self, requests: int, seconds: float) -> None:
        with self._lock:
            self._gate.late.extend([seconds] * requests)

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        with self._lock:
            self._gate.garble.extend([how] * requests)

    def clear_faults(self) -> None:
        with self._lock:
            self._gate = _Gate()

    def reset(self) -> None:
        """An empty project again, server running: see `FakeTracker.reset`. Its clock goes on
        forward: a fresh fake's starts now too, and time never runs back for a client."""
        self._forget_traffic()
        with self._lock:
            self._issues.clear()
            self._next_number, self._next_comment = 1, 10100
            self._gate = _Gate()
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
            Route(f"{v2}/issuetype", self._api(self._issue_type_list)),
            Route(f"{v2}/project/{{key}}", self._api(self._project)),
            Route(f"{v2}/issue", self._api(self._create), methods=["POST"]),
            Route(f"{v2}/issue/bulk", self._api(self._bulk_create), methods=["POST"]),
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
                self._api(self._issue),
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(
                f"{v2}/issue/{{key}}/transitions",
                self._api(self._transitions),
                methods=["GET", "POST"],
            ),
            Route(f"{v2}/issue/{{key}}/comment", self._api(self._comment), methods=["GET", "POST"]),
            Route(f"{v2}/search", self._api(self._search), methods=["GET", "POST"]),
            Route(
                f"{self.api_prefix}/rest/api/{{version:int}}/search/jql",
                self._api(self._search_jql),
                methods=["GET", "POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _api(self, handler: Handler, *, anonymous: bool = False) -> Handler:
        """Wrap a handler with what happens before Jira gets to it: injected failures, rate
        limits, authentication; and turn `JiraApiError` into Jira's error answer."""

        async def endpoint(request: Request) -> Response:
            refused, lost = self._gatekeeper(request, anonymous)
            if refused is not None:
                return refused
            with self._lock:
                late = self._gate.late.pop(0) if self._gate.late else 0.0
                garble = self._gate.garble.pop(0) if self._gate.garble else None
            await request.body()  # taken in whole before going silent, as a server does
            await asyncio.sleep(late)
            try:
                response = await handler(request)
            except JiraApiError as err:
                response = JSONResponse(err.body, status_code=err.status)
            with self._lock:
                stall = self._gate.stall.pop(0) if self._gate.stall else 0.0
            await asyncio.sleep(stall)
            if lost is not None:
                return _bad_gateway(lost)
            return response if garble is None else garbled(response, garble)

        return endpoint

    def _gatekeeper(self, request: Request, anonymous: bool) -> tuple[Response | None, int | None]:
        """(a refusal, or None to go ahead; the status to answer with after processing)."""
        lost = None
        with self._lock:
            if self._gate.fail:
                status, processed = self._gate.fail.pop(0)
                if not processed:
                    return _bad_gateway(status), None
                lost = status
            elif self._gate.throttle:
                return self._rate_limited(self._gate.throttle.pop(0)), None
            wait = self._window_wait()
            if wait is not None:
                return self._rate_limited(wait), None
        return self._authenticate(request, anonymous), lost

    def _window_wait(self) -> float | None:
        """Seconds until the request limit lets another request through (None: go ahead)."""
        if self._window is None:
            return None
        now = time.monotonic()
        wait = self._window.wait(now)
        if wait is None:
            self._window.record(now)
        return wait

    def _rate_limited(self, retry_after: float) -> Response:
        seconds = max(1, math.ceil(retry_after))
        reset = datetime.now(UTC) + timedelta(seconds=seconds)
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
