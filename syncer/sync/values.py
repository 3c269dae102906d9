"""The synced fields of an item and of an issue, each read in its own side's terms.

The planner compares a register's values with a tracker's only through these readings, so a
difference of form (a Jira wiki body, a GitHub login for an owner written `@dana`) is never
taken for a change. Pure: values in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from syncer.field_labels import issue_value, label_for, register_value
from syncer.model import RemoteIssue
from syncer.register import Item
from syncer.state.records import Base
from syncer.sync.merge import Value, normalize_body

FIELDS = ("title", "status", "priority", "body", "due_date", "assignees")
DUE_DATE_FIELDS = ("Target Date", "Due Date", "Due", "Deadline")
OWNER_FIELDS = ("Owner", "Owners", "Assignee", "Assignees", "Assigned to", "Assigned")
"""Fields naming who an item is for; the first an item has is the one read and written."""

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_PERSON_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\band\b)\s*", re.IGNORECASE)
_TRAILING_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_HANDLES = re.compile(r"@\S+(?:\s+@\S+)+")
FIELD_KEY = "field:"


def field_key(name: str) -> str:
    """The synced field a field label is, keyed apart from the fixed ones: `field:effort`."""
    return f"{FIELD_KEY}{name.casefold()}"


def person_key(name: str) -> str:
    """How names compare: `@Dana` and `dana` are one person."""
    return name.strip().lstrip("@").casefold()


def _owner_parts(text: str) -> list[tuple[str, str]]:
    """(name, the words as written) per person of an owner field; `@a @b` are two people."""
    parts = [part.strip() for part in _PERSON_SEPARATORS.split(text)]
    people = [p for part in parts for p in (part.split() if _HANDLES.fullmatch(part) else [part])]
    named = ((_TRAILING_NOTE.sub("", part), part) for part in people)
    return [(name, part) for name, part in named if person_key(name)]


def owner_names(text: str) -> list[str]:
    """The people an owner field names: `@dana, Lee Park (backend) and @kim` → three."""
    return [name for name, _ in _owner_parts(text)]


def owner_field(item: Item) -> str | None:
    """The name of the item's owner field, if it has one."""
    return next((name for name in OWNER_FIELDS if item.field(name) is not None), None)


@dataclass(frozen=True)
class People:
    """Who syncs as an assignee: the register names of every target's `user_map`, as configured.

    Names nobody mapped are not synced at all: they stay in the register untouched, and a
    tracker assignee syncer cannot name is left on the issue.
    """

    spellings: Mapping[str, str] = field(default_factory=dict)
    """person_key → the name as the configuration spells it."""

    @classmethod
    def of(cls, user_maps: Sequence[Mapping[str, str]]) -> People:
        spellings: dict[str, str] = {}
        for user_map in user_maps:
            for name in user_map:
                spellings.setdefault(person_key(name), name)
        return cls(spellings)

    def value(self, names: Sequence[str]) -> Value:
        """The canonical value of a set of names: known ones, as configured, sorted."""
        known = {self.spellings[k] for n in names if (k := person_key(n)) in self.spellings}
        return ", ".join(sorted(known, key=person_key)) or None

    def knows(self, name: str) -> bool:
        return person_key(name) in self.spellings

    def owners(self, item: Item) -> Value:
        """Everyone the item's owner field names that any target syncs."""
        owner = owner_field(item)
        found = item.field(owner) if owner else None
        return self.value(owner_names(found.value)) if found else None


def value_names(value: Value) -> list[str]:
    return value.split(", ") if value else []


