"""The document as lines: where each line's content starts and ends, and its line breaks.

Lines split on CR, LF and CRLF only (as markdown-it does), so line numbers agree with the block
structure and every value read keeps its exact character span.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, filterfalse, islice

NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_FRONT_MATTER_RE = re.compile(
    r"\A(?P<fence>---|\+\+\+)[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*[\w.-]+[ \t]*[:=]"
    r"(?:[^\r\n]*(?:\r\n|\r|\n))*?(?:(?P=fence)|\.\.\.)[ \t]*(?=\r\n|\r|\n|\Z)"
)
"""YAML (`---`) or TOML (`+++`) front matter opening the document with a `key:` line."""


@dataclass(frozen=True)
class Lines:
    """Each line's content (`rows`) and where it starts and ends in the original text
    (newlines excluded). The rows are split once: item readers look at a line many times.

    Tuples, not lists: a tuple of strings or numbers leaves the garbage collector's watch the
    first time it is looked at, where a list of a hundred thousand lines would be walked
    through again by every full collection while the parse runs."""

    text: str
    rows: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Lines:
        if "\r" in text:
            rows = NEWLINE_RE.split(text)
            breaks = [len(b) for b in NEWLINE_RE.findall(text)]
        else:  # most documents: one split in C
            rows = text.split("\n")
            breaks = [1] * (len(rows) - 1)
        widths = [0] * (2 * len(rows) - 1)
        widths[0::2] = map(len, rows)
        widths[1::2] = breaks
        offsets = list(accumulate(widths, initial=0))  # start, end, start, end... of each row
        if text.startswith("\ufeff"):
            offsets[0] = 1
            rows[0] = rows[0][1:]
        return cls(text, tuple(rows), tuple(offsets[0::2]), tuple(offsets[1::2]))

    def __getitem__(self, i: int) -> str:
        return self.rows[i]

    def __len__(self) -> int:
        return len(self.rows)

    def non_ascii(self) -> str:
        """The lines holding anything but ASCII (the first with its byte order mark), one a
        line: all the text that can be damaged or hold a status emoji, which is read in a
        fraction of the time the whole document would take (`str.isascii` is a flag)."""
        rows = filterfalse(str.isascii, islice(self.rows, 1, None))
        return "\n".join([self.text[: self.ends[0]], *rows])

    def blank(self, i: int) -> bool:
        return not self.rows[i].strip()


def without_front_matter(text: str) -> str:
    """The text with its front matter blanked (line breaks kept, so line numbers hold): front
    matter is metadata for site generators, and Markdown would read it as a heading."""
    found = _FRONT_MATTER_RE.match(text)
    if found is None:
        return text
    return re.sub(r"[^\r\n]+", "", found.group(0)) + text[found.end() :]


def newline_of(text: str) -> str:
    """The document's most common line break, for new lines to use."""
    head = text[:200_000]
    if "\r" not in head:
        return "\n"
    found = Counter(m.group(0) for m in NEWLINE_RE.finditer(head))
    return found.most_common(1)[0][0] if found else "\n"
