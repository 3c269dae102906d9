"""Heading items: a heading whose section describes one piece of work.

Which headings are items is decided in `heading_choice.py`; this module reads one: its title
(without numbering, tags and status markers), status, priority, fields, links and body.
"""

from __future__ import annotations

from syncer.model import Status
from syncer.register.document import Document
from syncer.register.escape import read_value
from syncer.register.fields import FieldLine
from syncer.register.items import Heading, Item, ItemKind, Link, Span, title_key
from syncer.register.spans import (
    NUMBERING_RE,
    STRUCK_RE,
    TRAILING_LINKS_RE,
    is_struck,
)
from syncer.register.vocabulary import (
    DECOR_EMOJI,
    LINK_KEYS,
    MARKER_LEAD_RE,
    MARKER_TRAIL_RE,
    PRIORITY_KEYS,
    PRIORITY_TAG_RE,
    STATUS_KEYS,
    tag_priority,
)

_DECOR = DECOR_EMOJI + " "
_DECOR_CHARS = frozenset(_DECOR)


def heading_item_end(doc: Document, i: int, is_item: list[bool]) -> int:
    """0-based last line owned: up to the next heading of the same or a higher level, or
    the next item heading, without trailing blank lines and thematic breaks."""
    level = doc.headings[i].level
    end = len(doc.lines)
    for j in range(i + 1, len(doc.headings)):
        if doc.headings[j].level <= level or is_item[j]:
            end = doc.headings[j].line - 1
            break
    return doc.trim(doc.headings[i].line - 1, end)


def heading_item(doc: Document, i: int, last: int, fields: list[FieldLine], why: str) -> Item:
    heading = doc.headings[i]
    first = heading.line - 1
    title, title_at, marker_at = heading_title(doc, heading)
    own: list[FieldLine] = []
    status_field = priority_field = None
    links: list[Link] = []
    structural: set[int] = set()  # lines of fields syncer writes: not part of the body
    for f in fields:  # one pass: a register has thousands of these
        if f.line > last:
            continue
        own.append(f)
        if f.key in STATUS_KEYS:
            status_field = status_field or f
        elif f.key in PRIORITY_KEYS:
            priority_field = priority_field or f
        elif f.key in LINK_KEYS:
            links += doc.links_in(f.field.at)
        else:
            continue
        structural.add(f.line)
    section_prio, section_state = doc.inherited(doc.parents[i])
    raw_title = doc.repair(doc.text[heading.at[0] : heading.at[1]])
    priority = (
        (priority_field and doc.vocab.priority_of(priority_field.field.value))
        or tag_priority(raw_title)
        or section_prio
    )
    if status_field is not None:
        marker_at = None
    if status_field is not None:
        value = status_field.field.value
    elif marker_at is not None:
        value = doc.repair(doc.text[marker_at[0] : marker_at[1]])
    else:
        value = ""
    status = doc.vocab.status_of(value) if value else None
    if not value and is_struck(doc.text, title_at):
        status = Status.DONE  # struck through: dropped or finished, closed either way
    status = status or (Status.TODO if value else section_state or Status.TODO)
    links += doc.hidden_links(first, last)
    body_first = first + 1
    field_rows = {f.line for f in own}
    while body_first <= last and (body_first in field_rows or doc.lines.blank(body_first)):
        body_first += 1
    body_at = (doc.lines.starts[body_first], doc.lines.ends[last])
    if body_first > last:
        body_at = (doc.lines.ends[last], doc.lines.ends[last])
    return Item(
        key=title_key(title),
        kind=ItemKind.HEADING,
        title=title,
        status=status,
        raw_status=value,
        priority=priority,
        line=heading.line,
        span=(heading.line, last + 1),
        section=doc.section(doc.parents[i]),
        body=doc.body(body_first, last, structural),
        fields=tuple(f.field for f in own),
        links=tuple(links),
        reason=why + ("; status from its heading's marker" if marker_at else ""),
        at=(doc.lines.starts[first], doc.lines.ends[last]),
        title_at=title_at,
        status_at=status_field.field.at if status_field else marker_at,
        priority_at=priority_field.field.at if priority_field else None,
        body_at=body_at,
        level=heading.level,
        status_in_title=marker_at is not None,
    )


def heading_title(doc: Document, heading: Heading) -> tuple[str, Span, Span | None]:
    """(title, its span, a status marker's span): the title is the heading without
    numbering, a `(P0)` tag, a status marker (`[WIP]`, `DONE:`, `(blocked)`, `✅`) or other
    decoration emoji; those stay decorations, and the marker is where the status is read
    and written when the item has no status field."""
    start, end = heading.at
    raw = doc.text[start:end]
    lead = NUMBERING_RE.match(raw)
    lo = lead.end() if lead else 0
    trailing = TRAILING_LINKS_RE.search(raw)
    hi = trailing.start() if trailing else len(raw)
    tag = PRIORITY_TAG_RE.search(raw, lo, hi)
    hi = tag.start() if tag else hi
    marker: Span | None = None
    for found in (MARKER_LEAD_RE.match(raw, lo, hi), MARKER_TRAIL_RE.search(raw, lo, hi)):
        if found and found.lastgroup and _is_marker(doc, found.group(found.lastgroup)):
            marker = found.span(found.lastgroup)
            lo, hi = (found.end(), hi) if found.start() == lo else (lo, found.start())
            break
    inner = raw[lo:hi]
    left = right = 0
    if inner[:1] in _DECOR_CHARS or inner[-1:] in _DECOR_CHARS:  # else none: most headings
        left = len(inner) - len(_strip_decor(doc, inner, leading=True))
        right = len(inner) - len(_strip_decor(doc, inner, leading=False))
    for run_start, run_end in ((lo, lo + left), (hi - right, hi)):
        run = raw[run_start:run_end]
        if marker is None and run and _is_marker(doc, run):
            marker = (run_start + len(run) - len(run.lstrip()), run_start + len(run.rstrip()))
    span = (start + lo + left, start + hi - right)
    struck = STRUCK_RE.fullmatch(doc.text, *span)
    if struck:  # `## ~~Title~~ (resolved)`: the title is inside the strike
        span = struck.span("inner")
    if span[0] >= span[1]:
        return read_value(doc.repair(raw).strip()), (start, end), None
    at = (start + marker[0], start + marker[1]) if marker else None
    return read_value(doc.repair(doc.text[span[0] : span[1]]).strip()), span, at


def _is_marker(doc: Document, raw: str) -> bool:
    return doc.vocab.is_marker(doc.repair(raw))


def _strip_decor(doc: Document, raw: str, leading: bool) -> str:
    meaning = doc.repair(raw)
    if meaning != raw:  # damaged: decorations are multi-character, strip nothing
        return raw
    return raw.lstrip(_DECOR) if leading else raw.rstrip(_DECOR)
