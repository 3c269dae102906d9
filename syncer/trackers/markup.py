"""Markdown ↔ Jira wiki markup, for Jira issue descriptions and comments (REST API v2).

Two pure functions, `markdown_to_jira` and `jira_to_markdown`, with this promise: for Markdown
written in the *canonical spelling* below, `jira_to_markdown(markdown_to_jira(md))` equals
`normalize_whitespace(md)`; for any other Markdown, the Jira text written after one trip is a
fixed point (`markdown_to_jira(jira_to_markdown(wiki)) == wiki`). The sync engine stores each
side's base in its own terms, so the trip need not be perfect, but a description that changed
shape on every pass would look like an edit to the people reading the issue.

Markdown → Jira is rendered here from markdown-it-py's syntax tree. mistletoe's contrib
`JiraRenderer` was the other candidate; it escapes every markup character that touches a word
(`well\\-known`, `snake\\_case`, `\\[x\\]` for a task box) and turns soft line breaks into
spaces, and none of it comes back. Here a character is escaped only where Jira would read it as
markup, mid-word emphasis uses Jira's `{*}…{*}` form, and a line break inside emphasis or a link
(which Jira ends at a line break) becomes a space.

Jira → Markdown is jira2markdown with some elements replaced: lists (numbered in order, nested
by the parent marker's width, mixed `#*` nesting, code blocks inside items), code blocks (no
invented `Java` language), inline code (literal content), links (any target), tables
(`| a | b |`), `_emphasis_` (to `*emphasis*`), `{*}mid-word{*}` effects, and Jira's backslash
escapes, which jira2markdown does not know: they become Markdown escapes only where Markdown
needs one, so `\\[x\\]` in Jira is `[x]` in Markdown. Its grammar is built once and tried by
first character (`_FirstCharDispatch`), which makes it fast enough for thousands of issues.

Canonical spelling (Jira has one way to write each construct, so these come back as written):
ATX headings; `-` bullets and `1.` `2.` numbering, tight lists; `**strong**`, `*emphasis*`,
`~~strike~~`, `` `code` ``; fenced code (```` ```lang ````); `[text](url)` and `<url>` links;
tables written `| a | b |` / `| --- | --- |`; task items `- [ ]` / `- [x]`; blocks separated by
one blank line. Other spellings come back canonical: `_em_`, `__strong__`, `*`/`+` bullets,
loose lists, setext headings, indented or `~~~` code, lists not starting at 1, table alignment,
link titles, `[url](url)` (as `<url>`), hard line breaks (as plain line breaks), and backslash
escapes Markdown does not need. Two lists of different bullets one blank line apart become one.

What Jira wiki cannot hold: `{code}` inside a code block, a backslash right before a markup
character, or text glued to a bare URL (Jira's auto-link takes it in).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

# Importing jira2markdown sets pyparsing's default whitespace to none, which every element
# here relies on (a list or a heading must see the line start, not skip to the next word).
from jira2markdown.elements import MarkupElements
from jira2markdown.markup.advanced import Noformat, Panel
from jira2markdown.markup.headings import Headings
from jira2markdown.markup.images import Image
from jira2markdown.markup.links import Attachment, Link, MailTo, Mention, Url
from jira2markdown.markup.tables import Table
from jira2markdown.markup.text_breaks import LineBreak, Mdash, Ndash, Ruler
from jira2markdown.markup.text_effects import (
    BlockQuote,
    Bold,
    Color,
    InlineQuote,
    Quote,
    QuotedElement,
    Strikethrough,
    Subscript,
    Superscript,
    Underline,
)
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from pyparsing import (
    Forward,
    LineStart,
    ParseException,
    ParserElement,
    ParseResults,
    Regex,
    Token,
)

__all__ = ["jira_to_markdown", "markdown_to_jira", "normalize_whitespace"]


def normalize_whitespace(markdown: str) -> str:
    """The only normalization the round trip applies: trivial whitespace.

    Line endings become `\\n`, trailing spaces and tabs are dropped from every line, runs of
    blank lines become one blank line, and leading/trailing blank lines are removed.
    """
    lines = [line.rstrip(" \t") for line in markdown.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


# --- Markdown → Jira ---------------------------------------------------------------------------

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
    return _outside_code(wiki, lambda text: _TRAILING_BLANKS.sub(r"\1", text))


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


# --- Jira → Markdown ---------------------------------------------------------------------------

_SPECIALS = "*_-+^~?{}[]|!#`\\"
# Characters Jira took literally (escaped, or left unmatched) travel through jira2markdown as
# private-use placeholders, so no element mistakes them for markup; `_reveal_line` decides at
# the end whether Markdown needs them escaped.
_PLACEHOLDER = {char: chr(0xE000 + i) for i, char in enumerate(_SPECIALS)}
_LITERAL = {ph: char for char, ph in _PLACEHOLDER.items()}
_VERBATIM = re.compile(
    r"(?<!\{)\{code(?::[^}]*)?\}.*?\{code\}|\{noformat(?::[^}]*)?\}.*?\{noformat\}", re.S
)
_JIRA_ESCAPE = re.compile(r"(?P<br>\\\\)|\\(?P<char>[" + re.escape(_SPECIALS) + r"])|(?P<lone>\\)")


def jira_to_markdown(wiki: str) -> str:
    """Convert Jira wiki markup to Markdown, in the canonical spelling (see the module doc)."""
    hidden = _hide_escapes(wiki.replace("\r\n", "\n"))
    plain = _PLAIN_DOCUMENT.fullmatch(hidden) is not None
    converted = hidden if plain else _grammar().transform_string(hidden)
    return normalize_whitespace("\n".join(_reveal_line(line) for line in converted.split("\n")))


def _outside_code(wiki: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the wiki text outside `{code}`/`{noformat}` blocks (shown verbatim)."""
    out: list[str] = []
    pos = 0
    for block in _VERBATIM.finditer(wiki):
        out.append(change(wiki[pos : block.start()]))
        out.append(block.group())
        pos = block.end()
    out.append(change(wiki[pos:]))
    return "".join(out)


