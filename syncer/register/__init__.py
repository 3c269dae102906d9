"""The register: a hand-written Markdown document read into items and edited span by span.

Pure: takes text, returns values and new text. No file, network or database access here.
Each edit exists twice: `set_status(...) -> str` for one change, `status_edits(...) -> Splices`
to batch many changes computed on the same parse and `apply` them in one pass; `view_edits`
adds, once per batch, what keeps the summary tables and counters restating items true.
"""

from syncer.register.edit import (
    EditError,
    NewItem,
    Splice,
    Splices,
    add_item,
    add_item_edits,
    add_link,
    apply,
    body_edits,
    field_edits,
    lead_edits,
    link_edits,
    links_edits,
    priority_edits,
    remove_edits,
    remove_item,
    remove_link,
    set_body,
    set_field,
    set_priority,
    set_status,
    set_title,
    status_edits,
    title_edits,
    unlink_edits,
)
from syncer.register.items import Field, Item, ItemKind, Link, Register
from syncer.register.parse import parse
from syncer.register.rules import RegisterRules
from syncer.register.views import view_edits

__all__ = [
    "EditError",
    "Field",
    "Item",
    "ItemKind",
    "Link",
    "NewItem",
    "Register",
    "RegisterRules",
    "Splice",
    "Splices",
    "add_item",
    "add_item_edits",
    "add_link",
    "apply",
    "body_edits",
    "field_edits",
    "lead_edits",
    "link_edits",
    "links_edits",
    "parse",
    "priority_edits",
    "remove_edits",
    "remove_item",
    "remove_link",
    "set_body",
    "set_field",
    "set_priority",
    "set_status",
    "set_title",
    "status_edits",
    "title_edits",
    "unlink_edits",
    "view_edits",
]
