"""Which headings are items, and why. A heading is an item when its own section describes one
piece of work; it is a group when its sub-headings are the items.

- **Item fields**: its own paragraphs or top-level bullets hold a field from the item words
  (`**Status**:`, `**Estado:**`, `**Приоритет**:`, any configured `item_fields`).
- **Siblings alike**: among sibling headings (same parent, same level), those that share an
  item shape with at least one sibling: bold-label field lines in any language
  (`- **Contesto:** …`), an ID prefix (`TD-003:`, `A1.`), numbering (`### 2. …`), a struck or
  status-marked title (`~~Title~~ (resolved)`), the same sub-headings as a sibling (each
  `## Topic` with `### Current state` / `### Goals`), or, under a group heading, a body that
  opens with prose (a bug and its one-paragraph description).
- A heading with an ID prefix and a body of its own is an item even alone.
The document's title is never an item, nor anything inside an item heading's section.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

from syncer.register.document import Document
from syncer.register.fields import FieldLine
from syncer.register.spans import (
    CHECKBOX_RE,
    NUMBERING_RE,
    STRUCK_RE,
    TRAILING_LINKS_RE,
    plain,
)
from syncer.register.vocabulary import MARKER_LEAD_RE, MARKER_TRAIL_RE, is_meta_section

ID_PREFIX_RE = re.compile(r"^(?:[A-Z][A-Z0-9]{0,9}-\d{1,5}(?=[:.)\s])|[A-Z]{1,3}\d{1,4}(?=[:.)]))")
"""An identifier opening a heading: `TD-003 …`, `BUG-001:`, `A1.` (not a `P3 — …` priority)."""


_CHOICES_RE = re.compile(r"[|/,]")


def item_headings(doc: Document, fields: list[FieldLine]) -> dict[int, str]:
    """Heading index → the reason it is an item."""
    chosen: dict[int, str] = {}
    own: dict[int, list[FieldLine]] = {}
    for f in fields:
        own.setdefault(doc.governing(f.line), []).append(f)
    own = {i: _leading(doc, i, found) for i, found in own.items()}
    for i, found in own.items():
        names = [
            f.field.name
            for f in found
            if f.key in doc.item_keys and not _legend(doc, f.field.value)
        ]
        if names and i not in (-1, doc.doc_title):
            chosen[i] = f"heading with item fields ({', '.join(dict.fromkeys(names))})"
    shapes: dict[int, list[str]] = {}

    def shapes_of(i: int) -> list[str]:
        if i not in shapes:
            shapes[i] = _shapes(doc, i, own.get(i, []))
        return shapes[i]

    groups: dict[tuple[int, int], list[int]] = {}
    for i, heading in enumerate(doc.headings):
        if i != doc.doc_title:
            groups.setdefault((doc.parents[i], heading.level), []).append(i)
    for members in groups.values():  # a group's ancestors are decided before it
        undecided = [
            i
            for i in members
            if i not in chosen
            and not _inside_item(doc, i, chosen)
            and not is_meta_section(doc.headings[i].title)
        ]
        if not any(shapes_of(i) for i in undecided):
            continue  # nothing to share: the siblings' shapes need not be looked at
        shared = Counter(shape for i in members for shape in shapes_of(i))
        for i in undecided:
            alike = [s for s in shapes_of(i) if shared[s] >= 2 or s == "an ID prefix"]
            if alike:
                chosen[i] = f"heading alike its siblings ({alike[0]})"
    return {i: why for i, why in chosen.items() if not _inside_item(doc, i, chosen)}


def _leading(doc: Document, i: int, fields: list[FieldLine]) -> list[FieldLine]:
    """The fields that describe heading `i`: those before its second block of other text.
    A `- **term**: meaning` list deep in an explanation, or a `- Problem: …` note among
    many bullets, describes something else."""
    at = {f.line: f for f in fields}
    start = doc.headings[i].line if i != -1 else 0
    blocks, previous, kept = 0, True, []
    for line in range(start, max(at) + 1):
        if line in at:
            if blocks <= 1:
                kept.append(at[line])
            previous = True
        elif doc.lines.blank(line):
            previous = True
        else:
            blocks += previous
            previous = False
    return kept


def _legend(doc: Document, value: str) -> bool:
    """Whether a field value lists the choices (`open | in_progress | done`, `High/Medium/Low`):
    a legend line explaining the fields, not an item's field."""
    if not _CHOICES_RE.search(value):
        return False  # one part: most values
    parts = [p.strip(" `*_").lower() for p in _CHOICES_RE.split(value)]
    vocab = doc.vocab
    return len(parts) >= 2 and all(
        p in vocab.status_words or p in vocab.priority_words for p in parts
    )


def _inside_item(doc: Document, i: int, chosen: dict[int, str]) -> bool:
    parent = doc.parents[i]
    while parent != -1:
        if parent in chosen:
            return True
        parent = doc.parents[parent]
    return False


def _shapes(doc: Document, i: int, fields: list[FieldLine]) -> list[str]:
    """The item shapes heading `i` has (see the module doc), in a fixed order, so the reason
    given is the same on every run."""
    heading = doc.headings[i]
    first = heading.line  # 0-based line after the heading
    end = doc.headings[i + 1].line - 1 if i + 1 < len(doc.headings) else len(doc.lines)
    rows = doc.lines.rows
    content = any(rows[line].strip() for line in range(first, end))
    children = doc.children.get(i, [])
    shapes: list[str] = []
    raw = doc.text[heading.at[0] : heading.at[1]]
    if children:
        titles = frozenset(plain(doc.headings[j].title) for j in children)
        if len(titles) >= 2:
            shapes.append("sub-headings " + " / ".join(sorted(titles)))
    if not content and not children:
        return shapes
    if fields and doc.parents[i] not in (-1, doc.doc_title):
        shapes.append("bold-label fields")
    ident = ID_PREFIX_RE.match(raw)
    if ident and content and ident.group(0).lower() not in doc.vocab.priority_words:
        shapes.append("an ID prefix")
    if NUMBERING_RE.match(raw) and content:
        shapes.append("numbered")
    if _struck_or_marked(doc, raw):
        shapes.append("struck or status-marked title")
    if (
        content
        and not children
        and doc.parents[i] not in (-1, doc.doc_title)
        and bisect_left(doc.table_headers, first) == bisect_left(doc.table_headers, end)
        and _opens_with_prose(doc, first, end, fields)
        and not any(
            "[" in rows[line] and CHECKBOX_RE.match(rows[line]) for line in range(first, end)
        )
    ):
        shapes.append("prose body under a group heading")
    return shapes


def _opens_with_prose(doc: Document, first: int, end: int, fields: list[FieldLine]) -> bool:
    """Whether the first line of [first, end) after the leading field lines is a paragraph's."""
    field_rows = {f.line for f in fields}
    rows = doc.lines.rows
    opening = next(
        (line for line in range(first, end) if rows[line].strip() and line not in field_rows),
        None,
    )
    return opening is not None and opening in doc.paragraph_lines


def _struck_or_marked(doc: Document, raw: str) -> bool:
    trailing = TRAILING_LINKS_RE.search(raw)
    title = raw[: trailing.start()] if trailing else raw
    trail = MARKER_TRAIL_RE.search(title)
    for found in (MARKER_LEAD_RE.match(title), trail):
        if found and found.lastgroup and doc.vocab.is_marker(found.group(found.lastgroup)):
            return True
    core = title[: trail.start()] if trail else title
    return "~~" in core and STRUCK_RE.fullmatch(core.strip()) is not None
