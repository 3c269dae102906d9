"""`JiraTracker`: one Jira project through the `jira` library (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from syncer.field_labels import swapped
from syncer.model import Changes, IssueChange, IssueDraft, RemoteIssue, Status
from syncer.trackers.base import (
    AnswerLost,
    Created,
    FieldMapping,
    NotFound,
    Refused,
    RetryPolicy,
    TrackerError,
    not_tried,
    read_issue,
)
from syncer.trackers.http import RequestHook
from syncer.trackers.jira.calls import FIELDS, PAGE_SIZE, Flavour, JiraCalls
from syncer.trackers.jira.cursor import Cursor, jql_minute, reached_seen, user_zone
from syncer.trackers.jira.errors import chunks, utcnow
from syncer.trackers.jira.mapping import (
    Json,
    Place,
    assigning,
    description_for,
    issue_from_json,
    join_description,
    jql_string,
    label_from_jira,
    label_to_jira,
    marker_phrase,
    place_of,
    split_description,
    wiki,
)
from syncer.trackers.jira.people import People
from syncer.trackers.jira.screens import Screens, refused_by_screen
from syncer.trackers.jira.workflow import Workflow

BULK_LIMIT = 50
"""Jira's limit on issues per bulk-create request."""
MARKERS_PER_SEARCH = 50
"""Marker phrases per JQL text search: keeps the query (sent in the URL on Server) short."""


