"""The document's blocks, as markdown-it sees them, reduced to line indexes (0-based).

Headings, list items (with their parent list item), top-level paragraphs, tables and thematic
breaks: what the item readers need to know where things sit. Code fences, HTML blocks and
blockquotes are not listed, so nothing inside them is ever read as an item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from syncer.register.commonmark import block_markdown
from syncer.register.lines import without_front_matter


class ListEntry(NamedTuple):
    """One list item: its lines [first, end), its parent entry (-1 at the top) and whether it
    is numbered (`1.`) rather than bulleted. (A tuple: a register has thousands of them, made
    while markdown-it's tokens are alive.)"""

    first: int
    end: int
    parent: int
    ordered: bool


@dataclass
class Blocks:
    headings: list[tuple[int, int]] = field(default_factory=list)  # (line, level)
    top_paragraph_lines: list[int] = field(default_factory=list)
    top_paragraphs: list[tuple[int, int]] = field(default_factory=list)  # [first, end)
    list_items: list[ListEntry] = field(default_factory=list)
    tables: list[tuple[int, list[int]]] = field(default_factory=list)  # (header, rows)
    rules: set[int] = field(default_factory=set)  # thematic breaks


_READ = frozenset(
    {
        "heading_open",
        "paragraph_open",
        "bullet_list_open",
        "ordered_list_open",
        "bullet_list_close",
        "ordered_list_close",
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
with one set lookup, which keeps the walk a small part of the tokenizing it follows."""


def read_blocks(text: str) -> Blocks:
    blocks = Blocks()
    stack: list[int] = []
    ordered: list[bool] = []
    in_head = False
    table: tuple[int, list[int]] | None = None
    for tok in block_markdown().parse(without_front_matter(text.removeprefix("\ufeff"))):
        kind = tok.type
        if kind not in _READ:
            continue
        where = tok.map  # the most frequent kinds first
        if kind == "paragraph_open":
            if tok.level == 0 and where:
                blocks.top_paragraph_lines.extend(range(where[0], where[1]))
                blocks.top_paragraphs.append((where[0], where[1]))
        elif kind == "list_item_open":
            if where:
                stack.append(len(blocks.list_items))
                parent = stack[-2] if len(stack) > 1 else -1
                blocks.list_items.append(ListEntry(where[0], where[1], parent, ordered[-1]))
        elif kind == "list_item_close":
            stack.pop()
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif kind == "heading_open" and where:
            blocks.headings.append((where[0], int(tok.tag[1])))
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
