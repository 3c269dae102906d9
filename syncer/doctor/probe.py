"""One read-only request to a tracker, through its own client library.

Doctor asks a handful of questions of each tracker (who am I, what may I do, does this label
exist) and needs the status and headers as much as the body (`X-OAuth-Scopes`, `Date`). Each
SDK hides those differently, so a `Probe` puts the three behind one `get`, built straight from
a target's kind, address, project and token: no adapter, no retries, no pacing, never a write.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from syncer.config import TargetConfig


@dataclass(frozen=True)
class Answer:
    """A tracker's answer: `status` 0 when none came (refused connection, timeout)."""

    status: int
    headers: Mapping[str, str]
    """Names in lower case."""
    body: Any
    """The JSON answer; None when there was none or it was not JSON."""

    @property
    def found(self) -> bool:
        return 200 <= self.status < 300


NO_ANSWER = Answer(0, {}, None)


class Probe(Protocol):
    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        """GET `path` (below the API's root, e.g. `/user`) with query `params`."""
        ...

    def close(self) -> None: ...


def probe_for(target: TargetConfig, token: str) -> Probe:
    """A probe of `target`'s tracker, authenticated with `token`."""
    timeout = target.retry.timeout_seconds
    if target.kind == "github":
        return _GitHubProbe(target.base_url, token, timeout)
    if target.kind == "gitlab":
        return _GitLabProbe(target.base_url, token, timeout)
    return _JiraProbe(target.base_url, token, target.email, timeout)


def _lower(headers: Mapping[str, Any]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


class _GitHubProbe:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        from github import Auth, Github

        self._github = Github(
            base_url=base_url.rstrip("/"),
            auth=Auth.Token(token),
            timeout=max(math.ceil(timeout), 1),
            user_agent="syncer doctor (PyGithub)",
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        try:
            status, headers, text = self._github.requester.requestJson(
                "GET", path, parameters=dict(params or {})
            )
        except requests.RequestException:
            return NO_ANSWER
        return Answer(status, _lower(headers), _json(text))

    def close(self) -> None:
        self._github.close()


class _GitLabProbe:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        import gitlab

        from syncer.trackers.gitlab.client import site_url

        self._gitlab = gitlab.Gitlab(
            url=site_url(base_url), private_token=token, timeout=timeout, keep_base_url=True
        )

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        from gitlab.exceptions import GitlabError

        try:
            response = self._gitlab.http_request(
                "GET",
                path,
                query_data=dict(params or {}),
                obey_rate_limit=False,
                retry_transient_errors=False,
                max_retries=0,
            )
        except GitlabError as exc:
            return Answer(exc.response_code or 0, {}, None)
        except requests.RequestException:
            return NO_ANSWER
        return Answer(response.status_code, _lower(response.headers), _json(response.content))

    def close(self) -> None:
        self._gitlab.session.close()


class _JiraProbe:
    def __init__(self, base_url: str, token: str, email: str | None, timeout: float) -> None:
        from jira import JIRA

        auth: dict[str, Any] = {"basic_auth": (email, token)} if email else {"token_auth": token}
        self._base = base_url.rstrip("/")
        self._jira = JIRA(
            server=self._base,
            options={"check_update": False},
            get_server_info=False,
            max_retries=0,
            timeout=timeout,
            logging=False,
            **auth,
        )

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        from jira.exceptions import JIRAError

        try:
            response = self._jira._session.get(f"{self._base}{path}", params=dict(params or {}))
        except JIRAError as exc:
            return Answer(exc.status_code or 0, {}, None)
        except requests.RequestException:
            return NO_ANSWER
        return Answer(response.status_code, _lower(response.headers), _json(response.content))

    def close(self) -> None:
        self._jira.close()  # type: ignore[no-untyped-call]
