"""Which headings are items (and why): a heading is an item when its own section holds item
fields; the document's title never is."""

from __future__ import annotations

from syncer.register.document import Document
from syncer.register.fields import FieldLine


def item_headings(doc: Document, fields: list[FieldLine]) -> dict[int, str]:
    """Heading index → the reason it is an item."""
    keys: dict[int, list[str]] = {}
    for f in fields:
        if f.key in doc.item_keys:
            keys.setdefault(doc.governing(f.line), []).append(f.field.name)
    return {
        i: f"heading with item fields ({', '.join(dict.fromkeys(names))})"
        for i, names in keys.items()
        if i != -1 and i != doc.doc_title
    }