def _hide_escapes(wiki: str) -> str:
    """Replace Jira's `\\X` escapes and literal backslashes with placeholders (`\\\\` is a
    line break: left alone)."""
    return _outside_code(wiki, lambda text: _JIRA_ESCAPE.sub(_placeholder_for_escape, text))


def _placeholder_for_escape(match: re.Match[str]) -> str:
    """An escaped character, or a backslash that escapes nothing, becomes a placeholder."""
    if match.group("br"):
        return match.group()
    return _PLACEHOLDER[match.group("char") or "\\"]


def _literal(text: str) -> str:
    """Placeholders back to their characters, for verbatim contexts (code)."""
    return "".join(_LITERAL.get(char, char) for char in text)


_LINE_START = re.compile(r"^[ \t]*(?:(?:[-+*]|\d+\.)[ \t]+)*")


def _reveal_line(line: str) -> str:
    """Placeholders back to characters, backslash-escaped only where Markdown would read markup."""
    if not any(char in _LITERAL for char in line):
        return line
    text = _literal(line)
    start = _LINE_START.match(text)
    line_start = start.end() if start else 0
    is_table_row = text.lstrip().startswith("|")
    return "".join(
        f"\\{text[i]}"
        if char in _LITERAL and _needs_markdown_escape(text, i, line_start, is_table_row)
        else text[i]
        for i, char in enumerate(line)
    )


def _run(text: str, i: int) -> tuple[str, str]:
    """The characters just before and after the run of `text[i]` that contains position i."""
    start, end = i, i + 1
    while start > 0 and text[start - 1] == text[i]:
        start -= 1
    while end < len(text) and text[end] == text[i]:
        end += 1
    return (text[start - 1] if start > 0 else " "), (text[end] if end < len(text) else " ")


