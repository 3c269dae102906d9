"""Read a hand-written register into items, remembering where every value came from.

markdown-it-py finds the block structure (headings, lists, tables, code fences) with line maps;
the values themselves are read from the original lines, so each carries its exact span. The
rules (DESIGN §1) are general: heading items are recognized by item fields, checkbox items by
being top-level checkboxes, table rows by a title-like column; summary tables that restate items
are views. Nothing inside code fences is ever read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from syncer.model import Priority, Status
from syncer.register.body_escape import unescape_body
from syncer.register.commonmark import block_markdown
from syncer.register.damage import detect
from syncer.register.escape import read_value
from syncer.register.items import Field, Heading, Item, ItemKind, Link, Register, Span
from syncer.register.restate import TitleIndex
from syncer.register.rules import RegisterRules
from syncer.register.table_cells import row_cells as _cells
from syncer.register.vocabulary import (
    BOLD_FIELD_LEAD,
    DECOR_EMOJI,
    ITEM_KEYS,
    LINK_KEYS,
    MARKER_LEAD_RE,
    MARKER_TRAIL_RE,
    PLAIN_FIELD_LEAD,
    PRIORITY_KEYS,
    PRIORITY_TAG_RE,
    PRIORITY_WORDS,
    STATUS_KEYS,
    TAG_RE,
    TITLE_COLUMNS,
    Vocabulary,
    normalize_key,
    section_priority,
    section_status,
)

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_ATX_RE = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
FIELD_RE = re.compile(
    BOLD_FIELD_LEAD + r"(?::(?P=open)|(?P=open)[ \t]*:)[ \t]*(?P<value>.*?)[ \t]*$"
)
PLAIN_FIELD_RE = re.compile(PLAIN_FIELD_LEAD + r":[ \t]+(?P<value>\S.*?)[ \t]*$")
"""`Status: Done`, `- Priority: high`: a field only when its key is item vocabulary."""
CHECKBOX_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])[ \t]+\[(?P<mark>[ xX~/])\]"
    r"(?:[ \t]+(?P<text>.*?))?[ \t]*$"
)
_LEAD_RE = re.compile(
    r"(?P<open>\*\*|__|~~)(?P<title>(?:\\.|[^\\])+?)(?P=open)"
    r"(?P<sep>[ \t]*[-\u2013\u2014:][ \t]*)?"
)
"""A checkbox's title set apart by bold (`**Title** - summary`) or struck through (dropped); an
escaped `\\*` or `\\~` inside does not close it."""
_STRUCK_RE = re.compile(r"~~(?P<inner>(?:\\.|[^~\\])(?:.*(?:\\.|[^~\\]))?)~~")
"""A wholly struck-through title (a table cell): done, and the title is what is inside."""
NUMBERING_RE = re.compile(r"^(?:\d{1,4}[.)]|#\d{1,4}:?)[ \t]+")
HANDLE = r"[A-Za-z0-9][\w.-]*"
"""An `@handle` naming an owner at the end of a checkbox line (without its `@`)."""
_CHECKBOX_META = (
    rf"@(?P<owner>{HANDLE})"
    r"|\(due:?[ \t]*(?P<due>\d{4}-\d{2}-\d{2})\)"
    r"|<!--.*?-->"
    r"|" + TAG_RE.pattern
)
_CHECKBOX_META_RE = re.compile(rf"[ \t]+(?:{_CHECKBOX_META})", re.IGNORECASE)
TRAILING_META_RE = re.compile(rf"(?:[ \t]+(?:{_CHECKBOX_META}))+[ \t]*$", re.IGNORECASE)
"""What ends a checkbox line without being its title: `@owner`s, `(due 2027-01-10)`, HTML
comments, a `(P1)` tag, in any order."""
_FRONT_MATTER_RE = re.compile(
    r"\A(?P<fence>---|\+\+\+)[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*[\w.-]+[ \t]*[:=]"
    r"(?:[^\r\n]*(?:\r\n|\r|\n))*?(?:(?P=fence)|\.\.\.)[ \t]*(?=\r\n|\r|\n|\Z)"
)
"""YAML (`---`) or TOML (`+++`) front matter opening the document with a `key:` line."""
TRACKER_LINK_RE = re.compile(
    r"\[(?P<text>[\w.-]+(?:/[\w.-]+)+#\d+|[A-Z][A-Z0-9_]+-\d+)\]\((?P<url>https?://[^)\s]+)\)"
)
HIDDEN_LINK_RE = re.compile(r"<!--\s*syncer:\s*(?P<text>\S+)\s+(?P<url>\S+)\s*-->")
_TRAILING_LINKS_RE = re.compile(
    r"(?:[ \t]*(?:"
    + TRACKER_LINK_RE.pattern
    + r"|"
    + HIDDEN_LINK_RE.pattern.replace("(?P<text>", "(?P<htext>").replace("(?P<url>", "(?P<hurl>")
    + r")[ \t]*,?)+$"
)


@dataclass
class _Lines:
    """Where each line's content starts and ends in the original text (newlines excluded)."""

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> _Lines:
        lines = cls(text)
        pos = 0
        for match in _NEWLINE_RE.finditer(text):
            lines.starts.append(pos)
            lines.ends.append(match.start())
            pos = match.end()
        lines.starts.append(pos)
        lines.ends.append(len(text))
        if text.startswith("\ufeff"):
            lines.starts[0] = 1
        return lines

    def __getitem__(self, i: int) -> str:
        return self.text[self.starts[i] : self.ends[i]]

    def __len__(self) -> int:
        return len(self.starts)

    def blank(self, i: int) -> bool:
        return not self[i].strip()


