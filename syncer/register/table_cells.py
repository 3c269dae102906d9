"""Where each cell of a Markdown table row is: shared by the reader (table items) and the views
(summary tables kept true), so both split a row the same way."""

from __future__ import annotations

import re
from itertools import pairwise

_PIPE_RE = re.compile(r"\|")
_TO_BORDER_RE = re.compile(r"(?:[^\\`|]++|\\.?|`(?:\\.|[^`\\])*+`?)*+\|", re.DOTALL)
"""Up to the next cell border: runs of plain text, escapes (a backslash and what it escapes),
code (up to its closing backtick, or the line's end), then a pipe outside both. Possessive,
and matched from where the last border ended: one match a border, scanned in C."""


def row_cells(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each cell of a table row, trimmed; pipes in code or escaped skip."""
    cells: list[tuple[int, int, str]] = []
    bounds = _pipes(line)
    stripped = line.strip()
    if not stripped.startswith("|"):
        bounds.insert(0, -1)
    if not stripped.endswith("|") or (bounds and bounds[-1] < len(line.rstrip()) - 1):
        bounds.append(len(line.rstrip()))
    for left, right in pairwise(bounds):
        raw = line[left + 1 : right]
        lead = len(raw) - len(raw.lstrip())
        content = raw.strip()
        cells.append((left + 1 + lead, left + 1 + lead + len(content), content))
    return cells


def _pipes(line: str) -> list[int]:
    """Where the cell borders are: every pipe, except escaped ones and those inside code (a
    backtick opens code up to the next one, or to the line's end)."""
    if "\\" not in line and "`" not in line:  # most rows: every pipe is a border
        return [m.start() for m in _PIPE_RE.finditer(line)]
    borders, at = [], 0
    while (border := _TO_BORDER_RE.match(line, at)) is not None:
        at = border.end()
        borders.append(at - 1)
    return borders
