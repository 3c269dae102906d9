"""Status and priority edits: the markers, phrases, strikes, checkbox marks and `(P1)` tags
that say how far along an item is and how much it matters.

These are the edits a sync cycle makes most, and each reads the document's own habits first
(the phrase its items already use for a status, its checkbox marks, emoji or words) so that
the new value looks written by the same hand. `edit_add` reuses the same phrases and marks
for the items it writes.
"""

from __future__ import annotations

import re
from collections import Counter

from syncer.model import Priority, Status
from syncer.register.edit_fields import drop_line, insert_field
from syncer.register.items import Item, ItemKind, Register
from syncer.register.plain import as_priority, as_status
from syncer.register.spans import is_struck, strike_marks
from syncer.register.splice import EditError, Splice, Splices, line_end, splice_at
from syncer.register.vocabulary import TAG_RE

_DEFAULT_PHRASES = {
    Status.DONE: ("✅ Done", "Done"),
    Status.IN_PROGRESS: ("🚧 In Progress", "In Progress"),
    Status.TODO: ("🔴 Not Started", "Todo"),
}
PRIORITY_TAGS = {Priority.CRITICAL: "P0", Priority.HIGH: "P1", Priority.MEDIUM: "P2",
                 Priority.LOW: "P3"}  # fmt: skip


def status_phrase(register: Register, status: Status) -> str:
    """The phrase this document writes for `status`, as raw (possibly damaged) text."""
    vocab = register.vocabulary
    raws = [
        register.text[item.status_at[0] : item.status_at[1]]
        for item in register.items
        if item.status_at and item.kind is not ItemKind.CHECKBOX and item.status is status
    ]
    reusable = [r for r in raws if r and vocab.reusable(register.damage.repair(r))]
    if reusable:
        return Counter(reusable).most_common(1)[0][0]
    for raw in raws:
        meaning = register.damage.repair(raw)
        match = vocab.status_match(meaning)
        if match and match.start() == 0 and not match.group(0)[0].isalnum():
            word = _DEFAULT_PHRASES[status][1]
            return register.damage.apply(f"{match.group(0)} {word}")
    emoji, words = _DEFAULT_PHRASES[status]
    return register.damage.apply(emoji if _uses_emoji(register) else words)


def _marker(register: Register, item: Item, status: Status) -> str:
    """A status marker for a heading (`✅`, `WIP` in `[WIP]`): one of the same kind (emoji or
    word) the document's headings already use for `status`, else the default emoji or word
    in the old marker's case."""
    vocab, text = register.vocabulary, register.text
    assert item.status_at is not None
    old = text[item.status_at[0] : item.status_at[1]]
    used = [
        text[i.status_at[0] : i.status_at[1]]
        for i in register.items
        if i.status_in_title and i.status_at and i.status is status
    ]
    used = [
        u
        for u in used
        if u[0].isalnum() == old[0].isalnum()
        and u.isupper() == old.isupper()
        and vocab.reusable(register.damage.repair(u))
    ]
    if used:
        return Counter(used).most_common(1)[0][0]
    emoji, _ = _DEFAULT_PHRASES[status]
    if not old[0].isalnum():
        return register.damage.apply(emoji.split()[0])
    word = _MARKER_WORDS[status]
    return word if old.isupper() else word.lower()


_MARKER_WORDS = {Status.DONE: "DONE", Status.IN_PROGRESS: "WIP", Status.TODO: "TODO"}


def _uses_emoji(register: Register) -> bool:
    values = [register.damage.repair(i.raw_status) for i in register.items if i.status_at]
    values = [v for v in values if v and not v.startswith("[")]
    return bool(values) and sum(1 for v in values if not v[0].isascii()) * 2 > len(values)


