"""Read a hand-written register into items, remembering where every value came from.

markdown-it-py finds the block structure (headings, lists, tables, code fences) with line maps;
the values themselves are read from the original lines, so each carries its exact span. The
rules (DESIGN §1, docs/register.md) are general, one module per kind of item: `headings`,
`checkboxes`, `tables`, `bullets`. Nothing inside code fences or HTML comments is ever read.
"""

from __future__ import annotations

from collections import Counter
from operator import attrgetter

from syncer.register.bullets import bullet_items
from syncer.register.checkboxes import bare_checkbox_items, checkbox_items, without_placeholder
from syncer.register.document import Document
from syncer.register.fields import FieldLine, field_lines
from syncer.register.heading_choice import item_headings
from syncer.register.headings import heading_item, heading_item_end
from syncer.register.items import Item, Register, title_key
from syncer.register.lines import newline_of
from syncer.register.rules import RegisterRules
from syncer.register.spans import inside
from syncer.register.tables import table_items

_WHERE = attrgetter("at")


def parse(text: str, rules: RegisterRules | None = None) -> Register:
    """The register's items, in document order, with the spans of every value read."""
    doc = Document(text, rules or RegisterRules())
    heading_items, items = _items(doc)
    return Register(
        text=text,
        items=_with_unique_keys(items),
        headings=tuple(doc.headings),
        line_starts=tuple(doc.lines.starts),
        newline=newline_of(text),
        damage=doc.damage,
        field_style=_field_style(heading_items),
        vocabulary=doc.vocab,
        item_keys=doc.item_keys,
    )


def _items(doc: Document) -> tuple[list[Item], list[Item]]:
    """(the heading items, all items in document order)."""
    fields = field_lines(doc)
    chosen = item_headings(doc, fields)
    is_item = [i in chosen for i in range(len(doc.headings))]
    by_heading: dict[int, list[FieldLine]] = {}
    for f in fields:
        by_heading.setdefault(doc.governing(f.line), []).append(f)
    heading_items = [
        heading_item(doc, i, heading_item_end(doc, i, is_item), by_heading.get(i, []), why)
        for i, why in sorted(chosen.items())
    ]
    owned = sorted((item.span[0], item.span[1]) for item in heading_items)
    all_boxes = checkbox_items(doc, owned) + bare_checkbox_items(doc, owned)
    boxes = without_placeholder(all_boxes)
    tables, item_tables = table_items(doc, owned, heading_items + boxes)
    items = heading_items + boxes + tables
    if not (items or all_boxes or item_tables):  # the file itself is the list
        items = bullet_items(doc)
    elif listed := bullet_items(doc, only_work_sections=True):
        # a section titled as a list of work, holding nothing else, is one
        taken = {doc.governing(i.line - 1) for i in items}
        items += [
            i
            for i in listed
            if not inside(owned, i.line) and doc.governing(i.line - 1) not in taken
        ]
    if doc.rules.include_sections or doc.rules.exclude_sections:
        items = [i for i in items if doc.rules.admits(i.section)]
    items.sort(key=_WHERE)  # items start on lines of their own: never at one offset
    return heading_items, items


def _with_unique_keys(items: list[Item]) -> tuple[Item, ...]:
    """Keys from titles (each item is made with its title's key); the section's slug, then a
    counter, tell same-titled items apart. Only those items are made again."""
    given = [item.key for item in items]
    if len(set(given)) == len(given):  # every title its own: most registers
        return tuple(items)
    counts = Counter(given)
    keys = [
        f"{title_key(item.section[-1]) if item.section else 'top'}/{item.key}"
        if counts[item.key] > 1
        else item.key
        for item in items
    ]
    unique = keys
    if len(set(keys)) < len(keys):  # same title in the same section: a counter
        seen: Counter[str] = Counter()
        unique = []
        for key in keys:
            seen[key] += 1
            unique.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return tuple(
        item if item.key == key else item._replace(key=key)
        for item, key in zip(items, unique, strict=True)
    )


def _field_style(items: list[Item]) -> str:
    """How the document's items most often write a field line (document metadata under the
    title does not count): `**{name}**: {value}`, `- {name}: {value}`…"""
    styles = Counter(f.style for item in items for f in item.fields)
    return styles.most_common(1)[0][0] if styles else "**{name}**: {value}"
