"""The register: a hand-written Markdown document read into items and edited span by span.

Pure: takes text, returns values and new text. No file, network or database access here.
"""

from syncer.register.edit import (
    EditError,
    NewItem,
    add_item,
    add_link,
    remove_item,
    set_body,
    set_field,
    set_priority,
    set_status,
    set_title,
)
from syncer.register.items import Field, Item, ItemKind, Link, Register
from syncer.register.parse import parse
from syncer.register.rules import RegisterRules

__all__ = [
    "EditError",
    "Field",
    "Item",
    "ItemKind",
    "Link",
    "NewItem",
    "Register",
    "RegisterRules",
    "add_item",
    "add_link",
    "parse",
    "remove_item",
    "set_body",
    "set_field",
    "set_priority",
    "set_status",
    "set_title",
]
