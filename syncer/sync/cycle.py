"""Carry out one cycle: the only code that calls trackers, the store and the register file.

Order: read the register, settle what an interrupted cycle left in the outbox, read the
trackers, plan, write the trackers (each write recorded in the outbox before and after), write
the register once, atomically, only if its bytes are still those read, then advance bases for
what succeeded and cursors for targets whose changes were fully taken in. The caller holds the
register's lock around it (`syncer.app`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from syncer import log
from syncer.register import EditError, Register, parse
from syncer.sources.files import RegisterChanged, RegisterFileError, RegisterReadOnly
from syncer.sources.git.messages import commit_message
from syncer.sources.source import RegisterText
from syncer.state.records import LinkRecord
from syncer.state.store import Store
from syncer.sync.bases import Written, advanced_links
from syncer.sync.idle import Idle, settled
from syncer.sync.job import RegisterJob
from syncer.sync.operations import RecordConflict
from syncer.sync.plan import plan
from syncer.sync.planned import Plan
from syncer.sync.progress import CycleReport, CycleState, StopFlag
from syncer.sync.reading import read_targets
from syncer.sync.recovery import settle_outbox
from syncer.sync.register_edits import RegisterChanges, link_added_items, register_edits
from syncer.sync.tracker_writes import write_trackers
from syncer.trackers.base import TrackerError

BUSY_RETRIES = 2
"""Cycles run again at once when a person's save kept a cycle's register write out."""


def run_cycles(
    job: RegisterJob,
    store: Store,
    *,
    dry_run: bool = False,
    force: bool = False,
    stop: StopFlag | None = None,
    busy_retries: int = BUSY_RETRIES,
    checked: Idle | None = None,
) -> CycleReport:
    """One cycle, re-run right away (at most `busy_retries` times) while a person's save mid-
    cycle keeps its register write out.

    The skipped write held links to issues just made and values pulled from trackers; until
    the file has them, an item renamed or removed meanwhile cannot be told apart from a new
    one. A fresh cycle re-reads the file as the person left it and re-plans, as any later one
    would, only sooner. The report folds the cycles: counts and notes of all, errors, plan
    and conflicts of the last (what is still wrong now). `checked`: the idle check that found
    a doubt (`syncer.sync.idle`); the first cycle takes what it read of the trackers instead of
    asking again, and records its run as begun when the check began.
    """
    stop = stop if stop is not None else StopFlag()
    report = last = run_cycle(job, store, dry_run=dry_run, force=force, stop=stop, checked=checked)
    for _ in range(busy_retries):
        if dry_run or stop or not last.counts.get("register_busy"):
            break
        last = run_cycle(job, store, force=force, stop=stop)
        report = replace(
            last,
            counts=Counter(report.counts) + Counter(last.counts),
            notes=report.notes + last.notes,
            register_written=report.register_written or last.register_written,
        )
    return report


def run_cycle(
    job: RegisterJob,
    store: Store,
    *,
    dry_run: bool = False,
    force: bool = False,
    stop: StopFlag | None = None,
    checked: Idle | None = None,
) -> CycleReport:
    """One full cycle (the module docstring says its order). Unless a dry run, it takes the
    register's settled mark away first and leaves it again only when it ends settled
    (`_settled`), so the idle check never trusts a cycle that failed or stopped halfway."""
    run = None
    if not dry_run:
        store.glance.mark(job.name, None)
        run = store.start_run(job.name, checked.started if checked else None)
    cycle = CycleState(job, store, stop=stop if stop is not None else StopFlag(), force=force)
    cycle.read_ahead = dict(checked.read_ahead or {}) if checked else {}
    report = None
    try:
        _cycle(cycle, dry_run)
    except (TrackerError, RegisterFileError, RegisterChanged, EditError, OSError) as exc:
        cycle.errors.append(str(exc))
        cycle.counts["errors"] += 1
    finally:
        report = cycle.report(len(store.conflicts(job.name)))
        if run is not None:
            error = "; ".join(report.errors) or (
                f"interrupted by {report.interrupted}" if report.interrupted else ""
            )
            error = error or (f"refused: {report.refused}" if report.refused else "")
            store.finish_run(run.id, dict(report.counts), error[:2000], report.notes)
            if _settled(cycle, report):
                store.glance.mark(job.name, settled(job, cycle.settled_text))
        log.get().info(
            "cycle",
            register=job.name,
            dry_run=dry_run,
            outcome=report.outcome,
            operations=len(report.plan.operations) if report.plan else 0,
            refused=report.refused or None,
            errors=list(report.errors) or None,
            open_conflicts=report.open_conflicts,
            counts=dict(report.counts),
        )
    return report


def _cycle(cycle: CycleState, dry_run: bool) -> None:
    job, store = cycle.job, cycle.store
    read_at = job.register_source.read()
    register = parse(read_at.text, job.rules)
    if not dry_run:
        settle_outbox(cycle, register)
    cycle.load_links()
    targets, cursors = read_targets(cycle, register)
    options = replace(
        job.options,
        force=cycle.force or job.options.force,
        register_mtime=read_at.modified,
    )
    the_plan = plan(job.name, register, targets, options)
    cycle.plan = the_plan
    cycle.notes.extend(the_plan.notes)
    if dry_run or the_plan.refused:
        return
    write_trackers(cycle, the_plan, register)
    final, written = _write_register(cycle, register, the_plan, read_at)
    _record_conflicts(cycle, the_plan)
    cycle.save_links(
        advanced_links(
            list(cycle.links.values()),
            final,
            the_plan,
            cycle.views,
            Written({**cycle.read, **cycle.latest}, cycle.pushed, written, frozenset(cycle.unread)),
        )
    )
    waiting = {op.target for op in the_plan.of(RecordConflict) if op.taken == "open"}
    for target in targets:
        # A cursor moves only when all it brought in was taken in (written, no failure, no
        # conflict left open, not stopped): else the same issues are read again next time.
        if target.name not in cycle.failed_targets | waiting and written and not cycle.stop:
            store.set_cursor(job.name, target.name, cursors[target.name])
    if final.text == read_at.text and all(cursors.get(t.name) for t in targets):
        cycle.settled_text = read_at.fingerprint


def _settled(cycle: CycleState, report: CycleReport) -> bool:
    """Whether the cycle left nothing for the next one to act on, so that the next one may
    stop at the idle check when nothing changes: it planned nothing, wrote nothing, counted,
    noted or refused nothing, read every target and moved every cursor, left no link without
    a base or with a field the register has not taken, and no write pending."""
    plan = report.plan
    return bool(
        cycle.settled_text
        and plan is not None
        and not plan.operations
        and report.outcome == "ok"
        and not report.notes
        and not any(report.counts.values())
        and not report.register_written
        and not cycle.failed_targets | cycle.unread
        and all(
            link.base_tracker and link.in_file and not link.unsettled
            for link in cycle.links.values()
        )
        and not cycle.store.pending(cycle.job.name)
    )


def _write_register(
    cycle: CycleState, register: Register, the_plan: Plan, read_at: RegisterText
) -> tuple[Register, bool]:
    """All register edits of the cycle, applied in memory, then one guarded atomic write."""
    job = cycle.job
    changes = RegisterChanges(cycle.new_links, cycle.added, cycle.gone)
    edited = register_edits(register, the_plan, changes, cycle.views, job.hidden_links)
    if edited.notes:
        cycle.notes.extend(edited.notes)
        cycle.counts["register_unrepresentable"] += len(edited.notes)
    text, placed = link_added_items(
        edited.text, cycle.added, cycle.views, job.rules, job.hidden_links
    )
    if text == register.text:
        return register, True  # it already says all it can say
    message = commit_message(register, the_plan, changes, cycle.views)
    try:
        job.register_source.write(text, read_at, message)
    except RegisterChanged as exc:
        cycle.errors.append(str(exc))
        cycle.counts["register_busy"] += 1
        return register, False
    except RegisterReadOnly as exc:
        # The person made the file read-only (or has syncer's edits reviewed in a pull request):
        # their choice, not a failure. The register still says what it said; no base moves
        # for what it should have taken; it waits for a writable file (or the merge).
        cycle.note(str(exc))
        cycle.counts[exc.count] += 1
        return register, False
    for added, item in placed:  # only now: an item that never reached the file has no link
        reading = cycle.reading(added.target)
        cycle.save_links([
            LinkRecord(
                job.name, added.target, added.issue.ref, added.issue.url, item.key,
                reading.item(item), reading.issue(added.issue), added.issue.version,
            )
        ])  # fmt: skip
        cycle.counts["items_added"] += 1
    cycle.counts["register_edits"] += edited.edits
    cycle.register_written = True
    return parse(text, job.rules), True


def _record_conflicts(cycle: CycleState, the_plan: Plan) -> None:
    for op in the_plan.of(RecordConflict):
        record = cycle.store.open_conflict(
            cycle.job.name, op.target, op.ref, op.item_key, op.field,
            op.base, op.register_value, op.tracker_value,
        )  # fmt: skip
        if op.taken != "open":
            cycle.store.resolve_conflict(record.id, op.taken)
            cycle.counts["conflicts_settled"] += 1
        else:
            cycle.counts["conflicts_open"] += 1