def _needs_markdown_escape(text: str, i: int, line_start: int, is_table_row: bool) -> bool:
    char = text[i]
    after = text[i + 1] if i + 1 < len(text) else " "
    before = text[i - 1] if i > 0 else " "
    if char in "*_":
        if text.count(char) < 2:
            return False
        run_before, run_after = _run(text, i)
        spaced = run_before.isspace() and run_after.isspace()
        intraword = char == "_" and run_before.isalnum() and run_after.isalnum()
        return not (spaced or intraword)
    if char == "`":
        return True
    if char == "\\":
        return i + 1 == len(text) or text[i + 1] in string.punctuation
    if char == "]":
        return after in "([:"
    if char == "!":
        return after == "["
    if char == "~":
        return "~" in (before, after)
    if char == "|":
        return is_table_row
    if char in "#-+" and i == line_start:
        run_before, run_after = _run(text, i)
        return run_after.isspace() and (char == "#" or text[i + 1 : i + 2].isspace())
    return False


class _Markup:
    """The interface jira2markdown expects of an element (its own base class is untyped)."""

    is_inline_element = True

    def __init__(self, inline_markup: Forward, markup: Forward, usernames: dict[str, str]) -> None:
        self.inline_markup = inline_markup
        self.markup = markup
        self.usernames = usernames


@dataclass
class _Level:
    kind: str
    number: int
    content_indent: int


_PLAIN_RUN = (
    r"(?:[^\n{}\[\]!|*_\-+?^~\\`hHfFbB]|[hH](?!ttps?://|[1-6]\. )|[fF](?!tp://)"
    r"|b(?!q\. )|B|\n(?=[^\s*#\-|{}\[\]!+?^~\\`hb]))+"
)
_PLAIN_DOCUMENT = re.compile(r"(?=[^\s*#\-|])" + _PLAIN_RUN)
"""Text needing no conversion at all: plain runs, not starting with a line-start construct."""
_LIST_ROW = re.compile(r"^[ \t]*([*#]+|-)[ \t]+(.*)$")
_VERBATIM_IN_LINE = (
    r"\{code(?::[^}]*)?\}[\s\S]*?\{code\}|\{noformat(?::[^}]*)?\}[\s\S]*?\{noformat\}"
)
_LIST_BLOCK = (
    # A list row, then continuation lines up to a blank line or another block; code blocks
    # (which may hold blank lines) belong to the item they follow.
    rf"[ \t]*(?:[*#]+|-)[ \t](?:{_VERBATIM_IN_LINE}|[^\n])*"
    rf"(?:\n(?![ \t]*(?:\n|$))(?!h[1-6]\. |\||bq\. |----)(?:{_VERBATIM_IN_LINE}|[^\n])*)*"
)


def _list_items(block: str) -> list[tuple[str, list[str]]]:
    """(markers, lines) per item of a Jira list block; lines inside code blocks are kept as
    they are, never read as items."""
    verbatim = [(m.start(), m.end()) for m in _VERBATIM.finditer(block)]
    items: list[tuple[str, list[str]]] = []
    pos = 0
    for line in block.split("\n"):
        inside = any(start < pos < end for start, end in verbatim)
        row = None if inside else _LIST_ROW.match(line)
        if row:
            items.append((row.group(1).replace("-", "*"), [row.group(2)]))
        else:
            items[-1][1].append(line if inside else line.strip())
        pos += len(line) + 1
    return items


class _Lists(_Markup):
    """A whole Jira list block (`*`, `#`, `-` and mixed `#*` nesting) as one Markdown list."""

    is_inline_element = False

    @property
    def expr(self) -> ParserElement:
        return LineStart() + Regex(_LIST_BLOCK).set_parse_action(self.action)

    def action(self, tokens: ParseResults) -> str:
        levels: list[_Level] = []
        items = _list_items(str(tokens[0]))
        return "\n".join(self._item(markers, lines, levels) for markers, lines in items)

    def _item(self, markers: str, lines: list[str], levels: list[_Level]) -> str:
        depth, kind = len(markers), markers[-1]
        continues = len(levels) >= depth and levels[depth - 1].kind == kind
        number = levels[depth - 1].number + 1 if continues else 1
        del levels[depth - 1 :]
        while len(levels) < depth - 1:
            levels.append(_Level("*", 0, (levels[-1].content_indent if levels else 0) + 2))
        indent = levels[-1].content_indent if levels else 0
        bullet = "-" if kind == "*" else f"{number}."
        levels.append(_Level(kind, number, indent + len(bullet) + 1))
        body = self.markup.transform_string("\n".join(lines)).split("\n")
        pad = " " * (indent + len(bullet) + 1)
        rest = [pad + line if line else line for line in body[1:]]
        return "\n".join([" " * indent + f"{bullet} {body[0]}", *rest])


