"""One-line values a tracker sends (titles, field values, cells), escaped for where they land,
and the register's values read back as the text they stand for.

Why: a tracker title written as is can become structure. `Clean up** [org/repo#2](…) **x`
written into a checkbox line was a link, and the next runs closed and overwrote the wrong
issues. So every value is written with CommonMark's own escapes — a backslash before the ASCII
punctuation that would start something, a numeric character reference (`&#x2705;`) for the
status emoji a heading would lose at its edges — and can never form a link, a syncer comment, a
checkbox, a heading, a table cell, a bold title, a status marker, a priority tag, an `@owner`
or a `(due …)` date. Only what could start something is escaped (`old_api_handler` keeps its
underscores), so titles stay readable.

Reading undoes it the way CommonMark reads text: a backslash before ASCII punctuation is
dropped and a numeric character reference is its character, except inside code spans, which
stay as written. Spans and the raw text stay exact; only the values read change.
"""

from __future__ import annotations

import re
from enum import Enum

from syncer.register.items import ItemKind, Register
from syncer.register.vocabulary import DECOR_EMOJI, MARKER_LEAD_RE, MARKER_TRAIL_RE, Vocabulary

PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
"""What a backslash escapes in CommonMark: ASCII punctuation, nothing else."""


class Place(Enum):
    """Where a one-line value lands: each place has its own ways to be misread."""

    HEADING = "heading"
    """An item heading's title: `#`, numbering, status markers and emoji at its edges."""
    CHECKBOX = "checkbox"
    """A checkbox line's title: what ends the line is `@owners`, `(due …)`, `(P1)`."""
    CELL = "cell"
    """A table cell."""
    FIELD = "field"
    """The value of a `**Field**: value` line."""

    @classmethod
    def of(cls, kind: ItemKind) -> Place:
        """Where an item of `kind` holds its title."""
        lines = {ItemKind.HEADING: cls.HEADING, ItemKind.CHECKBOX: cls.CHECKBOX}
        return lines.get(kind, cls.CHECKBOX if kind is ItemKind.BULLET else cls.CELL)


_ALWAYS = frozenset("`*~[]|")
"""Code spans, emphasis and bold titles, strikes (done), links and tags, table cells."""
_REFERENCE_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_NUMERIC_RE = re.compile(r"&#(?:(?P<dec>[0-9]{1,7})|[xX](?P<hex>[0-9a-fA-F]{1,6}));")
_LINE_END_TOKEN_RE = re.compile(r"\((?:\s*P[0-4]\s*[)\]]|due)", re.IGNORECASE)
"""A `(P1)` tag or a `(due 2027-01-10)` date, which a title must not end with."""
_TAG_OPEN_RE = re.compile(r"[(\[]\s*P[0-4]\s*$", re.IGNORECASE)
"""Before the bracket closing a `(P1)` tag: both brackets are escaped, since the tag reader
does not care what precedes the opening one."""
_HANDLE_START_RE = re.compile(r"@[A-Za-z0-9]")
_CLOSING_HASHES_RE = re.compile(r"(?<=[ \t])#+$")
_LIST_NUMBER_RE = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_UNWRITABLE_RE = re.compile("[\x00\ud800-\udfff]")
"""NUL (a file holding one is binary) and lone surrogates (not UTF-8): written as U+FFFD."""


def printable(text: str) -> str:
    return _UNWRITABLE_RE.sub("\ufffd", text)


def escape_value(text: str, place: Place, vocab: Vocabulary | None = None) -> str:
    """`text` (one line) as it is written at `place`, so that it reads back as `text`."""
    text = printable(text)
    out: list[str] = []
    for i, char in enumerate(text):
        if _needs_backslash(text, i, place):
            out.append("\\")
        out.append(char)
    escaped = "".join(out)
    if place is Place.HEADING:
        escaped = _without_markers(escaped, vocab or Vocabulary.default())
    return escaped


def written_value(register: Register, value: str, place: Place) -> str:
    """A tracker's value as `register` writes it at `place`: on one line, escaped, in the
    document's encoding damage."""
    one_line = " ".join(value.split())
    return register.damage.apply(escape_value(one_line, place, register.vocabulary))


