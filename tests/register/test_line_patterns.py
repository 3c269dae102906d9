"""The reader's line patterns give the same answers as the plain regular expressions they speed
up: a search that only runs when the last character can end a match, and a greedy heading
pattern for headings without a closing `#` run, and table cell borders found one match a
border."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.register.end_anchored import EndAnchored
from syncer.register.spans import ATX_RE, OPEN_ATX_RE, TRAILING_LINKS_RE, TRAILING_META_RE
from syncer.register.table_cells import _pipes
from syncer.register.vocabulary import MARKER_TRAIL_RE, PRIORITY_TAG_RE

PATTERNS = {
    "trailing links": TRAILING_LINKS_RE,
    "trailing meta": TRAILING_META_RE,
    "marker trail": MARKER_TRAIL_RE,
    "priority tag": PRIORITY_TAG_RE,
}
# pieces the patterns are made of, and what sits around them on real lines
PIECES = [
    "[org/repo#12](https://x.io/1)", "[ABC-7](http://j/ABC-7)", "<!-- syncer: o/r#1 https://x -->",
    "@dana", "(due 2027-01-10)", "(P1)", "[p0]", "(blocked)", "[WIP]", "(", ")", "[", "]", "<",
    ">", "-->", ",", " ", "\t", "\n", "\u00a0", "title", "a", "1", "#", ":", "✅",
]  # fmt: skip
lines = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)


def spans(match: re.Match[str] | None) -> tuple[int, int] | None:
    return None if match is None else match.span()


@pytest.mark.parametrize("name", PATTERNS)
@given(text=lines, cut=st.tuples(st.integers(0, 80), st.integers(0, 80)))
def test_end_anchored_search_finds_what_the_pattern_finds(
    name: str, text: str, cut: tuple[int, int]
) -> None:
    anchored = PATTERNS[name]
    assert isinstance(anchored, EndAnchored)
    pos, endpos = min(cut), max(cut)
    assert spans(anchored.search(text)) == spans(anchored.pattern.search(text))
    assert spans(anchored.search(text, pos, endpos)) == spans(
        anchored.pattern.search(text, pos, endpos)
    )


headings = st.lists(st.sampled_from(["#", "##", " ", "\t", "Title", "x#", "\u00a0"]), max_size=6)


@given(rest=headings, hashes=st.sampled_from(["#", "##", "######"]))
def test_a_heading_without_a_closing_run_reads_as_the_full_pattern_reads_it(
    rest: list[str], hashes: str
) -> None:
    line = hashes + "".join(rest)
    if line.rstrip(" \t").endswith("#"):
        return  # a closing run: the full pattern reads it
    full, open_ = ATX_RE.match(line), OPEN_ATX_RE.match(line)
    assert (full is None) == (open_ is None)
    if full is None or open_ is None:
        return
    if open_.group("text") is None:  # no text: the full pattern finds none, or none at the end
        assert full.group("text") in (None, "")
        assert full.group("text") is None or full.start("text") == len(line)
    else:
        assert open_.span("text") == full.span("text")


BORDER_RE = re.compile(r"\\.|`(?:\\.|[^`\\])*`?|(?P<pipe>\|)", re.DOTALL)
"""The plain rule: at each character an escape, code up to its closing backtick (or the line's
end), or a pipe outside both, which is a cell border."""


@given(row=st.lists(st.sampled_from(["|", "`", "\\", "a", " ", "``", "\\|"]), max_size=14))
def test_cell_borders_are_the_pipes_the_plain_rule_finds(row: list[str]) -> None:
    line = "".join(row)
    plain = [m.start() for m in BORDER_RE.finditer(line) if m.group("pipe")]
    assert _pipes(line) == plain
