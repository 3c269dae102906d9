"""The `Tracker` protocol every adapter implements, its typed errors and shared options.

Adapters translate and retry; they hold no sync logic. Everything the sync engine knows about a
tracker goes through this protocol, so the same contract suite (`tests/trackers/contract.py`)
runs against every adapter and its fake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from syncer.model import Changes, IssueChange, IssueDraft, Priority, RemoteIssue


class TrackerError(Exception):
    """Anything a tracker refused or failed at. Messages never carry tokens."""


class NotFound(TrackerError):
    """The issue (or project) does not exist, or is not visible to this token."""


class AuthError(TrackerError):
    """The token is missing, wrong, expired or lacks a permission."""


class Refused(TrackerError):
    """The tracker answered and refused the request as sent (a validation error, an assignee
    it does not know): sending it again unchanged fails the same way, and the target's other
    requests are not affected."""


class GarbledAnswer(TrackerError):
    """The tracker answered with a body that is not the JSON its API promises (a proxy's HTML
    page, a body cut short). Never read as "nothing there": an empty reading would make every
    issue look new. A write answered so may have been done: creates end in `AnswerLost`."""


class AnswerLost(TrackerError):
    """The tracker may have done the write but its answer never came (timeout, connection
    dropped, 5xx after sending, a garbled body): it must not be sent again in this cycle; the
    next cycle settles it by the issue's marker.

    A create that was made but whose follow-up failed (closing a done draft, reading it back)
    ends the same way: the issue exists, but not as the engine could record it now.
    """


class NotTried(TrackerError):
    """A draft left unsent because an earlier create of its batch failed: nothing happened to
    it; the next cycle plans it again."""


class Moved(TrackerError):
    """The project answers from another place (renamed or transferred): nothing is written to
    it until the configuration names the new place, so no write lands somewhere unexpected."""


class RateLimited(TrackerError):
    """The tracker asked us to slow down and we could not wait long enough.

    `retry_at` says when the tracker will take requests again (UTC), so the caller can stop the
    cycle cleanly and resume then.
    """

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


Mentions = Literal["keep", "quote"]
"""How `@handles` in bodies reach GitHub and GitLab: as written (each one notifies that user),
or quoted so that none does (`syncer.trackers.mentions`)."""


@dataclass(frozen=True)
class FieldMapping:
    """How register fields map onto one tracker's vocabulary (labels, Jira statuses...).

    Defaults suit a fresh repository; the configuration overrides them per target.
    """

    sync_label: str = "tech-debt"
    in_progress_label: str = "in progress"
    mentions: Mentions = "quote"
    """GitHub and GitLab: how `@handles` in bodies are written (Jira mentions are `[~name]`)."""
    priority_labels: dict[Priority, str] = field(
        default_factory=lambda: {p: f"priority: {p.value}" for p in Priority}
    )
    # Jira: issue priority names, and status names per syncer status.
    jira_priorities: dict[Priority, str] = field(
        default_factory=lambda: {
            Priority.CRITICAL: "Highest",
            Priority.HIGH: "High",
            Priority.MEDIUM: "Medium",
            Priority.LOW: "Low",
        }
    )
    jira_issue_type: str = "Task"
    jira_resolution: str = "Done"
    """The resolution sent when a transition's screen asks for one (Server's Resolve/Close)."""
    jira_done_statuses: tuple[str, ...] = ("Done", "Closed", "Resolved")
    jira_in_progress_statuses: tuple[str, ...] = ("In Progress", "In Review")
    # Transition names tried, in order, to reach each syncer status on Jira.
    jira_transitions: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "todo": ("To Do", "Reopen", "Reopen Issue", "Backlog", "Open"),
            "in_progress": ("In Progress", "Start Progress", "Start"),
            "done": ("Done", "Close", "Close Issue", "Resolve", "Resolve Issue"),
        }
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How long an adapter may wait on its own before giving up with `RateLimited`."""

    attempts: int = 5
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 60.0
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Created:
    """What became of one draft of `create_many`: its issue, or the error that kept it from
    being made (or recorded) now. Exactly one of `issue` and `error` is set.

    `error` is a `Refused` (this draft alone; the batch went on), an `AnswerLost` (it may exist:
    settle it by marker next cycle, never post it again now), or, for drafts not tried because
    an earlier one stopped the batch, that draft's error when it concerns the whole target
    (`AuthError`, `RateLimited`, `NotFound`), else a plain `TrackerError` saying so.
    """

    draft: IssueDraft
    issue: RemoteIssue | None = None
    error: TrackerError | None = None

    def __post_init__(self) -> None:
        if (self.issue is None) == (self.error is None):
            raise ValueError("a Created holds either the issue or the error that kept it")


TARGET_ERRORS = (AuthError, NotFound, RateLimited, Moved)
"""Errors about the target itself (its token, its rate limit, the project): once one is met,
every further request to the target would meet it too."""


def create_each(
    drafts: Sequence[IssueDraft], create: Callable[[IssueDraft], RemoteIssue]
) -> list[Created]:
    """`create_many` for trackers without a bulk create: `create` on each draft, in order.

    A `Refused` draft fails alone and the batch goes on. Any other failure stops it: the
    drafts after it are not sent (a tracker that did not answer one create is not sent forty
    more, each costing a timeout) and carry `not_tried(error)`.
    """
    results: list[Created] = []
    for position, draft in enumerate(drafts):
        try:
            results.append(Created(draft, issue=create(draft)))
        except Refused as refused:
            results.append(Created(draft, error=refused))
        except TrackerError as error:
            results.append(Created(draft, error=error))
            rest = drafts[position + 1 :]
            results += [Created(later, error=not_tried(error)) for later in rest]
            break
    return results


