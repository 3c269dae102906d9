"""HTTP requests the tracker adapters send for a poll and for a batch of creates.

Request counts, not seconds, decide how often syncer may poll and whether a large register fits
in a tracker's rate limit; a slow fake on a busy machine would blur seconds, but never counts.
Each fake records every request it answers (`fake.server.requests`), so these are the requests
the real client libraries (PyGithub, python-gitlab, jira) really sent.

Per tracker, with N issues carrying the sync label (default 1,000):

- **full poll**: `list_changed(None)`, the first cycle's read;
- **idle poll**: `list_changed` with the full poll's cursor. Target: 1 request; on GitHub a
  conditional request answered 304 (which GitHub does not count against the rate limit);
- **changed poll**: after 10 issues are edited by a person (`fake.human_edit`). Target: a cost
  independent of N, shown by running the same polls again with 2N issues;
- **create_many** of 200 drafts (a fifth of them done, a fifth in progress), on a fresh fake.
  GitHub: one request per create and not one limit answer (403) although the fake enforces
  GitHub's secondary limit on creates (20 a minute, the figure users measure, by default):
  the adapter paces its creates, configured with the fake's figure as a user would for their
  server (20 is also its default); both let the batch through in one hour (the hour's limit
  is bench/first_sync.py's subject). Its waits go through an injected sleep that moves a
  virtual clock, which the fake reads too, so minutes of pacing take no time; the figures
  give the virtual seconds waited. Jira: bulk create, ceil(200/50) = 4 requests, plus the
  transitions in-progress and done drafts need: one GET of the transitions a new issue is
  offered, then one POST each.
  Then the poll that reads the creates back, and the idle poll after it.

Prints a table, then one line holding a JSON object of all figures:
`{"github": {...}, "gitlab": {...}, "jira": {...}}`.
Run: python bench/api_cost.py [--issues N] [--creates N] [--create-limit N]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from syncer import log
from syncer.fakes.clock import VirtualTime
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import SYNC_LABEL, FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.fakes.server import RecordedRequest
from syncer.model import IssueDraft, Priority, RemoteIssue, Status
from syncer.trackers.base import Tracker
from syncer.trackers.github import GitHubTracker
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.jira import JiraTracker
from syncer.trackers.pacing import WriteLimits

Json = dict[str, Any]

CHANGED = 10
"""Issues a person edits between the full poll and the changed poll."""
DRAFT_STATUSES = (Status.DONE, Status.IN_PROGRESS, Status.TODO, Status.TODO, Status.TODO)
GITHUB_CREATE_WINDOW = 60.0
"""The window of GitHub's content-creation limit (the secondary rate limit): a minute."""
HOUR_CREATES = 10_000
"""Creates an hour, for the fake and the adapter alike: a batch is measured within one hour."""


# --- counting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The requests a fake answered during one step, by method and by answer status."""

    requests: int
    by_method: dict[str, int]
    by_status: dict[str, int]

    @classmethod
    def of(cls, recorded: Sequence[RecordedRequest]) -> Tally:
        return cls(
            requests=len(recorded),
            by_method=dict(sorted(Counter(r.method for r in recorded).items())),
            by_status=dict(sorted(Counter(str(r.status) for r in recorded).items())),
        )

    def as_json(self, **extra: Any) -> Json:
        return {
            "requests": self.requests,
            "by_method": self.by_method,
            "by_status": self.by_status,
            **extra,
        }

    def brief(self) -> str:
        methods = " ".join(f"{m} {n}" for m, n in self.by_method.items()) or "-"
        statuses = " ".join(f"{s}x{n}" for s, n in self.by_status.items()) or "-"
        return f"{self.requests:>8}  {methods:<24} {statuses}"


# --- time ------------------------------------------------------------------------------------


# --- the three trackers ----------------------------------------------------------------------


def github_seed_count(labelled: int) -> int:
    """How many issues to seed fake GitHub with so that `labelled` carry the sync label.

    The fake seeds a plausible repository: every third issue is a bug without the sync label
    (and some pull requests), which the adapter's label filter must skip.
    """
    return labelled + max(labelled - 1, 0) // 2


def github_fake(issues: int, create_limit: int | None, clock: VirtualTime) -> FakeGitHub:
    fake = FakeGitHub(
        clock=clock,
        issues=github_seed_count(issues),
        create_limit=create_limit,
        create_window=GITHUB_CREATE_WINDOW,
        create_hour_limit=HOUR_CREATES,
    )
    missing = issues - len(fake.refs(SYNC_LABEL))
    for n in range(missing):  # should the fake's seeding change: top up to exactly `issues`
        fake.add_issue(f"Extra tech-debt issue {n + 1}", labels=(SYNC_LABEL,))
    return fake


def github_tracker(fake: FakeTracker, clock: VirtualTime, create_limit: int | None) -> Tracker:
    """The adapter, pacing its writes at the fake's create limit when it has one."""
    limits = WriteLimits(creates_per_hour=HOUR_CREATES)
    if create_limit is not None:
        limits = replace(limits, creates_per_minute=create_limit)
    return GitHubTracker(
        fake.repo,
        fake.token,
        base_url=fake.server.base_url,
        write_limits=limits,
        sleep=clock.sleep,
        clock=clock.time,
    )


