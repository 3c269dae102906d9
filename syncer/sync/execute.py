"""Carry out one cycle: the only code that calls trackers, the store and the register file.

Order: settle what a crash left in the outbox, read the register and the trackers, plan, write
the trackers (each write recorded in the outbox before and after), write the register once,
atomically, only if its bytes are still those read, then advance bases for what succeeded and
cursors for targets whose changes were fully taken in.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

from syncer import log
from syncer.model import IssueChange, IssueDraft, Priority, RemoteIssue, Status
from syncer.register import (
    EditError,
    Item,
    NewItem,
    Register,
    RegisterRules,
    Splices,
    add_item_edits,
    apply,
    body_edits,
    field_edits,
    link_edits,
    links_edits,
    parse,
    priority_edits,
    status_edits,
    title_edits,
    unlink_edits,
)
from syncer.sources.files import RegisterChanged, fingerprint, read_register, write_register
from syncer.state.records import Base, LinkRecord, OutboxEntry
from syncer.state.store import Store
from syncer.sync.merge import Value
from syncer.sync.plan import (
    AddItem,
    AdoptIssue,
    CloseRemoved,
    CreateIssue,
    FieldPlan,
    InsertLink,
    Operation,
    Plan,
    PlanOptions,
    RecordConflict,
    Target,
    UpdateIssue,
    WriteRegister,
    plan,
)
from syncer.sync.values import (
    DUE_DATE_FIELDS,
    FIELDS,
    OWNER_FIELDS,
    People,
    Reading,
    owner_field,
)
from syncer.trackers.base import NotFound, RateLimited, Tracker, TrackerError


@dataclass(frozen=True)
class TargetSpec:
    name: str
    kind: str
    repo: str
    tracker: Tracker
    field_labels: Mapping[str, str] = field(default_factory=dict)
    due_date_field: str | None = None
    user_map: Mapping[str, str] = field(default_factory=dict)
    """Register name → tracker user id, for assignees (none: assignees are not synced)."""

    def reading(self, people: People) -> Reading:
        return Reading(self.due_date_field, self.user_map, people)

    def view(
        self,
        changed: Mapping[str, RemoteIssue],
        links: Sequence[LinkRecord],
        people: People | None = None,
    ) -> Target:
        reading = self.reading(people or People())
        return Target(self.name, self.kind, self.repo, changed, links, self.field_labels, reading)


@dataclass(frozen=True)
class RegisterJob:
    name: str
    path: Path
    targets: Sequence[TargetSpec]
    rules: RegisterRules = field(default_factory=RegisterRules)
    options: PlanOptions = field(default_factory=PlanOptions)
    hidden_links: bool = False

    @cached_property
    def people(self) -> People:
        """Every name the targets' user maps know: computed once, read per item and field."""
        return People.of([target.user_map for target in self.targets])


@dataclass
class CycleReport:
    register: str
    plan: Plan | None = None
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What a person should know that is not a failure (an issue deleted in a tracker…)."""
    register_written: bool = False
    open_conflicts: int = 0

    @property
    def refused(self) -> str:
        return self.plan.refused if self.plan else ""


@dataclass
class _Cycle:
    """What one cycle learns as it goes: tracker results, links to write, failures."""

    job: RegisterJob
    store: Store
    report: CycleReport
    read: dict[tuple[str, str], RemoteIssue] = field(default_factory=dict)
    """Issues as read this cycle, by (target, ref)."""
    latest: dict[tuple[str, str], RemoteIssue] = field(default_factory=dict)
    """Issues as our own writes left them."""
    pushed: set[tuple[str, str, str]] = field(default_factory=set)
    failed_targets: set[str] = field(default_factory=set)
    new_links: list[tuple[str, str, RemoteIssue]] = field(default_factory=list)
    """(target, item key, issue) linked this cycle, to be written into the register."""
    added: list[tuple[str, RemoteIssue, NewItem]] = field(default_factory=list)
    deleted: list[tuple[str, str, str]] = field(default_factory=list)
    """(target, ref, item key) of issues gone from the tracker."""

    def spec(self, name: str) -> TargetSpec:
        return next(t for t in self.job.targets if t.name == name)

    def tracker(self, name: str) -> Tracker:
        return self.spec(name).tracker

    @cached_property
    def _readings(self) -> dict[str, Reading]:
        return {spec.name: spec.reading(self.job.people) for spec in self.job.targets}

    def reading(self, target: str) -> Reading:
        """How `target` reads values, built once per cycle (its user lookups with it)."""
        return self._readings[target]

    def values(self, item: Item, target: str) -> Base:
        """The item's values as this target compares them."""
        return self.reading(target).item(item)

    def issue_values(self, issue: RemoteIssue, target: str) -> Base:
        return self.reading(target).issue(issue)

    def fail(self, target: str, what: str, exc: Exception) -> None:
        self.failed_targets.add(target)
        self.report.errors.append(f"{target}: {what}: {exc}")
        self.report.counts["errors"] += 1