class JiraTracker:
    """One Jira project, through the `jira` library (`JiraCalls` says how it is reached).

    `on_request` hears of every request sent, retries included (`syncer.trackers.http`).
    `users` are the target's `user_map` values: on Cloud those that are not account ids are
    looked up by user search (`people.People`).
    """

    kind = "jira"

    def __init__(
        self,
        server: str,
        project: str,
        token: str,
        *,
        email: str | None = None,
        flavour: Flavour | None = None,
        mapping: FieldMapping | None = None,
        retry: RetryPolicy | None = None,
        on_request: RequestHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        overlap: timedelta = timedelta(minutes=1),
        users: Collection[str] = (),
    ) -> None:
        self.project = project
        self._mapping = mapping or FieldMapping()
        self._overlap = overlap
        self._calls = JiraCalls(
            server,
            token,
            email=email,
            flavour=flavour,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            clock=clock,
            on_request=on_request,
        )
        self._client = self._calls.client
        self._workflow = Workflow(self._calls, self._mapping)
        self._screens = Screens(self._calls, project, self._mapping.jira_issue_type)
        self._people = People(self._calls, users)

    @property
    def flavour(self) -> Flavour:
        """Server (Data Center too) or Cloud: as configured, else as the site says."""
        return self._calls.flavour

    # --- reads ---------------------------------------------------------------------------------

    def list_changed(self, cursor: str | None) -> Changes:
        """Newest first, stopping at the page where what was already seen begins.

        The JQL window overlaps the last poll by a minute (JQL dates have minute granularity),
        so it may hold many issues seen before (a bulk create): reading newest first and
        stopping there keeps an idle poll at one request however full the window is.
        """
        state = Cursor.decode(cursor)
        if not state.zone_is_fresh(self._calls.clock()):
            state = state.with_zone(self._calls.user_time_zone(), self._calls.clock())
        hits: dict[str, Json] = {}
        try:
            for page in self._calls.pages(self._changed_jql(state)):
                hits.update((str(raw["key"]), raw) for raw in page)
                if state.since is not None and reached_seen(state, page):
                    break
        except Refused as exc:
            if "does not exist for the field 'project'" not in str(exc):
                raise
            # Jira says so alike for a project that does not exist and one the account
            # cannot browse
            raise NotFound(
                f"{self.project}: not found, or the token has no access to it ({exc})"
            ) from None
        fresh = [raw for raw in hits.values() if state.is_new(raw)]
        issues = tuple(self._issue(raw, "search") for raw in fresh)
        return Changes(issues=issues, cursor=state.advance(fresh, self._overlap).encode())

    def _changed_jql(self, state: Cursor) -> str:
        jql = f"{self._synced()}"
        start = state.window_start(self._overlap)
        if start is not None:
            jql += f' AND updated >= "{jql_minute(start, user_zone(state.zone))}"'
        return jql + " ORDER BY updated DESC, key ASC"

    def _synced(self) -> str:
        """JQL for the project's sync-labelled issues."""
        sync_label = label_to_jira(self._mapping.sync_label)
        return f"project = {jql_string(self.project)} AND labels = {jql_string(sync_label)}"

    def get(self, ref: str) -> RemoteIssue:
        return self._issue(self._calls.get_raw(ref), f"get {ref}")

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        """Jira's text index finds the markers' words as phrases (Lucene ignores punctuation,
        so the query has none to escape), `MARKERS_PER_SEARCH` keys a search, oldest first;
        the footer of each hit decides."""
        wanted = sorted(set(item_keys))
        found: dict[str, list[RemoteIssue]] = {}
        for chunk in chunks(wanted, MARKERS_PER_SEARCH):
            phrases = " OR ".join(f"description ~ {marker_phrase(key)}" for key in chunk)
            jql = f"{self._synced()} AND ({phrases}) ORDER BY created ASC, key ASC"
            for raw in self._calls.search(jql):
                issue = self._issue(raw, "search")
                if issue.marker is not None and issue.marker in chunk:
                    found.setdefault(issue.marker, []).append(issue)
        return {key: tuple(issues) for key, issues in found.items()}

    def _issue(self, raw: Mapping[str, Any], what: str) -> RemoteIssue:
        garbled = f"{what}: Jira answered with something that is not an issue"
        mapper = partial(issue_from_json, site=self._calls.site)
        issue = read_issue(mapper, raw, self._mapping, garbled)
        if not issue.assignees or self.flavour != "cloud":
            return issue
        return replace(issue, assignees=tuple(self._people.name(a) for a in issue.assignees))

    # --- creates -------------------------------------------------------------------------------

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        """Bulk create, 50 per request; then the transitions drafts need; then one search per
        100 issues to read them back (a GET for any the search index has not caught up with).

        A draft Jira refuses (a bulk element error, a status its workflow cannot reach) fails
        alone. Any other failure stops the batch, as in `base.create_each`: the drafts of a bulk
        request whose answer was lost are `AnswerLost` (never posted again now: a repeat would
        duplicate the whole request), those made but not yet moved or read back too (they
        exist), and the rest carry `not_tried`.
        """
        results: list[Created | str] = []  # per draft: its outcome, or the key made so far
        try:
            for chunk in chunks(drafts, BULK_LIMIT):
                try:
                    results += self._post_bulk(chunk)
                except TrackerError as error:
                    results += [Created(draft, error=error) for draft in chunk]
                    raise
            self._move_new(drafts, results)
            return self._read_back(drafts, results)
        except TrackerError as stop:
            settled = [
                result if isinstance(result, Created) else _unfinished(draft, result, stop)
                for draft, result in zip(drafts, results, strict=False)
            ]
            return settled + [
                Created(draft, error=not_tried(stop)) for draft in drafts[len(results) :]
            ]

    def _post_bulk(self, drafts: Sequence[IssueDraft]) -> list[Created | str]:
        """One bulk request: each draft's new key, or its refusal. A draft refused before
        sending (an assignee Cloud cannot name) is left out of it. Drafts refused only for
        fields the create screen lacks are posted again without them, once the screen is read
        (Jira made none of them: a refused element is not created)."""
        made: dict[int, Created | str] = {}
        sent: list[tuple[int, Json]] = []
        for position, draft in enumerate(drafts):
            try:
                sent.append((position, self._create_fields(draft)))
            except Refused as refused:
                made[position] = Created(draft, error=refused)
        field_list = [fields for _, fields in sent]
        results = self._calls.call(
            "bulk create",
            lambda: self._client.create_issues(field_list, prefetch=False) if field_list else [],
            repeatable=False,
        )
        again: list[int] = []
        for (position, _), result in zip(sent, results, strict=True):
            draft = drafts[position]
            if result["status"] != "Error":
                made[position] = str(result["issue"].key)
                continue
            if refused_by_screen(result["error"]):
                again.append(position)
            reason = f"{draft.item_key!r}{assigning(draft.assignees)}: {result['error']}"
            made[position] = Created(draft, error=Refused(f"bulk create: Jira refused {reason}"))
        if again and self._screens.learn_create():
            retried = self._post_bulk([drafts[n] for n in again])
            made.update(zip(again, retried, strict=True))
        return [made[position] for position in range(len(drafts))]

    def _move_new(self, drafts: Sequence[IssueDraft], results: list[Created | str]) -> None:
        """Take each new issue to its draft's status; one its workflow refuses is unfinished."""
        for position, (draft, result) in enumerate(zip(drafts, results, strict=True)):
            if isinstance(result, str) and draft.status is not Status.TODO:
                try:
                    self._workflow.move(result, self._new_place(), draft.status)
                except Refused as refused:
                    results[position] = _unfinished(draft, result, refused)

    def _read_back(
        self, drafts: Sequence[IssueDraft], results: Sequence[Created | str]
    ) -> list[Created]:
        keys = [result for result in results if isinstance(result, str)]
        raws: dict[str, Json] = {}
        for chunk in chunks(keys, PAGE_SIZE):
            keys_jql = ", ".join(jql_string(key) for key in chunk)
            raws.update((str(r["key"]), r) for r in self._calls.search(f"key in ({keys_jql})"))
        done: list[Created] = []
        for draft, result in zip(drafts, results, strict=True):
            if isinstance(result, str):
                raw = raws.get(result) or self._calls.get_raw(result)
                result = Created(draft, issue=self._issue(raw, f"reading {result} back"))
            done.append(result)
        return done

    def _create_fields(self, draft: IssueDraft) -> Json:
        fields: Json = {
            "project": {"key": self.project},
            "issuetype": {"name": self._mapping.jira_issue_type},
            "summary": draft.title,
            "description": description_for(draft.body, draft.item_key, draft.register_url),
            "labels": self._labels_out(draft.labels),
        }
        if draft.priority is not None:
            fields["priority"] = {"name": self._mapping.jira_priorities[draft.priority]}
        if draft.due_date is not None:
            fields["duedate"] = draft.due_date.isoformat()
        if draft.assignees:
            fields["assignee"] = self._assignee_field(draft.assignees)
        return self._screens.for_create(fields)

    def _labels_after(self, fields: Mapping[str, Any], change: IssueChange) -> list[str]:
        """The labels `change` leaves: its own if it replaces them, else the issue's, with
        its field labels swapped (a person's other labels stay)."""
        labels = change.labels
        if labels is None:
            labels = tuple(
                label_from_jira(str(x), self._mapping) for x in fields.get("labels") or ()
            )
        return swapped(labels, change.field_labels)

    def _labels_out(self, labels: Iterable[str]) -> list[str]:
        wanted = [*labels, self._mapping.sync_label]
        return list(dict.fromkeys(label_to_jira(label) for label in wanted))

    def _assignee_field(self, assignees: Sequence[str]) -> Json | None:
        """Jira's `assignee` value: a Jira issue has one, so the first is kept and the others
        are dropped; none unassigns. Users go by `accountId` on Cloud, by `name` on Server."""
        if not assignees:
            return None
        key = "accountId" if self.flavour == "cloud" else "name"
        return {key: self._people.account(assignees[0])}

    def _new_place(self) -> Place:
        return None, self._mapping.jira_issue_type

    # --- other writes --------------------------------------------------------------------------

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        """Fields in one edit (Jira has one assignee: the first is kept); status by transition.
        The issue is read anyway (`seen` unused): its type picks the workflow."""
        fields = ",".join((*FIELDS, "issuetype"))  # the issue type picks the workflow
        issue = self._calls.call(f"get {ref}", lambda: self._client.issue(ref, fields=fields))
        place = place_of(issue.raw["fields"])
        edits = self._screens.for_edit(place[1], self._edit_fields(issue.raw["fields"], change))
        what = f"update {ref}{assigning(change.assignees)}"
        try:
            if edits:
                self._calls.call(what, lambda: issue.update(fields=edits))
        except Refused as refused:
            if not refused_by_screen(str(refused)) or not self._screens.learn_edit(ref, place[1]):
                raise
            edits = self._screens.for_edit(place[1], edits)
            if edits:  # Jira applied nothing of the refused edit: the rest is sent again
                self._calls.call(what, lambda: issue.update(fields=edits))
        current = self._issue(issue.raw, f"update {ref}")
        if change.status is None or change.status is current.status:
            return current
        self._workflow.move(ref, place, change.status)
        return self.get(ref)

    def _edit_fields(self, fields: Mapping[str, Any], change: IssueChange) -> Json:
        edits: Json = {}
        if change.title is not None:
            edits["summary"] = change.title
        if change.body is not None:
            _, footer, _ = split_description(str(fields.get("description") or ""))
            edits["description"] = join_description(wiki(change.body), footer)
        if change.labels is not None or change.field_labels:
            edits["labels"] = self._labels_out(self._labels_after(fields, change))
        if change.priority is not None:
            edits["priority"] = {"name": self._mapping.jira_priorities[change.priority]}
        elif change.clear_priority:
            edits["priority"] = None
        if change.due_date is not None:
            edits["duedate"] = change.due_date.isoformat()
        elif change.clear_due_date:
            edits["duedate"] = None
        if change.assignees is not None:
            edits["assignee"] = self._assignee_field(change.assignees)
        return edits

    def comment(self, ref: str, text: str) -> None:
        """Not repeated after an unanswered attempt: a doubled comment is worse than an error."""
        body = wiki(text)
        self._calls.call(
            f"comment on {ref}", lambda: self._client.add_comment(ref, body), repeatable=False
        )

    def ensure_labels(self, labels: Iterable[str]) -> None:
        """Nothing to do: Jira creates a label the first time an issue carries it."""


def _unfinished(draft: IssueDraft, key: str, cause: TrackerError) -> Created:
    """A draft made as `key` whose status or read-back failed: it exists, so it is settled by
    its marker next cycle (`AnswerLost`), never made again now. `cause` stays reachable for
    `not_tried`."""
    lost = AnswerLost(f"{key} was made for {draft.item_key!r} but not finished: {cause}")
    lost.__cause__ = cause
    return Created(draft, error=lost)
