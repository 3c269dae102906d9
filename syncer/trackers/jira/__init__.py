"""The Jira adapter: `JiraTracker` on the `jira` library, and the pure mapper beneath it.

Jira specifics it translates, so nothing above it needs to know:

- **Bodies** are wiki markup (REST v2); `syncer.trackers.markup` converts both ways.
- **The footer and marker.** Wiki markup has no hidden comments, so the footer is written in wiki
  terms, below a ruler: `_Tracked by syncer from [the tech-debt register|url]._` and, in subtle
  grey, `syncer:item=<key>`. It is cut off before the description is converted, so the body
  syncer sees is only the item's text. The key is kept in the description, not in a per-issue
  label: one label per item would flood the project's label list and its autocomplete, and the
  marker only has to be found when settling creates. `find_markers` asks Jira's text index for
  the markers' words as phrases (Lucene ignores the punctuation, so the query has none to
  escape) and keeps only issues whose footer carries exactly one of the keys.
- **Labels** cannot contain spaces in Jira; a space is written as `_` and read back as a space
  (`area: api` ↔ `area:_api`). A label people made with `_` in Jira reads with a space and is
  written back unchanged. The sync label is always kept.
- **Fields.** Priority is Jira's priority field (`FieldMapping.jira_priorities`; an issue created
  without one gets the project's default, as in Jira), due date is `duedate`, and of the
  assignees only the first is kept: a Jira issue has one (users are `name` on Server,
  `accountId` on Cloud; `people` looks up `user_map` names Cloud cannot take). A field the
  project's create or edit screen lacks is refused by Jira; the first such refusal of a run
  reads that screen and the field is left out from then on (`screens`).
- **Which Jira.** Server/Data Center or Cloud is what `serverInfo` says (`deploymentType`),
  unless configured; browse links start at the site's `baseUrl`, not at the API gateway.
- **Status** moves through workflow transitions, chosen by name (`FieldMapping.jira_transitions`)
  or, failing that, by where a transition leads; where the workflow offers no direct way, in two
  steps through in progress (To Do → In Progress → Done). A transition's screen may require
  fields: the resolution is sent (`FieldMapping.jira_resolution`), any other required field is
  refused by name before posting (`workflow`). Done/in progress come from the status
  name (`jira_done_statuses`, `jira_in_progress_statuses`) or its category (`done`,
  `indeterminate`).
- **Transitions are cached** per workflow step (`workflow.Workflow`): moving 80 new issues out
  of To Do costs one GET and 80 POSTs, not 160 requests, and a stale entry costs one request,
  never a failed move.
- **Incremental reads.** JQL's `updated >=` takes minutes, so the query starts at the cursor's
  minute minus an overlap (Jira's search index can lag a write). Jira reads a JQL date in the
  syncer user's own time zone (`/myself` → `timeZone`, kept in the cursor a day) while REST
  timestamps carry their own offset, so the minute is written in that zone. The cursor
  remembers the (key, updated) pairs inside that window, and those are dropped from the answer:
  an idle poll returns nothing for one request.
- **Retries.** The library's own retry loop sleeps up to minutes on its own schedule; it is
  turned off (`max_retries=0`) and every request goes through `JiraCalls.call`, which retries
  429s (as long as `Retry-After` fits in `RetryPolicy.max_wait_seconds`), 5xx and timeouts
  with backoff. A create or comment whose answer was lost may have happened: it is never sent
  again in the same cycle (`AnswerLost`), and the next cycle settles a create by its marker.
- **Secrets.** `JIRAError`'s text includes the request headers, token and all; it is never
  shown, chained or logged: errors are rebuilt from the status code and the response body.

The client (`JiraTracker`) and the mapping are imported on first use, so importing the
package (its config model) loads neither the jira library nor what the mapping needs.
"""

from typing import TYPE_CHECKING

from syncer.lazy import lazy_names

if TYPE_CHECKING:
    from syncer.trackers.jira.client import JiraTracker
    from syncer.trackers.jira.mapping import issue_from_json

__all__ = ["JiraTracker", "issue_from_json"]

__getattr__ = lazy_names(__name__, {"JiraTracker": "client", "issue_from_json": "mapping"})
