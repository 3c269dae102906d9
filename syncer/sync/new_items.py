"""An issue that becomes an item (it carries the sync label, the register lacks it): the item
says what the issue says, in the register's own words. Pure.

Besides title, status, priority and body, the new item carries the fields this target syncs:
its owners (the issue's assignees the `user_map` names), its due date, its field labels. A
field is named as the register's items already name it (`Owner` or `Assignee`, `Target Date` or
`Due`), and a label's value is written in the case the register writes that field
(`effort: high` → `High` beside `Medium`). Without them the new item and its issue disagreed
from the first cycle, and the bases recorded the disagreement as agreed.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.model import RemoteIssue
from syncer.register import Field, Item, NewItem, Register
from syncer.register.edit_fields import cased_like
from syncer.register.leads import value_lead
from syncer.sync.identity import Target
from syncer.sync.values import DUE_DATE_FIELDS, OWNER_FIELDS


def new_item(
    issue: RemoteIssue, target: Target, register: Register, section: str | None
) -> NewItem:
    reading = target.reading
    values = reading.issue(issue)
    fields: dict[str, str] = {}
    owners = values["assignees"] if reading.syncs("assignees") else None
    if owners:
        fields[_spelled(register.items, OWNER_FIELDS)] = owners
    due = values["due_date"]
    if reading.due_date_field and due:
        fields[_spelled(register.items, (reading.due_date_field, *DUE_DATE_FIELDS))] = due
    for key, (name, _) in reading.labelled.items():
        value = values[key]
        if value:
            like = _first(register.items, (name,))
            fields[_spelled(register.items, (name,))] = cased_like(
                value, value_lead(like.value) if like else ""
            )
    return NewItem(
        title=issue.title,
        status=issue.status,
        priority=issue.priority,
        body=issue.body,
        fields=fields,
        section=section,
    )


def _spelled(items: Sequence[Item], names: Sequence[str]) -> str:
    """The first of `names` the register's items use, as they spell it; else the first."""
    found = _first(items, names)
    return found.name if found else names[0]


def _first(items: Sequence[Item], names: Sequence[str]) -> Field | None:
    """The first field named one of `names` (in that order of preference) in the register."""
    for name in names:
        found = next((f for item in items if (f := item.field(name)) is not None), None)
        if found is not None:
            return found
    return None