@dataclass
class _Blocks:
    """What the token stream says, as line indexes (0-based)."""

    headings: list[tuple[int, int]] = field(default_factory=list)  # (line, level)
    top_paragraph_lines: list[int] = field(default_factory=list)
    list_items: list[tuple[int, int, int]] = field(default_factory=list)  # (first, end, parent)
    tables: list[tuple[int, list[int]]] = field(default_factory=list)  # (header, rows)
    rules: set[int] = field(default_factory=set)  # thematic breaks


def _without_front_matter(text: str) -> str:
    """The text with its front matter blanked (line breaks kept, so line numbers hold): front
    matter is metadata for site generators, and Markdown would read it as a heading."""
    found = _FRONT_MATTER_RE.match(text)
    if found is None:
        return text
    return re.sub(r"[^\r\n]+", "", found.group(0)) + text[found.end() :]


def _blocks(text: str) -> _Blocks:
    blocks = _Blocks()
    stack: list[int] = []
    in_head = False
    table: tuple[int, list[int]] | None = None
    for tok in block_markdown().parse(_without_front_matter(text.removeprefix("\ufeff"))):
        kind, where = tok.type, tok.map
        if kind == "heading_open" and where:
            blocks.headings.append((where[0], int(tok.tag[1])))
        elif kind == "paragraph_open" and tok.level == 0 and where:
            blocks.top_paragraph_lines.extend(range(where[0], where[1]))
        elif kind == "list_item_open" and where:
            stack.append(len(blocks.list_items))
            parent = stack[-2] if len(stack) > 1 else -1
            blocks.list_items.append((where[0], where[1], parent))
        elif kind == "list_item_close":
            stack.pop()
        elif kind == "hr" and where:
            blocks.rules.add(where[0])
        elif kind == "table_open" and tok.level == 0:
            table = (-1, [])
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open" and table is not None and where:
            if in_head:
                table = (where[0], table[1])
            else:
                table[1].append(where[0])
        elif kind == "table_close" and table is not None:
            blocks.tables.append(table)
            table = None
    return blocks


@dataclass(frozen=True)
class _FieldLine:
    line: int
    key: str
    field: Field


def parse(text: str, rules: RegisterRules | None = None) -> Register:
    """The register's items, in document order, with the spans of every value read."""
    rules = rules or RegisterRules()
    return _Parser(text, rules).run()


