"""The document as the item readers share it: lines, blocks, headings and their sections,
the words it is read with, and the helpers every kind of item uses (bodies, links, trimming).

Built once per `parse`; each item kind (headings, checkboxes, tables, bullets) reads from it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from syncer.model import Priority, Status
from syncer.register.blocks import read_blocks
from syncer.register.body_escape import unescape_body
from syncer.register.damage import detect
from syncer.register.items import Heading, Link, Span
from syncer.register.legend import legend_words
from syncer.register.lines import Lines
from syncer.register.rules import RegisterRules
from syncer.register.spans import ATX_RE, HIDDEN_LINK_RE, OPEN_ATX_RE, TRACKER_LINK_RE
from syncer.register.vocabulary import (
    ITEM_KEYS,
    Vocabulary,
    normalize_key,
    section_priority,
    section_status,
)


class Document:
    def __init__(self, text: str, rules: RegisterRules) -> None:
        self.text = text
        self.rules = rules
        self.lines = Lines.of(text)
        non_ascii = self.lines.non_ascii()  # neither looks across lines
        self.vocab = Vocabulary.default(rules.status_words, rules.priority_words)
        legend = legend_words(text, self.vocab, non_ascii)
        if legend:
            words = {**legend, **rules.status_words}
            self.vocab = Vocabulary.default(words, rules.priority_words)
        self.item_keys = ITEM_KEYS | {normalize_key(k) for k in rules.item_fields}
        self.damage = detect(non_ascii)
        self.repair: Callable[[str], str] = self.damage.repair
        """A value's meaning, where the document's encoding was damaged (called for every
        value read: bound once)."""
        self.blocks = read_blocks(text)
        self.headings = self._headings()
        self.heading_lines = [h.line for h in self.headings]
        self.heading_line_set = frozenset(self.heading_lines)
        self.parents = self._heading_parents()
        self.children: dict[int, list[int]] = {}
        """Heading → its sub-headings, for the headings that have any (most have none)."""
        for i, parent in enumerate(self.parents):
            if parent != -1:
                self.children.setdefault(parent, []).append(i)
        self.paragraph_lines = frozenset(self.blocks.top_paragraph_lines)
        self.paragraph_end = self.blocks.top_paragraphs
        """First line of each top-level paragraph → the line after it."""
        self.table_headers = sorted(header for header, _ in self.blocks.tables)
        self.doc_title = self._find_doc_title()
        self._section_state: dict[int, tuple[Priority | None, Status | None]] = {}
        self._sections: dict[int, tuple[str, ...]] = {}

    # --- headings and sections ------------------------------------------------------------

    def _headings(self) -> list[Heading]:
        found = []
        for line, level in self.blocks.headings:
            start, end = self.lines.starts[line], self.lines.ends[line]
            raw = self.lines[line]
            closed = raw.rstrip(" \t").endswith("#")
            atx = ATX_RE.match(raw) if closed else OPEN_ATX_RE.match(raw)
            if atx and atx.group("text") is not None:
                start, end = start + atx.start("text"), start + atx.end("text")
            elif atx:
                start = end
            else:  # setext: the text line, trimmed
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

    def _find_doc_title(self) -> int:
        """Index of the document's title heading (a lone level-1 heading first), or -1."""
        lone = sum(1 for h in self.headings if h.level == 1) == 1
        return 0 if self.headings and self.headings[0].level == 1 and lone else -1

    def section(self, heading: int) -> tuple[str, ...]:
        """The titles of the sections `heading` is in, outermost first (memoized: a section's
        items all ask the same)."""
        found = self._sections.get(heading)
        if found is None:
            path: list[str] = []
            at = heading
            while at != -1:
                if at != self.doc_title:
                    path.append(self.headings[at].title)
                at = self.parents[at]
            found = self._sections[heading] = tuple(reversed(path))
        return found

    def inherited(self, heading: int) -> tuple[Priority | None, Status | None]:
        """The priority and status the nearest sections name (memoized: a section's items
        all ask the same)."""
        if heading == -1:
            return None, None
        found = self._section_state.get(heading)
        if found is None:
            title = self.headings[heading].title
            above = self.inherited(self.parents[heading])
            found = (
                section_priority(self.vocab, title) or above[0],
                section_status(self.vocab, title) or above[1],
            )
            self._section_state[heading] = found
        return found

    def governing(self, line: int) -> int:
        """Index of the last heading at or before 0-based `line`, or -1."""
        return bisect_right(self.heading_lines, line + 1) - 1

    def section_end(self, i: int) -> int:
        """0-based line after heading `i`'s section (up to the next heading of its level or
        higher)."""
        level = self.headings[i].level
        for j in range(i + 1, len(self.headings)):
            if self.headings[j].level <= level:
                return self.headings[j].line - 1
        return len(self.lines)

    # --- what items share ------------------------------------------------------------------

    def trim(self, first: int, end: int) -> int:
        """The last 0-based line before `end` that is neither blank nor a thematic break."""
        last = end - 1
        while last > first and (self.lines.blank(last) or last in self.blocks.rules):
            last -= 1
        return last

    def body(self, first: int, last: int, skip: set[int]) -> str:
        """The body as a tracker gets it (see `body_escape`), structural field lines aside."""
        rows = self.lines.rows
        kept = [rows[i] for i in range(first, last + 1) if i not in skip]
        text = self.repair("\n".join(kept)).strip("\n")
        after_text = not self.lines.blank(first - 1) and first not in self.heading_line_set
        return unescape_body(text, self.item_keys, after_text)

    def nested(self, first: int, last: int, indent: int) -> str:
        """Lines nested under a list item, less its indentation, as a body."""
        lines = [  # less `indent` columns of blanks, or all a line has before its text
            raw.lstrip(" \t") if raw[:indent].strip(" \t") else raw[indent:]
            for raw in self.lines.rows[first : last + 1]
        ]
        return unescape_body(self.repair("\n".join(lines)).strip("\n"), self.item_keys, True)

    def hidden_links(self, first: int, last: int) -> list[Link]:
        found: list[Link] = []
        if self.text.find("<!--", self.lines.starts[first], self.lines.ends[last]) < 0:
            return found  # no comment at all: most items
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
        return found

    def links_in(self, at: Span) -> list[Link]:
        if self.text.find("](", at[0], at[1]) < 0:  # no link at all: most lines
            return []
        return [
            Link(m.group("text"), m.group("url"), (m.start(), m.end()))
            for m in TRACKER_LINK_RE.finditer(self.text, at[0], at[1])
        ]

    def inline_links(self, start: int, end: int) -> list[Link]:
        """Visible and hidden tracker links written inside [start, end), in text order."""
        found = self.links_in((start, end))
        if self.text.find("<!--", start, end) < 0:
            return found
        found += [
            Link(m.group("text"), m.group("url"), (m.start(), m.end()), hidden=True)
            for m in HIDDEN_LINK_RE.finditer(self.text, start, end)
        ]
        return sorted(found, key=lambda link: link.at)
