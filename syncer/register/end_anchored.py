"""Patterns that only match at the end of a text (`…$`), searched only when they can match.

Python's `re` tries a search at every position of the text, a few microseconds a line, and the
reader looks for trailing links, tags, markers and `@owner`s on every item line. Such a pattern
ends in one of a few characters (`)`, `]`, `>`), which most lines do not end with: a look at the
last character that is not blank decides for them, and the search runs for the rest.
"""

from __future__ import annotations

import re
import sys


class EndAnchored:
    """`pattern`, which only matches text whose last character outside `blank` is in `ends`
    (or, when `unless` is given, text holding that character anywhere)."""

    def __init__(
        self, pattern: re.Pattern[str], ends: str, blank: str | None, unless: str = ""
    ) -> None:
        self.pattern = pattern
        self.ends = frozenset(ends)
        assert not any(c.isalnum() for c in ends + (blank or ""))
        self.blank = blank
        """What may follow the last character that decides (a line break too: `$` matches
        before one); None: any whitespace."""
        self.unless = unless

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        end = endpos if endpos < len(text) else len(text)
        if pos < end and text[end - 1].isalnum():  # most texts: neither an ending nor blank
            deciding = False
        else:
            tail = text[pos:end].rstrip(self.blank)
            deciding = bool(tail) and tail[-1] in self.ends
        if deciding or (self.unless and text.find(self.unless, pos, end) >= 0):
            return self.pattern.search(text, pos, endpos)
        return None
