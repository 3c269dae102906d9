"""Link edits: writing an item's links to its tracker issues and taking one out again.

A link is the item's identity across a sync (DESIGN §1 Identity), so it must read back as
itself; where it goes depends on the item's kind (a `Tracked in` field under a heading, the end
of a checkbox or bullet line, after a table row's title).
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.register.edit_fields import insert_field
from syncer.register.items import ItemKind, Register
from syncer.register.spans import HIDDEN_LINK_RE, TRACKER_LINK_RE
from syncer.register.splice import EditError, Splices, line_end, skip_newline, splice_at
from syncer.register.vocabulary import LINK_FIELD, LINK_KEYS, normalize_key


def link_edits(register: Register, key: str, text: str, url: str, hidden: bool = False) -> Splices:
    """Write the item's link to a tracker issue (DESIGN §1 Identity); no-op if present."""
    return links_edits(register, key, [(text, url)], hidden)


def links_edits(
    register: Register, key: str, links: Sequence[tuple[str, str]], hidden: bool = False
) -> Splices:
    """Write several (text, url) links into one item at once: links to two trackers made in
    one cycle share one `Tracked in` line, as a person would write them. Present ones are
    skipped."""
    item = register.item(key)
    source = register.text
    present = {link.url for link in item.links}
    new = [(text, url) for text, url in dict.fromkeys(links) if url not in present]
    if not new:
        return []
    form, pattern = ("[{}]({})", TRACKER_LINK_RE)
    if hidden:
        form, pattern = ("<!-- syncer: {} {} -->", HIDDEN_LINK_RE)
    written = [form.format(text, url) for text, url in new]
    if not all(pattern.fullmatch(link) for link in written):
        raise EditError(f"{item.title!r}: a link must read back as itself, not {written!r}")
    if item.kind is ItemKind.HEADING:
        if hidden:
            end = line_end(source, item.at[0])
            return splice_at((end, end), " " + " ".join(written))
        existing = next((f for f in item.fields if normalize_key(f.name) in LINK_KEYS), None)
        if existing is not None:
            return splice_at((existing.at[1], existing.at[1]), ", " + ", ".join(written))
        return insert_field(register, item, LINK_FIELD, ", ".join(written))
    if item.kind in (ItemKind.CHECKBOX, ItemKind.BULLET):
        end = line_end(source, item.at[0])
        return splice_at((end, end), " " + " ".join(written))
    anchor = max([item.title_at[1], *(link.at[1] for link in item.links)])
    return splice_at((anchor, anchor), " " + " ".join(written))


def unlink_edits(register: Register, key: str, url: str) -> Splices:
    """Take an issue's link out of the item (the issue is gone); the item itself stays."""
    item = register.item(key)
    text = register.text
    link = next((link for link in item.links if link.url == url), None)
    if link is None:
        return []
    holder = next((f for f in item.fields if f.at[0] <= link.at[0] and link.at[1] <= f.at[1]), None)
    if (
        holder is not None
        and text[holder.at[0] : holder.at[1]].strip() == text[link.at[0] : link.at[1]]
    ):
        return splice_at((holder.line_at[0], skip_newline(text, holder.line_at[1])), "")
    start, end = link.at
    if text[max(0, start - 2) : start] == ", ":
        start -= 2
    elif text[end : end + 2] == ", ":
        end += 2
    elif text[start - 1 : start] == " ":
        start -= 1
    return splice_at((start, end), "")