BUSY_RETRIES = 2
"""Cycles run again at once when a person's save kept a cycle's register write out."""


def run_cycles(
    job: RegisterJob,
    store: Store,
    *,
    dry_run: bool = False,
    force: bool = False,
    busy_retries: int = BUSY_RETRIES,
) -> CycleReport:
    """One cycle, re-run right away (at most `busy_retries` times) while a person's save mid-
    cycle keeps its register write out.

    The skipped write held links to issues just made and values pulled from trackers; until
    the file has them, an item renamed or removed meanwhile cannot be told apart from a new
    one. A fresh cycle re-reads the file as the person left it and re-plans, as any later one
    would, only sooner. The report folds the cycles: counts and notes of all, errors, plan
    and conflicts of the last (what is still wrong now).
    """
    report = last = run_cycle(job, store, dry_run=dry_run, force=force)
    for _ in range(busy_retries):
        if dry_run or not last.counts["register_busy"]:
            break
        last = run_cycle(job, store, force=force)
        report = CycleReport(
            job.name,
            plan=last.plan,
            counts=report.counts + last.counts,
            errors=last.errors,
            notes=report.notes + last.notes,
            register_written=report.register_written or last.register_written,
            open_conflicts=last.open_conflicts,
        )
    return report


def run_cycle(
    job: RegisterJob, store: Store, *, dry_run: bool = False, force: bool = False
) -> CycleReport:
    report = CycleReport(job.name)
    run = None if dry_run else store.start_run(job.name)
    cycle = _Cycle(job, store, report)
    try:
        _cycle(cycle, dry_run, force)
    except (TrackerError, RegisterChanged, EditError, OSError) as exc:
        report.errors.append(str(exc))
        report.counts["errors"] += 1
    finally:
        report.open_conflicts = len(store.conflicts(job.name))
        if run is not None:
            store.finish_run(run.id, dict(report.counts), "; ".join(report.errors)[:2000])
        log.get().info(
            "cycle",
            register=job.name,
            dry_run=dry_run,
            operations=len(report.plan.operations) if report.plan else 0,
            refused=report.refused or None,
            errors=report.errors or None,
            open_conflicts=report.open_conflicts,
            counts=dict(report.counts),
        )
    return report


def _cycle(cycle: _Cycle, dry_run: bool, force: bool) -> None:
    job, store = cycle.job, cycle.store
    if not dry_run:
        _settle_outbox(cycle)
    text = read_register(job.path)
    read_at = fingerprint(text)
    register = parse(text, job.rules)
    targets, cursors = _read_targets(cycle, register)
    options = replace(
        job.options,
        force=force or job.options.force,
        register_mtime=datetime.fromtimestamp(job.path.stat().st_mtime, UTC),
    )
    the_plan = plan(job.name, register, targets, options)
    cycle.report.plan = the_plan
    if dry_run or the_plan.refused:
        return
    _write_trackers(cycle, the_plan, register)
    final, written = _write_register(cycle, register, the_plan, read_at)
    _record_conflicts(cycle, the_plan)
    _advance_bases(cycle, the_plan, final, written)
    waiting = {op.target for op in the_plan.of(RecordConflict) if op.taken == "open"}
    for target in targets:
        # A cursor moves only when all it brought in was taken in (written, no failure, no
        # conflict left open): else the same issues are read again next time.
        if target.name not in cycle.failed_targets | waiting and written:
            store.set_cursor(job.name, target.name, cursors[target.name])


