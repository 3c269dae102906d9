"""Derived views kept true when items change status: summary tables and front-matter counters.

Registers restate their items: a "Progress" table with a row and a status cell per item, a
`tasks_completed: 3` in the front matter. When a cycle changes an item's status, a view left
as it was would contradict the item it restates. `view_edits` returns the splices that keep
them true, computed on the same parse as the items' own edits and applied with them:

- a row of a summary table (a table, not itself items, whose rows mostly restate the
  document's items) gets the new status in its status cell, in the phrase that table already
  writes for it (else the document's phrase), when the cell does not already say it;
- a front-matter counter whose name says which state it counts (`tasks_completed`, `done`,
  `open_items`, `in_progress`) moves by how many items entered or left that state. Moving by
  the difference, rather than recounting, keeps whatever the author counts (sub-tasks too).

Only the bytes of a cell's text or a counter's digits change. `set_status` stays the item's own
lines (one edit, one item); callers changing statuses add `view_edits` once for the batch.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from syncer.model import Status
from syncer.register.edit_status import status_phrase
from syncer.register.items import Item, ItemKind, Register
from syncer.register.plain import as_status
from syncer.register.restate import TitleIndex, title_words
from syncer.register.splice import Splice, Splices
from syncer.register.table_cells import row_cells
from syncer.register.vocabulary import STATUS_KEYS, normalize_key

OPEN = frozenset({Status.TODO, Status.IN_PROGRESS})
COUNTED: tuple[tuple[str, frozenset[Status]], ...] = (
    ("in_progress", frozenset({Status.IN_PROGRESS})),
    ("wip", frozenset({Status.IN_PROGRESS})),
    ("ongoing", frozenset({Status.IN_PROGRESS})),
    ("not_started", frozenset({Status.TODO})),
    ("todo", frozenset({Status.TODO})),
    *((word, frozenset({Status.DONE})) for word in
      ("completed", "complete", "done", "closed", "finished", "resolved", "fixed")),
    *((word, OPEN) for word in ("open", "remaining", "pending", "outstanding", "unresolved")),
)  # fmt: skip
"""Words in a counter's name and the states it then counts, first match wins."""
NOT_COUNTS = frozenset({"percent", "pct", "rate", "ratio", "total", "date", "at", "on", "by"})
"""Words naming something other than a count of items in a state (`completed_at`)."""

_FRONT_MATTER_OPEN = re.compile(r"\ufeff?---[ \t]*(?:\r\n|\r|\n)")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_COUNTER_RE = re.compile(
    r"^[ \t]*(?P<key>[A-Za-z][\w -]*?)[ \t]*:[ \t]*(?P<count>\d+)[ \t]*(?:#.*)?$", re.MULTILINE
)
_DELIMITER_RE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_LIST_RE = re.compile(r"[,;&+]|\s(?:and|or)\s", re.IGNORECASE)
_FENCE_RE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")


def view_edits(register: Register, statuses: Mapping[str, Status | str]) -> Splices:
    """Splices keeping the register's views true once item `key` reads `statuses[key]`."""
    by_key = {item.key: item for item in register.items}
    changes = {
        key: new
        for key, value in statuses.items()
        if (new := as_status(value)) is not by_key[key].status
    }
    if not changes:
        return []
    moves = [(by_key[key].status, new) for key, new in changes.items()]
    return _counter_edits(register.text, moves) + _table_edits(register, by_key, changes)


# --- front-matter counters --------------------------------------------------------------------


def _counter_edits(text: str, moves: list[tuple[Status, Status]]) -> Splices:
    opened = _FRONT_MATTER_OPEN.match(text)
    if opened is None:
        return []
    closed = _FRONT_MATTER_END.search(text, opened.end())
    if closed is None:
        return []
    splices: Splices = []
    for line in _COUNTER_RE.finditer(text, opened.end(), closed.start()):
        counted = counted_states(line.group("key"))
        if counted is None:
            continue
        delta = sum((new in counted) - (old in counted) for old, new in moves)
        count = max(0, int(line.group("count")) + delta)
        if delta and str(count) != line.group("count"):
            splices.append(Splice(line.start("count"), line.end("count"), str(count)))
    return splices


def counted_states(key: str) -> frozenset[Status] | None:
    """The states a front-matter key counts (`tasks_completed` → done), None if not a counter."""
    words = re.sub(r"([a-z])([A-Z])", r"\1_\2", key).lower()
    words = "_".join(re.findall(r"[a-z]+", words))
    if NOT_COUNTS.intersection(words.split("_")):
        return None
    padded = f"_{words}_"
    return next((states for word, states in COUNTED if f"_{word}_" in padded), None)


# --- summary tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    start: int
    """Offset of the row's line in the text."""
    cells: list[tuple[int, int, str]]


@dataclass(frozen=True)
class _Table:
    status_col: int
    rows: list[_Row]


