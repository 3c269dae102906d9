"""A plan: the operations one cycle will carry out, and what each linked pair's fields end as.

Apart from the operations themselves (`syncer.sync.operations`) because an idle cycle reports
an empty plan without loading them: its process imports only what it uses (issue 13).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from syncer.sync.merge import Outcome
    from syncer.sync.operations import Operation

Op = TypeVar("Op", bound="Operation")


@dataclass(frozen=True)
class FieldPlan:
    """Per linked pair: what each field ends as, so bases advance only for what succeeded."""

    target: str
    ref: str
    item_key: str
    outcomes: Mapping[str, Outcome]
    register_writes: frozenset[str] = frozenset()
    """The item's fields the register must take this cycle (from any target)."""


@dataclass(frozen=True)
class Plan:
    register: str
    operations: tuple[Operation, ...] = ()
    pairs: tuple[FieldPlan, ...] = ()
    refused: str = ""
    notes: tuple[str, ...] = ()
    """What a person should fix or know, found while planning (a link syncer refuses, two
    items claiming one issue…); nothing about them is written."""

    def of(self, kind: type[Op]) -> list[Op]:
        return [op for op in self.operations if isinstance(op, kind)]