# --- before planning ---------------------------------------------------------------------------


def _settle_outbox(cycle: _Cycle) -> None:
    """Creates a crash or a lost answer left unrecorded are found by their marker (one lookup
    per target), never made again."""
    job, store = cycle.job, cycle.store
    creates: dict[str, list[OutboxEntry]] = {}
    for entry in store.pending(job.name):
        if entry.operation != "create":
            store.fail(entry.id, "interrupted; re-planned")
            continue
        creates.setdefault(entry.target, []).append(entry)
    for target, entries in creates.items():
        try:
            found = cycle.tracker(target).find_markers({entry.item_key for entry in entries})
        except TrackerError as exc:
            cycle.fail(target, "recovering creates", exc)
            continue
        for entry in entries:
            issues = found.get(entry.item_key)
            if not issues:
                store.fail(entry.id, "not created")
                continue
            issue = issues[0]
            store.save_link(LinkRecord(job.name, target, issue.ref, issue.url, entry.item_key))
            store.complete(entry.id, issue.ref)
            cycle.report.counts["recovered"] += 1


def _read_targets(cycle: _Cycle, register: Register) -> tuple[list[Target], dict[str, str | None]]:
    job, store = cycle.job, cycle.store
    targets, cursors = [], {}
    for spec in job.targets:
        links = store.links(job.name, spec.name)
        changes = spec.tracker.list_changed(store.cursor(job.name, spec.name))
        changed = {issue.ref: issue for issue in changes.issues}
        draft = spec.view(changed, links, job.people)
        for ref in _refs_to_fetch(register, draft):
            try:
                changed[ref] = spec.tracker.get(ref)
            except NotFound:
                item = draft.linked_items(register).get(ref)
                cycle.deleted.append((spec.name, ref, item.key if item else ""))
        targets.append(spec.view(changed, links, job.people))
        cycle.read.update(((spec.name, ref), issue) for ref, issue in changed.items())
        cursors[spec.name] = changes.cursor
    return targets, cursors


def _refs_to_fetch(register: Register, target: Target) -> list[str]:
    """Issues linked without a base to compare against: written in the file by someone else,
    or recovered from the outbox."""
    stored = {rec.ref: rec for rec in target.links}
    refs = [
        ref
        for item in register.items
        for link in item.links
        if (ref := target.ref_of(link.text)) is not None
        and (ref not in stored or not stored[ref].base_tracker)
    ]
    refs += [r.ref for r in target.links if not r.base_tracker and r.ref not in refs]
    return [ref for ref in dict.fromkeys(refs) if ref not in target.changed]


# --- tracker writes ----------------------------------------------------------------------------


def _write_trackers(cycle: _Cycle, the_plan: Plan, register: Register) -> None:
    creates: dict[str, list[CreateIssue]] = {}
    for op in the_plan.operations:
        if isinstance(op, CreateIssue):
            creates.setdefault(op.target, []).append(op)
    for target, ops in creates.items():
        _create(cycle, target, ops, register)
    for op in the_plan.operations:
        if op.__class__ in (CreateIssue, WriteRegister, InsertLink, RecordConflict):
            continue
        target = getattr(op, "target", "")
        if target in cycle.failed_targets:
            continue
        try:
            _tracker_op(cycle, op, register)
        except NotFound:
            assert isinstance(op, UpdateIssue | CloseRemoved)
            cycle.deleted.append((op.target, op.ref, op.item_key))
        except RateLimited as exc:
            cycle.fail(target, f"rate limited until {exc.retry_at:%H:%M:%S}", exc)
        except TrackerError as exc:
            cycle.fail(target, type(op).__name__, exc)