def _table_edits(
    register: Register, by_key: dict[str, Item], changes: dict[str, Status]
) -> Splices:
    item_lines = {item.line for item in register.items if item.kind is ItemKind.TABLE_ROW}
    tables = list(_tables(register, item_lines))
    if not tables:
        return []
    known = TitleIndex(item.title for item in register.items)
    exact: dict[frozenset[str], list[Item]] = {}
    for item in register.items:
        exact.setdefault(title_words(item.title), []).append(item)
    changed = [(by_key[key], TitleIndex([by_key[key].title]), new) for key, new in changes.items()]
    splices: Splices = []
    for table in tables:
        title_col = _title_column(register, table, known)
        if title_col is None:
            continue
        for row in table.rows:
            if max(title_col, table.status_col) >= len(row.cells):
                continue
            title = _cell_text(register, row.cells[title_col][2])
            new = _restated_change(title, exact, changed)
            if new is not None:
                splices += _status_cell(register, table, row, new)
    return splices


def _tables(register: Register, item_lines: set[int]) -> Iterator[_Table]:
    """Pipe tables outside code fences with a status column, whose rows are not items."""
    lines = [register.line_text(n).rstrip("\r\n") for n in range(1, len(register.line_starts) + 1)]
    fence = ""
    n = 0
    while n < len(lines):
        opener = _FENCE_RE.match(lines[n])
        if opener and (not fence or opener.group(1).startswith(fence)):
            fence = "" if fence else opener.group(1)[0] * 3
        elif n and not fence and "|" in lines[n - 1] and _is_delimiter(lines[n]):
            end = n + 1
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                end += 1
            table = _table(register, lines, n - 1, range(n + 1, end), item_lines)
            if table is not None:
                yield table
            n = end
            continue
        n += 1


def _is_delimiter(line: str) -> bool:
    """A table's `|---|:--:|` line (a `---` rule has no pipe)."""
    return "|" in line and _DELIMITER_RE.fullmatch(line) is not None


def _table(
    register: Register, lines: list[str], header: int, body: range, item_lines: set[int]
) -> _Table | None:
    if not body or any(index + 1 in item_lines for index in body):
        return None
    names = [normalize_key(_cell_text(register, c[2])) for c in row_cells(lines[header])]
    status_col = next((i for i, name in enumerate(names) if name in STATUS_KEYS), None)
    if status_col is None:
        return None
    starts = register.line_starts
    rows = [_Row(starts[index], row_cells(lines[index])) for index in body]
    return _Table(status_col, rows)


def _title_column(register: Register, table: _Table, known: TitleIndex) -> int | None:
    """The column whose cells restate the document's items in most rows, if more than half do
    (the parser's rule for a summary view); None for a table of something else."""
    hits: Counter[int] = Counter()
    for row in table.rows:
        for col, (_, _, raw) in enumerate(row.cells):
            if col != table.status_col and known.restates(_cell_text(register, raw)):
                hits[col] += 1
    if not hits:
        return None
    col, count = hits.most_common(1)[0]
    return col if count * 2 > len(table.rows) else None


def _restated_change(
    title: str,
    exact: dict[frozenset[str], list[Item]],
    changed: list[tuple[Item, TitleIndex, Status]],
) -> Status | None:
    """The new status of the changed item a row restates. A row naming an item exactly is that
    item's (changed or not); a row listing several things (`A, B and C`, a roadmap's) is no
    one item's; otherwise exactly one changed item must match, or none is meant."""
    named = exact.get(title_words(title), [])
    if len(named) == 1:
        return next((new for item, _, new in changed if item is named[0]), None)
    if named or _LIST_RE.search(title):
        return None
    matches = {new for _, index, new in changed if index.restates(title)}
    return matches.pop() if len(matches) == 1 else None


def _status_cell(register: Register, table: _Table, row: _Row, status: Status) -> Splices:
    start, end, raw = row.cells[table.status_col]
    if register.vocabulary.status_of(register.damage.repair(raw)) is status:
        return []
    return [Splice(row.start + start, row.start + end, _table_phrase(register, table, status))]


def _table_phrase(register: Register, table: _Table, status: Status) -> str:
    """The phrase this table writes for `status` most often, else the document's."""
    vocab, repair = register.vocabulary, register.damage.repair
    written = Counter(
        raw
        for row in table.rows
        if table.status_col < len(row.cells)
        for raw in [row.cells[table.status_col][2]]
        if vocab.status_of(repair(raw)) is status and vocab.reusable(repair(raw))
    )
    return written.most_common(1)[0][0] if written else status_phrase(register, status)


def _cell_text(register: Register, raw: str) -> str:
    """A cell as words: repaired, without emphasis, strike-through or code marks."""
    return register.damage.repair(raw).strip().strip("*_~`").strip()
