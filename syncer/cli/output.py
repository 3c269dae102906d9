"""Tables for people in a terminal, plain lines for everything else.

In a terminal a table is drawn with rich, fitted to the window. Outside one (cron, CI, a pipe,
a file) rich would assume 80 columns and cut cells short (`regi…`, `crea…`), so there a table
is written as plain aligned text at its full width: nothing cut, nothing drawn, easy to grep.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

Justify = str
"""`left` or `right`."""


def show_table(
    console: Console,
    title: str,
    columns: Sequence[tuple[str, Justify]],
    rows: Sequence[Sequence[str]],
) -> None:
    """`rows` under `columns` (name, justification): drawn in a terminal, plain elsewhere."""
    if console.is_terminal:
        table = Table(title=title, title_justify="left")
        for name, justify in columns:
            table.add_column(
                name, justify="right" if justify == "right" else "left", overflow="fold"
            )
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    console.print(title, highlight=False, markup=False, soft_wrap=True)
    for line in plain_lines(columns, rows):
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def plain_lines(columns: Sequence[tuple[str, Justify]], rows: Sequence[Sequence[str]]) -> list[str]:
    """The table as aligned lines, two spaces between columns, every cell whole (a line break
    inside a cell is shown as `⏎`, so one row stays one line)."""
    cells = [[name for name, _ in columns]] + [
        [cell.replace("\n", "⏎") for cell in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(width) if justify == "right" else cell.ljust(width)
            for cell, width, (_, justify) in zip(row, widths, columns, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return lines
