"""The GitLab adapter: python-gitlab underneath, `RemoteIssue` on top.

Mapping is done by pure functions on GitLab's issue JSON (python-gitlab's `issue.attributes`, or
a webhook payload), so they are tested on real payloads without a network. The adapter class only
sequences requests: it holds no sync logic.

Retrying lives below python-gitlab, in a requests transport adapter: python-gitlab's own retry
sleeps with `time.sleep`, reads `Retry-After` only as whole seconds and never bounds the total
wait, while syncer must stay within `RetryPolicy.max_wait_seconds` and hand the cycle back
(`RateLimited`) when GitLab asks for longer.

The client (`GitLabTracker`) and the mapping are imported on first use, so importing the
package (its config model) loads neither python-gitlab nor what the mapping needs.
"""

from typing import TYPE_CHECKING

from syncer.lazy import lazy_names

if TYPE_CHECKING:
    from syncer.trackers.gitlab.client import GitLabTracker
    from syncer.trackers.gitlab.mapping import issue_from_api, issue_from_hook

__all__ = ["GitLabTracker", "issue_from_api", "issue_from_hook"]

__getattr__ = lazy_names(
    __name__, {"GitLabTracker": "client", "issue_from_api": "mapping", "issue_from_hook": "mapping"}
)
