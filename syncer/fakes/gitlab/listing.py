"""Listing as GitLab lists: issue filters and order, and offset pagination with the `X-*` and
`Link` headers python-gitlab follows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from syncer.fakes.gitlab.params import str_list, timestamp
from syncer.fakes.gitlab.state import ApiError, Issue, Json, bad_request

T = TypeVar("T")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

_ORDER_FIELDS: dict[str, Callable[[Issue], datetime]] = {
    "created_at": lambda i: i.created_at,
    "updated_at": lambda i: i.updated_at,
}


def _matches_labels(issue: Issue, wanted: str) -> bool:
    if wanted == "None":
        return not issue.labels
    if wanted == "Any":
        return bool(issue.labels)
    return all(name in issue.labels for name in str_list(wanted))


def _matches_search(issue: Issue, search: str) -> bool:
    """Every word of the query appears in the title or description, case-insensitively."""
    text = f"{issue.title}\n{issue.description or ''}".lower()
    return all(word.lower() in text for word in search.split())


def filter_issues(issues: Iterable[Issue], query: dict[str, str]) -> list[Issue]:
    state = query.get("state", "all")
    if state not in ("opened", "closed", "all"):
        raise ApiError(400, {"error": "state does not have a valid value"})
    after = timestamp(query["updated_after"], "updated_after") if "updated_after" in query else None
    return [
        issue
        for issue in issues
        if state in ("all", issue.state)
        and ("labels" not in query or _matches_labels(issue, query["labels"]))
        and (after is None or issue.updated_at >= after)
        and ("search" not in query or _matches_search(issue, query["search"]))
    ]


def sort_issues(issues: list[Issue], query: dict[str, str]) -> list[Issue]:
    order_by, sort = query.get("order_by", "created_at"), query.get("sort", "desc")
    if order_by not in _ORDER_FIELDS:
        raise ApiError(400, {"error": "order_by does not have a valid value"})
    if sort not in ("asc", "desc"):
        raise ApiError(400, {"error": "sort does not have a valid value"})
    key = _ORDER_FIELDS[order_by]
    return sorted(issues, key=lambda i: (key(i), i.id), reverse=sort == "desc")


def _page_url(request: Request, base_url: str, page: int) -> str:
    query = dict(request.query_params)
    query["page"] = str(page)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    return f"{base_url}{raw_path.decode('latin-1')}?{urlencode(query)}"


def paginated(
    request: Request, base_url: str, items: Sequence[T], render: Callable[[T], Json]
) -> JSONResponse:
    """One page of `items`, rendered, with GitLab's offset-pagination headers."""
    page, per_page = _page_args(dict(request.query_params))
    total_pages = max(1, math.ceil(len(items) / per_page))
    has_next, has_prev = page < total_pages, page > 1
    links = [f'<{_page_url(request, base_url, page + 1)}>; rel="next"'] if has_next else []
    links += [f'<{_page_url(request, base_url, page - 1)}>; rel="prev"'] if has_prev else []
    links += [
        f'<{_page_url(request, base_url, 1)}>; rel="first"',
        f'<{_page_url(request, base_url, total_pages)}>; rel="last"',
    ]
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(page + 1) if has_next else "",
        "X-Prev-Page": str(page - 1) if has_prev else "",
        "X-Total": str(len(items)),
        "X-Total-Pages": str(total_pages),
        "Link": ", ".join(links),
    }
    start = (page - 1) * per_page
    return JSONResponse([render(item) for item in items[start : start + per_page]], headers=headers)


def _page_args(query: dict[str, str]) -> tuple[int, int]:
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = int(query.get("per_page", str(DEFAULT_PER_PAGE)))
    except ValueError as exc:
        raise bad_request("page is invalid") from exc
    return page, min(max(1, per_page), MAX_PER_PAGE)
