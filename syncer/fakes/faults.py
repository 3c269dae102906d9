"""Answers a broken network or proxy gives, shared by the three fakes.

`garble_next` answers 200 with a body that is not JSON, the way real deployments do it: a
proxy or load balancer that cuts the body short, or one that answers with its own HTML page
(a sign-in page, an error page served as 200). The work of a write is done first: only its
answer is lost.
"""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

Garble = Literal["cut", "html"]
"""`cut`: the real answer, cut in half; `html`: a proxy's HTML page instead of the answer."""

PROXY_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\n"
    b"<body><h1>Service temporarily unavailable</h1>\n"
    b"<p>The upstream server sent an invalid response. Please try again later.</p>\n"
    b"</body></html>\n"
)
_DROPPED = {"content-length", "content-type", "etag"}


def garbled(response: Response, how: Garble) -> Response:
    """`response` as a 200 whose body is not valid JSON, its other headers kept."""
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED}
    if how == "html":
        return Response(PROXY_PAGE, 200, headers, media_type="text/html")
    body = bytes(response.body)
    cut = body[: len(body) // 2] if len(body) > 1 else b"{"
    return Response(cut, 200, headers, media_type="application/json")
