"""Checks both GitHub and GitLab targets share: the sync label exists, and the accounts
`user_map` names exist. Each takes the question as a request to make, so the two trackers'
differing endpoints stay in their own modules."""

from __future__ import annotations

from collections.abc import Callable

from syncer.config import TargetConfig
from syncer.doctor.check import Check, fail, ok, warn
from syncer.doctor.probe import Answer


def label_check(subject: str, target: TargetConfig, lookup: Answer) -> Check:
    """`lookup`: the tracker's answer to "this label, please"."""
    label = target.sync_label
    if lookup.found:
        return ok("sync label", subject, f"{label!r} exists")
    if lookup.status == 404:
        return warn(
            "sync label",
            subject,
            f"{label!r} does not exist yet",
            "syncer creates it at the first reconcile (or create it now, with the colour you like)",
        )
    return fail(
        "sync label", subject, f"looking {label!r} up answered {lookup.status}", "run doctor again"
    )


def users_check(subject: str, target: TargetConfig, exists: Callable[[str], bool | None]) -> Check:
    """Every account `user_map` names exists; `exists(name)`: None when the tracker did not
    answer."""
    names = sorted(set(target.user_map.values()))
    if not names:
        return ok("user_map", subject, "no user_map")
    found = {name: exists(name) for name in names}
    unknown = [name for name, there in found.items() if there is False]
    unsure = [name for name, there in found.items() if there is None]
    if unknown:
        return fail(
            "user_map",
            subject,
            f"no such {target.kind} user: {', '.join(unknown)}",
            "fix the names in user_map (values are the tracker's login names)",
        )
    if unsure:
        return fail(
            "user_map", subject, f"could not look up {', '.join(unsure)}", "run doctor again"
        )
    return ok("user_map", subject, f"{len(names)} users found")
