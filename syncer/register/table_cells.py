"""Where each cell of a Markdown table row is: shared by the reader (table items) and the views
(summary tables kept true), so both split a row the same way."""

from __future__ import annotations

import re
from itertools import pairwise

_PIPE_RE = re.compile(r"\|")


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
    """Where the cell borders are: every pipe, except escaped ones and those inside code."""
    if "\\" not in line and "`" not in line:  # most rows: every pipe is a border
        return [m.start() for m in _PIPE_RE.finditer(line)]
    bounds: list[int] = []
    in_code = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        elif ch == "|" and not in_code:
            bounds.append(i)
        i += 1
    return bounds
