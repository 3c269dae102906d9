"""A faithful in-memory fake of the Jira REST API, served over real HTTP.

It answers what the `jira` client library sends (REST v2, plus the Cloud `search/jql`
endpoint in v2 and v3), in the shapes of the real payloads in `tests/data/fixtures/api/jira`:
issues with every standard field, the To Do → In Progress → Done workflow with global
transitions, bulk create (at most 50 per request), comments, JQL search with Server-style
`startAt` and Cloud-style `nextPageToken` pagination, errors as `{errorMessages, errors}`,
401s for bad credentials, 429s with `Retry-After`, and signed `jira:issue_*` webhooks.

Two flavours: `"server"` (Data Center: `/rest/api/2/search`, users by `name`, Done reached
through a screen requiring a resolution) and `"cloud"` (the old search endpoint answers 410
Gone as it now does on Cloud, users by `accountId` and found by `user/search?query=`). Both
accept the token as a Bearer personal access token or as Basic `email:token`. JQL dates are
read in the user's time zone (not UTC by default); REST stamps are UTC.

Time is a fake clock: every write moves `updated` forward by at least one second, so the
ordering a poller relies on is strict, and tests can freeze the clock to put many writes in
one JQL minute.

Modules by job: `state` (the store, clock, users), `payloads` (JSON shapes), `events` (writes
and their webhooks), `screens` (what each operation may set), `workflow` (field checks,
transitions), `handlers` and `search` (the endpoints), `jql` and `jql_fields` (the query
language), `app` (`FakeJira`: the gate and the routes).
"""

from syncer.fakes.jira.app import FakeJira, serve_jira
from syncer.fakes.jira.screens import Screens
from syncer.fakes.jira.state import BULK_LIMIT, PAGE_CAP, Flavour, JiraApiError

__all__ = [
    "BULK_LIMIT",
    "PAGE_CAP",
    "FakeJira",
    "Flavour",
    "JiraApiError",
    "Screens",
    "serve_jira",
]