def _create(cycle: _Cycle, target: str, ops: list[CreateIssue], register: Register) -> None:
    job, store = cycle.job, cycle.store
    entries = [
        store.add_intent(
            job.name, target, "create", op.item_key, _token(op.item_key), _draft_json(op.draft)
        )
        for op in ops
    ]
    made = cycle.tracker(target).create_many([op.draft for op in ops])
    for op, entry, result in zip(ops, entries, made, strict=True):
        issue = result.issue
        if issue is None:
            if target not in cycle.failed_targets and result.error is not None:
                cycle.fail(target, "create", result.error)
            continue  # the intent stays pending: the next cycle looks for its marker
        base_register = cycle.values(register.item(op.item_key), target)
        store.save_link(
            LinkRecord(
                job.name, target, issue.ref, issue.url, op.item_key,
                base_register, cycle.issue_values(issue, target), issue.version,
            )
        )  # fmt: skip
        store.complete(entry.id, issue.ref)
        cycle.new_links.append((target, op.item_key, issue))
        cycle.report.counts["created"] += 1


def _tracker_op(cycle: _Cycle, op: Operation, register: Register) -> None:
    job, store = cycle.job, cycle.store
    if isinstance(op, UpdateIssue):
        entry = store.add_intent(
            job.name, op.target, "update", op.item_key, _token(op.ref), json.dumps(dict(op.values))
        )
        tracker = cycle.tracker(op.target)
        current = cycle.latest.get((op.target, op.ref)) or cycle.read.get((op.target, op.ref))
        if current is None and "assignees" in op.values:
            current = tracker.get(op.ref)  # whom syncer cannot name stays assigned: who is it?
        change = _change(op.values, cycle.reading(op.target), current)
        issue = tracker.update(op.ref, change)
        store.complete(entry.id, issue.version)
        cycle.latest[(op.target, op.ref)] = issue
        cycle.pushed.update((op.target, op.ref, name) for name in op.values)
        cycle.report.counts["updated"] += 1
    elif isinstance(op, AdoptIssue):
        _adopt(cycle, op, register.item(op.item_key))
    elif isinstance(op, CloseRemoved):
        entry = store.add_intent(
            job.name, op.target, "close", op.item_key, _token(op.ref), op.comment
        )
        tracker = cycle.tracker(op.target)
        tracker.comment(op.ref, op.comment)
        tracker.update(op.ref, IssueChange(status=Status.DONE))
        store.complete(entry.id, "closed")
        store.drop_link(job.name, op.target, op.ref)
        cycle.report.counts["closed"] += 1
    elif isinstance(op, AddItem):
        cycle.added.append((op.target, op.issue, op.new))


def _adopt(cycle: _Cycle, op: AdoptIssue, item: Item) -> None:
    """Link an existing issue; the register, source of truth, sets its fields right away."""
    wanted = cycle.values(item, op.target)
    reading = cycle.reading(op.target)
    differing = {k: v for k, v in wanted.items() if v != reading.issue(op.issue).get(k)}
    issue = (
        cycle.tracker(op.target).update(op.issue.ref, _change(differing, reading, op.issue))
        if differing
        else op.issue
    )
    cycle.store.save_link(
        LinkRecord(
            cycle.job.name, op.target, issue.ref, issue.url, item.key,
            wanted, reading.issue(issue), issue.version,
        )
    )  # fmt: skip
    cycle.new_links.append((op.target, item.key, issue))
    cycle.report.counts["adopted"] += 1


def _change(
    values: Mapping[str, Value], reading: Reading, current: RemoteIssue | None
) -> IssueChange:
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
    )


def _token(subject: str) -> str:
    """A fresh idempotency token per attempt: a retried write gets its own outbox entry (the
    marker, not the token, is what recovers a create)."""
    return f"{subject}@{uuid.uuid4().hex}"


def _draft_json(draft: IssueDraft) -> str:
    return json.dumps({"title": draft.title, "item_key": draft.item_key})


# --- the register write ------------------------------------------------------------------------


