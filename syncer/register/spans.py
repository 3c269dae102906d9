"""Inline syntax read from a line's own characters: field lines, checkbox marks, bold and
struck leads, tracker links, table cells. Each pattern keeps the span of what it reads."""

from __future__ import annotations

import re
from bisect import bisect_right

from syncer.register.end_anchored import EndAnchored
from syncer.register.items import Span
from syncer.register.vocabulary import (
    BOLD_FIELD_LEAD,
    PLAIN_FIELD_LEAD,
    TAG_RE,
)

TRIMMED = r".*[^ \t]"
"""Text up to the last character that is not a space or tab: what a lazy `.*?` before `[ \t]*$`
reads, found in one greedy run instead of trying the line's end at every character."""
ATX_RE = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
OPEN_ATX_RE = re.compile(rf"^ {{0,3}}(?P<hashes>#{{1,6}})(?:[ \t]+(?P<text>{TRIMMED}))?[ \t]*$")
"""`ATX_RE` for a heading that does not end with `#` (no closing sequence), in one greedy
run; its text is None rather than empty when there is none."""
FIELD_RE = re.compile(
    BOLD_FIELD_LEAD + rf"(?::(?P=open)|(?P=open)[ \t]*:)[ \t]*(?P<value>(?:{TRIMMED})?)[ \t]*$"
)
PLAIN_FIELD_RE = re.compile(PLAIN_FIELD_LEAD + rf":[ \t]+(?P<value>\S(?:{TRIMMED})?)[ \t]*$")
"""`Status: Done`, `- Priority: high`: a field only when its key is item vocabulary."""
CHECKBOX_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])[ \t]+\[(?P<mark>[ xX~/-])\]"
    rf"(?:[ \t]+(?P<text>{TRIMMED}))?[ \t]*$"
)
BARE_CHECKBOX_RE = re.compile(
    rf"^(?P<indent>)(?P<marker>)\[(?P<mark>[ xX])\](?:[ \t]+(?P<text>{TRIMMED}))?[ \t]*$"
)
"""A `[ ] task` line with no list marker: Markdown renders it as text, people mean a task."""
LEAD_RE = re.compile(
    r"(?P<open>\*\*|__|~~)(?P<title>(?:\\.|[^\\])+?)(?P=open)"
    r"(?P<sep>[ \t]*[-\u2013\u2014:][ \t]*)?"
)
_LEADS = ("**", "__", "~~")
"""A title set apart by bold (`**Title** - summary`) or struck through (dropped); an escaped
`\\*` or `\\~` inside does not close it."""
STRUCK_RE = re.compile(r"~~(?P<inner>(?:\\.|[^~\\])(?:.*(?:\\.|[^~\\]))?)~~")
"""A wholly struck-through title (a table cell): done, and the title is what is inside."""
DEL_RE = re.compile(r"<(?P<tag>del|s|strike)>(?P<inner>.*?)</(?P=tag)>", re.IGNORECASE)
"""An HTML strike (`<del>title</del>`): done, as `~~title~~` is."""
_DEL_OPENING_RE = re.compile(r"<(del|s|strike)>\Z", re.IGNORECASE)
NUMBERING_RE = re.compile(r"^(?:\d{1,4}[.)]|#\d{1,4}:?)[ \t]+")
HANDLE = r"[A-Za-z0-9][\w.-]*"
"""An `@handle` naming an owner at the end of a checkbox line (without its `@`)."""
_CHECKBOX_META = (
    rf"@(?P<owner>{HANDLE})"
    r"|\(due:?[ \t]*(?P<due>\d{4}-\d{2}-\d{2})\)"
    r"|<!--.*?-->"
    r"|" + TAG_RE.pattern
)
CHECKBOX_META_RE = re.compile(rf"[ \t]+(?:{_CHECKBOX_META})", re.IGNORECASE)
TRAILING_META_RE = EndAnchored(
    re.compile(rf"(?:[ \t]+(?:{_CHECKBOX_META}))+[ \t]*$", re.IGNORECASE),
    ends=")>]",
    blank=" \t\n",
    unless="@",
)
"""What ends a checkbox line without being its title: `@owner`s, `(due 2027-01-10)`, HTML
comments, a `(P1)` tag, in any order."""
TRACKER_LINK_RE = re.compile(
    r"\[(?P<text>[\w.-]+(?:/[\w.-]+)+#\d+|[A-Z][A-Z0-9_]+-\d+)\]\((?P<url>https?://[^)\s]+)\)"
)
HIDDEN_LINK_RE = re.compile(r"<!--\s*syncer:\s*(?P<text>\S+)\s+(?P<url>\S+)\s*-->")
TRAILING_LINKS_RE = EndAnchored(
    re.compile(
        r"(?:[ \t]*(?:"
        + TRACKER_LINK_RE.pattern
        + r"|"
        + HIDDEN_LINK_RE.pattern.replace("(?P<text>", "(?P<htext>").replace("(?P<url>", "(?P<hurl>")
        + r")[ \t]*,?)+$"
    ),
    ends=")>",
    blank=" \t,\n",
)


PUNCTUATION_RE = re.compile(r"[^\w\s]")
"""What is neither a word character nor a space: emoji, punctuation."""


def inside(owned: list[tuple[int, int]], line: int) -> bool:
    """Whether 1-based `line` lies in one of the sorted, disjoint (first, last) ranges."""
    at = bisect_right(owned, (line, 1 << 62)) - 1
    return at >= 0 and owned[at][0] <= line <= owned[at][1]


def strike_marks(text: str, at: Span) -> tuple[int, int] | None:
    """The lengths of the strike around the title at `at` (`~~title~~`, `<del>title</del>`),
    or None when it is not struck through."""
    if at[0] >= 2 and text[at[0] - 2 : at[0]] == "~~" == text[at[1] : at[1] + 2]:
        return 2, 2
    if text[at[0] - 1 : at[0]] != ">":  # no tag closes there: most titles
        return None
    opening = _DEL_OPENING_RE.search(text[max(0, at[0] - 8) : at[0]])
    if opening and text[at[1] : at[1] + 9].lower().startswith(f"</{opening.group(1).lower()}>"):
        return len(opening.group(0)), len(opening.group(0)) + 1
    return None


def is_struck(text: str, at: Span) -> bool:
    """Whether the title at `at` is struck through (`~~title~~`, `<del>`): dropped or done."""
    return strike_marks(text, at) is not None


def lead_title(text: str, start: int, end: int) -> tuple[Span, Span | None]:
    """(title span, summary span) of an item line: `**Title** - summary`, `~~Title~~ …`
    (the title without its tildes), or plain text."""
    lead = LEAD_RE.match(text, start, end) if text.startswith(_LEADS, start) else None
    if lead is None:
        return (start, end), None
    title_at = (lead.start("title"), lead.end("title"))
    summary_start = lead.end()
    return title_at, (summary_start, max(summary_start, end))


def plain(name: str) -> str:
    """A header or key as words only: `**Status** ✅` → `status`."""
    return " ".join(PUNCTUATION_RE.sub(" ", name).lower().split())
