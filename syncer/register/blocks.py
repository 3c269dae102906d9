"""The document's blocks, as markdown-it sees them, reduced to line indexes (0-based).

Headings, list items (with their parent list item), top-level paragraphs, tables and thematic
breaks: what the item readers need to know where things sit. Code fences, HTML blocks and
blockquotes are not listed, so nothing inside them is ever read as an item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from syncer.register.commonmark import block_markdown
from syncer.register.lines import without_front_matter


@dataclass
class ListItems:
    """The list items in document order, as columns: item `i` holds lines
    [`first[i]`, `end[i]`) and is nested in item `parent[i]` (-1 at the top). Columns of
    numbers, not an object an item: a register has thousands, and each object would count
    towards the garbage collections that look through everything the parse holds (tuples of
    numbers, which they stop looking through)."""

    first: tuple[int, ...] = ()
    end: tuple[int, ...] = ()
    parent: tuple[int, ...] = ()


@dataclass
class Blocks:
    headings: list[tuple[int, int]] = field(default_factory=list)  # (line, level)
    top_paragraph_lines: tuple[int, ...] = ()
    top_paragraphs: dict[int, int] = field(default_factory=dict)  # first line → the line after
    list_items: ListItems = field(default_factory=ListItems)
    tables: list[tuple[int, list[int]]] = field(default_factory=list)  # (header, rows)
    rules: set[int] = field(default_factory=set)  # thematic breaks


_READ = frozenset(
    {
        "heading_open",
        "paragraph_open",
        "list_item_open",
        "list_item_close",
        "hr",
        "table_open",
        "thead_open",
        "thead_close",
        "tr_open",
        "table_close",
    }
)
"""The token types the walk reads: most tokens (inline text, cells, closings) are passed over
by a filter that runs in C, which keeps the walk a small part of the tokenizing it follows."""
_TYPE = attrgetter("type")


def read_blocks(text: str) -> Blocks:
    """The blocks, read in one walk over markdown-it's tokens.

    The walk keeps plain numbers only and makes its tuples once the tokens are gone: every
    container made while hundreds of thousands of tokens are alive counts towards a garbage
    collection, and a full one would look through all of them."""
    headings: list[int] = []  # line, level, line, level...
    paragraphs: list[int] = []  # first, end, first, end...
    entries: list[int] = []  # first, end, parent, first, end, parent...
    paragraph_lines: list[int] = []
    rules: set[int] = set()
    tables: list[tuple[int, list[int]]] = []
    stack: list[int] = []
    in_head = False
    table: tuple[int, list[int]] | None = None
    tokens = block_markdown().parse(without_front_matter(text.removeprefix("\ufeff")))
    for tok in compress(tokens, map(_READ.__contains__, map(_TYPE, tokens))):
        kind = tok.type
        where = tok.map  # the most frequent kinds first
        if kind == "paragraph_open":
            if tok.level == 0 and where:
                paragraph_lines.extend(range(where[0], where[1]))
                paragraphs += where
        elif kind == "list_item_open":
            if where:
                stack.append(len(entries) // 3)
                entries += where
                entries.append(stack[-2] if len(stack) > 1 else -1)
        elif kind == "list_item_close":
            stack.pop()
        elif kind == "heading_open" and where:
            headings += (where[0], int(tok.tag[1]))
        elif kind == "hr" and where:
            rules.add(where[0])
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
            tables.append(table)
            table = None
    return Blocks(
        headings=list(zip(headings[0::2], headings[1::2], strict=True)),
        top_paragraph_lines=tuple(paragraph_lines),
        top_paragraphs=dict(zip(paragraphs[0::2], paragraphs[1::2], strict=True)),
        list_items=ListItems(tuple(entries[0::3]), tuple(entries[1::3]), tuple(entries[2::3])),
        tables=tables,
        rules=rules,
    )