def _write_register(
    cycle: _Cycle, register: Register, the_plan: Plan, read_at: str
) -> tuple[Register, bool]:
    """All register edits of the cycle, applied in memory, then one guarded atomic write."""
    splices: Splices = []
    links: dict[str, list[tuple[str, str]]] = {}
    for op in the_plan.operations:
        if isinstance(op, WriteRegister):
            splices += _field_splices(cycle, register, op)
        elif isinstance(op, InsertLink) and op.target not in cycle.failed_targets:
            links.setdefault(op.item_key, []).append((op.text, op.url))
    for target, key, issue in cycle.new_links:
        links.setdefault(key, []).append((_link_text(cycle, target, issue.ref), issue.url))
    for key, pairs in links.items():  # an item's links to two trackers share one line
        splices += links_edits(register, key, pairs, cycle.job.hidden_links)
    for _, _, new in cycle.added:
        splices += add_item_edits(register, new)
    splices += _unlink_deleted(cycle, register)
    text = apply(register.text, splices)
    text, added_links = _link_added_items(cycle, text)
    if text == register.text:
        return register, True  # it already says all it can say
    try:
        write_register(cycle.job.path, text, read_at)
    except RegisterChanged as exc:
        cycle.report.errors.append(str(exc))
        cycle.report.counts["register_busy"] += 1
        return register, False
    for record in added_links:  # only now: an item that never reached the file has no link
        cycle.store.save_link(record)
        cycle.report.counts["items_added"] += 1
    cycle.report.counts["register_edits"] += len(splices) + len(cycle.added)
    cycle.report.register_written = True
    return parse(text, cycle.job.rules), True


def _unlink_deleted(cycle: _Cycle, register: Register) -> Splices:
    """Issues deleted in a tracker: reported, and their link taken out of the item."""
    splices: Splices = []
    for target, ref, _ in cycle.deleted:
        view = cycle.spec(target).view({}, ())
        item = view.linked_items(register).get(ref)
        cycle.store.drop_link(cycle.job.name, target, ref)
        cycle.report.notes.append(f"{target}: issue {ref} was deleted there; unlinked")
        cycle.report.counts["deleted_in_tracker"] += 1
        if item is not None:
            link = next(link for link in item.links if view.ref_of(link.text) == ref)
            splices += unlink_edits(register, item.key, link.url)
    return splices


def _field_splices(cycle: _Cycle, register: Register, op: WriteRegister) -> Splices:
    edits = {
        "status": lambda v: status_edits(register, op.item_key, Status(v or "todo")),
        "priority": lambda v: priority_edits(register, op.item_key, Priority(v) if v else None),
        "body": lambda v: body_edits(register, op.item_key, v or ""),
        "title": lambda v: title_edits(register, op.item_key, v or ""),
        "due_date": lambda v: field_edits(
            register, op.item_key, _due_field(cycle, register, op), v or ""
        ),
        "assignees": lambda v: _owner_splices(cycle, register, op, v),
    }
    splices: Splices = []
    for name, value in op.values.items():
        try:
            splices += edits[name](value)
        except EditError as exc:
            # What the register cannot say (a due date on a checkbox) is accepted, not fought:
            # the tracker keeps its value, the bases take both readings, nothing fails.
            cycle.report.counts["register_unrepresentable"] += 1
            cycle.report.notes.append(f"{op.item_key}.{name}: {exc}")
    return splices


def _owner_splices(cycle: _Cycle, register: Register, op: WriteRegister, value: Value) -> Splices:
    """The owner field rewritten with the tracker's assignees, keeping names nobody maps."""
    item = register.item(op.item_key)
    name = owner_field(item)
    current = item.field(name) if name else None
    text = cycle.reading(op.source).owner_text(value, current.value if current else "")
    if current is None and not text:
        return []
    return field_edits(register, op.item_key, name or OWNER_FIELDS[0], text)


def _due_field(cycle: _Cycle, register: Register, op: WriteRegister) -> str:
    """The item's own due-date field if it has one, else the configured name."""
    configured = cycle.spec(op.source).due_date_field or DUE_DATE_FIELDS[0]
    item = register.item(op.item_key)
    for name in (configured, *DUE_DATE_FIELDS):
        if item.field(name) is not None:
            return name
    return configured


def _link_text(cycle: _Cycle, target: str, ref: str) -> str:
    return cycle.spec(target).view({}, ()).link_text(ref)


