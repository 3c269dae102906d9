"""Field labels: a register field written as a tracker label (`**Effort**: Medium (2 weeks)` ↔
`effort: medium`), configured per target as field name → label prefix (`field_labels`).

One rule, read by the engine (which value an issue's labels carry) and by the adapters (which
labels a change swaps), so both sides always mean the same labels. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from syncer.register.leads import value_lead

LONGEST_VALUE = 40
"""A field whose leading words run longer is prose (`Impact: Tests do not clean up…`), not a
level: it makes no label, which also keeps labels within GitHub's 50 characters."""


def label_prefix(configured: str) -> str:
    """The prefix as labels carry it: as configured (`effort: `, GitLab's scoped `effort::`),
    or with `: ` added to a bare word (`effort`), which would otherwise run into the value."""
    return configured if configured[-1:] and not configured[-1].isalnum() else f"{configured}: "


def label_for(prefix: str, value: str | None) -> str | None:
    """The label saying `value` under `prefix`; None for no value."""
    return f"{label_prefix(prefix)}{value}" if value else None


def label_value(label: str, prefix: str) -> str | None:
    """The value `label` carries under `prefix`, case and spacing aside (`Effort:High` under
    `effort: ` → `high`); None when it is not such a label."""
    stem = label_prefix(prefix).rstrip()
    if label[: len(stem)].casefold() != stem.casefold():
        return None
    return " ".join(label[len(stem) :].split()).casefold() or None


def issue_value(labels: Iterable[str], prefix: str) -> str | None:
    """What an issue's labels say under `prefix`: the first such label's value."""
    return next((v for label in labels if (v := label_value(label, prefix))), None)


def register_value(field_value: str | None) -> str | None:
    """What a register field says as a label value: its leading words, lower case."""
    lead = " ".join(value_lead(field_value or "").split()).casefold()
    return lead if lead and len(lead) <= LONGEST_VALUE else None


def swapped(labels: Sequence[str], swaps: Iterable[tuple[str, str | None]]) -> list[str]:
    """`labels` after each `(prefix, label)` swap: every label under the prefix goes, the new
    one (if any) comes; every other label stays (a person's labels are theirs). A label the
    issue already carries stays where it is, so an unchanged set reads as unchanged."""
    kept = list(labels)
    for prefix, label in swaps:
        wanted = label.casefold() if label else None
        kept = [old for old in kept if label_value(old, prefix) is None or old.casefold() == wanted]
        if label and wanted not in {old.casefold() for old in kept}:
            kept.append(label)
    return kept
