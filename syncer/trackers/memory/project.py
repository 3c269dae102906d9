"""An in-memory project: its issues as stored, what a person does to them, scheduled faults.

This is the tracker's side of the in-memory tracker, as the fake servers are for GitHub and
GitLab: it stores raw issues (a body with syncer's footer in it, labels, open or closed) and
knows nothing of syncer's fields; `MemoryTracker` reads them through a `FieldMapping`. It
implements `syncer.fakes.control.TrackerControl`, so the contract suite and the engine tests
drive it as they drive the fakes, with no server.

Thread-safe: one re-entrant lock guards every call, a tracker call is done whole under it.
Deterministic: issue numbers, orders and versions follow the calls only; `updated_at` comes
from the clock, which is wall time unless one is injected.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from syncer.trackers.base import NotFound, Refused
from syncer.trackers.memory.faults import Call, Fault

DEFAULT_REPO = "memory/tech-debt"
DEFAULT_USERS = ("alice", "bob", "carol")
WEB_ROOT = "https://memory.invalid"
"""Issue URLs: links in a register must be web addresses, and `.invalid` (RFC 2606) is one
that can never reach a server, which is the truth about an issue held in memory."""

_REPO_NAME = re.compile(r"[\w.-]+(?:/[\w.-]+)+")


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoredIssue:
    """One issue as the project holds it. Replaced whole on every change, never mutated."""

    number: int
    title: str
    body: str
    """As a person sees it in the editor: syncer's footer and marker included."""
    updated_at: datetime
    change: int
    """The project's change count when the issue last changed: its version, and what
    `MemoryTracker.list_changed` compares with a cursor."""
    closed: bool = False
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    due_date: date | None = None
    comments: tuple[str, ...] = ()
    deleted: bool = False

    def same_content(self, other: StoredIssue) -> bool:
        """Equal but for when it changed: an edit to the values it has is no change."""
        return replace(other, updated_at=self.updated_at, change=self.change) == self