def gitlab_tracker(fake: FakeTracker, clock: VirtualTime, _limit: int | None) -> Tracker:
    return GitLabTracker(fake.repo, fake.token, url=fake.server.base_url, sleep=clock.sleep)


def jira_tracker(fake: FakeTracker, clock: VirtualTime, _limit: int | None) -> Tracker:
    return JiraTracker(fake.server.base_url, fake.repo, fake.token, sleep=clock.sleep)


@dataclass(frozen=True)
class Kit:
    """How to start one tracker's fake and connect its adapter to it."""

    name: str
    fake: Callable[[int, int | None, VirtualTime], AbstractContextManager[FakeTracker]]
    """(sync-labelled issues, create limit or None) -> a fake to `with`."""
    tracker: Callable[[FakeTracker, VirtualTime, int | None], Tracker]
    """(the fake, the clock, the fake's create limit or None) -> an adapter connected to it."""


KITS = (
    Kit("github", github_fake, github_tracker),
    Kit("gitlab", lambda issues, _limit, _clock: FakeGitLab(issues=issues), gitlab_tracker),
    Kit("jira", lambda issues, _limit, _clock: FakeJira(issues=issues), jira_tracker),
)


# --- the measurements ------------------------------------------------------------------------


def spread(items: Sequence[Any], count: int) -> list[Any]:
    """`count` elements taken evenly through `items` (edits land on many pages, not one)."""
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def overlap_window(issues: Sequence[RemoteIssue]) -> int:
    """Issues updated since the minute before the newest update's minute.

    JQL compares `updated` to the minute, so the Jira adapter's poll starts a minute before its
    cursor's minute and drops what it already returned: an idle poll still reads these issues,
    one page per 100. Its cost depends on how dense the latest updates are, not on N.
    """
    newest = max(issue.updated_at for issue in issues)
    start = newest.replace(second=0, microsecond=0) - timedelta(minutes=1)
    return sum(1 for issue in issues if issue.updated_at >= start)


def measure_polls(kit: Kit, issues: int) -> tuple[dict[str, Tally], int]:
    """Full poll, idle poll, changed poll (after `CHANGED` edits by a person), idle again;
    and how many issues sit in the overlap window after the full poll."""
    clock = VirtualTime()
    with kit.fake(issues, None, clock) as fake:
        tracker = kit.tracker(fake, clock, None)
        with fake.server.counting() as recorded:
            full = tracker.list_changed(None)
        tallies = {"full": Tally.of(recorded)}
        if len(full.issues) != issues:
            raise SystemExit(f"{kit.name}: full poll returned {len(full.issues)} of {issues}")
        with fake.server.counting() as recorded:
            idle = tracker.list_changed(full.cursor)
        tallies["idle"] = Tally.of(recorded)
        for issue in spread(full.issues, CHANGED):
            fake.human_edit(issue.ref, title=f"{issue.title} (edited)")
        with fake.server.counting() as recorded:
            changed = tracker.list_changed(idle.cursor)
        tallies["changed"] = Tally.of(recorded)
        if len(changed.issues) != CHANGED:
            raise SystemExit(f"{kit.name}: changed poll returned {len(changed.issues)} issues")
        with fake.server.counting() as recorded:
            tracker.list_changed(changed.cursor)
        tallies["idle_after_change"] = Tally.of(recorded)
    if idle.issues or clock.waits:
        raise SystemExit(f"{kit.name}: idle poll returned issues or waited {clock.waits}")
    return tallies, overlap_window(full.issues)


def drafts(count: int) -> list[IssueDraft]:
    priorities = list(Priority)
    return [
        IssueDraft(
            item_key=f"bench-item-{n}",
            title=f"Bench item {n}",
            body=f"Why item {n} matters.\n\n- one detail\n- another detail",
            status=DRAFT_STATUSES[n % len(DRAFT_STATUSES)],
            priority=priorities[n % len(priorities)],
        )
        for n in range(count)
    ]


def is_create(kit: Kit, request: RecordedRequest) -> bool:
    """A request asking the tracker to make issues (single or bulk)."""
    if request.method != "POST":
        return False
    if kit.name == "jira":
        return request.path.endswith("/issue") or request.path.endswith("/issue/bulk")
    return request.path.endswith("/issues")