class _Code(_Markup):
    """`{code:lang|title=…}` → a fence with the language, and no language when Jira has none."""

    @property
    def expr(self) -> ParserElement:
        return Regex(
            r"\{code(?::(?P<params>[^}]*))?\}(?P<text>.*?)\{code\}", re.S, as_match=True
        ).set_parse_action(self.action)

    def action(self, tokens: ParseResults) -> str:
        match: re.Match[str] = tokens[0]
        params = (match.group("params") or "").split("|")
        lang = next((p.strip() for p in params if p.strip() and "=" not in p), "")
        text = match.group("text").strip("\n")
        fence = "`" * max(3, _longest_run(text, "`") + 1)
        return f"{fence}{lang}\n{text}\n{fence}" if text else f"{fence}{lang}\n{fence}"


class _Monospaced(_Markup):
    """`{{…}}` → a code span whose content is literal (backticks inside get a longer fence)."""

    @property
    def expr(self) -> ParserElement:
        return Regex(r"\{\{(?P<text>[^\n]+?)\}\}").set_parse_action(self.action)

    def action(self, tokens: ParseResults) -> str:
        text = _literal(str(tokens["text"]))
        fence = "`" * (_longest_run(text, "`") + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}"


class _LiteralChars(_Markup):
    """Markup characters no element claimed are literal text: hide them like escapes."""

    @property
    def expr(self) -> ParserElement:
        return Regex(r"[*_`]").set_parse_action(lambda tokens: _PLACEHOLDER[str(tokens[0])])


class _PlainText(_Markup):
    """A run of text no element can start inside, passed through in one step.

    pyparsing tries every element at every character; this last-resort element lets the scan
    jump over ordinary words, which makes conversion several times faster. The run stops
    before every character an element may start with: markup characters, the `h`/`f`/`b` of
    `http://`, `ftp://`, `h1. `, `bq. `, and a line break unless the next line starts with a
    plain character (lists, headings, tables, rulers and blank lines start at a line start)."""

    @property
    def expr(self) -> ParserElement:
        return Regex(_PLAIN_RUN)


class _BracedEffect(_Markup):
    """Jira's mid-word effects, `{*}bold{*}`, `{_}em{_}`, `{-}strike{-}`."""

    @property
    def expr(self) -> ParserElement:
        return Regex(
            r"\{(?P<mark>[*_-])\}(?P<text>[^\n]+?)\{(?P=mark)\}", as_match=True
        ).set_parse_action(self.action)

    def action(self, tokens: ParseResults) -> str:
        match: re.Match[str] = tokens[0]
        mark = {"*": "**", "_": "*", "-": "~~"}[match.group("mark")]
        return f"{mark}{self.inline_markup.transform_string(match.group('text'))}{mark}"


class _Emphasis(QuotedElement):  # type: ignore[misc]  # jira2markdown is untyped
    """Jira `_emphasis_` → Markdown `*emphasis*` (jira2markdown leaves `_` as it is)."""

    TOKEN = "_"
    QUOTE_CHAR = "*"


class _Link(Link):  # type: ignore[misc]  # jira2markdown is untyped
    """`[text|target]` and `[target]` as Markdown links, whatever the target (jira2markdown
    keeps targets without a scheme in Jira's own syntax)."""

    def action(self, tokens: ParseResults) -> str:
        text = self.markup.transform_string(str(getattr(tokens, "alias", "")))
        target = str(tokens.url)
        if text:
            return f"[{text}]({target})"
        return (
            f"<{target}>"
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I)
            else f"[{target}]({target})"
        )


