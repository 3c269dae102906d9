"""Which item is which issue: a target as the planner sees it, and the links between the two.

The file's links are the identity. A stored link whose text is not in the file is found by the
item's key, then by a close title (an item renamed before its link reached the file). What the
file claims is checked before it is believed: two items claiming one issue sync with neither,
and a link to an issue syncer does not manage is refused. Pure: values in, values out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncer.model import RemoteIssue
from syncer.register import Item, Register
from syncer.state.records import LinkRecord
from syncer.sync.values import Reading

RENAME_SIMILARITY = 0.6
"""How alike a title must be to follow an item renamed before its link reached the file."""


@dataclass(frozen=True)
class Target:
    """One tracker target as the planner sees it: names, and what was read from it."""

    name: str
    kind: str
    repo: str
    changed: Mapping[str, RemoteIssue]
    """Issues read this cycle (changed since the cursor, or fetched), by ref."""
    links: Sequence[LinkRecord]
    reading: Reading = field(default_factory=Reading)
    sync_label: str = "tech-debt"

    def syncs(self, name: str) -> bool:
        return self.reading.syncs(name)

    def link_text(self, ref: str) -> str:
        return ref if self.kind == "jira" else f"{self.repo}#{ref}"

    def ref_of(self, link_text: str) -> str | None:
        """The ref a link written in the register points at, if it is this target's."""
        if self.kind == "jira":
            return link_text if re.fullmatch(rf"{re.escape(self.repo)}-\d+", link_text) else None
        prefix = f"{self.repo}#"
        return link_text[len(prefix) :] if link_text.startswith(prefix) else None

    def claims(self, register: Register) -> dict[str, list[Item]]:
        """Every item whose text links each of this target's issues, by ref, in file order."""
        found: dict[str, list[Item]] = {}
        for item in register.items:
            refs = dict.fromkeys(ref for link in item.links if (ref := self.ref_of(link.text)))
            for ref in refs:
                found.setdefault(ref, []).append(item)
        return found

    def linked_items(self, register: Register) -> dict[str, Item]:
        """The item each issue of this target is linked to in the file, by ref; an issue two
        items claim is nobody's (see `disputed`)."""
        return {ref: items[0] for ref, items in self.claims(register).items() if len(items) == 1}

    def managed(self, issue: RemoteIssue) -> bool:
        """The issue carries this target's sync label: syncer made it for this register (every
        issue it creates carries the label) or a person handed it over. Any other issue is not
        this register's to touch, even one syncer made for another register (its marker alone
        proves nothing about whose it is) or one whose label a person took away."""
        wanted = self.sync_label.casefold()
        return any(label.casefold() == wanted for label in issue.labels)


def disputed(register: Register, target: Target) -> dict[str, list[Item]]:
    """Issues more than one item links: neither item syncs with it until a person fixes it."""
    return {ref: items for ref, items in target.claims(register).items() if len(items) > 1}


def first_links(register: Register, target: Target) -> dict[str, str]:
    """Item key → the ref of its first link to this target: an item syncs with one issue per
    target; a second link of the same target in one item is left alone."""
    first: dict[str, str] = {}
    for ref, item in target.linked_items(register).items():
        first.setdefault(item.key, ref)
    return first


def resolve_links(register: Register, target: Target) -> dict[str, Item]:
    """Stored links → their items, by issue ref.

    Through the link written in the item; else by the item's key (a link whose text never
    reached the file: the cycle that made it died, or a person saved the file meanwhile; or a
    link line a person deleted from a kept item); else, for a link never seen in the file whose
    item was renamed since, by the closest title among the items not linked to this target (at
    least `RENAME_SIMILARITY` alike). A link once seen in the file and now gone with its item
    is not handed to a look-alike: its item was removed. Items in a dispute take no link.
    """
    written = target.linked_items(register)
    firsts = set(first_links(register, target).values())
    found = {r.ref: written[r.ref] for r in target.links if r.ref in firsts}
    taken = {item.key for items in target.claims(register).values() for item in items}
    free = {i.key: i for i in register.items if i.key not in taken}
    orphans = [r for r in target.links if r.ref not in found and r.ref not in written]
    for record in orphans:
        if record.item_key in free:
            found[record.ref] = free.pop(record.item_key)
    for record in orphans:
        if record.ref in found or record.in_file or not free:
            continue
        title = record.base_register.get("title") or record.base_tracker.get("title") or ""
        score, best = max((alike(title, item.title), item.key) for item in free.values())
        if score >= RENAME_SIMILARITY:
            found[record.ref] = free.pop(best)
    return found


def normalized_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalized_title(a), normalized_title(b)).ratio()


def where(item: Item) -> str:
    """How a note names an item so a person finds it: its title and line."""
    return f"{item.title!r} (line {item.line})"