def not_tried(error: TrackerError) -> TrackerError:
    """The error a draft left unsent after `error` stopped its batch.

    An error about the whole target is passed on as it is (also when it is the cause of an
    `AnswerLost`, say a rate limit met while closing an issue just made), so the engine stops
    the target; anything else is this draft's own plain error: it was never sent.
    """
    for candidate in (error, error.__cause__):
        if isinstance(candidate, TARGET_ERRORS):
            return candidate
    return NotTried(f"not tried: an earlier create of the batch failed ({error})")


@runtime_checkable
class Tracker(Protocol):
    """One tracker target (a GitHub repository, a GitLab project, a Jira project)."""

    kind: str

    def list_changed(self, cursor: str | None) -> Changes:
        """Issues carrying the sync label changed since `cursor` (all of them when `None`)."""
        ...

    def get(self, ref: str) -> RemoteIssue: ...

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        """Create issues whose bodies end with the register footer and hidden marker, in bulk
        where the tracker can (Jira): one `Created` per draft, in order. Never raises for a
        draft's failure: see `Created` for what each error means."""
        ...

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        """Every issue with the sync label, open or closed, carrying one of these keys'
        markers, oldest first; keys no issue carries are absent. One listing for all the keys,
        not a request per key: the engine asks once per cycle, to settle unrecorded creates
        (after a crash, a lost answer or a lost state database) and to find duplicates."""
        ...

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        """Apply a partial change; `change.status` closes, reopens or moves the issue.

        `seen` is the issue as the caller read it moments ago (this cycle): an adapter that
        needs the issue's state or labels to build its write takes them from it instead of
        reading the issue again. What a reading lacks (the body's footer) is still read."""
        ...

    def comment(self, ref: str, text: str) -> None: ...

    def ensure_labels(self, labels: Iterable[str]) -> None: ...


def read_issue(
    mapper: Callable[[Any, FieldMapping], RemoteIssue],
    raw: Any,
    mapping: FieldMapping,
    garbled: str,
) -> RemoteIssue:
    """`mapper(raw, mapping)`; an answer that is no issue (keys missing, wrong types: a proxy's
    page a library wrapped as data) is a `GarbledAnswer` saying `garbled`, never a traceback."""
    try:
        return mapper(raw, mapping)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GarbledAnswer(garbled) from exc


def sorted_assignees(users: Iterable[str]) -> tuple[str, ...]:
    """Assignees as `RemoteIssue.assignees` holds them: sorted.

    No tracker gives their order a meaning, yet trackers list them in assignment order, so an
    issue assigned `(a, b)` by syncer could read back `(b, a)` and look changed to the engine.
    """
    return tuple(sorted(users))


# --- The body footer and hidden marker -------------------------------------------------------

FOOTER_RULE = "\n\n---\n"


def marker_for(item_key: str) -> str:
    return f"<!-- syncer:item={item_key} -->"


def with_footer(body: str, item_key: str, register_url: str = "") -> str:
    """The issue body syncer writes: the item's body, a footer, and the hidden marker."""
    source = (
        f"[the tech-debt register]({register_url})" if register_url else "the tech-debt register"
    )
    footer = f"_Tracked by syncer from {source}._\n{marker_for(item_key)}"
    return f"{body.rstrip()}{FOOTER_RULE}{footer}" if body.strip() else footer


_FOOTER = re.compile(
    r"(?:\n*\n---\n|(?<![^\n]))_Tracked by syncer[^\n]*\n"
    r"<!--\s*syncer:item=(?P<key>[^\s>]+)\s*-->[ \t]*"
)
"""The footer `with_footer` writes: a rule (unless the body was empty), the line naming syncer,
the marker. Only a whole footer counts: a marker line a person pasted from another issue is
text, and would otherwise hand this issue to another item."""


def footer_parts(body: str) -> tuple[str, str, str | None]:
    """(the body's own text, syncer's footer, the item key it carries); ("body", "", None)
    without a footer. The last footer counts; text a person added after it stays text.

    Bodies saved by a web editor may come back with CRLF line endings: read as LF."""
    body = body.replace("\r\n", "\n")
    found = None
    for found in _FOOTER.finditer(body):  # noqa: B007 - the last one is wanted
        pass
    if found is None:
        return body, "", None
    before, after = body[: found.start()].rstrip("\n"), body[found.end() :].strip("\n")
    text = f"{before}\n\n{after}" if before and after else before or after
    footer = found.group(0).lstrip("\n").removeprefix("---\n")
    return text, footer, found.group("key")


def split_footer(body: str) -> tuple[str, str | None]:
    """(body without syncer's footer, item key from the marker or None)."""
    text, _, key = footer_parts(body)
    return text, key


def replace_keeping_footer(current: str, text: str) -> str:
    """`text` as the new body, keeping the footer and marker `current` carries (if any)."""
    _, footer, key = footer_parts(current)
    if key is None:
        return text
    return f"{text.rstrip()}{FOOTER_RULE}{footer}" if text.strip() else footer