def fits_after_title(paragraph: str) -> bool:
    """Whether a paragraph can follow a checkbox's title on its line as it is (`**Title** -
    summary`) and read back as itself: one line that needs no escaping there and starts with
    neither a block nor a title separator."""
    return (
        paragraph == " ".join(paragraph.split()) != ""
        and not re.match(r"[-*+#>`|\d:\u2013\u2014]", paragraph)
        and escape_value(paragraph, Place.CHECKBOX) == paragraph
    )


def _needs_backslash(text: str, i: int, place: Place) -> bool:
    char = text[i]
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if char == "\\":
        return not after or after in PUNCTUATION
    if char in _ALWAYS:
        return True
    if char == "_":  # only where it could open or close emphasis: `old_api_handler` stays
        return not (before.isalnum() and after.isalnum())
    if char == "<":  # a tag, a comment, an autolink
        return after != "" and after.isascii() and (after.isalpha() or after in "/!?")
    if char == "!":  # `<!--` must never be whole, not even escaped: the link finder is a regex
        return before == "<"
    if char == "&":
        return _REFERENCE_RE.match(text, i) is not None
    if place is Place.CELL:  # a cell of dashes alone stands for "nothing" (a placeholder row)
        return i == 0 and not text.strip("-\u2013\u2014 ")
    if place is Place.FIELD:
        return False
    if char == "(":
        return _LINE_END_TOKEN_RE.match(text, i) is not None
    if char == ")":
        return _TAG_OPEN_RE.search(text, 0, i) is not None
    if place is Place.CHECKBOX:
        return char == "@" and not before.strip() and _HANDLE_START_RE.match(text, i) is not None
    return _heading_needs_backslash(text, i)


def _heading_needs_backslash(text: str, i: int) -> bool:
    """At a heading title's start: numbering (`1.`, `#12:`), a list, quote or setext line;
    at its end: a closing `#` run."""
    char = text[i]
    if char == "#":
        closing = _CLOSING_HASHES_RE.search(text)
        return i == 0 or (closing is not None and closing.start() <= i)
    if i == 0:
        return char in "-+=>"
    return char in ".)" and _LIST_NUMBER_RE.fullmatch(text, 0, min(len(text), i + 2)) is not None


def _without_markers(escaped: str, vocab: Vocabulary) -> str:
    """A heading title that cannot be read as carrying a status marker (`DONE: x`,
    `x (blocked)`, `✅ x`): the marker's colon or bracket escaped, edge emoji as references."""
    lead = MARKER_LEAD_RE.match(escaped)
    if lead and lead.group("word") and vocab.is_marker(lead.group("word")):
        escaped = escaped[: lead.end("word")] + "\\" + escaped[lead.end("word") :]
    trail = MARKER_TRAIL_RE.search(escaped)
    if trail and vocab.is_marker(trail.group("word")):
        at = trail.start("word") - 1
        escaped = escaped[:at] + "\\" + escaped[at:]
    left = len(escaped) - len(escaped.lstrip(DECOR_EMOJI + " "))
    right = len(escaped) - len(escaped.rstrip(DECOR_EMOJI + " "))
    if left == len(escaped):
        return _references(escaped)
    middle = escaped[left : len(escaped) - right]
    return _references(escaped[:left]) + middle + _references(escaped[len(escaped) - right :])


def _references(text: str) -> str:
    return "".join(f"&#x{ord(c):x};" if c in DECOR_EMOJI else c for c in text)


def read_value(raw: str) -> str:
    """What a value written in the register says: backslash escapes dropped, numeric character
    references decoded, code spans as written."""
    if "\\" not in raw and "&#" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw) and raw[i + 1] in PUNCTUATION:
            out.append(raw[i + 1])
            i += 2
        elif char == "`":
            end = _code_span_end(raw, i)
            out.append(raw[i:end])
            i = end
        elif char == "&" and (decoded := _decoded(raw, i)) is not None:
            out.append(decoded[0])
            i = decoded[1]
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _code_span_end(raw: str, start: int) -> int:
    """Where the code span opened by the backtick run at `start` ends (after its closing run
    of the same length); just after the run when nothing closes it."""
    opening = re.match(r"`+", raw[start:])
    assert opening is not None
    width = opening.end()
    for run in re.finditer(r"`+", raw[start + width :]):
        if run.end() - run.start() == width:
            return start + width + run.end()
    return start + width


def _decoded(raw: str, start: int) -> tuple[str, int] | None:
    found = _NUMERIC_RE.match(raw, start)
    if found is None:
        return None
    code = int(found.group("dec")) if found.group("dec") else int(found.group("hex"), 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), found.end()
