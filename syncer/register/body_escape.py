"""Bodies a tracker sends, written into an item so that no line of them changes the register's
structure, and read back as the same Markdown.

A body stays Markdown (bold stays bold, links stay links, code stays code): only a line that
would make something of the register gets one backslash, at the point that decides what it is.
- A line that would start a block: a heading (`## Notes`), a setext underline or thematic
  break (`---`, `===`: the first would make the line above a heading, or end the item), a code
  fence or raw HTML block that nothing closes (it would swallow the rest of the document). The
  backslash goes after its indentation and container markers: `- \\## Notes`, `\\---`.
- A field line (`**Status**: open`, `Owner: dana` when `Owner` is item vocabulary): the
  backslash goes before its colon (`**Status**\\: open`), so it still reads as bold text.
- A syncer link comment (`<!-- syncer: org/repo#2 … -->`): `syncer\\:`, still a comment.
Code fences and raw HTML blocks that close are left as written (markdown-it finds them, on the
body as the register will hold it); everything else is looked at line by line.

Reading removes exactly those backslashes. A line that already has backslashes at such a point
gets one more (and reading removes one), so any body comes back as sent, and one a person wrote
reads as written unless it has a backslash at such a point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncer.register.commonmark import block_markdown
from syncer.register.escape import printable
from syncer.register.items import Register
from syncer.register.vocabulary import BOLD_FIELD_LEAD, PLAIN_FIELD_LEAD, normalize_key

_RAW_HTML = (
    r"<(?:script|pre|style|textarea)(?=[ \t>]|$)", r"<!--", r"<\?", r"<![A-Za-z]", r"<!\[CDATA\[",
)  # fmt: skip
"""Openings of CommonMark's raw HTML blocks that run until their end marker (kinds 1-5),
however far: one that nothing closes swallows the rest of the document."""
_BLOCK_START_RE = re.compile(
    r"#{1,6}(?:[ \t]|$)"
    r"|(?:=+|-+)[ \t]*$"
    r"|(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$"
    r"|`{3,}[^`]*$|~{3,}"
    r"|(?i:" + "|".join(_RAW_HTML) + ")"
)
"""What starts a block at a line's content: heading, setext underline, thematic break, code
fence, raw HTML block."""
_CONTAINER_RE = re.compile(r"(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*")
"""A block quote or list item marker, which puts what follows inside a container."""
_BOLD_FIELD_RE = re.compile(
    BOLD_FIELD_LEAD + r"(?:(?P<inside>\\*):(?P=open)|(?P=open)[ \t]*(?P<after>\\*):)[ \t]*[^ \t]"
)
_PLAIN_FIELD_RE = re.compile(PLAIN_FIELD_LEAD + r"(?P<slashes>\\*):[ \t]+\S")
"""Field lines as the parser reads them (`FIELD_RE`, `PLAIN_FIELD_RE`), with the backslashes
escaping puts before their colon."""
_COMMENT_RE = re.compile(r"(<!--\s*syncer\\*):")
_ESCAPED_COMMENT_RE = re.compile(r"(<!--\s*syncer\\*)\\:")


def escape_body(body: str, item_keys: frozenset[str], after_paragraph: bool) -> str:
    """`body` as an item holds it. `after_paragraph`: the body's first line follows a line of
    text (a checkbox's own line), not a blank line."""
    lines = _lines(body)
    done = [False] * len(lines)
    progress = True
    while progress:  # escaping a line can end a code block it held open: look again
        kept = _kept(lines, after_paragraph, done)
        progress = False
        for i, line in enumerate(lines):
            if i not in kept and not done[i]:
                lines[i] = _escaped_line(line, item_keys)
                done[i] = progress = True
    return "\n".join(_COMMENT_RE.sub(r"\1\\:", line) for line in lines)


def nested_body(register: Register, body: str, indent: int) -> str:
    """`body` escaped to sit under a checkbox's line: each line after a line break, indented
    to the checkbox's content, in the document's line endings and damage; empty for none."""
    lines = escape_body(body, register.item_keys, after_paragraph=True).split("\n")
    nested = "".join("\n" + (" " * indent + line if line else "") for line in lines)
    return register.damage.apply(nested.replace("\n", register.newline)) if nested.strip() else ""


def gap_after(register: Register, end: int, sibling: re.Pattern[str] | None = None) -> str:
    """A blank line after a body written up to `end` (the end of a line) when the next line
    holds text (other than a `sibling`): a paragraph would run on into it, and `---` under a
    paragraph makes it a heading."""
    following = register.line_text(register.line_of(end) + 1)
    if not following.strip() or (sibling and sibling.match(following)):
        return ""
    return register.newline


LIST_ITEM_RE = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
"""A list item's first line: after a checkbox, its sibling, which no paragraph runs into."""


def unescape_body(text: str, item_keys: frozenset[str], after_paragraph: bool) -> str:
    """The body a tracker sent, from the text `escape_body` wrote (or a person did)."""
    if "\\" not in text:
        return text
    lines = [_ESCAPED_COMMENT_RE.sub(r"\1:", line) for line in text.split("\n")]
    kept = _kept(lines, after_paragraph, [False] * len(lines))
    return "\n".join(
        line if i in kept else _unescaped_line(line, item_keys) for i, line in enumerate(lines)
    )


def clean_body(body: str) -> str:
    """A body as a file can hold it: line breaks as LF, no NUL (see `printable`), no blank
    lines around it."""
    return printable(body).replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _lines(body: str) -> list[str]:
    """The body's lines; lines of nothing but spaces are empty (as they read)."""
    return [line if line.strip() else "" for line in clean_body(body).split("\n")]


def _kept(lines: list[str], after_paragraph: bool, done: list[bool]) -> set[int]:
    """Lines of the code fences and raw HTML blocks that close and hold no escaped line:
    written as they are. A body that does not follow a paragraph may follow a blank line, or a
    list and a blank line (a heading item's `- **Status**: …` bullets), where an indented first
    line joins that list item: a block is kept only if it closes read either way."""
    leads = [["text"]] if after_paragraph else [[], ["- text", ""]]
    closed = set.intersection(*(set(_closed_blocks(lines, lead)) for lead in leads))
    kept: set[int] = set()
    for first, last in closed:
        if not any(done[first : last + 1]):
            kept.update(range(first, last + 1))
    return kept


def _closed_blocks(lines: list[str], lead: list[str]) -> Iterable[tuple[int, int]]:
    """(first, last) lines of each code fence and raw HTML block (kinds 1-5) markdown-it finds
    that ends inside the body, read after the `lead` lines: one that nothing closes would run
    on past it (a line of text after the body tells which: it swallows that line too)."""
    for token in block_markdown().parse("\n".join([*lead, *lines, "text"])):
        if token.type not in ("fence", "html_block") or not token.map:
            continue
        first, end = token.map[0] - len(lead), token.map[1] - len(lead)
        start = _block_start(lines[first]) if 0 <= first < len(lines) else None
        if start is None or start[1]:
            continue  # an HTML block that ends at a blank line: looked at line by line
        if end <= len(lines):
            yield first, end - 1


def _block_start(line: str) -> tuple[int, int] | None:
    """(where, backslashes there) when the line's content, after its indentation, container
    markers and any backslashes, would start a block."""
    at = len(line) - len(line.lstrip(" \t"))
    while True:
        slashes = len(line) - at - len(line[at:].lstrip("\\"))
        if _BLOCK_START_RE.match(line, at + slashes):
            return at, slashes
        container = None if slashes else _CONTAINER_RE.match(line, at)
        if container is None:
            return None
        at = container.end()


def _field_colon(line: str, item_keys: frozenset[str]) -> tuple[int, int] | None:
    """(where, backslashes there) before the colon of a line that reads as an item's field."""
    bold = _BOLD_FIELD_RE.match(line)
    if bold:
        group = "inside" if bold.group("inside") is not None else "after"
        return bold.start(group), len(bold.group(group))
    plain = _PLAIN_FIELD_RE.match(line)
    if plain and normalize_key(plain.group("key")) in item_keys:
        return plain.start("slashes"), len(plain.group("slashes"))
    return None


def _escape_point(line: str, item_keys: frozenset[str]) -> tuple[int, int] | None:
    return _block_start(line) or _field_colon(line, item_keys)


def _escaped_line(line: str, item_keys: frozenset[str]) -> str:
    point = _escape_point(line, item_keys)
    return line if point is None else line[: point[0]] + "\\" + line[point[0] :]


def _unescaped_line(line: str, item_keys: frozenset[str]) -> str:
    point = _escape_point(line, item_keys)
    if point is None or point[1] == 0:
        return line
    return line[: point[0]] + line[point[0] + 1 :]
