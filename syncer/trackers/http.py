"""What the adapters share about HTTP: telling the caller of every request they send.

Each adapter takes `on_request(method, path)`, called once per HTTP request actually sent to
the tracker, retries and pages included, so a daemon can count them
(`syncer_tracker_requests_total{target,method}`). `path` is the request's path made a
template: segments that name one issue (`123`, `PROJ-7`) become `{n}` and `{key}`, the query
is dropped, so there are few distinct values (`/repos/o/r/issues/{n}`,
`/rest/api/2/issue/{key}/transitions`). Each library's own `requests` session gets a
`CountingAdapter` mounted on it: nothing is patched process-wide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

RequestHook = Callable[[str, str], None]
"""`on_request(method, path template)`: see the module docstring."""

_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+")


def path_template(url: str) -> str:
    """The path of `url` with issue numbers and keys as `{n}` and `{key}`, without query.

    A number right after `api` is the API's version (Jira's `/rest/api/2`), kept as it is.
    """
    segments = urlsplit(url).path.split("/")
    return "/".join(
        "{n}"
        if part.isdigit() and previous != "api"
        else "{key}"
        if _ISSUE_KEY.fullmatch(part)
        else part
        for previous, part in zip(["", *segments], segments, strict=False)
    )


def never_sent(exc: Exception) -> bool:
    """Whether a `requests` failure happened before the request left: nothing to count, and
    nothing the tracker can have acted on (a refused connection, a connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if isinstance(exc, requests.ConnectionError) and exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)


class CountingAdapter(HTTPAdapter):
    """A transport that tells `on_request` of each request it sends (see the module)."""

    def __init__(self, on_request: RequestHook | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_request = on_request

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException as exc:
            if not never_sent(exc):
                self._tell(request)
            raise
        self._tell(request)
        return response

    def _tell(self, request: requests.PreparedRequest) -> None:
        if self.on_request is not None:
            self.on_request(request.method or "GET", path_template(request.url or ""))


def count_on(session: requests.Session, adapter: CountingAdapter) -> None:
    """Send every request of `session` through `adapter`."""
    session.mount("http://", adapter)
    session.mount("https://", adapter)
