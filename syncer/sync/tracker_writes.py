"""Carry out a plan's tracker operations, each recorded in the outbox before and after.

Creates go first, per target in chunks, and each issue made is linked in the store at once, so
a run stopped by a rate limit, a signal or a crash keeps every link it made; the register gets
them at the end of the run, whatever stopped it. A target that
fails stops taking writes for the rest of the cycle; the others go on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date

from syncer import watch
from syncer.model import IssueChange, IssueDraft, Priority, RemoteIssue, Status
from syncer.register import Register
from syncer.state.records import LinkRecord
from syncer.sync.merge import Value
from syncer.sync.operations import (
    AddItem,
    AdoptIssue,
    CloseDuplicate,
    CloseRemoved,
    CreateIssue,
    Operation,
    UpdateIssue,
)
from syncer.sync.planned import Plan
from syncer.sync.progress import CycleState
from syncer.sync.reading import issue_missing
from syncer.sync.register_edits import Added, NewLink
from syncer.sync.values import Reading
from syncer.trackers.base import (
    TARGET_ERRORS,
    AnswerLost,
    NotFound,
    NotTried,
    RateLimited,
    Refused,
    TrackerError,
)

BULK_CREATE = {"jira": 50}
"""Drafts handed to one `create_many`, by tracker kind: Jira's bulk limit. Trackers without a
bulk create take one at a time: it costs no request more, and each link is saved, and a stop
heeded, as soon as its issue exists (GitHub's creates go out 3 s apart on average: a chunk of
50 would hold both back for minutes)."""


TRACKER_WRITES = (CreateIssue, AdoptIssue, UpdateIssue, CloseRemoved, CloseDuplicate)


def write_trackers(cycle: CycleState, the_plan: Plan, register: Register) -> None:
    watcher = watch.current()
    planned = sum(1 for op in the_plan.operations if isinstance(op, TRACKER_WRITES))
    watcher.planned(cycle.job.name, planned)
    done = 0
    creates: dict[str, list[CreateIssue]] = {}
    for op in the_plan.of(CreateIssue):
        creates.setdefault(op.target, []).append(op)
    for target, ops in creates.items():
        chunk = BULK_CREATE.get(cycle.tracker(target).kind, 1)
        for start in range(0, len(ops), chunk):
            if cycle.stop or target in cycle.failed_targets:
                break
            rest = len(ops) - start - chunk
            _create(cycle, target, ops[start : start + chunk], register, max(rest, 0))
            done += len(ops[start : start + chunk])
            watcher.wrote(cycle.job.name, done, cycle.counts)
    for step in the_plan.operations:
        target = getattr(step, "target", "")
        if cycle.stop or target in cycle.failed_targets or isinstance(step, CreateIssue):
            continue
        try:
            _tracker_op(cycle, step, register)
        except NotFound as exc:
            if isinstance(step, UpdateIssue | CloseRemoved):
                issue_missing(cycle, step.target, step.ref, exc)
        except RateLimited as exc:
            cycle.fail(target, f"rate limited until {exc.retry_at:%H:%M:%S}", exc)
        except TrackerError as exc:
            cycle.fail(target, type(step).__name__, exc)
        if isinstance(step, TRACKER_WRITES):
            done += 1
            watcher.wrote(cycle.job.name, done, cycle.counts)


def _create(
    cycle: CycleState, target: str, ops: list[CreateIssue], register: Register, rest: int
) -> None:
    """One chunk of a target's creates; `rest` more wait after it. A failure other than a
    refusal stops the target's creates (as it stops a tracker's batch): the rest wait for the
    next cycle."""
    job, store = cycle.job, cycle.store
    entries = [
        store.add_intent(
            job.name, target, "create", op.item_key, _token(op.item_key), _draft_json(op.draft)
        )
        for op in ops
    ]
    made = cycle.tracker(target).create_many([op.draft for op in ops])
    reading = cycle.reading(target)
    lost: list[str] = []
    unsent = 0
    for op, entry, result in zip(ops, entries, made, strict=True):
        issue, error = result.issue, result.error
        if issue is not None:
            kept_values(cycle, target, issue, op.draft)
            cycle.save_links([
                LinkRecord(
                    job.name, target, issue.ref, issue.url, op.item_key,
                    reading.item(register.item(op.item_key)), reading.issue(issue), issue.version,
                )
            ])  # fmt: skip
            store.complete(entry.id, issue.ref)
            cycle.new_links.append(NewLink(target, op.item_key, issue))
            cycle.counts["created"] += 1
        elif isinstance(error, AnswerLost):
            lost.append(str(error))  # it may exist: the intent stays pending for its marker
        elif isinstance(error, TARGET_ERRORS):
            store.fail(entry.id, f"not sent: {error}")
            if target not in cycle.failed_targets:
                cycle.fail(target, "create", error)
        elif isinstance(error, NotTried):
            store.fail(entry.id, "not sent")
            unsent += 1
        elif error is not None:
            # Refused (an assignee the tracker does not know…): this item alone fails, with
            # its reason; the other items and the target's other writes go on.
            store.fail(entry.id, str(error))
            cycle.errors.append(f"{target}: {op.item_key}: not created: {error}")
            cycle.counts["create_refused"] += 1
    stopped = any(m.error is not None and not isinstance(m.error, Refused) for m in made)
    if stopped and target not in cycle.failed_targets:
        unsent += rest
    if lost or unsent:
        _batch_stopped(cycle, target, lost, unsent)


def _batch_stopped(cycle: CycleState, target: str, lost: list[str], unsent: int) -> None:
    """One line for a batch the tracker stopped answering: the creates whose answer was lost
    may exist (never sent again now: the next cycle settles them by marker), the rest wait for
    next time. The target takes no more writes this cycle."""
    cycle.counts["creates_unanswered"] += len(lost)
    cycle.counts["creates_not_sent"] += unsent
    what = [f"{len(lost)} create(s) unanswered ({lost[0]})"] if lost else []
    what += [f"{unsent} not sent"] if unsent else []
    cycle.fail(
        target,
        "create",
        TrackerError(f"{', '.join(what)}; the next run finds what was made and makes the rest"),
    )


def _tracker_op(cycle: CycleState, op: Operation, register: Register) -> None:
    if isinstance(op, UpdateIssue):
        _update(cycle, op)
    elif isinstance(op, AdoptIssue):
        _adopt(cycle, op, register)
    elif isinstance(op, CloseRemoved):
        close_issue(cycle, op.target, op.ref, op.item_key, op.comment)
        cycle.counts["closed"] += 1
    elif isinstance(op, CloseDuplicate):
        close_duplicate(cycle, op.target, op.ref, op.item_key, op.kept_ref)
    elif isinstance(op, AddItem):
        cycle.added.append(Added(op.target, op.issue, op.new))


def _update(cycle: CycleState, op: UpdateIssue) -> None:
    job, store = cycle.job, cycle.store
    entry = store.add_intent(
        job.name, op.target, "update", op.item_key, _token(op.ref), json.dumps(dict(op.values))
    )
    tracker = cycle.tracker(op.target)
    current = cycle.issue(op.target, op.ref)
    if current is None and "assignees" in op.values:
        current = tracker.get(op.ref)  # whom syncer cannot name stays assigned: who is it?
    change = change_for(op.values, cycle.reading(op.target), current)
    issue = tracker.update(op.ref, change, current)
    kept_values(cycle, op.target, issue, change)
    store.complete(entry.id, issue.version)
    cycle.latest[(op.target, op.ref)] = issue
    cycle.pushed.update((op.target, op.ref, name) for name in op.values)
    cycle.counts["updated"] += 1


def kept_values(
    cycle: CycleState,
    target: str,
    issue: RemoteIssue,
    asked: IssueDraft | IssueChange,
) -> None:
    """Say what a write asked for and the tracker did not keep, silently as it may: GitLab's
    Free tier keeps the first assignee only and drops users who cannot read the project, Jira
    takes one assignee, and a Jira screen without priority or due date leaves them out. Said
    once: the write's answer is what the link's base takes, so the next cycle agrees with the
    tracker and does not ask again (docs/sync.md, "Values a tracker drops")."""
    held = {user.casefold() for user in issue.assignees}
    dropped = [user for user in asked.assignees or () if user.casefold() not in held]
    if dropped:
        cycle.note(
            f"{target}: {issue.ref} did not take assignee(s) {', '.join(dropped)}; it holds"
            f" {', '.join(issue.assignees) or 'nobody'} (one assignee per issue on this plan,"
            " or users who cannot see the project?)"
        )
        cycle.counts["assignees_dropped"] += len(dropped)
    left = [
        f"{name} {value}"
        for name, value, kept in (
            ("priority", asked.priority, issue.priority),
            ("due date", asked.due_date, issue.due_date),
        )
        if value is not None and value != kept
    ]
    if left:
        cycle.note(
            f"{target}: {issue.ref} did not take {' and '.join(left)} (not on the tracker's"
            " screen for it, or not allowed for this account?)"
        )
        cycle.counts["values_dropped"] += len(left)


def close_duplicate(cycle: CycleState, target: str, ref: str, item_key: str, kept: str) -> None:
    """Close a second issue syncer made for an item, pointing at the one kept; reported."""
    comment = (
        f"Duplicate of {cycle.views[target].link_text(kept)}, created by syncer after a"
        " tracker's answer was lost; closed by syncer."
    )
    close_issue(cycle, target, ref, item_key, comment)
    cycle.note(f"{target}: closed {ref}, a duplicate of {kept} made for {item_key}")
    cycle.counts["duplicates_closed"] += 1


def close_issue(cycle: CycleState, target: str, ref: str, item_key: str, comment: str) -> None:
    """Comment, close, and forget any link to the issue (outbox-recorded)."""
    job, store = cycle.job, cycle.store
    entry = store.add_intent(job.name, target, "close", item_key, _token(ref), comment)
    tracker = cycle.tracker(target)
    tracker.comment(ref, comment)
    tracker.update(ref, IssueChange(status=Status.DONE), cycle.issue(target, ref))
    store.complete(entry.id, "closed")
    cycle.drop_link(target, ref)


def _adopt(cycle: CycleState, op: AdoptIssue, register: Register) -> None:
    """Link an existing issue; the register, source of truth, sets its fields right away."""
    item = register.item(op.item_key)
    reading = cycle.reading(op.target)
    wanted = reading.item(item)
    differing = {k: v for k, v in wanted.items() if v != reading.issue(op.issue).get(k)}
    issue = op.issue
    if differing:
        change = change_for(differing, reading, op.issue)
        issue = cycle.tracker(op.target).update(op.issue.ref, change, op.issue)
        kept_values(cycle, op.target, issue, change)
    cycle.save_links([
        LinkRecord(
            cycle.job.name, op.target, issue.ref, issue.url, item.key,
            wanted, reading.issue(issue), issue.version, in_file=op.in_file,
        )
    ])  # fmt: skip
    cycle.latest[(op.target, issue.ref)] = issue
    if not op.in_file:
        cycle.new_links.append(NewLink(op.target, item.key, issue))
    cycle.counts["adopted"] += 1


def change_for(
    values: Mapping[str, Value], reading: Reading, current: RemoteIssue | None
) -> IssueChange:
    """The tracker change that makes an issue hold `values` (register terms)."""
    priority, status, due = values.get("priority"), values.get("status"), values.get("due_date")
    assignees = (
        reading.assignees(values["assignees"], current.assignees if current else ())
        if "assignees" in values
        else None
    )
    return IssueChange(
        assignees=assignees,
        due_date=date.fromisoformat(due) if due else None,
        clear_due_date="due_date" in values and due is None,
        title=values.get("title"),
        body=values.get("body"),
        status=Status(status) if status else None,
        priority=Priority(priority) if priority else None,
        clear_priority="priority" in values and priority is None,
        field_labels=reading.label_swaps(values),
    )


def _token(subject: str) -> str:
    """A fresh idempotency token per attempt: a retried write gets its own outbox entry (the
    marker, not the token, is what recovers a create)."""
    return f"{subject}@{uuid.uuid4().hex}"


def _draft_json(draft: IssueDraft) -> str:
    return json.dumps({"title": draft.title, "item_key": draft.item_key})
