"""The one shape every register edit takes: a `Splice` of an exact span, applied in one pass.

The edit modules (`edit_status`, `edit_fields`, `edit_links`, `edit_remove`, `edit_add`) each
compute splices against the same parse; this module holds what they share so that none of
them depends on another for it: the `Splice` itself, `apply`, `EditError`, and the few
offsets and encodings every edit needs (line ends, newlines, the document's own line endings
and encoding damage).
"""

from __future__ import annotations

from dataclasses import dataclass

from syncer.register.items import Register, Span


class EditError(ValueError):
    """The register cannot hold this change where the item is (e.g. a body in a table row)."""


@dataclass(frozen=True, order=True)
class Splice:
    """Replace text[start:end] with `new`: the one shape every edit takes."""

    start: int
    end: int
    new: str
    order: int = 0
    """Among insertions at one offset, lower goes first: text appended to an item's last line
    (a link, 0), then a body opened after it (BODY), then new items placed after it (ITEM)."""


Splices = list[Splice]
BODY, ITEM = 1, 2


def splice_at(at: Span, new: str) -> Splices:
    """The one splice that replaces the span `at` with `new`."""
    return [Splice(at[0], at[1], new)]


def apply(text: str, splices: Splices) -> str:
    """Apply non-overlapping splices computed against the same text, in one pass."""
    out, pos = [], 0
    for splice in sorted(splices, key=lambda s: (s.start, s.end, s.order)):
        if splice.start < pos:
            raise EditError("two edits of the same text overlap")
        out += [text[pos : splice.start], splice.new]
        pos = splice.end
    out.append(text[pos:])
    return "".join(out)


def line_end(text: str, offset: int) -> int:
    """Offset of the end of the line holding `offset` (before its newline)."""
    ends = [i for i in (text.find("\r", offset), text.find("\n", offset)) if i != -1]
    return min(ends) if ends else len(text)


def encode(register: Register, new: str) -> str:
    """New text as the document would hold it: its line endings and encoding damage."""
    return register.damage.apply(new.replace("\r\n", "\n").replace("\n", register.newline))


def skip_newline(text: str, offset: int) -> int:
    """Offset just past the line break at `offset` (`\r\n`, `\n` or `\r`), if one is there."""
    if text.startswith("\r\n", offset):
        return offset + 2
    return offset + 1 if text.startswith(("\n", "\r"), offset) else offset
