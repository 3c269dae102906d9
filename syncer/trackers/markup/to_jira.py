"""Markdown → Jira wiki markup, rendered from markdown-it-py's syntax tree.

mistletoe's contrib `JiraRenderer` was the other candidate; it escapes every markup character
that touches a word (`well\\-known`, `snake\\_case`, `\\[x\\]` for a task box) and turns soft
line breaks into spaces, and none of it comes back. Here a character is escaped only where Jira
would read it as markup (`escape_jira_text`), mid-word emphasis uses Jira's `{*}…{*}` form, and
a line break inside emphasis or a link (which Jira ends at a line break) becomes a space.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from syncer.trackers.markup.verbatim import outside_code

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Keep link targets as the author wrote them: Jira takes URLs verbatim, and percent-encoding
# them here would change every non-ASCII link on the first round trip.
_MARKDOWN.normalizeLink = lambda url: url  # type: ignore[method-assign]

_ALWAYS_ESCAPED = frozenset("[]{}|")
_EFFECT_CHARS = frozenset("*_-+^~")
_TRAILING_BLANKS = re.compile(r"(?m)^(?![ \t]*(?:[*#]+|-)[ \t]+$)(.*?)[ \t]+$")
"""Trailing blanks, except after a bare list marker (`* ` is an empty item, `*` is text)."""
_BARE_URL = re.compile(r"(?:https?|ftp)://\S+", re.IGNORECASE)
_LISTS = ("bullet_list", "ordered_list")


def markdown_to_jira(markdown: str) -> str:
    """Render Markdown (CommonMark + tables + strikethrough) as Jira wiki markup."""
    tree = SyntaxTreeNode(_MARKDOWN.parse(markdown.replace("\r\n", "\n")))
    wiki = "\n\n".join(_block(node) for node in tree.children).strip("\n")
    return outside_code(wiki, lambda text: _TRAILING_BLANKS.sub(r"\1", text))


def _block(node: SyntaxTreeNode) -> str:
    render = _BLOCK_RENDERERS.get(node.type)
    if render is None:
        return node.content.rstrip("\n")
    return render(node)


def _heading(node: SyntaxTreeNode) -> str:
    return f"h{node.tag[1]}. {_inline_of(node)}"


def _paragraph(node: SyntaxTreeNode) -> str:
    return _inline_of(node)


def _code(node: SyntaxTreeNode) -> str:
    lang = node.info.strip().split()[0] if node.info.strip() else ""
    content = (
        node.content if node.content.endswith("\n") or not node.content else node.content + "\n"
    )
    opener = f"{{code:{lang}}}" if lang else "{code}"
    return f"{opener}\n{content}{{code}}"


def _quote(node: SyntaxTreeNode) -> str:
    only = node.children[0] if len(node.children) == 1 else None
    if only is not None and only.type == "paragraph" and "\n" not in _inline_of(only):
        return f"bq. {_inline_of(only)}"
    inner = "\n\n".join(_block(child) for child in node.children)
    return f"{{quote}}\n{inner}\n{{quote}}"


def _list(node: SyntaxTreeNode, prefix: str = "") -> str:
    marker = prefix + ("#" if node.type == "ordered_list" else "*")
    return "\n".join(line for item in node.children for line in _list_item(item, marker))


def _list_item(item: SyntaxTreeNode, marker: str) -> list[str]:
    """One item: its first block on the marker line, later blocks as continuation lines.

    Jira ends a list at a blank line, so a loose Markdown list item becomes a tight one.
    """
    lines: list[str] = []
    for child in item.children:
        if child.type in _LISTS:
            lines.extend([] if lines else [f"{marker} "])
            lines.append(_list(child, marker))
        elif not lines:
            lines.append(f"{marker} {_block(child)}")
        else:
            lines.append(_block(child))
    return lines or [f"{marker} "]


def _table(node: SyntaxTreeNode) -> str:
    rows = [row for section in node.children for row in section.children]
    return "\n".join(_table_row(row) for row in rows)


def _table_row(row: SyntaxTreeNode) -> str:
    sep = "||" if row.children and row.children[0].type == "th" else "|"
    cells = [_inline_of(cell) or " " for cell in row.children]
    return sep + sep.join(cells) + sep


_BLOCK_RENDERERS: dict[str, Callable[[SyntaxTreeNode], str]] = {
    "heading": _heading,
    "paragraph": _paragraph,
    "fence": _code,
    "code_block": _code,
    "blockquote": _quote,
    "bullet_list": _list,
    "ordered_list": _list,
    "table": _table,
    "hr": lambda _: "----",
}


def _inline_of(node: SyntaxTreeNode, span: str | None = None) -> str:
    """The rendered inline content of a node's children.

    `span` is None outside emphasis and links, else the effect marks around this text. Jira
    ends a span at a line break, so a break inside one becomes a space; and an enclosing mark
    character inside is always escaped, or Jira would close the span on it."""
    parts = [_inline(child, span) for child in node.children]
    for i, child in enumerate(node.children):
        if child.type in _WRAPPERS and _touches_word(parts, i):
            mark = _WRAPPERS[child.type]
            parts[i] = f"{{{mark}}}{parts[i][1:-1]}{{{mark}}}"
    return "".join(parts)


def _touches_word(parts: list[str], i: int) -> bool:
    """Whether a letter or digit sits right against the span: Jira's `*bold*` only works at
    word boundaries, and mid-word it takes the `{*}bold{*}` form."""
    before = parts[i - 1][-1:] if i > 0 else ""
    after = parts[i + 1][:1] if i + 1 < len(parts) else ""
    return before.isalnum() or after.isalnum()


def _inline(node: SyntaxTreeNode, span: str | None) -> str:
    kind = node.type
    if kind == "inline":
        return _inline_of(node, span)
    if kind == "text":
        return escape_jira_text(node.content, span or "")
    if kind in _WRAPPERS:
        mark = _WRAPPERS[kind]
        return f"{mark}{_inline_of(node, (span or '') + mark)}{mark}"
    if kind == "code_inline":
        return "{{" + escape_jira_text(node.content) + "}}"
    if kind == "link":
        return _link(node, span)
    if kind == "image":
        return f"!{node.attrs['src']}!"
    if kind in ("softbreak", "hardbreak"):
        return "\n" if span is None else " "
    return node.content


_WRAPPERS = {"strong": "*", "em": "_", "s": "-"}


def _link(node: SyntaxTreeNode, span: str | None) -> str:
    href = str(node.attrs["href"])
    text = _inline_of(node, span or "")
    if not href:  # Jira has no link without a target
        return text
    if node.markup == "autolink" or text in ("", href):
        return f"[{href}]"
    return f"[{text}|{href}]"


def escape_jira_text(text: str, always: str = "") -> str:
    """Backslash-escape the characters Jira would read as markup in this plain text (and every
    character in `always`).

    Bare URLs are left alone: Jira links them as they are, and an escape would break them.
    """
    in_url = {i for url in _BARE_URL.finditer(text) for i in range(*url.span())}
    return "".join(
        f"\\{char}" if i not in in_url and (char in always or _needs_jira_escape(text, i)) else char
        for i, char in enumerate(text)
    )


def _needs_jira_escape(text: str, i: int) -> bool:
    """Jira's effects (`*bold*`, `_em_`, `-strike-`, …) open after a non-word character and
    close before one; brackets and braces always start links and macros."""
    char = text[i]
    before = text[i - 1] if i > 0 else None
    after = text[i + 1] if i + 1 < len(text) else None
    if char in _ALWAYS_ESCAPED:
        return True
    if char in _EFFECT_CHARS:
        opens = (
            (before is None or not before.isalnum()) and after is not None and not after.isspace()
        )
        closes = (
            before is not None and not before.isspace() and (after is None or not after.isalnum())
        )
        return opens or closes
    if char == "?":
        return "?" in (before, after)
    if char == "!":  # `!image.png!`, opened after a non-word character
        return (before is None or not before.isalnum()) and "!" in text[i + 1 :].split("\n")[0]
    return False
