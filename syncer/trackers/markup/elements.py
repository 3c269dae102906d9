"""The jira2markdown elements a Jira text is read with, ours where jira2markdown's fall short.

Replaced: lists (numbered in order, nested by the parent marker's width, mixed `#*` nesting,
code blocks inside items), code blocks (no invented `Java` language), inline code (literal
content), links (any target), tables (`| a | b |`), `_emphasis_` (to `*emphasis*`),
`{*}mid-word{*}` effects, and markup characters no element claims (kept literal, like escapes).
`STARTS` says which characters each element can begin with, for `grammar`'s dispatch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
from pyparsing import (
    Forward,
    LineStart,
    ParserElement,
    ParseResults,
    Regex,
)

from syncer.trackers.markup.escapes import PLACEHOLDER, literal
from syncer.trackers.markup.verbatim import VERBATIM


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


PLAIN_RUN = (
    r"(?:[^\n{}\[\]!|*_\-+?^~\\`hHfFbB]|[hH](?!ttps?://|[1-6]\. )|[fF](?!tp://)"
    r"|b(?!q\. )|B|\n(?=[^\s*#\-|{}\[\]!+?^~\\`hb]))+"
)
"""A run of text no element can start inside (`_PlainText` says why it stops where it does)."""
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
    verbatim = [(m.start(), m.end()) for m in VERBATIM.finditer(block)]
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
        text = literal(str(tokens["text"]))
        fence = "`" * (_longest_run(text, "`") + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}"


class _LiteralChars(_Markup):
    """Markup characters no element claimed are literal text: hide them like escapes."""

    @property
    def expr(self) -> ParserElement:
        return Regex(r"[*_`]").set_parse_action(lambda tokens: PLACEHOLDER[str(tokens[0])])


class _PlainText(_Markup):
    """A run of text no element can start inside, passed through in one step.

    pyparsing tries every element at every character; this last-resort element lets the scan
    jump over ordinary words, which makes conversion several times faster. The run stops
    before every character an element may start with: markup characters, the `h`/`f`/`b` of
    `http://`, `ftp://`, `h1. `, `bq. `, and a line break unless the next line starts with a
    plain character (lists, headings, tables, rulers and blank lines start at a line start)."""

    @property
    def expr(self) -> ParserElement:
        return Regex(PLAIN_RUN)


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


ELEMENTS = MarkupElements(
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
STARTS: dict[type, str | None] = {
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
