"""The trackers the sync state machine syncs to, one set per profile.

- `http`: fake GitLab and GitHub served over real HTTP on 127.0.0.1, reached through the real
  adapters and client libraries: the profile that tests everything down to the wire, and pays
  for it (a cycle costs tens of milliseconds, a timeout fault a second of waiting).
- `memory`: two projects of the in-memory tracker (`syncer.trackers.memory`), which keeps the
  same adapter contract without a server: the same rules and invariants, many more histories
  in the same time.

The machine sees either through `Side`: the tracker syncer talks to, what a person does to its
issues, and how a fault of the machine's vocabulary is scheduled on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import quote

import requests

from syncer.fakes.control import FakeTracker, TrackerControl
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.trackers.base import RetryPolicy, Tracker
from syncer.trackers.github import GitHubTracker
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.memory import MemoryProject, MemoryTracker
from tests.trackers.helpers import UNPACED

FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, max_wait_seconds=2.0, timeout_seconds=10)
"""As tests/sync/conftest.py: few, instant retries (sleep is a no-op), so faults stay cheap."""

FAULTS = ("fail", "fail_after_acting", "throttle", "timeout")
"""The tracker faults of `SyncMachine.reconcile_with_fault` (the others are a person's save)."""

TIMEOUTS = {"github": 1.0, "gitlab": 0.3}
"""The shortest timeout each adapter can be given (PyGithub takes whole seconds), for the
cycles where a fake holds its answers back: short, so a timeout costs the machine little."""


class Side(Protocol):
    """One target of the machine."""

    name: str
    kind: str
    repo: str
    control: TrackerControl
    tracker: Tracker

    def raw_body(self, ref: str) -> str:
        """The issue's whole body as stored (footer and marker included), as an editor shows
        it to a person."""
        ...

    def schedule(self, fault: str, count: int, status: int) -> Tracker | None:
        """Make the next cycle meet `fault` (one of `FAULTS`); the tracker that cycle must use
        instead of `tracker`, if any."""
        ...


def make_tracker(kind: str, fake: FakeTracker, timeout_seconds: float | None = None) -> Tracker:
    policy = FAST if timeout_seconds is None else replace(FAST, timeout_seconds=timeout_seconds)
    if kind == "gitlab":
        return GitLabTracker(
            fake.repo, fake.token, url=fake.server.base_url, retry=policy, sleep=lambda s: None
        )
    return GitHubTracker(
        fake.repo,
        fake.token,
        base_url=fake.server.base_url,
        retry=policy,
        write_limits=UNPACED,
        sleep=lambda s: None,
    )


@dataclass
class HttpSide:
    """A fake GitLab or GitHub (emptied first) and its real adapter; `name` is the kind."""

    name: str
    fake: FakeGitLab | FakeGitHub
    kind: str = field(init=False)
    repo: str = field(init=False)
    control: TrackerControl = field(init=False)
    tracker: Tracker = field(init=False)

    def __post_init__(self) -> None:
        self.fake.reset()
        self.kind, self.repo, self.control = self.name, self.fake.repo, self.fake
        self.tracker = make_tracker(self.kind, self.fake)

    def raw_body(self, ref: str) -> str:
        if isinstance(self.fake, FakeGitHub):
            return str(self.fake.issue_json(ref).get("body") or "")
        project = quote(self.fake.repo, safe="")
        answer = requests.get(
            f"{self.fake.server.base_url}/api/v4/projects/{project}/issues/{ref}",
            headers={"PRIVATE-TOKEN": self.fake.token},
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json().get("description") or "")

    def schedule(self, fault: str, count: int, status: int) -> Tracker | None:
        if fault == "fail":
            self.fake.fail_next(count, status)
        elif fault == "fail_after_acting":
            if isinstance(self.fake, FakeGitHub):
                self.fake.fail_next(count, status, acted=True)
            else:
                self.fake.fail_next(count, status)
        elif fault == "throttle":
            self.fake.throttle_next(count, retry_after=1.0)
        elif fault == "timeout":
            # Answers held back past the client's patience, the work done regardless: the
            # adapter must not repeat a write it cannot tell was made (a second issue)
            patience = TIMEOUTS[self.kind]
            self.fake.stall_next(1, seconds=patience + 0.3)
            return make_tracker(self.kind, self.fake, timeout_seconds=patience)
        return None


@dataclass
class MemorySide:
    """A fresh in-memory project named after the target, and a tracker on it.

    The faults mean what the HTTP adapters make of them, without an adapter's retries: every
    failed call fails (a 502 over HTTP is mostly retried away), `fail_after_acting` is work
    done with its answers lost (`late_next`), `timeout` one such answer (`stall_next`).
    """

    name: str
    kind: str = "memory"
    project: MemoryProject = field(init=False)
    repo: str = field(init=False)
    control: TrackerControl = field(init=False)
    tracker: Tracker = field(init=False)

    def __post_init__(self) -> None:
        self.project = MemoryProject(f"memory/{self.name}")
        self.repo, self.control = self.project.repo, self.project
        self.tracker = MemoryTracker(self.project)

    def raw_body(self, ref: str) -> str:
        return self.project.raw_body(ref)

    def schedule(self, fault: str, count: int, status: int) -> Tracker | None:
        if fault == "fail":
            self.project.fail_next(count, status)
        elif fault == "fail_after_acting":
            self.project.late_next(count, seconds=0.0)
        elif fault == "throttle":
            self.project.throttle_next(count, retry_after=1.0)
        elif fault == "timeout":
            self.project.stall_next(1, seconds=0.0)
        return None


@dataclass
class Fakes:
    """One fake GitLab and one fake GitHub, started once and shared by every example."""

    gitlab: FakeGitLab
    github: FakeGitHub

    def of(self, name: str) -> FakeGitLab | FakeGitHub:
        return self.gitlab if name == "gitlab" else self.github


@contextmanager
def started_fakes() -> Iterator[Fakes]:
    with FakeGitLab() as gitlab, FakeGitHub(rate_limit=10**9, create_limit=None) as github:
        yield Fakes(gitlab, github)


@dataclass(frozen=True)
class Profile:
    """Where the machine's targets live, and how many examples it runs there."""

    name: str
    """`http` (its sides need the started `Fakes`) or `memory`."""
    targets: tuple[str, str]
    """The first target's name, and the second's for two-target examples."""
    examples: int

    def sides(self, fakes: Fakes | None, names: list[str]) -> dict[str, Side]:
        """The targets `names` of one example, empty: fakes reset, or fresh projects."""
        if fakes is None:
            return {name: MemorySide(name) for name in names}
        return {name: HttpSide(name, fakes.of(name)) for name in names}