class MemoryProject:
    """One project of the in-memory tracker, named `repo` (`owner/name`, as links name it).

    `users` are those issues may be assigned to; `clock` stamps `updated_at` (aware, UTC).
    """

    def __init__(
        self,
        repo: str = DEFAULT_REPO,
        *,
        users: Iterable[str] = DEFAULT_USERS,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        if not _REPO_NAME.fullmatch(repo):
            raise ValueError(f"a memory project is named like owner/name, not {repo!r}")
        self.repo = repo
        self.web_url = f"{WEB_ROOT}/{repo}"
        self._users = tuple(users)
        self._clock = clock
        self._lock = threading.RLock()
        self._issues: dict[int, StoredIssue] = {}
        self._labels: dict[str, str] = {}
        self._faults: deque[Fault] = deque()
        self._changes = 0

    # --- what a person (or a test) does: `TrackerControl` ------------------------------------

    @property
    def known_users(self) -> tuple[str, ...]:
        return self._users

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        with self._lock:
            return str(self.open_issue(title, body, labels=labels, closed=closed).number)

    def human_edit(
        self,
        ref: str,
        *,
        title: str | None = None,
        body: str | None = None,
        closed: bool | None = None,
        labels: tuple[str, ...] | None = None,
        assignees: tuple[str, ...] | None = None,
    ) -> None:
        """Change an issue as a person would; `labels` and `assignees` replace the old ones.
        A person cannot pick a user the project does not know: that is a `ValueError`."""
        with self._lock:
            issue = self.issue(ref)
            if assignees is not None and (stranger := self.stranger(assignees)) is not None:
                raise ValueError(f"{stranger!r} is not a user of {self.repo}")
            self.save(
                replace(
                    issue,
                    title=issue.title if title is None else title,
                    body=issue.body if body is None else body,
                    closed=issue.closed if closed is None else closed,
                    labels=issue.labels if labels is None else self.labelled(labels),
                    assignees=issue.assignees if assignees is None else assignees,
                )
            )

    def delete_issue(self, ref: str) -> None:
        """Delete as an admin does: the issue is gone for every call after."""
        with self._lock:
            issue = self.issue(ref)
            self._issues[issue.number] = replace(issue, deleted=True)

    def issue_count(self) -> int:
        with self._lock:
            return len(self.issues())

    def raw_body(self, ref: str) -> str:
        """The whole body as a person sees it in the editor, footer and marker included."""
        with self._lock:
            return self.issue(ref).body

    def comments(self, ref: str) -> tuple[str, ...]:
        with self._lock:
            return self.issue(ref).comments

    @property
    def labels(self) -> tuple[str, ...]:
        """The project's labels, as its label list shows them: made by `ensure_labels`, or by
        putting a new one on an issue, as GitHub and GitLab do."""
        with self._lock:
            return tuple(self._labels.values())

    # Faults: see `faults`. Each is met by the next call, or with `on` by the next call of that
    # kind ("read", "create", "write"), so a test can fault a cycle's creates past its reads.

    def throttle_next(
        self, requests: int, retry_after: float = 1.0, *, on: Call | None = None
    ) -> None:
        self._schedule(requests, Fault("throttle", on, retry_after=retry_after))

    def fail_next(self, requests: int, status: int = 502, *, on: Call | None = None) -> None:
        self._schedule(requests, Fault("fail", on, status=status))

    def stall_next(self, requests: int, seconds: float, *, on: Call | None = None) -> None:
        """`seconds` is not waited: nothing happens in memory between two calls."""
        self._schedule(requests, Fault("stall", on))

    def late_next(self, requests: int, seconds: float, *, on: Call | None = None) -> None:
        """`seconds` is not waited: nothing happens in memory between two calls."""
        self._schedule(requests, Fault("late", on))

    def garble_next(self, requests: int, how: str = "cut", *, on: Call | None = None) -> None:
        """`how` is the HTTP fakes' (a body cut or a proxy's page); both read as garbled."""
        self._schedule(requests, Fault("garble", on))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Back to an empty project: no issues, labels or faults, numbers from 1 again. The
        change count goes on, so a cursor from before the reset still misses nothing after."""
        with self._lock:
            self._issues.clear()
            self._labels.clear()
            self._faults.clear()

    def _schedule(self, calls: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * calls)

    # --- what `MemoryTracker` uses ------------------------------------------------------------
    # Everything below `answering` runs inside it, which holds the lock.

    @contextmanager
    def answering(self, what: str, call: Call) -> Iterator[None]:
        """One tracker call, done whole under the lock; meets the next scheduled fault."""
        with self._lock:
            fault = next((f for f in self._faults if f.on in (None, call)), None)
            if fault is not None:
                self._faults.remove(fault)
            if fault is not None and (refusal := fault.before(what, self._clock())) is not None:
                raise refusal
            yield
            if fault is not None:
                raise fault.after(what, call)

    def issue(self, ref: str) -> StoredIssue:
        """The issue `ref` names (`"7"` or `"#7"`); `NotFound` if there is none or it was
        deleted."""
        digits = ref.strip().removeprefix("#")
        issue = self._issues.get(int(digits)) if digits.isdecimal() else None
        if issue is None or issue.deleted:
            raise NotFound(f"no issue {ref!r} in {self.repo}")
        return issue

    def issues(self) -> list[StoredIssue]:
        """Every issue not deleted, oldest first."""
        return [issue for issue in self._issues.values() if not issue.deleted]

    def changed_since(self, change: int) -> list[StoredIssue]:
        """Issues changed after the project's `change`-th change, in the order they changed."""
        fresh = [issue for issue in self.issues() if issue.change > change]
        return sorted(fresh, key=lambda issue: issue.change)

    @property
    def changes(self) -> int:
        """How many changes the project has seen: a cursor for `changed_since`."""
        return self._changes

    def open_issue(
        self,
        title: str,
        body: str,
        *,
        labels: Iterable[str] = (),
        assignees: tuple[str, ...] = (),
        due_date: date | None = None,
        closed: bool = False,
    ) -> StoredIssue:
        number = len(self._issues) + 1
        self._changes += 1
        issue = StoredIssue(
            number,
            title,
            body,
            self._clock(),
            self._changes,
            closed=closed,
            labels=self.labelled(labels),
            assignees=assignees,
            due_date=due_date,
        )
        self._issues[number] = issue
        return issue

    def save(self, revised: StoredIssue) -> StoredIssue:
        """Store `revised` in its issue's place, as a change only if a value differs: a write
        of what the issue already says does not move its version, as on GitLab."""
        current = self._issues[revised.number]
        if current.same_content(revised):
            return current
        self._changes += 1
        stored = replace(revised, updated_at=self._clock(), change=self._changes)
        self._issues[revised.number] = stored
        return stored

    def stranger(self, users: Iterable[str]) -> str | None:
        """The first of `users` issues cannot be assigned to, if any."""
        return next((user for user in users if user not in self._users), None)

    def assignable(self, users: Iterable[str], what: str) -> None:
        """`Refused` naming the first user the project does not know, as trackers answer."""
        if (stranger := self.stranger(users)) is not None:
            raise Refused(f"{what}: {stranger!r} cannot be assigned in {self.repo}")

    def labelled(self, names: Iterable[str]) -> tuple[str, ...]:
        """`names` as the project spells them, each once whatever its case, new ones added to
        the project's labels."""
        kept: dict[str, str] = {}
        for name in names:
            folded = name.casefold()
            kept.setdefault(folded, self._labels.setdefault(folded, name))
        return tuple(kept.values())
