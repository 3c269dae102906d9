"""Checkbox items: top-level `- [ ]` / `- [x]` list items (and bare `[ ] task` lines) outside
heading items; nested checkboxes are sub-tasks, part of their parent's body."""

from __future__ import annotations

import re

from syncer.model import Priority, Status
from syncer.register.document import Document
from syncer.register.escape import read_value
from syncer.register.items import Field, Item, ItemKind, title_key
from syncer.register.spans import (
    BARE_CHECKBOX_RE,
    CHECKBOX_META_RE,
    CHECKBOX_RE,
    TRAILING_LINKS_RE,
    TRAILING_META_RE,
    inside,
    is_struck,
    lead_title,
)
from syncer.register.vocabulary import PRIORITY_TAG_RE, is_placeholder, tag_level

MARKS = {"x": Status.DONE, "X": Status.DONE, "-": Status.DONE, " ": Status.TODO}
"""Box marks; `[-]` is cancelled (closed without the work: done for syncer), `[~]`/`[/]`
are in progress."""


def checkbox_items(doc: Document, owned: list[tuple[int, int]]) -> list[Item]:
    items: list[Item] = []
    listed, rows = doc.blocks.list_items, doc.lines.rows
    is_box: list[bool] = []  # not the matches: each would live, watched, until the last item
    for idx, first in enumerate(listed.first):  # a list item comes after those it is in
        match = CHECKBOX_RE.match(rows[first]) if "[" in rows[first] else None
        is_box.append(match is not None)
        if match is None or inside(owned, first + 1):
            continue
        ancestor = listed.parent[idx]
        while ancestor != -1 and not is_box[ancestor]:
            ancestor = listed.parent[ancestor]
        if ancestor != -1:
            continue  # a sub-task of a checkbox item: part of its body
        items.append(_checkbox_item(doc, first, doc.trim(first, listed.end[idx]), match))
    return items


def bare_checkbox_items(doc: Document, owned: list[tuple[int, int]]) -> list[Item]:
    """`[ ] task` lines opening a line of a top-level paragraph: each is a task, and the lines
    after it up to the next one continue it."""
    rows = doc.lines.rows
    found = [
        (line, match)
        for line in doc.blocks.top_paragraph_lines
        if rows[line].startswith("[")
        and (match := BARE_CHECKBOX_RE.match(rows[line]))
        and not inside(owned, line + 1)
    ]
    items: list[Item] = []
    if not found:
        return items
    paragraph_end = {
        line: end for first, end in doc.paragraph_end.items() for line in range(first, end)
    }
    for n, (line, match) in enumerate(found):
        end = paragraph_end[line]
        if n + 1 < len(found) and found[n + 1][0] < end:
            end = found[n + 1][0]
        items.append(_checkbox_item(doc, line, end - 1, match))
    return items


def without_placeholder(items: list[Item]) -> list[Item]:
    """No items when the document's one checkbox only says there are none (`- [ ] NONE.`);
    among other items, a task titled "None" is a task."""
    return [] if len(items) == 1 and is_placeholder(items[0].title) else items


def _checkbox_item(doc: Document, first: int, last: int, match: re.Match[str]) -> Item:
    text = doc.text
    base = doc.lines.starts[first]
    mark_start, mark_end = match.span("mark")
    mark_at = (base + mark_start, base + mark_end)
    text_start, text_end = match.span("text")
    if text_start < 0:  # a box with no text
        text_start = text_end = match.end()
    text_start, text_end = base + text_start, base + text_end
    links = doc.inline_links(text_start, text_end)
    trailing = TRAILING_LINKS_RE.search(text, text_start, text_end)
    content_end = trailing.start() if trailing else text_end
    meta = TRAILING_META_RE.search(text, text_start, content_end)
    fields, meta_priority = _checkbox_meta(text, meta) if meta else ((), None)
    title_at, summary_at = lead_title(text, text_start, meta.start() if meta else content_end)
    tag = PRIORITY_TAG_RE.search(text, title_at[0], title_at[1])
    tagged = None
    if tag:
        title_at = (title_at[0], tag.start())
        tagged = tag_level(tag)
    title = read_value(doc.repair(text[title_at[0] : title_at[1]]).strip())
    mark = match.string[mark_start:mark_end]
    struck = is_struck(text, title_at)
    status = MARKS.get(mark, Status.IN_PROGRESS)
    heading = doc.governing(first)
    summary = doc.repair(text[summary_at[0] : summary_at[1]]).strip() if summary_at else ""
    nested = doc.nested(first + 1, last, match.end("marker") + 1)
    body = f"{summary}\n\n{nested}" if summary and nested else summary or nested
    ends = doc.lines.ends
    return Item(
        key=title_key(title),
        kind=ItemKind.CHECKBOX,
        title=title,
        status=Status.DONE if struck else status,
        raw_status=f"[{mark}] ~~" if struck else f"[{mark}]",
        priority=tagged or meta_priority or doc.inherited(heading)[0],
        line=first + 1,
        span=(first + 1, last + 1),
        section=doc.section(heading),
        body=body,
        fields=fields,
        links=tuple(links),
        reason="top-level checkbox" + (", struck through: done" if struck else ""),
        at=(base, ends[last]),
        title_at=title_at,
        status_at=mark_at,
        priority_at=None,
        body_at=(ends[first], ends[last]),
        summary_at=summary_at,
        level=len(match.group("indent")),
    )


def _checkbox_meta(text: str, run: re.Match[str]) -> tuple[tuple[Field, ...], Priority | None]:
    """Fields from what ends a checkbox line: `Owner` (the first run of `@handles`, as
    written), `Due` (the date), and a `(P1)` tag's priority. A field's `line_at` is its
    whole token, so clearing the field removes the token."""
    owners: list[re.Match[str]] = []
    fields: list[Field] = []
    priority = None
    after_owner = False
    for token in CHECKBOX_META_RE.finditer(text, run.start(), run.end()):
        if token.group("owner") and (after_owner or not owners):
            owners.append(token)
        after_owner = token.group("owner") is not None
        if token.group("due"):
            fields.append(Field("Due", token.group("due"), token.span("due"), token.span()))
        elif token.group("tag"):
            priority = tag_level(token)
    if owners:
        at = (owners[0].start("owner") - 1, owners[-1].end())
        owner = Field("Owner", text[at[0] : at[1]], at, (owners[0].start(), at[1]))
        fields.insert(0, owner)
    return tuple(fields), priority