def status_edits(register: Register, key: str, status: Status | str) -> Splices:
    """Mark item `key` as `status`; nothing to do when it already reads so."""
    status = as_status(status)
    item = register.item(key)
    if item.status is status:
        return []
    if item.kind is ItemKind.CHECKBOX:
        assert item.status_at is not None
        mark = splice_at(item.status_at, checkbox_mark(register, status))
        return mark + _strike(register, item, done=False)
    if item.status_in_title:
        assert item.status_at is not None
        return splice_at(item.status_at, _marker(register, item, status))
    if item.status_at is not None:
        return splice_at(item.status_at, status_phrase(register, status))
    if item.kind in (ItemKind.TABLE_ROW, ItemKind.BULLET):
        struck = _strike(register, item, status is Status.DONE)
        if status is Status.DONE or (struck and status is Status.TODO):
            return struck
        # done by its section, or in progress: a tag after the title (and its strike) says so
        marks = strike_marks(register.text, item.title_at) if struck else None
        end = item.summary_at[1] if item.summary_at else item.title_at[1] + (marks or (0, 0))[1]
        return [*struck, Splice(end, end, f" ({_MARKER_WORDS[status].lower()})")]
    return insert_field(register, item, "Status", status_phrase(register, status))


def checkbox_mark(register: Register, status: Status) -> str:
    """The box mark for `status` in the case and form (`x`/`X`, `~`/`/`) the document uses."""
    marks = Counter(
        register.text[i.status_at[0] : i.status_at[1]]
        for i in register.items
        if i.kind is ItemKind.CHECKBOX and i.status_at
    )
    if status is Status.DONE:
        return "X" if marks["X"] > marks["x"] else "x"
    if status is Status.IN_PROGRESS:
        return "~" if marks["~"] >= marks["/"] and marks["~"] else "/" if marks["/"] else " "
    return " "


def _strike(register: Register, item: Item, done: bool) -> Splices:
    """Strike the title through (done: table rows without a status column) or lift the strike
    (an item struck through reads done, whatever else it says). A struck title that a note
    follows (`~~Title~~ (why dropped)`) turns bold instead, so the title keeps its bounds."""
    start, end = item.title_at
    if done == is_struck(register.text, item.title_at):
        return []
    if done:
        return [Splice(start, start, "~~"), Splice(end, end, "~~")]
    noted = item.summary_at is not None and register.text[slice(*item.summary_at)].strip()
    lifted = "**" if noted else ""
    left, right = strike_marks(register.text, item.title_at) or (2, 2)
    return [Splice(start - left, start, lifted), Splice(end, end + right, lifted)]


def priority_edits(register: Register, key: str, priority: Priority | str | None) -> Splices:
    priority = as_priority(priority)
    item = register.item(key)
    text = register.text
    if item.priority is priority:
        return []
    if item.priority_at is not None:
        holder = next((f for f in item.fields if f.at == item.priority_at), None)
        if priority is None and holder is not None and item.kind is ItemKind.HEADING:
            return drop_line(text, holder)
        raw = text[item.priority_at[0] : item.priority_at[1]]
        return splice_at(item.priority_at, _priority_value(register, raw, priority))
    tag = tag_after_title(text, item)
    if tag is not None:
        at = (tag.start("tag"), tag.end("tag"))
        if priority is None:
            return splice_at((tag.start(), tag.end()), "")
        return splice_at(at, PRIORITY_TAGS[priority])
    if priority is None:
        raise EditError(f"{item.title!r} takes its priority from its section")
    if item.kind is ItemKind.HEADING:
        return insert_field(register, item, "Priority", priority.value.capitalize())
    if item.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        # at the end of the text, before owners, due dates and links: where a tag is read
        end = item.summary_at[1] if item.summary_at else item.title_at[1]
        return splice_at((end, end), f" ({PRIORITY_TAGS[priority]})")
    raise EditError(f"the table holding {item.title!r} has no priority column")


def _priority_value(register: Register, raw: str, priority: Priority | None) -> str:
    """Swap the priority word inside a value ("Low - not blocking MVP"), keeping its note and
    its scale ("Sev-2" becomes "Sev-1", not "Critical")."""
    if priority is None:
        return ""
    match = register.vocabulary.priority_match(raw)
    if match is None:
        return priority.value.capitalize()
    word = register.vocabulary.priority_word(match.group(0), priority)
    return raw[: match.start()] + word + raw[match.end() :]


def tag_after_title(text: str, item: Item) -> re.Match[str] | None:
    """The `(P1)` tag written after the item's title on its first line, if any."""
    return TAG_RE.search(text, item.title_at[1], line_end(text, item.title_at[1]))
