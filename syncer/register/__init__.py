"""The register: a hand-written Markdown document read into items and edited span by span.

Pure: takes text, returns values and new text. No file, network or database access here.
Each edit exists twice: `set_status(...) -> str` for one change, `status_edits(...) -> Splices`
to batch many changes computed on the same parse and `apply` them in one pass; `view_edits`
adds, once per batch, what keeps the summary tables and counters restating items true.

Its names are loaded on first use (PEP 562): the configuration needs `RegisterRules`, and an
idle cycle stops before parsing (`syncer.sync.idle`), so neither should pay for the parser.
(The parser's module is `parsing`, not `parse`: a submodule named like a name exported here
would replace that name on the package once imported.)
"""

from typing import TYPE_CHECKING

from syncer.lazy import lazy_names

if TYPE_CHECKING:
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
    from syncer.register.parsing import parse
    from syncer.register.rules import RegisterRules
    from syncer.register.views import view_edits

_HOMES = {
    "EditError": "edit",
    "NewItem": "edit",
    "Splice": "edit",
    "Splices": "edit",
    "add_item": "edit",
    "add_item_edits": "edit",
    "add_link": "edit",
    "apply": "edit",
    "body_edits": "edit",
    "field_edits": "edit",
    "lead_edits": "edit",
    "link_edits": "edit",
    "links_edits": "edit",
    "priority_edits": "edit",
    "remove_edits": "edit",
    "remove_item": "edit",
    "remove_link": "edit",
    "set_body": "edit",
    "set_field": "edit",
    "set_priority": "edit",
    "set_status": "edit",
    "set_title": "edit",
    "status_edits": "edit",
    "title_edits": "edit",
    "unlink_edits": "edit",
    "Field": "items",
    "Item": "items",
    "ItemKind": "items",
    "Link": "items",
    "Register": "items",
    "parse": "parsing",
    "RegisterRules": "rules",
    "view_edits": "views",
}

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

__getattr__ = lazy_names(__name__, _HOMES)
