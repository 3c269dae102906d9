"""The GitHub adapter: issues of one repository, through PyGithub.

Two halves. `mapping` holds pure functions that map GitHub's issue JSON (PyGithub's `raw_data`,
a list item or a webhook's `issue`) to `RemoteIssue` and turn an `IssueChange` into a PATCH
body; they are tested on recorded payloads. `client.GitHubTracker` does the I/O: it holds no
sync logic, retries what GitHub asks it to retry (`transport`), and translates failures into
the typed errors of `base.py`.

Writes are paced (`pacing.WritePacer`) a second apart, below GitHub's documented limit on
content-generating requests, and creates below the creation limit GitHub's users measure (20 a
minute, 150 an hour), so a large batch of creates waits between writes instead of meeting the
limit's 403; the 403 path stays, for the limit's other triggers and other clients of the token.

Incremental polling is the part worth reading twice. GitHub lists issues newest-update first
(`sort=updated`), filtered by the sync label; `since` is inclusive and second-granular. The
first page is requested conditionally (`If-None-Match`), which PyGithub cannot do for lists, so
it goes through PyGithub's requester directly: an idle poll is one request answered 304, which
GitHub does not count against the rate limit. Reading stops at the first issue older than the
newest one already returned, so a poll costs pages in proportion to what changed, not to the
size of the repository. The cursor (`poll`, opaque JSON) keeps the query's `since`, the first page's
ETag, and the newest `updated_at` returned with the issues returned at that very second.

The client (`GitHubTracker`) and the mapping are imported on first use, so importing the
package (its config model) loads neither PyGithub nor what the mapping needs.
"""

from typing import TYPE_CHECKING

from syncer.lazy import lazy_names

if TYPE_CHECKING:
    from syncer.trackers.github.client import GitHubTracker
    from syncer.trackers.github.mapping import is_pull_request, issue_from_json

__all__ = ["GitHubTracker", "is_pull_request", "issue_from_json"]

__getattr__ = lazy_names(
    __name__,
    {"GitHubTracker": "client", "is_pull_request": "mapping", "issue_from_json": "mapping"},
)