def measure_creates(kit: Kit, count: int, create_limit: int) -> Json:
    """`create_many` on an empty fake, then the poll reading the creates back, then idle."""
    clock = VirtualTime()
    wanted = drafts(count)
    limit = create_limit if kit.name == "github" else None
    with kit.fake(0, limit, clock) as fake:
        tracker = kit.tracker(fake, clock, limit)
        before = tracker.list_changed(None)
        started = time.perf_counter()
        with fake.server.counting() as recorded:
            made = tracker.create_many(wanted)
        seconds = time.perf_counter() - started
        with fake.server.counting() as echo_recorded:
            echo = tracker.list_changed(before.cursor)
        with fake.server.counting() as idle_recorded:
            tracker.list_changed(echo.cursor)
    failed = [m for m in made if m.issue is None]
    if failed:
        raise SystemExit(f"{kit.name}: {len(failed)} drafts not created, first: {failed[0].error}")
    issues = [m.issue for m in made if m.issue is not None]
    if [m.draft for m in made] != wanted or [i.title for i in issues] != [d.title for d in wanted]:
        raise SystemExit(f"{kit.name}: create_many did not return the drafts in order")
    if sum(1 for i, d in zip(issues, wanted, strict=True) if i.status is not d.status):
        raise SystemExit(f"{kit.name}: created issues do not carry their drafts' status")
    creates = [r for r in recorded if is_create(kit, r)]
    others = [r for r in recorded if not is_create(kit, r)]
    accepted = sum(1 for r in creates if r.status < 300)
    refused = [r for r in creates if r.status in (403, 429)]
    figures: Json = {
        "drafts": count,
        "created": len(issues),
        "non_todo_drafts": sum(1 for d in wanted if d.status is not Status.TODO),
        "wall_s": round(seconds, 3),
        "requests": len(recorded),
        "by_method": Tally.of(recorded).by_method,
        "create_requests": len(creates),
        "create_requests_accepted": accepted,
        "limit_hits": len(refused),
        "waits": len(clock.waits),
        "waited_s": round(float(sum(clock.waits)), 1),
        "other_requests": Tally.of(others).as_json(),
        "echo_poll": Tally.of(echo_recorded).as_json(issues=len(echo.issues)),
        "idle_poll_after_create": Tally.of(idle_recorded).as_json(),
    }
    if kit.name == "github":
        figures["create_limit"] = {"limit": create_limit, "window_s": GITHUB_CREATE_WINDOW}
    if kit.name == "jira":
        figures["overlap_window_issues_after_create"] = overlap_window(issues)
        transitions = [r for r in others if r.path.endswith("/transitions")]
        figures["transition_requests"] = Tally.of(transitions).as_json()
        figures["bulk_create_target"] = math.ceil(count / 50)
    return figures


def tracker_figures(kit: Kit, issues: int, creates: int, create_limit: int) -> Json:
    measured = {size: measure_polls(kit, size) for size in (issues, 2 * issues)}
    polls = {size: tallies for size, (tallies, _) in measured.items()}
    base, double = polls[issues], polls[2 * issues]
    window = {"overlap_window_issues": measured[issues][1]} if kit.name == "jira" else {}
    return {
        "issues": issues,
        "idle_poll_requests": base["idle"].requests,
        "idle_poll_304": base["idle"].by_status.get("304", 0),
        "changed": CHANGED,
        "changed_poll_requests": base["changed"].requests,
        "changed_poll_requests_at_2x": double["changed"].requests,
        "changed_poll_independent_of_n": base["changed"].requests == double["changed"].requests,
        **window,
        "polls": {
            str(size): {name: tally.as_json() for name, tally in tallies.items()}
            for size, tallies in polls.items()
        },
        "create_many": measure_creates(kit, creates, create_limit),
    }


# --- output ----------------------------------------------------------------------------------


def print_table(results: Json) -> None:
    print(f"{'tracker':<8} {'step':<36} {'requests':>8}  {'by method':<24} by status")
    for name, figures in results.items():
        for size, steps in figures["polls"].items():
            for step, tally in steps.items():
                row = Tally(tally["requests"], tally["by_method"], tally["by_status"])
                print(f"{name:<8} {f'{step} poll, {size} issues':<36} {row.brief()}")
        made = figures["create_many"]
        creates = f"create_many {made['drafts']}: creates"
        print(
            f"{name:<8} {creates:<36} {made['create_requests']:>8}  "
            f"accepted {made['create_requests_accepted']}, limit hits {made['limit_hits']}, "
            f"{made['waits']} waits, {made['waited_s']} s (virtual)"
        )
        other = made["other_requests"]
        row = Tally(other["requests"], other["by_method"], other["by_status"])
        print(f"{name:<8} {'create_many: other requests':<36} {row.brief()}")
        if "transition_requests" in made:
            t = made["transition_requests"]
            row = Tally(t["requests"], t["by_method"], t["by_status"])
            print(f"{name:<8} {'  of which transitions':<36} {row.brief()}")
        for step in ("echo_poll", "idle_poll_after_create"):
            t = made[step]
            row = Tally(t["requests"], t["by_method"], t["by_status"])
            print(f"{name:<8} {step.replace('_', ' '):<36} {row.brief()}")


def main() -> None:
    log.configure(level=logging.WARNING)  # the figures own stdout; warnings go to stderr
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--issues", type=int, default=1000, help="sync-labelled issues per fake")
    ap.add_argument("--creates", type=int, default=200, help="drafts passed to create_many")
    ap.add_argument("--create-limit", type=int, default=20, help="fake GitHub's creates per minute")
    args = ap.parse_args()
    if args.issues < CHANGED:
        ap.error(f"--issues must be at least {CHANGED}")
    results = {
        kit.name: tracker_figures(kit, args.issues, args.creates, args.create_limit) for kit in KITS
    }
    print_table(results)
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
