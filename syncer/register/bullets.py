"""Bullet items: when a document holds no structured items (no item headings, checkboxes or
item tables), the file itself is the register the user pointed syncer at, and its top-level
bullets and numbered entries are the items; nested bullets are their bodies.

Not items even then: entries in sections about the document (legend, contents, notes: see
`is_meta_section`), label bullets that only introduce a nested list (`- Prioritize:`),
definitions (`- **term**: meaning`), bare links (a table of contents), empty bullets, and the
lists of an essay (a section with more lines of prose than entries).

Status, from the entry's own marker first: a leading tag (`[DONE]`, `(WIP)`, `OK `, `open:`),
a trailing one (`… (blocked)`, `… in progress`), status emoji at its edges, a strike
(`~~…~~`, `<del>…</del>`: done); else its section's, else todo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syncer.model import Status
from syncer.register.document import Document
from syncer.register.escape import read_value
from syncer.register.items import Item, ItemKind, Span, title_key
from syncer.register.spans import (
    CHECKBOX_RE,
    DEL_RE,
    FIELD_RE,
    STRUCK_RE,
    TRAILING_LINKS_RE,
    TRIMMED,
    is_struck,
    lead_title,
)
from syncer.register.vocabulary import (
    DECOR_EMOJI,
    PRIORITY_TAG_RE,
    is_meta_section,
    is_work_section,
    tag_priority,
)

ENTRY_RE = re.compile(
    rf"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{{1,9}}[.)])[ \t]+(?P<text>(?:{TRIMMED})?)[ \t]*$"
)
_LEAD_TAG_RE = re.compile(
    r"(?:\[(?P<bracket>[^\]\r\n]{1,24})\]|\((?P<paren>[^)\r\n]{1,24})\)"
    r"|(?P<word>[^\W\d_][\w' -]{0,20}?):|(?P<caps>[A-Z]{2,12}))(?=[ \t])"
)
"""A status leading an entry: `[DONE]`, `(WIP)`, `open:`, an all-caps `OK`."""
_TRAIL_TAG_RE = re.compile(r"[ \t]+[\(\[](?P<tag>[^\)\]\r\n]{1,24})[\)\]]$")
_Entry = tuple[int, int]
"""A list entry's lines, [first, end)."""
_LINK_ONLY_RE = re.compile(r"^\[[^\]]*\]\([^)]*\)$")


@dataclass(frozen=True)
class _Marker:
    status: Status
    at: Span | None
    title: Span


def bullet_items(doc: Document, only_work_sections: bool = False) -> list[Item]:
    """The document's top-level entries as items: all of them when it has no other items, else
    (`only_work_sections`) those of sections titled as a list of work (`## TODO`, `## Backlog`,
    `## Pendientes`, `## 待办`) that hold nothing else."""
    listed = doc.blocks.list_items
    parents = listed.parent
    work = {
        i for i, h in enumerate(doc.headings) if only_work_sections and is_work_section(h.title)
    }
    if only_work_sections and not work:
        return []  # most documents: no such section to look in
    by_section: dict[int, list[tuple[_Entry, re.Match[str]]]] = {}
    for n, first in enumerate(listed.first):
        if parents[n] != -1:
            continue
        heading = doc.governing(first)
        if only_work_sections and heading not in work:
            continue
        match = _entry(doc, first, n + 1 < len(parents) and parents[n + 1] == n)
        if match is not None:
            by_section.setdefault(heading, []).append(((first, listed.end[n]), match))
    items: list[Item] = []
    for heading, found in by_section.items():
        if _essay(doc, heading, len(found)) or _questions(found):
            continue
        items.extend(_bullet_item(doc, entry, match, heading) for entry, match in found)
    return sorted(items, key=lambda item: item.line)


def _entry(doc: Document, first: int, nested: bool) -> re.Match[str] | None:
    """The entry's first line, if it may be an item (`nested`: a list is nested in it)."""
    raw = doc.lines[first]
    match = ENTRY_RE.match(raw)
    if match is None or not match.group("text") or CHECKBOX_RE.match(raw):
        return None
    text = match.group("text")
    heading = doc.governing(first)
    if any(is_meta_section(title) for title in _path(doc, heading)):
        return None
    if text.rstrip("*_ ").endswith(":") and nested:
        return None  # a label introducing its nested list
    if FIELD_RE.match(raw) or _LINK_ONLY_RE.match(text):
        return None  # a definition, a table-of-contents link
    return match


def _path(doc: Document, heading: int) -> list[str]:
    titles = []
    while heading != -1:
        titles.append(doc.headings[heading].title)
        heading = doc.parents[heading]
    return titles


def _essay(doc: Document, heading: int, entries: int) -> bool:
    """Whether the section under `heading` is prose with lists in it, not a list of work: more
    lines of prose than entries, its first paragraph (an introduction) aside."""
    start = doc.headings[heading].line if heading != -1 else 0
    end = doc.headings[heading + 1].line - 1 if heading + 1 < len(doc.headings) else len(doc.lines)
    prose = [line for line in range(start, end) if line in doc.paragraph_lines]
    intro = doc.paragraph_end.get(prose[0], prose[0]) - prose[0] if prose else 0
    return len(prose) - intro > entries