def _link_added_items(cycle: _Cycle, text: str) -> tuple[str, list[LinkRecord]]:
    """Items added from trackers get their link in a second pass, once they exist."""
    if not cycle.added:
        return text, []
    register = parse(text, cycle.job.rules)
    splices: Splices = []
    records: list[LinkRecord] = []
    for target, issue, _ in cycle.added:
        item = next(
            (i for i in reversed(register.items) if i.title == issue.title and not i.links), None
        )
        if item is None:
            continue
        link = _link_text(cycle, target, issue.ref)
        splices += link_edits(register, item.key, link, issue.url, cycle.job.hidden_links)
        records.append(
            LinkRecord(
                cycle.job.name, target, issue.ref, issue.url, item.key,
                cycle.values(item, target), cycle.issue_values(issue, target), issue.version,
            )
        )  # fmt: skip
    return apply(text, splices), records


# --- after the writes --------------------------------------------------------------------------


def _record_conflicts(cycle: _Cycle, the_plan: Plan) -> None:
    for op in the_plan.of(RecordConflict):
        record = cycle.store.open_conflict(
            cycle.job.name, op.target, op.ref, op.item_key, op.field,
            op.base, op.register_value, op.tracker_value,
        )  # fmt: skip
        if op.taken != "open":
            cycle.store.resolve_conflict(record.id, op.taken)
            cycle.report.counts["conflicts_settled"] += 1
        else:
            cycle.report.counts["conflicts_open"] += 1


def _advance_bases(cycle: _Cycle, the_plan: Plan, final: Register, written: bool) -> None:
    """A field's base moves to the agreed value only if every write it needed succeeded.

    Links are read once per target and saved only when something about them changed, all in
    one transaction, so an idle cycle over a thousand links writes nothing to the store.
    """
    job, store = cycle.job, cycle.store
    views = {spec.name: spec.view({}, ()) for spec in job.targets}
    records = {(name, rec.ref): rec for name in views for rec in store.links(job.name, name)}
    items = {name: view.linked_items(final) for name, view in views.items()}
    pairs = {(pair.target, pair.ref): pair for pair in the_plan.pairs}
    changed: list[LinkRecord] = []
    for (target, ref), record in records.items():
        item = items[target].get(ref)
        if item is None:
            continue  # its text is not in the file (yet): nothing about it is agreed
        pair = pairs.get((target, ref))
        issue = cycle.latest.get((target, ref)) or cycle.read.get((target, ref))
        updated = replace(
            _agreed(cycle, pair, record, item, issue, written) if pair else record,
            item_key=item.key,
            in_file=True,
        )
        if updated != record:
            changed.append(updated)
    store.save_links(changed)


def _agreed(
    cycle: _Cycle,
    pair: FieldPlan,
    record: LinkRecord,
    item: Item,
    issue: RemoteIssue | None,
    written: bool,
) -> LinkRecord:
    base_register: Base = dict(record.base_register)
    base_tracker: Base = dict(record.base_tracker)
    unsettled = set(record.unsettled)
    now_register = cycle.values(item, pair.target)
    now_tracker = cycle.issue_values(issue, pair.target) if issue else base_tracker
    for name in FIELDS:
        outcome = pair.outcomes[name]
        pushed = (pair.target, pair.ref, name) in cycle.pushed
        ok = (
            not outcome.kept_open
            and (not outcome.to_tracker or pushed or outcome.value == now_tracker.get(name))
            and (name not in pair.register_writes or written)
        )
        if ok and name in now_tracker:
            base_register[name] = now_register[name]
            base_tracker[name] = now_tracker[name]
            unsettled.discard(name)
        elif pushed and name in now_tracker:
            # syncer's own write landed though the register did not take the value (a relay
            # whose register write was skipped): a person changing it back is a change, not a
            # return to the base, and until the register agrees the tracker follows it.
            base_tracker[name] = now_tracker[name]
            unsettled.add(name)
    return replace(
        record,
        base_register=base_register,
        base_tracker=base_tracker,
        unsettled=frozenset(unsettled),
        tracker_version=issue.version if issue else record.tracker_version,
    )
