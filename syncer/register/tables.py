"""Table items: one item per row of a table with a title-like column (in any language, or the
widest text column beside an ID column); summary views, legends and placeholder rows hold none.
"""

from __future__ import annotations

from syncer.model import Status
from syncer.register.document import Document
from syncer.register.escape import read_value
from syncer.register.items import Field, Item, ItemKind, title_key
from syncer.register.restate import TitleIndex
from syncer.register.spans import STRUCK_RE, TRAILING_LINKS_RE, inside, plain
from syncer.register.table_cells import row_cells as cells
from syncer.register.vocabulary import (
    DESCRIPTION_COLUMNS,
    ID_COLUMNS,
    MARKER_TRAIL_RE,
    NEGATIONS,
    PRIORITY_KEYS,
    STATUS_KEYS,
    TITLE_COLUMNS,
    is_placeholder,
)

_Cell = tuple[int, str, bool, bool, bool]
"""A cell read as a field: column, name, whether it is the status, the priority, and whether
the item lists it among its fields."""


def table_items(
    doc: Document, owned: list[tuple[int, int]], others: list[Item]
) -> tuple[list[Item], int]:
    """The rows of item tables, and how many item tables there are (one holding only a
    placeholder row still says the register is a table, an empty one)."""
    items: list[Item] = []
    tables = 0
    known: TitleIndex | None = None  # built once, for the first item table
    title_names = tuple(c.lower() for c in doc.rules.title_columns) + TITLE_COLUMNS
    read: dict[str, _Columns | None] = {}  # tables with the same header row read it once
    for header, rows in doc.blocks.tables:
        if header < 0 or not rows or inside(owned, header + 1):
            continue
        line = doc.lines.rows[header]
        if line not in read:
            names = [doc.repair(c[2]).strip() for c in cells(line)]
            title_col = _title_column(names, title_names)
            read[line] = None if title_col is None else _Columns(names, title_col)
        columns = read[line]
        if columns is None:
            continue
        tables += 1
        known = known or TitleIndex(item.title for item in others)
        header_of = _Header(doc, columns, doc.governing(header))
        table = [item for row in rows if (item := _row_item(doc, row, header_of)) is not None]
        if not _restates_most(table, known):  # else a summary view of items already held
            items.extend(table)
    return items, tables


class _Header:
    """A table as its rows are read: its columns, and the section its rows are in, with what
    it says of their priority and status (a table holds no heading)."""

    def __init__(self, doc: Document, columns: _Columns, heading: int) -> None:
        self.section = doc.section(heading)
        self.section_priority, self.section_status = doc.inherited(heading)
        self.title_col = columns.title_col
        self.reason = columns.reason
        self.plan = columns.plan


class _Columns:
    """A header row's columns: names, the title column, and the columns whose cells are the
    row's status and priority (the last such column the row reaches)."""

    def __init__(self, names: list[str], title_col: int) -> None:
        self.names = names
        self.title_col = title_col
        self.title_name = names[title_col]
        self.reason = f"row of a table with title column {self.title_name!r}"
        keys = [plain(name) for name in names]
        self.status_cols = [c for c, k in enumerate(keys) if k in STATUS_KEYS and c != title_col]
        self.priority_cols = [
            c for c, k in enumerate(keys) if k in PRIORITY_KEYS and c != title_col
        ]
        self.plans: dict[int, list[_Cell]] = {}

    def name(self, col: int) -> str:
        return self.names[col] if col < len(self.names) else f"Column {col + 1}"

    def plan(self, width: int) -> list[_Cell]:
        """The cells of a row of `width` cells read as fields (made once a width: the rows of
        the tables under this header share it). A column named as the title column is the
        title, or a status or priority cell never listed among the item's fields."""
        found = self.plans.get(width)
        if found is None:
            status, priority = _last(self.status_cols, width), _last(self.priority_cols, width)
            cells = [
                (col, name, col == status, col == priority, name != self.title_name)
                for col in range(width)
                if (name := self.name(col)) != self.title_name or col in (status, priority)
            ]
            found = self.plans[width] = cells
        return found


def _last(cols: list[int], width: int) -> int:
    """The last of `cols` a row of `width` cells reaches, or -1."""
    return next((c for c in reversed(cols) if c < width), -1)


def _restates_most(table: list[Item], known: TitleIndex) -> bool:
    """Whether more than half the rows restate items the document holds, deciding as soon as
    the rows seen settle it (a table of new items is known for one after half its rows)."""
    needed = len(table) // 2 + 1
    restated = missed = 0
    for item in table:
        if known.restates(item.title):
            restated += 1
        else:
            missed += 1
        if restated >= needed or missed > len(table) - needed:
            break
    return bool(table) and restated >= needed


