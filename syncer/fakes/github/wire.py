"""GitHub's wire format, shared by the fake's state, payloads and HTTP side: its constants,
ids, timestamps, ETags, `Link` headers and error bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DOCS = "https://docs.github.com/rest"
ISSUES_DOCS = "https://docs.github.com/v3/issues/"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
DEFAULT_TOKEN = "ghp_fakeSyncerToken0000000000000000000000"
DEFAULT_REPO = "octo-org/tech-debt"
BOT_LOGIN = "syncer-bot"
HUMAN_LOGIN = "monalisa"
COLLABORATORS = (BOT_LOGIN, HUMAN_LOGIN, "octocat", "hubot")
WRITER_PERMISSIONS = {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
"""The token's permissions on the repository unless a test gives others: a bot that writes."""
SYNC_LABEL = "tech-debt"
CREATES_PER_MINUTE = 20
CREATES_PER_HOUR = 150
"""The issue-creation limit users of GitHub measure, well under the documented 80/500."""

# The labels GitHub gives every new repository.
DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node id: base64 of `0<len(kind)>:<kind><database id>`."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def weak_etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def signature_256(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub computes for a delivery body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def seconds_header(seconds: float) -> str:
    """Header text for a wait: an integer as GitHub sends it, or a decimal for sub-second tests."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}"


def parse_since(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def link_header(url_for_page: Callable[[int], str], page: int, last: int) -> str | None:
    """A `Link` header in GitHub's order: prev, next, last, first."""
    rels: list[tuple[int, str]] = []
    if page > 1:
        rels.append((page - 1, "prev"))
    if page < last:
        rels += [(page + 1, "next"), (last, "last")]
    if page > 1:
        rels.append((1, "first"))
    return ", ".join(f'<{url_for_page(n)}>; rel="{rel}"' for n, rel in rels) or None


def error_body(status: int, message: str, docs: str = DOCS, **extra: Any) -> Json:
    return {"message": message, **extra, "documentation_url": docs, "status": str(status)}


class ApiError(Exception):
    """An answer GitHub gives instead of doing what was asked (4xx)."""

    def __init__(self, status: int, body: Json, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def not_found() -> ApiError:
    return ApiError(404, error_body(404, "Not Found"))


def invalid(resource: str, field_name: str, code: str = "invalid", value: Any = None) -> ApiError:
    error: Json = {"resource": resource, "code": code, "field": field_name}
    if value is not None:
        error["value"] = value
    return ApiError(422, error_body(422, "Validation Failed", errors=[error]))


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """What a route needs from the request, already authenticated and parsed."""

    method: str
    params: Mapping[str, Any]
    query: Mapping[str, str]
    payload: Any
    login: str


Handler = Callable[[Call], Answer]


def etag_matches(header: str | None, body: bytes) -> bool:
    """Weak comparison, as GitHub does: `W/"x"` matches `"x"`, and `*` matches anything."""
    if not header:
        return False
    ours = weak_etag(body).removeprefix("W/")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or ours in tags


def int_param(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def json_object(payload: Any) -> Json:
    if not isinstance(payload, dict):
        raise ApiError(400, error_body(400, "Problems parsing JSON"))
    return payload