class _Table(Table):  # type: ignore[misc]  # jira2markdown is untyped
    """Tables with spaced cells, `| a | b |`, the way people write them in registers."""

    def action(self, tokens: ParseResults) -> str:
        rows = [
            [self.markup.transform_string(cell).strip().replace("\n", "<br>") for cell in row]
            for row in tokens
            if len(row) > 0
        ]
        width = max(len(row) for row in rows)
        lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        lines.insert(1, "|" + " --- |" * width)
        return "\n".join(lines) + "\n"


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


_ELEMENTS = MarkupElements(
    [
        _Lists,
        _Code,
        Noformat,
        _Monospaced,
        _BracedEffect,
        Mention,
        MailTo,
        Attachment,
        _Link,
        Url,
        Image,
        _Table,
        Headings,
        Quote,
        BlockQuote,
        Panel,
        Bold,
        _Emphasis,
        Ndash,
        Mdash,
        Ruler,
        Strikethrough,
        Underline,
        InlineQuote,
        Superscript,
        Subscript,
        Color,
        LineBreak,
        _LiteralChars,
        _PlainText,
    ]
)


_WS = " \t\r\n"
_STARTS: dict[type, str | None] = {
    # The characters each element's match can begin with (None: any). Line-start elements may
    # begin with the whitespace before them.
    _Lists: _WS + "*#-",
    _Code: "{",
    Noformat: "{",
    _Monospaced: "{",
    _BracedEffect: "{",
    Mention: "[",
    MailTo: "[",
    Attachment: "[",
    _Link: "[",
    Url: "hHfF",
    Image: "!",
    _Table: _WS + "|",
    Headings: _WS + "h",
    Quote: _WS + "b",
    BlockQuote: "{",
    Panel: "{",
    Bold: "*",
    _Emphasis: "_",
    Ndash: "-",
    Mdash: "-",
    Ruler: _WS + "-\\",
    Strikethrough: "-",
    Underline: "+",
    InlineQuote: "?",
    Superscript: "^",
    Subscript: "~",
    Color: "{",
    LineBreak: "\\",
    _LiteralChars: "*_`",
    _PlainText: None,
}


class _FirstCharDispatch(Token):
    """jira2markdown's `MatchFirst` of every element, but trying at each position only the
    elements that can begin with the character there (same order, same result).

    pyparsing pays for every failed attempt with an exception; trying 28 elements at each
    position made a short description cost ~10 ms, a 1,000-issue first sync ten seconds."""

    def __init__(self, elements: list[tuple[ParserElement, str | None]]) -> None:
        super().__init__()
        anywhere = [expr for expr, starts in elements if starts is None]
        chars = {char for _, starts in elements for char in starts or ""}
        self._by_char = {
            char: [expr for expr, starts in elements if starts is None or char in starts]
            for char in chars
        }
        self._anywhere = anywhere
        self.mayReturnEmpty = False
        self.errmsg = "expected Jira markup"

    def parseImpl(self, instring: str, loc: int, do_actions: bool = True) -> Any:
        if loc < len(instring):
            for expr in self._by_char.get(instring[loc], self._anywhere):
                try:
                    return expr._parse(instring, loc, do_actions)
                except ParseException:
                    continue
        raise ParseException(instring, loc, self.errmsg, self)


@cache
def _grammar() -> Forward:
    """jira2markdown's grammar with our elements and dispatch, built once
    (`jira2markdown.convert` rebuilds it on every call, a fifth of a second each)."""
    inline_markup, markup = Forward(), Forward()

    def dispatch(classes: list[type]) -> _FirstCharDispatch:
        built = [(cls(inline_markup, markup, {}).expr, _STARTS[cls]) for cls in classes]
        return _FirstCharDispatch(built)

    inline_markup <<= dispatch([cls for cls in _ELEMENTS if cls.is_inline_element])
    markup <<= dispatch(list(_ELEMENTS))
    return markup
