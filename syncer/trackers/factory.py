"""Build the adapter a configured target names. Tokens are read here, at connect time."""

from __future__ import annotations

from collections.abc import Mapping

from syncer.config import TargetConfig
from syncer.log import secret
from syncer.trackers.base import Tracker
from syncer.trackers.http import RequestHook
from syncer.trackers.pacing import WriteLedger


def build_tracker(
    target: TargetConfig,
    env: Mapping[str, str] | None = None,
    *,
    on_request: RequestHook | None = None,
    ledger: WriteLedger | None = None,
) -> Tracker:
    """The target's adapter. `on_request(method, path)` hears of every HTTP request it sends
    (`syncer.trackers.http`); `ledger` keeps GitHub's writes across processes (one per token,
    `syncer.trackers.pacing`), and is not used by the other kinds, which are not paced."""
    token = secret(target.token(env))
    mapping = target.mapping()
    if target.kind == "github":
        from syncer.trackers.github import GitHubTracker

        return GitHubTracker(
            target.repo,
            token,
            base_url=target.base_url,
            mapping=mapping,
            retry=target.retry,
            write_limits=target.write_limits(),
            ledger=ledger,
            on_request=on_request,
        )
    if target.kind == "gitlab":
        from syncer.trackers.gitlab import GitLabTracker

        return GitLabTracker(
            target.repo,
            token,
            url=target.base_url,
            mapping=mapping,
            retry=target.retry,
            on_request=on_request,
        )
    from syncer.trackers.jira import JiraTracker

    return JiraTracker(
        target.base_url,
        target.repo,
        token,
        email=target.email,
        flavour=target.jira_flavour,
        mapping=mapping,
        retry=target.retry,
        on_request=on_request,
    )
