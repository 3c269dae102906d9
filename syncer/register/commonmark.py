"""The one block-level CommonMark reader the register uses, shared by parsing and escaping.

Structure (headings, lists, tables, code fences, raw HTML) is what markdown-it says it is; the
parser reads the document with it, and body escaping asks it where code and raw HTML sit, so
both agree on what a line is.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def block_markdown() -> MarkdownIt:
    """Block-level CommonMark with GFM tables; inline parsing is not needed for structure."""
    md = MarkdownIt("commonmark").enable("table")
    md.core.ruler.disable(["inline", "text_join"])
    return md