def _questions(found: list[tuple[_Entry, re.Match[str]]]) -> bool:
    """A list of questions (every entry ends in `?`) asks, it does not list work; one entry
    ending in `?` may be a task with a doubt."""
    return len(found) > 1 and all(match.group("text").rstrip().endswith("?") for _, match in found)


def _bullet_item(doc: Document, entry: _Entry, match: re.Match[str], heading: int) -> Item:
    first, last = entry[0], doc.trim(entry[0], entry[1])
    base = doc.lines.starts[first]
    text_at = (base + match.start("text"), base + match.end("text"))
    trailing = TRAILING_LINKS_RE.search(doc.text, text_at[0], text_at[1])
    content = (text_at[0], trailing.start() if trailing else text_at[1])
    marker = _marker(doc, content)
    section_prio, section_state = doc.inherited(heading)
    title_at, summary_at = lead_title(doc.text, *marker.title)
    raw_title = doc.text[title_at[0] : title_at[1]]
    tag = PRIORITY_TAG_RE.search(raw_title)
    if tag:
        title_at = (title_at[0], title_at[0] + tag.start())
    title = read_value(doc.repair(doc.text[title_at[0] : title_at[1]]).strip())
    if summary_at is not None:  # `**Label:** text`: the label is the title
        title = title.removesuffix(":").rstrip() or title
    summary = doc.repair(doc.text[summary_at[0] : summary_at[1]]).strip() if summary_at else ""
    nested = doc.nested(first + 1, last, match.end("marker") + 1)
    status = marker.status if marker.at or marker.status is Status.DONE else section_state
    if marker.at is None and is_struck(doc.text, title_at):
        status = Status.DONE  # `~~Title~~ (why)`
    return Item(
        key=title_key(title),
        kind=ItemKind.BULLET,
        title=title,
        status=status or Status.TODO,
        raw_status=doc.text[marker.at[0] : marker.at[1]] if marker.at else "",
        priority=tag_priority(raw_title) or section_prio,
        line=first + 1,
        span=(first + 1, last + 1),
        section=doc.section(heading),
        body="\n\n".join(part for part in (summary, nested) if part),
        fields=(),
        links=tuple(doc.inline_links(*text_at)),
        reason="top-level entry of a document with no structured items",
        at=(base, doc.lines.ends[last]),
        title_at=title_at,
        status_at=marker.at,
        priority_at=None,
        body_at=(doc.lines.ends[first], doc.lines.ends[last]),
        summary_at=summary_at,
        level=len(match.group("indent")),
        status_in_title=marker.at is not None,
    )


def _marker(doc: Document, at: Span) -> _Marker:
    """The entry's own status and where it is written, and the title's span without it."""
    start, end = at
    text = doc.text
    for pattern in (DEL_RE, STRUCK_RE):
        struck = pattern.fullmatch(text, start, end)
        if struck:
            return _Marker(Status.DONE, None, struck.span("inner"))
    lead = _LEAD_TAG_RE.match(text, start, end)
    if lead and lead.lastgroup and _is_status(doc, lead.group(lead.lastgroup)):
        word = lead.span(lead.lastgroup)
        rest = len(text[lead.end() : end]) - len(text[lead.end() : end].lstrip())
        return _Marker(_status(doc, word), word, (lead.end() + rest, end))
    trail = _TRAIL_TAG_RE.search(text, start, end)
    if trail and _is_status(doc, trail.group("tag")):
        return _Marker(_status(doc, trail.span("tag")), trail.span("tag"), (start, trail.start()))
    edge = _edge_emoji(doc, start, end)
    if edge is not None:
        return edge
    words = text[start:end].rstrip(" .").split(" ")
    for n in (3, 2, 1):
        tail = " ".join(words[-n:])
        if len(words) > n and _is_status(doc, tail):
            tail_at = (start + len(" ".join(words[:-n])) + 1, start + len(" ".join(words)))
            return _Marker(_status(doc, tail_at), tail_at, (start, tail_at[0] - 1))
    return _Marker(Status.TODO, None, (start, end))


def _edge_emoji(doc: Document, start: int, end: int) -> _Marker | None:
    raw = doc.text[start:end]
    left = len(raw) - len(raw.lstrip(DECOR_EMOJI + " "))
    right = len(raw) - len(raw.rstrip(DECOR_EMOJI + " "))
    for lo, hi in ((start, start + left), (end - right, end)):
        run = doc.text[lo:hi].strip()
        if run and _is_status(doc, run):
            at = (doc.text.index(run, lo), doc.text.index(run, lo) + len(run))
            title = (start + left, end) if lo == start else (start, end - right)
            return _Marker(_status(doc, at), at, title)
    return None


def _is_status(doc: Document, raw: str) -> bool:
    return doc.vocab.is_marker(doc.repair(raw))


def _status(doc: Document, at: Span) -> Status:
    return doc.vocab.status_of(doc.repair(doc.text[at[0] : at[1]])) or Status.TODO
