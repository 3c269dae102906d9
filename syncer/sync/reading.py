"""Read what the trackers hold for one cycle, and decide what a missing issue means.

A target whose read fails sits this cycle out (its error is reported) while the others sync. An
issue that answers 404 was deleted there, unless every linked issue of the target answers so:
then the repository is the wrong one (a migration) or was wiped, and unlinking every item would
lose the register's links for nothing, so that target is refused instead.
"""

from __future__ import annotations

from itertools import islice

from syncer.model import RemoteIssue
from syncer.register import Register
from syncer.state.records import LinkRecord
from syncer.sync.identity import Target
from syncer.sync.job import TargetSpec
from syncer.sync.progress import CycleState
from syncer.sync.register_edits import Gone
from syncer.trackers.base import NotFound, TrackerError

PROBES = 3
"""Other linked issues read when one answers 404, to tell a deleted issue from a lost tracker."""


def read_targets(
    cycle: CycleState, register: Register
) -> tuple[list[Target], dict[str, str | None]]:
    """Each target's changed issues, plus the linked ones without a base; and next cursors.

    A target that cannot be read is still planned, with nothing read: its writes are skipped
    (it failed), but the links the store holds for it still reach the file, so an item renamed
    meanwhile keeps its issue.
    """
    job = cycle.job
    targets: list[Target] = []
    cursors: dict[str, str | None] = {}
    for spec in job.targets:
        links = cycle.links_of(spec.name)
        read = _read_target(cycle, spec, links, register)
        if any(gone.target == spec.name for gone in cycle.gone):
            links = cycle.links_of(spec.name)  # without the links just dropped
        if read is None or spec.name in cycle.failed_targets:
            cycle.unread.add(spec.name)
            targets.append(spec.view({}, links, job.people))
            continue
        changed, cursors[spec.name] = read
        targets.append(spec.view(changed, links, job.people))
        cycle.read.update(((spec.name, ref), issue) for ref, issue in changed.items())
    return targets, cursors


def _read_target(
    cycle: CycleState, spec: TargetSpec, links: list[LinkRecord], register: Register
) -> tuple[dict[str, RemoteIssue], str | None] | None:
    """One target's changed issues and linked ones without a base, with its next cursor; None
    when its listing failed."""
    try:
        changes = cycle.read_ahead.pop(spec.name, None)
        if isinstance(changes, TrackerError):
            raise changes
        if changes is None:
            changes = spec.tracker.list_changed(cycle.store.cursor(cycle.job.name, spec.name))
    except TrackerError as exc:
        cycle.fail(spec.name, "reading issues", exc)
        return None
    changed = {issue.ref: issue for issue in changes.issues}
    draft = spec.view(changed, links, cycle.job.people)
    for ref in _refs_to_fetch(register, draft):
        try:
            changed[ref] = spec.tracker.get(ref)
        except NotFound as exc:
            issue_missing(cycle, spec.name, ref, exc)
        except TrackerError as exc:
            cycle.fail(spec.name, f"reading {ref}", exc)
        if spec.name in cycle.failed_targets:
            break
    _moved_away(cycle, spec.name, changed, {rec.ref for rec in links} | set(draft.claims(register)))
    return changed, changes.cursor


def _moved_away(
    cycle: CycleState, target: str, changed: dict[str, RemoteIssue], linked: set[str]
) -> None:
    """Issues a person moved to another project leave `changed`: closed by the move, they are
    not done, and no longer this target's to sync, adopt or add as items. Linked ones are
    unlinked, with a note saying where to look (their page links the issue they became)."""
    for moved in [issue for issue in changed.values() if issue.moved_to]:
        del changed[moved.ref]
        if moved.ref in linked:
            why = f"was moved to another project (see {moved.url})"
            _unlink(cycle, target, moved.ref, why, "moved_in_tracker")


def _refs_to_fetch(register: Register, target: Target) -> list[str]:
    """Issues linked without a base to compare against: written in the file by someone else,
    or recovered from the outbox."""
    stored = {rec.ref: rec for rec in target.links}
    refs = [
        ref for ref in target.claims(register) if ref not in stored or not stored[ref].base_tracker
    ]
    refs += [r.ref for r in target.links if not r.base_tracker and r.ref not in refs]
    return [ref for ref in dict.fromkeys(refs) if ref not in target.changed]


def issue_missing(cycle: CycleState, target: str, ref: str, exc: NotFound) -> None:
    """A linked issue answered 404: unlink it (reported), or refuse the target if it looks
    lost. With `--force` a lost target has every linked issue read, and each one gone is
    unlinked at once: the person said they are gone, so every item gets an issue again."""
    if target in cycle.failed_targets or Gone(target, ref) in cycle.gone:
        return
    if _looks_lost(cycle, target, ref):
        if not cycle.force:
            cycle.refuse(
                target,
                f"issue {ref} and every other linked issue probed answer 404 ({exc}): a wrong"
                " repository or a wiped project? Nothing was unlinked (run with --force if the"
                " issues really are gone)",
            )
            return
        for other in [r.ref for r in cycle.links_of(target) if r.ref != ref]:
            try:
                cycle.tracker(target).get(other)
            except NotFound:
                _unlink(cycle, target, other)
    _unlink(cycle, target, ref)


def _unlink(
    cycle: CycleState,
    target: str,
    ref: str,
    why: str = "was deleted there",
    count: str = "deleted_in_tracker",
) -> None:
    """Forget the link and take it out of the file; the item itself, status and all, stays."""
    cycle.drop_link(target, ref)
    cycle.gone.append(Gone(target, ref))
    cycle.note(f"{target}: issue {ref} {why}; unlinked")
    cycle.counts[count] += 1


def _looks_lost(cycle: CycleState, target: str, ref: str) -> bool:
    """Every other linked issue probed (a few) answers 404 too."""
    others = [r.ref for r in cycle.links_of(target) if r.ref != ref]
    if not others:
        return False
    tracker = cycle.tracker(target)
    for other in islice(others, PROBES):
        try:
            tracker.get(other)
        except NotFound:
            continue
        except TrackerError:
            return False
        return False
    return True