@dataclass(frozen=True)
class Reading:
    """How one target reads the two sides: where due dates live, and who its users are."""

    due_date_field: str | None = None
    """The register field holding due dates; None: this target does not sync them (GitHub)."""
    user_map: Mapping[str, str] = field(default_factory=dict)
    """Register name → this tracker's user id. Empty: assignees are not synced here."""
    people: People = field(default_factory=People)
    """Every name any target of the register maps: the register side reads the same for all."""
    field_labels: Mapping[str, str] = field(default_factory=dict)
    """Register field name → label prefix: `{"Effort": "effort: "}` labels issues `effort: high`."""

    @cached_property
    def labelled(self) -> dict[str, tuple[str, str]]:
        """Field key → (the register field's name, its label prefix), per field label."""
        return {field_key(name): (name, prefix) for name, prefix in self.field_labels.items()}

    def syncs(self, name: str) -> bool:
        if name.startswith(FIELD_KEY):
            return name in self.labelled
        if name == "due_date":
            return self.due_date_field is not None
        if name == "assignees":
            return bool(self.user_map)
        return True

    def item(self, item: Item) -> Base:
        return {
            "title": item.title,
            "status": item.status.value,
            "priority": item.priority.value if item.priority else None,
            "body": normalize_body(item.body),
            "due_date": item_due_date(item, self.due_date_field),
            "assignees": self.owners(item),
            **self.field_values(item),
        }

    def field_values(self, item: Item) -> Base:
        """The item's field-label fields, as label values (`Medium (2 weeks)` → `medium`)."""
        return {
            key: register_value(found.value if (found := item.field(name)) else None)
            for key, (name, _) in self.labelled.items()
        }

    def draft_labels(self, item: Item) -> tuple[str, ...]:
        """The labels a new issue for `item` carries for its fields (`effort: medium`)."""
        swaps = self.label_swaps(self.field_values(item))
        return tuple(label for _, label in swaps if label)

    def label_swaps(self, values: Mapping[str, Value]) -> tuple[tuple[str, str | None], ...]:
        """The `IssueChange.field_labels` making an issue's labels say `values`."""
        return tuple(
            (self.labelled[key][1], label_for(self.labelled[key][1], value))
            for key, value in values.items()
            if key in self.labelled
        )

    def owners(self, item: Item) -> Value:
        """The item's owners this target syncs: the people its owner field names that this
        target's `user_map` knows. Each target compares only its own people, so a person only
        another tracker can name is never taken for someone this one unassigned."""
        return self.project("assignees", self.people.owners(item))

    def project(self, name: str, value: Value) -> Value:
        """A register value as this target sees it: for assignees, only its own people."""
        if name != "assignees":
            return value
        mine = self._user_of
        return self.people.value([n for n in value_names(value) if person_key(n) in mine])

    def merged(self, name: str, full: Value, mine: Value) -> Value:
        """`full` (a register value) after this target settled its own part as `mine`: for
        assignees, the people this target cannot name stay as they were."""
        if name != "assignees":
            return mine
        others = [n for n in value_names(full) if person_key(n) not in self._user_of]
        return self.people.value([*others, *value_names(mine)])

    @cached_property
    def _user_of(self) -> dict[str, str]:
        """person_key → this tracker's user."""
        return {person_key(name): user for name, user in self.user_map.items()}

    @cached_property
    def _name_of(self) -> dict[str, str]:
        """A tracker user (casefolded) → the first register name mapped to it."""
        names: dict[str, str] = {}
        for name, user in self.user_map.items():
            names.setdefault(user.casefold(), name)
        return names

    def issue(self, issue: RemoteIssue) -> Base:
        names = self._name_of
        return {
            "title": issue.title,
            "status": issue.status.value,
            "priority": issue.priority.value if issue.priority else None,
            "body": normalize_body(issue.body),
            "due_date": issue.due_date.isoformat() if issue.due_date else None,
            "assignees": self.people.value(
                [names[u.casefold()] for u in issue.assignees if u.casefold() in names]
            ),
            **{key: issue_value(issue.labels, p) for key, (_, p) in self.labelled.items()},
        }

    def assignees(self, value: Value, current: Sequence[str] = ()) -> tuple[str, ...]:
        """The tracker users for `value`, in its (name) order, then the issue's assignees
        syncer cannot name, kept. Jira, which takes one, takes the first."""
        users = self._user_of
        wanted = [users[k] for n in value_names(value) if (k := person_key(n)) in users]
        kept = [user for user in current if user.casefold() not in self._name_of]
        return tuple(dict.fromkeys([*wanted, *kept]))

    def owner_text(self, value: Value, current: str) -> str:
        """The owner field's new text: `value`'s names, then the names nobody maps, kept."""
        kept = [part for name, part in _owner_parts(current) if not self.people.knows(name)]
        return ", ".join([*value_names(value), *kept])


def item_due_date(item: Item, name: str | None) -> str | None:
    """The first ISO date in the item's due-date field (`[ ]`, "TBD"… are no date)."""
    for candidate in (name, *DUE_DATE_FIELDS) if name else DUE_DATE_FIELDS:
        found = item.field(candidate) if candidate else None
        if found is not None:
            match = _ISO_DATE.search(found.value)
            return match.group(0) if match else None
    return None
