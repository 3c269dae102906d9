"""Reading a request's parameters as GitLab's Grape API does, and refusing bad ones whole."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl

from starlette.requests import Request

from syncer.fakes.gitlab.state import ApiError, Json, bad_request


def str_list(value: object) -> list[str]:
    """GitLab takes lists as JSON arrays or comma-separated strings."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def int_list(value: object) -> list[int]:
    try:
        return [int(item) for item in str_list(value)]
    except ValueError as exc:
        raise bad_request("assignee_ids is invalid") from exc


def due_date(value: object) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise bad_request("due_date is invalid") from exc


def timestamp(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise bad_request(f"{name} is invalid") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def validate_edit(params: Json) -> None:
    """Refuse a bad edit before touching anything, as GitLab validates the whole request."""
    if "title" in params and not str(params["title"] or "").strip():
        raise bad_request({"title": ["can't be blank"]})
    if params.get("state_event") not in (None, "close", "reopen"):
        raise ApiError(400, {"error": "state_event does not have a valid value"})
    due_date(params.get("due_date"))
    int_list(params.get("assignee_ids", []))


async def request_params(request: Request) -> Json:
    """Query parameters merged with the JSON (or form) body, as GitLab's Grape API merges them."""
    params: Json = dict(request.query_params)
    raw = await request.body()
    if not raw:
        return params
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(raw.decode()))
        return params
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("400 Bad request - body is not valid JSON") from exc
    if isinstance(body, dict):
        params.update(body)
    return params
