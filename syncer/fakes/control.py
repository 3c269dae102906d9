"""What every fake tracker lets a test (or `syncer demo`) do behind the API's back.

A human editing an issue in the tracker's web page, a rate limit kicking in, a server hiccup:
the contract suite and the sync tests drive all three fakes through one protocol. Its person
side, `TrackerControl`, is all a tracker with no server needs (the in-memory project,
`syncer.trackers.memory`); `FakeTracker` adds what a fake served over HTTP has besides.
"""

from __future__ import annotations

from typing import Protocol

from syncer.fakes.faults import Garble
from syncer.fakes.server import FakeServer


class TrackerControl(Protocol):
    """What a person does to a tracker's issues, and the faults a test schedules on it.

    A fault is met by the next API request of a fake, by the next `Tracker` call in memory
    (`syncer.trackers.memory.faults` says what each one does there).
    """

    @property
    def known_users(self) -> tuple[str, ...]:
        """Users issues may be assigned to (at least two), named as the adapter names them:
        GitHub logins, GitLab usernames, Jira Server names or Jira Cloud account ids."""
        ...

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        closed: bool = False,
    ) -> str:
        """Create an issue as a person would in the web page; returns its ref."""
        ...

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
        """Change an issue as a person would (bumps its update time, fires webhooks).

        `assignees` are users as the API names them (see `known_users`); `()` unassigns."""
        ...

    def delete_issue(self, ref: str) -> None: ...

    def issue_count(self) -> int:
        """Issues held (pull requests excluded)."""
        ...

    def throttle_next(self, requests: int, retry_after: float = 1.0) -> None:
        """Answer the next `requests` API calls with the tracker's rate-limit response."""
        ...

    def fail_next(self, requests: int, status: int = 502) -> None:
        """Answer the next `requests` API calls with a server error."""
        ...

    def stall_next(self, requests: int, seconds: float) -> None:
        """Do the work of the next `requests` API calls at once but answer `seconds` late: a
        client that timed out meanwhile must not repeat a write blindly."""
        ...

    def late_next(self, requests: int, seconds: float) -> None:
        """Late work: take the next `requests` API calls in, stay silent `seconds`, only then
        do their work and answer. A client that timed out and looks right away does not see
        the work yet; it lands a moment later."""
        ...

    def garble_next(self, requests: int, how: Garble = "cut") -> None:
        """Answer the next `requests` API calls 200 with a body that is not JSON (see
        `syncer.fakes.faults`), after doing their work."""
        ...

    def clear_faults(self) -> None:
        """Forget the faults scheduled and not yet met (a cycle stopped before meeting them)."""
        ...

    def reset(self) -> None:
        """Back to an empty tracker: no issues, issue numbers from the first again, no faults."""
        ...


class FakeTracker(TrackerControl, Protocol):
    """A fake tracker served over HTTP: the person side, and the server the adapter calls."""

    server: FakeServer
    token: str
    """A token the fake accepts; any other is refused with the tracker's real auth error."""
    repo: str
    """GitHub `owner/name`, GitLab `group/project`, or the Jira project key."""

    def reset(self) -> None:
        """Back to an empty tracker, as freshly constructed without seeded issues, while the
        server keeps running (restarting one costs a test ~0.2 s): no issues or comments, issue
        numbers from the first again, no faults or rate-limit use, no requests recorded;
        webhooks already fired are delivered first, then forgotten."""
        ...
