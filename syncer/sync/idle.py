"""The idle check: a cycle that can tell cheaply that nothing changed stops before parsing.

Most cycles find nothing to do: the register is as the last cycle left it and every tracker
answers "nothing since your cursor". Such a cycle stops here, with a run recorded as having
found nothing changed, when all of this holds (docs/sync.md, "Idle cycles"):

- the last full cycle of the register settled everything (`settled`) and left its mark in the
  state, and nothing is pending in the outbox nor open as a conflict since;
- the register's bytes hash as they did then, and its configuration (and syncer's version) as
  it was then;
- every target has a cursor, and its cheapest "changed since?" request answers nothing.

Any doubt (no mark, a differing hash, a target without a cursor, a tracker answering anything
or failing) runs the full cycle instead, which takes the answers already read (`ReadAhead`) so
no tracker is asked twice. This module imports neither the parser, the planner, nor the ORM:
an idle `syncer reconcile` should cost little more than its one request per target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from syncer import log
from syncer.model import Changes
from syncer.state.glance import Glance, Settled
from syncer.trackers.base import TrackerError

if TYPE_CHECKING:
    from syncer.sync.job import RegisterJob
    from syncer.sync.progress import CycleReport

IDLE_NOTE = "nothing changed since the last settled cycle"

ReadAhead = Mapping[str, Changes | TrackerError]
"""Each target's `list_changed` answer (or its failure), read by the idle check at the cursor
the store holds, for the full cycle to use instead of asking again."""


@dataclass(frozen=True)
class Idle:
    """The idle check's verdict: a finished report, or what was read on the way to a doubt,
    and when the check began: the full cycle that follows it records its run as started then,
    so the run history covers the requests the check sent."""

    started: datetime
    report: CycleReport | None = None
    read_ahead: ReadAhead | None = None


def check_idle(job: RegisterJob, glance: Glance, *, dry_run: bool = False) -> Idle:
    """Stop `job`'s cycle here when nothing changed (the module docstring says when); the
    caller holds the register's lock."""
    started = datetime.now(UTC)
    quiet = glance.quiet(job.name)
    if quiet is None or quiet.settled.config != job.config_fingerprint:
        return Idle(started)
    try:
        fingerprint = job.register_source.fingerprint()
    except OSError:
        return Idle(started)  # the full cycle reports why the file cannot be read
    if fingerprint is None or fingerprint != quiet.settled.register_text:
        return Idle(started)
    if any(spec.name not in quiet.cursors for spec in job.targets):
        return Idle(started)
    answers: dict[str, Changes | TrackerError] = {}
    moved: dict[str, str] = {}
    for spec in job.targets:
        try:
            changes = spec.tracker.list_changed(quiet.cursors[spec.name])
        except TrackerError as exc:
            answers[spec.name] = exc
            return Idle(started, read_ahead=answers)
        answers[spec.name] = changes
        if changes.issues or changes.cursor is None:  # None: a full read comes next
            return Idle(started, read_ahead=answers)
        if changes.cursor != quiet.cursors[spec.name]:
            moved[spec.name] = changes.cursor
    if not dry_run:
        glance.record_idle(job.name, started, moved, IDLE_NOTE)
    return Idle(started, report=_idle_report(job.name, dry_run))


def settled(job: RegisterJob, fingerprint: str) -> Settled:
    """The mark a cycle that settled everything leaves, for register text `fingerprint`."""
    return Settled(fingerprint, job.config_fingerprint)


def _idle_report(register: str, dry_run: bool) -> CycleReport:
    """The report a full cycle would give when nothing changed: an empty plan, no counts."""
    from syncer.sync.planned import Plan
    from syncer.sync.progress import CycleReport

    report = CycleReport(register, plan=Plan(register))
    log.get().info(
        "cycle",
        register=register,
        dry_run=dry_run,
        outcome=report.outcome,
        operations=0,
        refused=None,
        errors=None,
        open_conflicts=0,
        counts={},
        idle=True,
    )
    return report
