"""What a register holds, summed up for a person deciding how to configure it (`syncer init`).

Pure: a parsed register in, counts out. The unknown status texts are the one thing the general
rules could not decide: they read as todo, and only the user can say what they mean.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from syncer.model import Status
from syncer.register.items import ItemKind, Register


@dataclass(frozen=True)
class Survey:
    """Counts over a register's items, each a list of (what, how many) in document order."""

    kinds: tuple[tuple[ItemKind, int], ...]
    reasons: tuple[tuple[str, int], ...]
    """Why items were recognized (`Item.reason`), the "why" of `syncer init`."""
    sections: tuple[tuple[str, int], ...]
    """Section paths holding items, written `Known Tech Debt > High Priority`."""
    statuses: tuple[tuple[str, Status, int], ...]
    """Status texts as read (through encoding damage), what each was read as, how many items
    wrote it."""
    unknown_statuses: tuple[str, ...]
    """Status texts no status word matched: read as todo, for the user to name."""


def survey(register: Register) -> Survey:
    items = register.items
    statuses: Counter[tuple[str, Status]] = Counter()
    unknown: dict[str, None] = {}
    for item in items:
        raw = register.damage.repair(item.raw_status).strip()
        if not raw or item.kind is ItemKind.CHECKBOX:
            continue
        statuses[raw, item.status] += 1
        if register.vocabulary.status_of(raw) is None:
            unknown[raw] = None
    return Survey(
        kinds=tuple(Counter(item.kind for item in items).items()),
        reasons=tuple(Counter(item.reason for item in items).items()),
        sections=tuple(Counter(" > ".join(item.section) or "(top)" for item in items).items()),
        statuses=tuple((raw, status, n) for (raw, status), n in statuses.items()),
        unknown_statuses=tuple(unknown),
    )