def _title_column(names: list[str], columns: tuple[str, ...]) -> int | None:
    """The column holding titles: the first title-like name (`Title`, `Tarea`, `问题`), or a
    description column (`Description`, `描述`) beside an ID, status or priority column."""
    lowered = [plain(n) if n.strip() != "#" else "#" for n in names]
    found = next((lowered.index(c) for c in columns if c in lowered), None)
    if found is None:
        found = next((i for i, n in enumerate(lowered) if n in DESCRIPTION_COLUMNS), None)
    if found is None or lowered[found] not in DESCRIPTION_COLUMNS:
        return found
    beside = ID_COLUMNS | STATUS_KEYS | PRIORITY_KEYS
    return found if any(n in beside for i, n in enumerate(lowered) if i != found) else None


def _placeholder_row(row: list[tuple[int, int, str]], title_col: int) -> bool:
    """A row standing for "nothing yet": every other cell a dash, and the title a dash or a
    "no …" (`| - | - |`, `| - | No critical debt | - |`)."""
    if len(row) < 2 or title_col >= len(row):
        return False  # no cell but the title, or none for it
    for col, (_, _, raw) in enumerate(row):
        if col != title_col and not _dash(raw):
            return False
    title = row[title_col][2]
    return _dash(title) or is_placeholder(title) or title.lower().split()[0] in NEGATIONS


def _dash(raw: str) -> bool:
    return bool(raw) and not raw.strip("-\u2013\u2014 ")


def _row_item(doc: Document, row: int, header: _Header) -> Item | None:
    row_cells = cells(doc.lines.rows[row])
    title_col = header.title_col
    if title_col >= len(row_cells) or _placeholder_row(row_cells, title_col):
        return None
    base, row_end = doc.lines.starts[row], doc.lines.ends[row]
    row_at = (base, row_end)
    fields, status_cell, priority_cell = [], None, None
    repair = doc.repair
    for col, name, is_status, is_priority, listed in header.plan(len(row_cells)):
        start, end, raw = row_cells[col]
        cell = Field(name, read_value(repair(raw)), (base + start, base + end), row_at)
        if is_status:
            status_cell = cell
        elif is_priority:
            priority_cell = cell
        if listed:
            fields.append(cell)
    start, end, _ = row_cells[title_col]
    title_cell = (base + start, base + end)
    links = doc.inline_links(title_cell[0], title_cell[1])
    trailing = TRAILING_LINKS_RE.search(doc.text, title_cell[0], title_cell[1])
    title_at = (title_cell[0], trailing.start() if trailing else title_cell[1])
    marker = None if status_cell else MARKER_TRAIL_RE.search(doc.text, *title_at)
    if marker and not doc.vocab.is_marker(doc.repair(marker.group("word"))):
        marker = None
    if marker:  # `Title (open)`: the row's own status, where it has no status column
        title_at = (title_at[0], marker.start())
    inner = STRUCK_RE.fullmatch(doc.text, title_at[0], title_at[1])
    if inner:
        title_at = inner.span("inner")
    struck = inner is not None
    title = read_value(doc.repair(doc.text[title_at[0] : title_at[1]]).strip())
    if not title:
        return None
    if status_cell is not None and status_cell.value:
        status = doc.vocab.status_of(status_cell.value) or Status.TODO
        raw_status = status_cell.value
    elif marker:
        raw_status = doc.repair(marker.group("word"))
        status = doc.vocab.status_of(raw_status) or Status.TODO
    else:
        status = Status.DONE if struck else header.section_status or Status.TODO
        raw_status = "~~" if struck else ""
    priority = (
        priority_cell and doc.vocab.priority_of(priority_cell.value)
    ) or header.section_priority
    return Item(
        key=title_key(title),
        kind=ItemKind.TABLE_ROW,
        title=title,
        status=status,
        raw_status=raw_status,
        priority=priority,
        line=row + 1,
        span=(row + 1, row + 1),
        section=header.section,
        body="",
        fields=tuple(fields),
        links=tuple(links),
        reason=header.reason,
        at=row_at,
        title_at=title_at,
        status_at=status_cell.at if status_cell else marker.span("word") if marker else None,
        priority_at=priority_cell.at if priority_cell else None,
        body_at=(row_end, row_end),
        status_in_title=marker is not None,
    )
