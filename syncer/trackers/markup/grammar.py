"""jira2markdown's grammar with our elements, built once and tried by first character.

`jira2markdown.convert` rebuilds its grammar on every call (a fifth of a second each) and tries
every element at every position; this one, built once, tries only the elements that can begin
with the character at hand, which makes it fast enough for thousands of issues.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pyparsing import Forward, ParseException, ParserElement, Token

from syncer.trackers.markup.elements import ELEMENTS, STARTS


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
def jira_grammar() -> Forward:
    """jira2markdown's grammar with our elements and dispatch, built once
    (`jira2markdown.convert` rebuilds it on every call, a fifth of a second each)."""
    inline_markup, markup = Forward(), Forward()

    def dispatch(classes: list[type]) -> _FirstCharDispatch:
        built = [(cls(inline_markup, markup, {}).expr, STARTS[cls]) for cls in classes]
        return _FirstCharDispatch(built)

    inline_markup <<= dispatch([cls for cls in ELEMENTS if cls.is_inline_element])
    markup <<= dispatch(list(ELEMENTS))
    return markup