class _Parser:
    def __init__(self, text: str, rules: RegisterRules) -> None:
        self.text = text
        self.rules = rules
        self.vocab = Vocabulary.default(rules.status_words, rules.priority_words)
        self.item_keys = ITEM_KEYS | {normalize_key(k) for k in rules.item_fields}
        self.lines = _Lines.of(text)
        self.damage = detect(text)
        self.blocks = _blocks(text)
        self.headings = self._headings()
        self.parents = self._heading_parents()
        self.doc_title = self._find_doc_title()
        self._section_state: dict[int, tuple[Priority | None, Status | None]] = {}

    # --- document structure --------------------------------------------------------------

    def _headings(self) -> list[Heading]:
        found = []
        for line, level in self.blocks.headings:
            start, end = self.lines.starts[line], self.lines.ends[line]
            atx = _ATX_RE.match(self.lines[line])
            if atx and atx.group("text") is not None:
                start, end = start + atx.start("text"), start + atx.end("text")
            elif atx:
                start = end
            else:  # setext: the text line, trimmed
                raw = self.lines[line]
                start += len(raw) - len(raw.lstrip())
                end -= len(raw) - len(raw.rstrip())
            found.append(Heading(line + 1, level, self.repair(self.text[start:end]), (start, end)))
        return found

    def _heading_parents(self) -> list[int]:
        parents: list[int] = []
        stack: list[int] = []
        for i, heading in enumerate(self.headings):
            while stack and self.headings[stack[-1]].level >= heading.level:
                stack.pop()
            parents.append(stack[-1] if stack else -1)
            stack.append(i)
        return parents

    def repair(self, raw: str) -> str:
        return self.damage.repair(raw)

    def _find_doc_title(self) -> int:
        """Index of the document's title heading (a lone level-1 heading first), or -1."""
        lone = sum(1 for h in self.headings if h.level == 1) == 1
        return 0 if self.headings and self.headings[0].level == 1 and lone else -1

    def _section(self, heading: int) -> tuple[str, ...]:
        path: list[str] = []
        title = self.doc_title
        while heading != -1:
            if heading != title:
                path.append(self.headings[heading].title)
            heading = self.parents[heading]
        return tuple(reversed(path))

    def _inherited(self, heading: int) -> tuple[Priority | None, Status | None]:
        """The priority and status the nearest sections name (memoized: a section's items
        all ask the same)."""
        if heading == -1:
            return None, None
        found = self._section_state.get(heading)
        if found is None:
            title = self.headings[heading].title
            above = self._inherited(self.parents[heading])
            found = (
                section_priority(self.vocab, title) or above[0],
                section_status(self.vocab, title) or above[1],
            )
            self._section_state[heading] = found
        return found

    def _governing(self, line: int) -> int:
        """Index of the last heading at or before 0-based `line`, or -1."""
        return bisect_right(self._heading_lines, line + 1) - 1

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> Register:
        self._heading_lines = [h.line for h in self.headings]
        fields = self._field_lines()
        heading_items = self._heading_items(fields)
        owned = sorted((item.span[0], item.span[1]) for item in heading_items)
        checkbox_items = self._checkbox_items(owned)
        table_items = self._table_items(owned, heading_items + checkbox_items)
        items = sorted(heading_items + checkbox_items + table_items, key=lambda i: i.at[0])
        items = [i for i in items if self.rules.admits(i.section)]
        return Register(
            text=self.text,
            items=_with_unique_keys(items),
            headings=tuple(self.headings),
            line_starts=tuple(self.lines.starts),
            newline=_newline_of(self.text),
            damage=self.damage,
            field_style=_field_style(heading_items),
            vocabulary=self.vocab,
            item_keys=self.item_keys,
        )

    def _field_lines(self) -> list[_FieldLine]:
        candidates = set(self.blocks.top_paragraph_lines)
        candidates.update(first for first, _, parent in self.blocks.list_items if parent == -1)
        found = []
        for line in sorted(candidates):
            raw = self.lines[line]
            match = FIELD_RE.match(raw) if "**" in raw or "__" in raw else None
            if match is None and ":" in raw:
                match = PLAIN_FIELD_RE.match(raw)
                if match and normalize_key(self.repair(match.group("key"))) not in self.item_keys:
                    match = None
            if match is None or not match.group("value"):
                continue
            found.append(self._field_line(line, match))
        return found

    def _field_line(self, line: int, match: re.Match[str]) -> _FieldLine:
        raw, base = match.string, self.lines.starts[line]
        name = self.repair(match.group("key")).strip().rstrip(":").strip()
        value_at = (base + match.start("value"), base + match.end("value"))
        line_at = (base, self.lines.ends[line])
        value = read_value(self.repair(self.text[value_at[0] : value_at[1]]))
        style = "{name}".join(
            part.replace("{", "{{").replace("}", "}}")
            for part in (raw[: match.start("key")], raw[match.end("key") : match.start("value")])
        )
        field = Field(name, value, value_at, line_at, style + "{value}")
        return _FieldLine(line, normalize_key(name), field)

    # --- heading items ---------------------------------------------------------------------

    def _heading_items(self, fields: list[_FieldLine]) -> list[Item]:
        by_heading: dict[int, list[_FieldLine]] = {}
        for f in fields:
            by_heading.setdefault(self._governing(f.line), []).append(f)
        title = self.doc_title
        is_item = [
            i != title and any(f.key in self.item_keys for f in by_heading.get(i, ()))
            for i in range(len(self.headings))
        ]
        items = []
        for i, heading in enumerate(self.headings):
            if not is_item[i]:
                continue
            last = self._heading_item_end(i, is_item)
            items.append(self._heading_item(i, heading, last, by_heading.get(i, [])))
        return items

    def _heading_item_end(self, i: int, is_item: list[bool]) -> int:
        """0-based last line owned: up to the next heading of the same or a higher level, or
        the next item heading, without trailing blank lines and thematic breaks."""
        level = self.headings[i].level
        end = len(self.lines)
        for j in range(i + 1, len(self.headings)):
            if self.headings[j].level <= level or is_item[j]:
                end = self.headings[j].line - 1
                break
        return self._trim(self.headings[i].line - 1, end)

    def _trim(self, first: int, end: int) -> int:
        last = end - 1
        while last > first and (self.lines.blank(last) or last in self.blocks.rules):
            last -= 1
        return last

    def _heading_item(self, i: int, heading: Heading, last: int, fields: list[_FieldLine]) -> Item:
        first = heading.line - 1
        title, title_at, marker_at = self._heading_title(heading)
        own = [f for f in fields if f.line <= last]
        status_field = next((f for f in own if f.key in STATUS_KEYS), None)
        priority_field = next((f for f in own if f.key in PRIORITY_KEYS), None)
        section_prio, section_state = self._inherited(self.parents[i])
        raw_title = self.repair(self.text[heading.at[0] : heading.at[1]])
        priority = (
            (priority_field and self.vocab.priority_of(priority_field.field.value))
            or _tag_priority(raw_title)
            or section_prio
        )
        if status_field is not None:
            marker_at = None
        status, raw_status = self._status(status_field, marker_at, section_state)
        links = self._links(first, last, [f for f in own if f.key in LINK_KEYS])
        structural = {f.line for f in own if f.key in STATUS_KEYS | PRIORITY_KEYS | LINK_KEYS}
        body_first = self._after_leading_fields(first + 1, last, {f.line for f in own})
        body_at = (self.lines.starts[body_first], self.lines.ends[last])
        if body_first > last:
            body_at = (self.lines.ends[last], self.lines.ends[last])
        body = self._body(body_first, last, structural)
        names = ", ".join(dict.fromkeys(f.field.name for f in own if f.key in self.item_keys))
        return Item(
            key=title,
            kind=ItemKind.HEADING,
            title=title,
            status=status,
            raw_status=raw_status,
            priority=priority,
            line=heading.line,
            span=(heading.line, last + 1),
            section=self._section(self.parents[i]),
            body=body,
            fields=tuple(f.field for f in own),
            links=links,
            reason=f"heading with item fields ({names})"
            + ("; status from its heading's marker" if marker_at else ""),
            at=(self.lines.starts[first], self.lines.ends[last]),
            title_at=title_at,
            status_at=status_field.field.at if status_field else marker_at,
            priority_at=priority_field.field.at if priority_field else None,
            body_at=body_at,
            level=heading.level,
            status_in_title=marker_at is not None,
        )

    def _heading_title(self, heading: Heading) -> tuple[str, Span, Span | None]:
        """(title, its span, a status marker's span): the title is the heading without
        numbering, a `(P0)` tag, a status marker (`[WIP]`, `DONE:`, `(blocked)`, `✅`) or other
        decoration emoji; those stay decorations, and the marker is where the status is read
        and written when the item has no status field."""
        start, end = heading.at
        raw = self.text[start:end]
        lead = NUMBERING_RE.match(raw)
        lo = lead.end() if lead else 0
        trailing = _TRAILING_LINKS_RE.search(raw)
        hi = trailing.start() if trailing else len(raw)
        tag = PRIORITY_TAG_RE.search(raw, lo, hi)
        hi = tag.start() if tag else hi
        marker: Span | None = None
        for found in (MARKER_LEAD_RE.match(raw, lo, hi), MARKER_TRAIL_RE.search(raw, lo, hi)):
            if found and found.lastgroup and self._is_marker(found.group(found.lastgroup)):
                marker = found.span(found.lastgroup)
                lo, hi = (found.end(), hi) if found.start() == lo else (lo, found.start())
                break
        inner = raw[lo:hi]
        left = len(inner) - len(self._strip_decor(inner, leading=True))
        right = len(inner) - len(self._strip_decor(inner, leading=False))
        for run_start, run_end in ((lo, lo + left), (hi - right, hi)):
            run = raw[run_start:run_end]
            if marker is None and self._is_marker(run):
                marker = (run_start + len(run) - len(run.lstrip()), run_start + len(run.rstrip()))
        span = (start + lo + left, start + hi - right)
        if span[0] >= span[1]:
            return read_value(self.repair(raw).strip()), (start, end), None
        at = (start + marker[0], start + marker[1]) if marker else None
        return read_value(self.repair(self.text[span[0] : span[1]]).strip()), span, at

    def _is_marker(self, raw: str) -> bool:
        return self.vocab.is_marker(self.repair(raw))

    def _strip_decor(self, raw: str, leading: bool) -> str:
        meaning = self.repair(raw)
        if meaning != raw:  # damaged: decorations are multi-character, strip nothing
            return raw
        return raw.lstrip(DECOR_EMOJI + " ") if leading else raw.rstrip(DECOR_EMOJI + " ")

    def _status(
        self, status_field: _FieldLine | None, marker_at: Span | None, inherited: Status | None
    ) -> tuple[Status, str]:
        if status_field is not None:
            value = status_field.field.value
        elif marker_at is not None:
            value = self.repair(self.text[marker_at[0] : marker_at[1]])
        else:
            return inherited or Status.TODO, ""
        return self.vocab.status_of(value) or Status.TODO, value

    def _after_leading_fields(self, first: int, last: int, field_lines: set[int]) -> int:
        line = first
        while line <= last and (line in field_lines or self.lines.blank(line)):
            line += 1
        return line

    def _body(self, first: int, last: int, skip: set[int]) -> str:
        """The body as a tracker gets it (see `body_escape`), structural field lines aside."""
        kept = [self.lines[i] for i in range(first, last + 1) if i not in skip]
        text = self.repair("\n".join(kept)).strip("\n")
        after_text = not self.lines.blank(first - 1) and first not in self._heading_lines
        return unescape_body(text, self.item_keys, after_text)

    def _links(self, first: int, last: int, link_fields: list[_FieldLine]) -> tuple[Link, ...]:
        found: list[Link] = []
        for f in link_fields:
            found.extend(self._links_in(f.field.at))
        for line in range(first, last + 1):
            raw = self.lines[line]
            if "<!--" in raw:
                base = self.lines.starts[line]
                for m in HIDDEN_LINK_RE.finditer(raw):
                    found.append(
                        Link(
                            m.group("text"),
                            m.group("url"),
                            (base + m.start(), base + m.end()),
                            True,
                        )
                    )
        return tuple(found)

    def _links_in(self, at: Span) -> list[Link]:
        return [
            Link(m.group("text"), m.group("url"), (m.start(), m.end()))
            for m in TRACKER_LINK_RE.finditer(self.text, at[0], at[1])
        ]

    def _inline_links(self, start: int, end: int) -> list[Link]:
        """Visible and hidden tracker links written inside [start, end), in text order."""
        found = [
            Link(m.group("text"), m.group("url"), (m.start(), m.end()))
            for m in TRACKER_LINK_RE.finditer(self.text, start, end)
        ]
        found += [
            Link(m.group("text"), m.group("url"), (m.start(), m.end()), hidden=True)
            for m in HIDDEN_LINK_RE.finditer(self.text, start, end)
        ]
        return sorted(found, key=lambda link: link.at)

    # --- checkbox items --------------------------------------------------------------------

    def _checkbox_items(self, owned: list[tuple[int, int]]) -> list[Item]:
        items: list[Item] = []
        list_items = self.blocks.list_items
        checkbox = [CHECKBOX_RE.match(self.lines[first]) for first, _, _ in list_items]
        for idx, (first, end, parent) in enumerate(list_items):
            match = checkbox[idx]
            if match is None or _inside(owned, first + 1):
                continue
            ancestor = parent
            while ancestor != -1 and checkbox[ancestor] is None:
                ancestor = list_items[ancestor][2]
            if ancestor != -1:
                continue  # a sub-task of a checkbox item: part of its body
            items.append(self._checkbox_item(first, self._trim(first, end), match))
        return items

    def _checkbox_item(self, first: int, last: int, match: re.Match[str]) -> Item:
        base = self.lines.starts[first]
        mark_at = (base + match.start("mark"), base + match.end("mark"))
        text_start = base + (match.start("text") if match.group("text") else match.end())
        text_end = base + (match.end("text") if match.group("text") else match.end())
        links = self._inline_links(text_start, text_end)
        trailing = _TRAILING_LINKS_RE.search(self.text, text_start, text_end)
        content_end = trailing.start() if trailing else text_end
        meta = TRAILING_META_RE.search(self.text, text_start, content_end)
        fields, meta_priority = self._checkbox_meta(meta) if meta else ((), None)
        title_at, summary_at = _checkbox_title(
            self.text, text_start, meta.start() if meta else content_end
        )
        raw_title = self.text[title_at[0] : title_at[1]]
        tag = PRIORITY_TAG_RE.search(raw_title)
        if tag:
            title_at = (title_at[0], title_at[0] + tag.start())
        title = read_value(self.repair(self.text[title_at[0] : title_at[1]]).strip())
        mark = match.group("mark")
        struck = is_struck(self.text, title_at)
        status = {"x": Status.DONE, "X": Status.DONE, " ": Status.TODO}.get(
            mark, Status.IN_PROGRESS
        )
        heading = self._governing(first)
        section_prio = self._inherited(heading)[0]
        summary = (
            self.repair(self.text[summary_at[0] : summary_at[1]]).strip() if summary_at else ""
        )
        nested = self._nested(first + 1, last, match.end("marker") + 1)
        body = "\n\n".join(part for part in (summary, nested) if part)
        return Item(
            key=title,
            kind=ItemKind.CHECKBOX,
            title=title,
            status=Status.DONE if struck else status,
            raw_status=f"[{mark}] ~~" if struck else f"[{mark}]",
            priority=_tag_priority(raw_title) or meta_priority or section_prio,
            line=first + 1,
            span=(first + 1, last + 1),
            section=self._section(heading),
            body=body,
            fields=fields,
            links=tuple(links),
            reason="top-level checkbox" + (", struck through: done" if struck else ""),
            at=(base, self.lines.ends[last]),
            title_at=title_at,
            status_at=mark_at,
            priority_at=None,
            body_at=(self.lines.ends[first], self.lines.ends[last]),
            summary_at=summary_at,
            level=len(match.group("indent")),
        )

    def _checkbox_meta(self, run: re.Match[str]) -> tuple[tuple[Field, ...], Priority | None]:
        """Fields from what ends a checkbox line: `Owner` (the first run of `@handles`, as
        written), `Due` (the date), and a `(P1)` tag's priority. A field's `line_at` is its
        whole token, so clearing the field removes the token."""
        owners: list[re.Match[str]] = []
        fields: list[Field] = []
        priority = None
        after_owner = False
        for token in _CHECKBOX_META_RE.finditer(self.text, run.start(), run.end()):
            if token.group("owner") and (after_owner or not owners):
                owners.append(token)
            after_owner = token.group("owner") is not None
            if token.group("due"):
                fields.append(Field("Due", token.group("due"), token.span("due"), token.span()))
            elif token.group("tag"):
                priority = PRIORITY_WORDS[token.group("tag").lower()]
        if owners:
            at = (owners[0].start("owner") - 1, owners[-1].end())
            owner = Field("Owner", self.text[at[0] : at[1]], at, (owners[0].start(), at[1]))
            fields.insert(0, owner)
        return tuple(fields), priority

    def _nested(self, first: int, last: int, indent: int) -> str:
        lines = []
        for i in range(first, last + 1):
            raw = self.lines[i]
            cut = min(indent, len(raw) - len(raw.lstrip(" \t")))
            lines.append(raw[cut:])
        return unescape_body(self.repair("\n".join(lines)).strip("\n"), self.item_keys, True)

    # --- table rows ------------------------------------------------------------------------

    def _table_items(self, owned: list[tuple[int, int]], others: list[Item]) -> list[Item]:
        items: list[Item] = []
        known = TitleIndex(item.title for item in others)
        columns = tuple(c.lower() for c in self.rules.title_columns) + TITLE_COLUMNS
        for header, rows in self.blocks.tables:
            if header < 0 or not rows or _inside(owned, header + 1):
                continue
            names = [self.repair(c[2]).strip() for c in _cells(self.lines[header])]
            lowered = [_plain(n) for n in names]
            title_col = next((lowered.index(c) for c in columns if c in lowered), None)
            if title_col is None:
                continue
            table = [
                item for row in rows if (item := self._row_item(row, names, title_col)) is not None
            ]
            restated = sum(1 for item in table if known.restates(item.title))
            if table and restated * 2 > len(table):
                continue  # a summary view of items the document already holds
            items.extend(table)
        return items

    def _row_item(self, row: int, names: list[str], title_col: int) -> Item | None:
        cells = _cells(self.lines[row])
        if title_col >= len(cells):
            return None
        base = self.lines.starts[row]
        fields, status_cell, priority_cell = [], None, None
        title_cell: tuple[int, int, str] | None = None
        for col, (start, end, raw) in enumerate(cells):
            name = names[col] if col < len(names) else f"Column {col + 1}"
            at = (base + start, base + end)
            cell = Field(name, read_value(self.repair(raw)), at, (base, self.lines.ends[row]))
            key = _plain(name)
            if col == title_col:
                title_cell = (at[0], at[1], raw)
            elif key in STATUS_KEYS:
                status_cell = cell
            elif key in PRIORITY_KEYS:
                priority_cell = cell
            fields.append(cell)
        assert title_cell is not None
        links = self._inline_links(title_cell[0], title_cell[1])
        trailing = _TRAILING_LINKS_RE.search(self.text, title_cell[0], title_cell[1])
        title_at = (title_cell[0], trailing.start() if trailing else title_cell[1])
        inner = _STRUCK_RE.fullmatch(self.text, title_at[0], title_at[1])
        if inner:
            title_at = inner.span("inner")
        struck = inner is not None
        title = read_value(self.repair(self.text[title_at[0] : title_at[1]]).strip())
        if not title:
            return None
        heading = self._governing(row)
        section_prio, section_state = self._inherited(heading)
        if status_cell is not None and status_cell.value:
            status = self.vocab.status_of(status_cell.value) or Status.TODO
            raw_status = status_cell.value
        else:
            status = Status.DONE if struck else section_state or Status.TODO
            raw_status = "~~" if struck else ""
        priority = (priority_cell and self.vocab.priority_of(priority_cell.value)) or section_prio
        title_name = names[title_col]
        return Item(
            key=title,
            kind=ItemKind.TABLE_ROW,
            title=title,
            status=status,
            raw_status=raw_status,
            priority=priority,
            line=row + 1,
            span=(row + 1, row + 1),
            section=self._section(heading),
            body="",
            fields=tuple(f for f in fields if f.name != title_name),
            links=tuple(links),
            reason=f"row of a table with title column {title_name!r}",
            at=(base, self.lines.ends[row]),
            title_at=title_at,
            status_at=status_cell.at if status_cell else None,
            priority_at=priority_cell.at if priority_cell else None,
            body_at=(self.lines.ends[row], self.lines.ends[row]),
        )


# --- small pure helpers ------------------------------------------------------------------------


def _inside(owned: list[tuple[int, int]], line: int) -> bool:
    """Whether 1-based `line` lies in one of the sorted, disjoint (first, last) ranges."""
    at = bisect_right(owned, (line, 1 << 62)) - 1
    return at >= 0 and owned[at][0] <= line <= owned[at][1]


def _tag_priority(raw_title: str) -> Priority | None:
    tag = PRIORITY_TAG_RE.search(raw_title)
    return PRIORITY_WORDS[tag.group("tag").lower()] if tag else None


def is_struck(text: str, at: Span) -> bool:
    """Whether the title at `at` is struck through (`~~title~~`): dropped or done."""
    return at[0] >= 2 and text[at[0] - 2 : at[0]] == "~~" == text[at[1] : at[1] + 2]


def _checkbox_title(text: str, start: int, end: int) -> tuple[Span, Span | None]:
    """(title span, summary span) of a checkbox line: `**Title** - summary`, `~~Title~~ …`
    (the title without its tildes), or plain text."""
    lead = _LEAD_RE.match(text, start, end)
    if lead is None:
        return (start, end), None
    title_at = (lead.start("title"), lead.end("title"))
    summary_start = lead.end()
    return title_at, (summary_start, max(summary_start, end))


def _plain(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name).lower().split())


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:80].strip("-") or "item"


def _with_unique_keys(items: list[Item]) -> tuple[Item, ...]:
    """Keys from titles; the section's slug, then a counter, tell same-titled items apart."""
    from dataclasses import replace

    base = [_slug(item.title) for item in items]
    counts = Counter(base)
    keys = [
        f"{_slug(item.section[-1]) if item.section else 'top'}/{slug}" if counts[slug] > 1 else slug
        for item, slug in zip(items, base, strict=True)
    ]
    seen: Counter[str] = Counter()
    unique = []
    for key in keys:
        seen[key] += 1
        unique.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return tuple(replace(item, key=key) for item, key in zip(items, unique, strict=True))


def _newline_of(text: str) -> str:
    found = Counter(m.group(0) for m in _NEWLINE_RE.finditer(text[:200_000]))
    return found.most_common(1)[0][0] if found else "\n"


def _field_style(items: list[Item]) -> str:
    """How the document's items most often write a field line (document metadata under the
    title does not count): `**{name}**: {value}`, `- {name}: {value}`…"""
    styles = Counter(f.style for item in items for f in item.fields)
    return styles.most_common(1)[0][0] if styles else "**{name}**: {value}"
